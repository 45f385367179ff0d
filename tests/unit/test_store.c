/*
 * The store on the backend that PKIAAS_TEST_BACKEND names (sqlite, the
 * default, or postgres), each test on a new database of its own. On
 * PostgreSQL the databases are made in the cluster whose folder
 * PKIAAS_TEST_PG names. Registered once per backend:
 * PKIAAS_TEST_PER_BACKEND.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/migration.h"
#include "store/store.h"
#include "testutil.h"
#include "testutil_db.h"

#define POOL	    4
#define THREADS	    8
#define ROUNDS	    25
#define URL_MAX	    512
#define WAIT_ROUNDS 100 /* of 50 ms, waiting for PostgreSQL */

struct fixture {
	struct store *st;
	char url[URL_MAX];
};

static int newest_of(const struct migration *m)
{
	int newest = 0;

	for (; m->sql != NULL; m++)
		newest = m->number;
	return newest;
}

static int newest_migration(void)
{
	return newest_of(testutil_on_postgres() ? migrations_postgres
						: migrations_sqlite);
}

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	testutil_db_url(f->url, sizeof(f->url));
	assert_int_equal(store_open(f->url, NULL, POOL, &f->st), STORE_OK);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	testutil_db_drop(f->url);
	free(f);
	return 0;
}

/* The fixture's store, migrated. */
static struct store *migrated(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(store_migrate(f->st, NULL, NULL), STORE_OK);
	return f->st;
}

static void test_migrate(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	int from = -1, to = -1, version = -1, newest = newest_migration();

	assert_string_equal(store_backend(st),
			    testutil_on_postgres() ? "postgres" : "sqlite");
	assert_true(newest >= 1);
	assert_int_equal(store_schema_version(st, &version), STORE_OK);
	assert_int_equal(version, 0);

	assert_int_equal(store_migrate(st, &from, &to), STORE_OK);
	assert_int_equal(from, 0);
	assert_int_equal(to, newest);

	/* A second run finds nothing to do. */
	assert_int_equal(store_migrate(st, &from, &to), STORE_OK);
	assert_int_equal(from, newest);
	assert_int_equal(to, newest);
	assert_int_equal(store_schema_version(st, &version), STORE_OK);
	assert_int_equal(version, newest);
	assert_int_equal(store_ping(st), STORE_OK);
	assert_int_equal(store_error_count(st), 0);
}

static void test_settings(void **state)
{
	static const uint8_t value[] = {0x00, 0xff, 'a', 0x00, 0x80, 0x0a};
	static const uint8_t other[] = {0x01};
	struct store *st = migrated(state);
	uint8_t *got = NULL;
	size_t len = 99;

	assert_int_equal(store_setting_get(st, "kek_check", &got, &len),
			 STORE_NOT_FOUND);
	assert_int_equal(
	    store_setting_insert(st, "kek_check", value, sizeof(value)),
	    STORE_OK);
	assert_int_equal(store_setting_get(st, "kek_check", &got, &len),
			 STORE_OK);
	assert_int_equal(len, sizeof(value));
	assert_memory_equal(got, value, sizeof(value));
	free(got);

	/* The first value stays. */
	assert_int_equal(
	    store_setting_insert(st, "kek_check", other, sizeof(other)),
	    STORE_CONFLICT);
	assert_int_equal(store_setting_get(st, "kek_check", &got, &len),
			 STORE_OK);
	assert_memory_equal(got, value, sizeof(value));
	free(got);

	/* An empty value is a value, not a missing one. */
	assert_int_equal(store_setting_insert(st, "empty", NULL, 0), STORE_OK);
	assert_int_equal(store_setting_get(st, "empty", &got, &len), STORE_OK);
	assert_int_equal(len, 0);
	assert_non_null(got);
	free(got);
	assert_int_equal(store_error_count(st), 0);
}

