#include "testutil_db.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "store/store.h"
#include "testutil.h"

#define URL_MAX 512
#define SQL_MAX 160

int testutil_on_postgres(void)
{
	const char *b = getenv("PKIAAS_TEST_BACKEND");

	return b != NULL && strcmp(b, "postgres") == 0;
}

/* 12 random hex digits, to name a database. */
static void random_hex(char out[13])
{
	unsigned char b[6];

	assert_int_equal(getrandom(b, sizeof(b), 0), sizeof(b));
	for (size_t i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The URL of the test cluster's postgres database. */
static void pg_base_url(char *out, size_t n)
{
	const char *dir = getenv("PKIAAS_TEST_PG");
	char path[URL_MAX];
	FILE *f;

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/url", dir);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("no %s: start the cluster (tests/pg_cluster.sh)",
			 path);
	assert_non_null(fgets(out, (int)n, f));
	fclose(f);
	out[strcspn(out, "\r\n")] = '\0';
}

static long long pg_int(const char *url, const char *sql)
{
	PGconn *conn = PQconnectdb(url);
	PGresult *res;
	ExecStatusType status;
	long long v = 0;

	assert_int_equal(PQstatus(conn), CONNECTION_OK);
	res = PQexec(conn, sql);
	status = PQresultStatus(res);
	if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(conn));
	if (PQntuples(res) > 0 && PQnfields(res) > 0)
		v = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	PQfinish(conn);
	return v;
}

static int first_int(void *arg, int n, char **values, char **names)
{
	(void)names;
	if (n > 0 && values[0] != NULL)
		*(long long *)arg = strtoll(values[0], NULL, 10);
	return 0;
}

static long long sqlite_int(const char *url, const char *sql)
{
	long long v = 0;
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(strncmp(url, "sqlite:", strlen("sqlite:")), 0);
	assert_int_equal(sqlite3_open(url + strlen("sqlite:"), &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, sql, first_int, &v, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(db);
	return v;
}

long long testutil_pg_admin(const char *sql)
{
	char url[URL_MAX];

	pg_base_url(url, sizeof(url));
	return pg_int(url, sql);
}

void testutil_db_url(char *url, size_t n)
{
	char hex[13], sql[SQL_MAX], base[URL_MAX];

	random_hex(hex);
	if (testutil_on_postgres()) {
		snprintf(sql, sizeof(sql), "CREATE DATABASE t_%s", hex);
		testutil_pg_admin(sql);
		pg_base_url(base, sizeof(base));
		*strrchr(base, '/') = '\0';
		assert_true(snprintf(url, n, "%s/t_%s", base, hex) < (int)n);
	} else {
		assert_true(snprintf(url, n, "sqlite:%s/%s.db",
				     testutil_tmpdir(), hex) < (int)n);
	}
}

const char *testutil_db_name(const char *url)
{
	const char *slash = strrchr(url, '/');

	assert_non_null(slash);
	return slash + 1;
}

void testutil_db_drop(const char *url)
{
	char sql[SQL_MAX];

	if (!testutil_on_postgres())
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)",
		 testutil_db_name(url));
	testutil_pg_admin(sql);
}

long long testutil_db_int(const char *url, const char *sql)
{
	return testutil_on_postgres() ? pg_int(url, sql) : sqlite_int(url, sql);
}

void testutil_db_exec(const char *url, const char *sql)
{
	(void)testutil_db_int(url, sql);
}

struct testutil_store *testutil_store_open(int pool, int migrate)
{
	struct testutil_store *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	testutil_db_url(t->url, sizeof(t->url));
	assert_int_equal(store_open(t->url, NULL, pool, &t->st), STORE_OK);
	if (migrate)
		assert_int_equal(store_migrate(t->st, NULL, NULL), STORE_OK);
	return t;
}

void testutil_store_close(struct testutil_store *t)
{
	if (t == NULL)
		return;
	store_close(t->st);
	testutil_db_drop(t->url);
	free(t);
}
