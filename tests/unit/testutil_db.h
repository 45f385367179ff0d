/*
 * Databases for the unit tests, on the backend that PKIAAS_TEST_BACKEND
 * names (sqlite, the default, or postgres, in the test cluster whose
 * folder PKIAAS_TEST_PG names), and plain SQL beside the store. Failures
 * end the test through cmocka.
 */
#ifndef PKIAAS_TESTUTIL_DB_H
#define PKIAAS_TESTUTIL_DB_H

#include <stddef.h>

/* 1 when the tests run on PostgreSQL, 0 on SQLite. */
int testutil_on_postgres(void);

/*
 * The URL of a new empty database: "sqlite:DIR/NAME.db" under
 * testutil_tmpdir(), or a new database in the PostgreSQL test cluster.
 */
void testutil_db_url(char *url, size_t n);

/* The name of the database at a PostgreSQL url (after the last '/'). */
const char *testutil_db_name(const char *url);

/* Drops the database testutil_db_url made, on PostgreSQL (SQLite: none). */
void testutil_db_drop(const char *url);

/*
 * Runs sql on the database at url beside the store, and returns the
 * integer in the first column of its first row (0 when none).
 */
long long testutil_db_int(const char *url, const char *sql);

/* Runs sql on the database at url beside the store. */
void testutil_db_exec(const char *url, const char *sql);

/* testutil_db_int on the PostgreSQL test cluster's postgres database. */
long long testutil_pg_admin(const char *sql);

/* A store on a new database of testutil_db_url, for a test's fixture. */
struct testutil_store {
	struct store *st;
	char url[512];
};

/*
 * Opens a store of pool connections on a new database, migrated when
 * migrate is set; NULL is never returned (a failure ends the test).
 */
struct testutil_store *testutil_store_open(int pool, int migrate);
/* Closes the store and drops its database. Accepts NULL. */
void testutil_store_close(struct testutil_store *t);

#endif