static void test_tenants(void **state)
{
	struct store *st = migrated(state);
	struct store_tenant a = {
	    .id = "ida", .name = "alpha", .created_at = 1000};
	struct store_tenant same_name = {
	    .id = "idb", .name = "alpha", .created_at = 1001};
	struct store_tenant same_id = {
	    .id = "ida", .name = "beta", .created_at = 1002};
	struct store_tenant b = {
	    .id = "idb", .name = "beta", .created_at = 1003};
	int64_t count = -1;

	assert_int_equal(store_tenant_count(st, &count), STORE_OK);
	assert_int_equal(count, 0);
	assert_int_equal(store_tenant_insert(st, &a, NULL), STORE_OK);
	assert_int_equal(store_tenant_insert(st, &same_name, NULL),
			 STORE_CONFLICT);
	assert_int_equal(store_tenant_insert(st, &same_id, NULL),
			 STORE_CONFLICT);
	assert_int_equal(store_tenant_insert(st, &b, NULL), STORE_OK);
	assert_int_equal(store_tenant_count(st, &count), STORE_OK);
	assert_int_equal(count, 2);
	assert_int_equal(store_error_count(st), 0);
}

static void test_users(void **state)
{
	struct store *st = migrated(state);
	struct store_tenant a = {.id = "ta", .name = "alpha", .created_at = 1},
			    b = {.id = "tb", .name = "beta", .created_at = 2};
	struct store_user u = {.id = "u1",
			       .tenant_id = "ta",
			       .username = "alice",
			       .password_hash = "$argon2id$v=19$x",
			       .role = "admin",
			       .created_at = 1700000000123};
	struct store_user dup_name = {.id = "u2",
				      .tenant_id = "tb",
				      .username = "alice",
				      .password_hash = "h",
				      .role = "auditor",
				      .created_at = 3};
	struct store_user dup_id = {.id = "u1",
				    .tenant_id = "ta",
				    .username = "bob",
				    .password_hash = "h",
				    .role = "auditor",
				    .created_at = 3};
	struct store_user bad_role = {.id = "u3",
				      .tenant_id = "ta",
				      .username = "carol",
				      .password_hash = "h",
				      .role = "root",
				      .created_at = 3};
	struct store_user no_tenant = {.id = "u4",
				       .tenant_id = "tz",
				       .username = "dave",
				       .password_hash = "h",
				       .role = "operator",
				       .created_at = 3};
	struct store_user got;

	assert_int_equal(store_tenant_insert(st, &a, NULL), STORE_OK);
	assert_int_equal(store_tenant_insert(st, &b, NULL), STORE_OK);
	assert_int_equal(store_user_insert(st, &u, NULL), STORE_OK);

	assert_int_equal(store_user_get_by_name(st, "ta", "alice", &got),
			 STORE_OK);
	assert_string_equal(got.id, "u1");
	assert_string_equal(got.tenant_id, "ta");
	assert_string_equal(got.username, "alice");
	assert_string_equal(got.password_hash, u.password_hash);
	assert_string_equal(got.role, "admin");
	assert_true(got.created_at == u.created_at);
	store_user_free(&got);
	assert_null(got.id);
	store_user_free(&got);

	/* Another tenant does not see the user; nor does a wrong name. */
	assert_int_equal(store_user_get_by_name(st, "tb", "alice", &got),
			 STORE_NOT_FOUND);
	assert_int_equal(store_user_get_by_name(st, "ta", "Alice", &got),
			 STORE_NOT_FOUND);

	assert_int_equal(store_user_insert(st, &dup_name, NULL),
			 STORE_CONFLICT);
	assert_int_equal(store_user_insert(st, &dup_id, NULL), STORE_CONFLICT);
	assert_int_equal(store_error_count(st), 0);

	/* Broken rows are refused, and counted as failed calls. */
	assert_int_not_equal(store_user_insert(st, &bad_role, NULL), STORE_OK);
	assert_int_not_equal(store_user_insert(st, &no_tenant, NULL), STORE_OK);
	assert_int_equal(store_user_get_by_name(st, "ta", "carol", &got),
			 STORE_NOT_FOUND);
	assert_int_equal(store_error_count(st), 2);
}

