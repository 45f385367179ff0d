/*
 * Used ACME nonces. A nonce carries its own expiry and MAC, so making
 * one needs no write; using one is an insert that a second use, on any
 * node, finds taken.
 */
#include "store/store_backend.h"

/* Expired uses forgotten per call: enough to keep ahead of the inserts. */
#define NONCE_PURGE_BATCH 4

enum store_result store_acme_nonce_use(struct store *st, const char *nonce,
				       int64_t expires_at, int64_t now)
{
	const struct db_param use[] = {DB_TEXT(nonce), DB_INT(expires_at)};
	const struct db_param old[] = {DB_INT(now), DB_INT(NONCE_PURGE_BATCH)};
	enum store_result rc =
	    db_run(st, "acme_nonce_use",
		   "INSERT INTO acme_nonces_used (nonce, expires_at) VALUES "
		   "($1, $2)",
		   use, DB_N(use), NULL);

	if (rc == STORE_OK)
		db_run(st, "acme_nonce_purge",
		       "DELETE FROM acme_nonces_used WHERE nonce IN (SELECT "
		       "nonce FROM acme_nonces_used WHERE expires_at < $1 "
		       "LIMIT $2)",
		       old, DB_N(old), NULL);
	return rc;
}
