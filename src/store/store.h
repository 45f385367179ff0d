/*
 * The store: the one interface to durable state, with a SQLite and a
 * PostgreSQL backend chosen by the database URL. Every function is safe
 * to call from many threads at once. Nothing above the store writes SQL.
 *
 * Strings and buffers a function returns through an out-parameter belong
 * to the caller, who releases them with the matching _free function.
 */
#ifndef PKIAAS_STORE_H
#define PKIAAS_STORE_H

#include <stddef.h>
#include <stdint.h>

enum store_result {
	STORE_OK = 0,
	STORE_NOT_FOUND,   /* no such row */
	STORE_CONFLICT,	   /* a unique key or an expected value did not hold */
	STORE_UNAVAILABLE, /* the database cannot be reached; retry later */
	STORE_ERROR,	   /* anything else; the store has logged the cause */
};

struct store;

/*
 * Opens the database named by url: NULL, "" or "sqlite:" for
 * DATA_DIR/pkiaas.db, "sqlite:PATH" for another file, or a libpq URL
 * ("postgres://..." or "postgresql://..."). pool_size bounds the
 * connections held open. Does not run migrations.
 */
enum store_result store_open(const char *url, const char *data_dir,
			     int pool_size, struct store **out);
void store_close(struct store *st);

/* "sqlite" or "postgres". */
const char *store_backend(const struct store *st);

/*
 * Brings the schema to the newest migration, each in its own transaction,
 * and records it in schema_version. Safe when several nodes start at once.
 * *from and *to (either may be NULL) receive the versions before and after.
 */
enum store_result store_migrate(struct store *st, int *from, int *to);

/* The newest migration applied, or 0 on an empty database. */
enum store_result store_schema_version(struct store *st, int *version);

/* One round trip to the database: what /readyz asks. */
enum store_result store_ping(struct store *st);

/* How many calls have ended in STORE_UNAVAILABLE or STORE_ERROR. */
uint64_t store_error_count(const struct store *st);

/* Server-wide settings: small named values shared by every node. */
enum store_result store_setting_get(struct store *st, const char *name,
				    uint8_t **value, size_t *len);
/* Inserts a setting; STORE_CONFLICT when it already exists. */
enum store_result store_setting_insert(struct store *st, const char *name,
				       const uint8_t *value, size_t len);

#include "store/store_accounts.h"
#include "store/store_acme.h"
#include "store/store_audit.h"
#include "store/store_pki.h"
#include "store/store_revocation.h"

/*
 * The server's own TLS material: slot "server" holds the certificate the
 * HTTPS port presents (issued by the system tenant's bootstrap CA) and
 * its key, sealed by the key-encryption key before it reaches the store.
 */
struct store_tls {
	uint8_t *cert_der;
	size_t cert_len;
	uint8_t *key_sealed;
	size_t key_len;
	int64_t not_after; /* seconds since the epoch */
};

enum store_result store_tls_get(struct store *st, const char *slot,
				struct store_tls *out);
/*
 * Writes a slot. With expect_not_after 0 the slot must be empty; otherwise
 * it must still hold the certificate with that not_after, so that of
 * several nodes renewing at once exactly one wins (the others get
 * STORE_CONFLICT and read the winner's).
 */
enum store_result store_tls_put(struct store *st, const char *slot,
				const struct store_tls *tls,
				int64_t expect_not_after);
void store_tls_free(struct store_tls *tls);

#endif