static void test_tls(void **state)
{
	static uint8_t cert1[] = {0x30, 0x82, 0x00, 0x01};
	static uint8_t key1[] = {0x01, 0x00, 0x02};
	static uint8_t cert2[] = {0x30, 0x00, 0x99, 0x00, 0x7f};
	static uint8_t key2[] = {0x00};
	struct store *st = migrated(state);
	struct store_tls first = {cert1, sizeof(cert1), key1, sizeof(key1),
				  2000000000};
	struct store_tls second = {cert2, sizeof(cert2), key2, sizeof(key2),
				   2100000000};
	struct store_tls got;

	assert_int_equal(store_tls_get(st, "server", &got), STORE_NOT_FOUND);
	assert_int_equal(store_tls_put(st, "server", &first, 0), STORE_OK);
	assert_int_equal(store_tls_put(st, "server", &second, 0),
			 STORE_CONFLICT);
	assert_int_equal(store_tls_put(st, "server", &second, 1999999999),
			 STORE_CONFLICT);
	/* A slot that is empty does not match an expected value either. */
	assert_int_equal(store_tls_put(st, "root", &second, 2000000000),
			 STORE_CONFLICT);

	assert_int_equal(store_tls_get(st, "server", &got), STORE_OK);
	assert_int_equal(got.cert_len, sizeof(cert1));
	assert_memory_equal(got.cert_der, cert1, sizeof(cert1));
	store_tls_free(&got);

	assert_int_equal(store_tls_put(st, "server", &second, 2000000000),
			 STORE_OK);
	assert_int_equal(store_tls_get(st, "server", &got), STORE_OK);
	assert_int_equal(got.cert_len, sizeof(cert2));
	assert_memory_equal(got.cert_der, cert2, sizeof(cert2));
	assert_int_equal(got.key_len, sizeof(key2));
	assert_memory_equal(got.key_sealed, key2, sizeof(key2));
	assert_true(got.not_after == 2100000000);
	store_tls_free(&got);
	store_tls_free(&got);
	assert_int_equal(store_tls_get(st, "root", &got), STORE_NOT_FOUND);
	assert_int_equal(store_error_count(st), 0);
}

struct worker {
	pthread_t thread;
	struct store *st;
	int index;
	atomic_int *failures;
};

/* One thread's share of the concurrent test; counts what went wrong. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	char id[32], name[32], user[32];
	struct store_tenant t = {.id = id, .name = name, .created_at = 1};
	struct store_user u = {.id = user,
			       .tenant_id = id,
			       .username = user,
			       .password_hash = "h",
			       .role = "operator",
			       .created_at = 1};
	struct store_user got;
	uint8_t *value;
	size_t len;
	int bad = 0;

	for (int i = 0; i < ROUNDS; i++) {
		snprintf(id, sizeof(id), "t-%d-%d", w->index, i);
		snprintf(name, sizeof(name), "n-%d-%d", w->index, i);
		snprintf(user, sizeof(user), "u-%d-%d", w->index, i);
		bad += store_tenant_insert(w->st, &t, NULL) != STORE_OK;
		bad += store_setting_insert(w->st, name, (uint8_t *)id,
					    strlen(id)) != STORE_OK;
		bad += store_user_insert(w->st, &u, NULL) != STORE_OK;
		if (store_setting_get(w->st, name, &value, &len) == STORE_OK) {
			bad += len != strlen(id) || memcmp(value, id, len) != 0;
			free(value);
		} else {
			bad++;
		}
		if (store_user_get_by_name(w->st, id, user, &got) == STORE_OK) {
			bad += strcmp(got.tenant_id, id) != 0;
			store_user_free(&got);
		} else {
			bad++;
		}
		bad += store_ping(w->st) != STORE_OK;
	}
	atomic_fetch_add(w->failures, bad);
	return NULL;
}

static void test_threads(void **state)
{
	struct store *st = migrated(state);
	struct worker workers[THREADS];
	atomic_int failures = 0;
	int64_t count = -1;

	for (int i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){
		    .st = st, .index = i, .failures = &failures};
		assert_int_equal(pthread_create(&workers[i].thread, NULL,
						worker_run, &workers[i]),
				 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
	assert_int_equal(atomic_load(&failures), 0);
	assert_int_equal(store_tenant_count(st, &count), STORE_OK);
	assert_int_equal(count, THREADS * ROUNDS);
	assert_int_equal(store_error_count(st), 0);
}

static void test_bad_url(void **state)
{
	static const char *const bad[] = {
	    "mysql://x",
	    "mysql://user:secret@db/x",
	    "sqlite",
	    "postgres:/x",
	    "postgresql://h/db?no_such_option=1",
	    "host=db password=secret",
	};
	const char *dir = testutil_tmpdir();
	struct store *st = NULL;
	char path[URL_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_not_equal(store_open(bad[i], dir, POOL, &st),
				     STORE_OK);
		assert_null(st);
	}
	assert_int_not_equal(store_open("sqlite:", dir, 0, &st), STORE_OK);
	assert_int_not_equal(store_open(NULL, NULL, POOL, &st), STORE_OK);
	snprintf(path, sizeof(path), "sqlite:%s/no/such/folder/x.db", dir);
	assert_int_not_equal(store_open(path, dir, POOL, &st), STORE_OK);
	assert_null(st);

	/* Nothing listens on port 1: open is lazy, calls are unavailable. */
	assert_int_equal(
	    store_open("postgresql://u:pw@127.0.0.1:1/none", dir, POOL, &st),
	    STORE_OK);
	assert_int_equal(store_ping(st), STORE_UNAVAILABLE);
	assert_int_equal(store_migrate(st, NULL, NULL), STORE_UNAVAILABLE);
	assert_int_equal(store_error_count(st), 2);
	store_close(st);
	store_close(NULL);
}

