/* The server's own TLS material, in slots "root" and "server". */
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

enum store_result store_tls_get(struct store *st, const char *slot,
				struct store_tls *out)
{
	const struct db_param p[] = {DB_TEXT(slot)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "tls_get",
		   "SELECT cert_der, key_sealed, not_after FROM server_tls "
		   "WHERE slot = $1",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = db_blob_copy(&rows, 0, 0, &out->cert_der, &out->cert_len);
	if (rc == STORE_OK)
		rc = db_blob_copy(&rows, 0, 1, &out->key_sealed, &out->key_len);
	out->not_after = db_int(&rows, 0, 2);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_tls_free(out);
	return rc;
}

/*
 * An insert when expect_not_after is 0, else an update that matches only
 * while the slot still holds that not_after: one statement either way,
 * so of several nodes exactly one wins.
 */
enum store_result store_tls_put(struct store *st, const char *slot,
				const struct store_tls *tls,
				int64_t expect_not_after)
{
	const struct db_param p[] = {
	    DB_TEXT(slot), DB_BLOB(tls->cert_der, tls->cert_len),
	    DB_BLOB(tls->key_sealed, tls->key_len), DB_INT(tls->not_after),
	    DB_INT(expect_not_after)};
	struct db_rows rows;
	enum store_result rc = db_run(
	    st, "tls_put",
	    expect_not_after == 0
		? "INSERT INTO server_tls (slot, cert_der, key_sealed, "
		  "not_after) VALUES ($1, $2, $3, $4)"
		: "UPDATE server_tls SET cert_der = $2, key_sealed = $3, "
		  "not_after = $4 WHERE slot = $1 AND not_after = $5",
	    p, expect_not_after == 0 ? 4 : 5, &rows);

	if (rc == STORE_OK && rows.changes != 1)
		rc = STORE_CONFLICT;
	db_rows_free(&rows);
	return rc;
}

void store_tls_free(struct store_tls *tls)
{
	if (tls == NULL)
		return;
	free(tls->cert_der);
	free(tls->key_sealed);
	memset(tls, 0, sizeof(*tls));
}