/* NULL, "" and "sqlite:" all name DATA/pkiaas.db. */
static void test_default_path(void **state)
{
	static const char *const urls[] = {NULL, "", "sqlite:"};
	char dir[URL_MAX], path[URL_MAX];
	struct store *st;
	int version = -1;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/data", testutil_tmpdir());
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_true(snprintf(path, sizeof(path), "%s/pkiaas.db", dir) <
		    (int)sizeof(path));
	for (size_t i = 0; i < sizeof(urls) / sizeof(*urls); i++) {
		assert_int_equal(store_open(urls[i], dir, 1, &st), STORE_OK);
		assert_string_equal(store_backend(st), "sqlite");
		assert_int_equal(access(path, F_OK), 0);
		assert_int_equal(store_migrate(st, NULL, NULL), STORE_OK);
		assert_int_equal(store_schema_version(st, &version), STORE_OK);
		assert_int_equal(version, newest_of(migrations_sqlite));
		store_close(st);
	}
}

/* Backends of the test's database, as the server counts them. */
static int pg_backends(const char *dbname)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM pg_stat_activity WHERE datname = '%s'",
		 dbname);
	return (int)testutil_pg_admin(sql);
}

static void pg_terminate(const char *dbname)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		 "WHERE datname = '%s'",
		 dbname);
	testutil_pg_admin(sql);
}

/* Connections the server closed are replaced without the caller seeing. */
static void test_pg_reconnect(void **state)
{
	struct fixture *f = *state;
	struct store *st;
	enum store_result rc = STORE_ERROR;
	const char *db;
	int i;

	if (!testutil_on_postgres())
		skip();
	db = testutil_db_name(f->url);
	st = migrated(state);
	assert_int_equal(store_ping(st), STORE_OK);

	/* Closed while idle: noticed before use. */
	pg_terminate(db);
	for (i = 0; i < WAIT_ROUNDS && pg_backends(db) > 0; i++)
		usleep(50000);
	usleep(100000);
	assert_int_equal(store_ping(st), STORE_OK);
	assert_int_equal(store_error_count(st), 0);

	/* Closed at any moment: at worst a call fails, the next works. */
	pg_terminate(db);
	for (i = 0; i < POOL + 1 && rc != STORE_OK; i++)
		rc = store_ping(st);
	assert_int_equal(rc, STORE_OK);
	assert_int_equal(store_tenant_count(st, &(int64_t){0}), STORE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_migrate, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_settings, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_tenants, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_users, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_tls, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_threads, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_pg_reconnect, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test(test_bad_url),
	    cmocka_unit_test(test_default_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
