/*
 * The cache of prepared statements (store/stmt_cache.h), and how each
 * backend uses it: results stay right when statements are reused, the
 * cache stays bounded, and a schema change or a statement the server
 * lost does not break a call. Registered once per backend:
 * PKIAAS_TEST_PER_BACKEND.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/stmt_cache.h"
#include "store/store.h"
#include "testutil_db.h"

/* Statements the backend's connection has prepared, as it tells. */
#define SQLITE_STATEMENTS "SELECT count(*) FROM sqlite_stmt"
#define PG_STATEMENTS	  "SELECT count(*) FROM pg_prepared_statements"

/* A store with one connection, so that every call shares its cache. */
static int fixture_setup(void **state)
{
	*state = testutil_store_open(1, 0);
	return 0;
}

static int fixture_teardown(void **state)
{
	testutil_store_close(*state);
	return 0;
}

static void run(struct store *st, const char *sql)
{
	assert_int_equal(db_run(st, "test", sql, NULL, 0, NULL), STORE_OK);
}

static int64_t run_int(struct store *st, const char *sql,
		       const struct db_param *p, size_t n)
{
	struct db_rows rows;
	int64_t v;

	assert_int_equal(db_run(st, "test", sql, p, n, &rows), STORE_OK);
	assert_int_equal(rows.n_rows, 1);
	v = db_int(&rows, 0, 0);
	db_rows_free(&rows);
	return v;
}

static void test_wants(void **state)
{
	static const char *const yes[] = {"SELECT 1",
					  "  select id FROM t",
					  "INSERT INTO t VALUES ($1)",
					  "UPDATE t SET a = 1",
					  "DELETE FROM t",
					  "WITH x AS (SELECT 1) "
					  "SELECT * FROM x"};
	static const char *const no[] = {"BEGIN IMMEDIATE",
					 "COMMIT",
					 "ROLLBACK",
					 "SAVEPOINT job",
					 "ROLLBACK TO job",
					 "RELEASE job",
					 "PRAGMA foreign_keys = ON",
					 "DEALLOCATE ALL",
					 "SELECTIVE",
					 "",
					 "CREATE TABLE t (a)"};

	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		assert_true(stmt_cache_wants(yes[i]));
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		assert_false(stmt_cache_wants(no[i]));
}

/* A lent entry is never lent again; the same SQL gets a second one. */
static void test_lent_once(void **state)
{
	struct stmt_cache *c = calloc(1, sizeof(*c));
	struct stmt_cache_entry ev, *a, *b;
	char sql[] = "SELECT $1";

	(void)state;
	assert_non_null(c);
	assert_null(stmt_cache_find(c, sql));
	a = stmt_cache_add(c, sql, true, &ev);
	assert_non_null(a);
	assert_int_equal(ev.serial, 0);
	assert_null(stmt_cache_find(c, sql));
	b = stmt_cache_add(c, sql, true, &ev);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_int_not_equal(a->serial, b->serial);
	stmt_cache_give(b);

	/* Keyed by the text, not by where it lies. */
	sql[8] = '2';
	assert_null(stmt_cache_find(c, sql));
	sql[8] = '1';
	assert_ptr_equal(stmt_cache_find(c, sql), b);
	assert_null(stmt_cache_find(c, sql));
	stmt_cache_give(a);
	assert_ptr_equal(stmt_cache_find(c, sql), a);
	stmt_cache_clear(c, NULL, NULL);
	assert_null(stmt_cache_find(c, sql));
	free(c);
}

static void count_release(void *stmt, void *arg)
{
	(void)stmt;
	(*(int *)arg)++;
}

/* A full cache gives up its least recently lent idle entry. */
static void test_evicts_lru(void **state)
{
	struct stmt_cache *c = calloc(1, sizeof(*c));
	struct stmt_cache_entry ev, *e;
	char sql[32];
	int released = 0;

	(void)state;
	assert_non_null(c);
	for (int i = 0; i < STMT_CACHE_MAX; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		e = stmt_cache_add(c, sql, true, &ev);
		assert_non_null(e);
		assert_int_equal(ev.serial, 0);
		e->stmt = e;
		stmt_cache_give(e);
	}
	/* 0 is used again, 1 is lent: 2 is the one to go. */
	e = stmt_cache_find(c, "SELECT 0");
	assert_non_null(e);
	stmt_cache_give(e);
	assert_non_null(stmt_cache_find(c, "SELECT 1"));
	assert_null(stmt_cache_add(c, "SELECT new", false, &ev));
	assert_int_equal(ev.serial, 0);
	e = stmt_cache_add(c, "SELECT new", true, &ev);
	assert_non_null(e);
	assert_int_equal(ev.serial, 3);
	assert_null(ev.sql);
	assert_non_null(ev.stmt);
	assert_null(stmt_cache_find(c, "SELECT 2"));
	stmt_cache_give(e);
	assert_ptr_equal(stmt_cache_find(c, "SELECT new"), e);

	stmt_cache_clear(c, count_release, &released);
	assert_int_equal(released, STMT_CACHE_MAX - 1); /* new has none */
	free(c);
}

/* No room when every entry is lent. */
static void test_all_lent(void **state)
{
	struct stmt_cache *c = calloc(1, sizeof(*c));
	struct stmt_cache_entry ev;
	char sql[32];

	(void)state;
	assert_non_null(c);
	for (int i = 0; i < STMT_CACHE_MAX; i++) {
		snprintf(sql, sizeof(sql), "SELECT %d", i);
		assert_non_null(stmt_cache_add(c, sql, true, &ev));
	}
	assert_null(stmt_cache_add(c, "SELECT new", true, &ev));
	assert_int_equal(ev.serial, 0);
	stmt_cache_clear(c, NULL, NULL);
	free(c);
}

/* Reused statements bind each call's values, and recover from errors. */
static void test_reuse(void **state)
{
	struct testutil_store *f = *state;
	const char *insert = "INSERT INTO t (id, v) VALUES ($1, $2)";
	const char *select = "SELECT v FROM t WHERE id = $1";
	char v[16];

	run(f->st, "CREATE TABLE t (id bigint PRIMARY KEY, v text NOT NULL)");
	for (int i = 1; i <= 50; i++) {
		struct db_param p[] = {DB_INT(i), DB_TEXT(v)};

		snprintf(v, sizeof(v), "value %d", i);
		assert_int_equal(db_run(f->st, "test", insert, p, 2, NULL),
				 STORE_OK);
		if (i % 10 != 0)
			continue;
		/* A taken id, then a NULL value: each fails alone. */
		assert_int_equal(db_run(f->st, "test", insert, p, 2, NULL),
				 STORE_CONFLICT);
		p[1] = DB_TEXT(NULL);
		p[0] = DB_INT(1000 + i);
		assert_int_equal(db_run(f->st, "test", insert, p, 2, NULL),
				 STORE_ERROR);
	}
	for (int i = 50; i >= 1; i--) {
		struct db_param p[] = {DB_INT(i)};
		struct db_rows rows;

		snprintf(v, sizeof(v), "value %d", i);
		assert_int_equal(db_run(f->st, "test", select, p, 1, &rows),
				 STORE_OK);
		assert_int_equal(rows.n_rows, 1);
		assert_string_equal(db_text(&rows, 0, 0), v);
		db_rows_free(&rows);
	}
	assert_int_equal(run_int(f->st, "SELECT count(*) FROM t", NULL, 0), 50);
}

/* Many distinct statements: right answers, and at most the cache's. */
static void test_bounded(void **state)
{
	struct testutil_store *f = *state;
	const char *count =
	    testutil_on_postgres() ? PG_STATEMENTS : SQLITE_STATEMENTS;
	char sql[64];

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 3 * STMT_CACHE_MAX; i++) {
			struct db_param p[] = {DB_INT(round)};

			snprintf(sql, sizeof(sql), "SELECT %d + $1", i);
			assert_int_equal(run_int(f->st, sql, p, 1), i + round);
		}
	/* SQLite also counts the statement that counts, while it runs. */
	assert_true(run_int(f->st, count, NULL, 0) <= STMT_CACHE_MAX + 1);
	assert_true(run_int(f->st, count, NULL, 0) >= STMT_CACHE_MAX / 2);
}

/* A connection given back inside a transaction keeps nothing of it. */
static void test_left_open(void **state)
{
	struct testutil_store *f = *state;
	struct db_param p[] = {DB_INT(7)};
	struct db_conn c;

	run(f->st, "CREATE TABLE n (id bigint PRIMARY KEY)");
	assert_int_equal(db_conn_take(f->st, &c), STORE_OK);
	assert_int_equal(db_begin(&c, "test"), STORE_OK);
	assert_int_equal(
	    db_exec(&c, "test", "INSERT INTO n (id) VALUES ($1)", p, 1, NULL),
	    STORE_OK);
	db_conn_give(&c, STORE_OK);
	assert_int_equal(run_int(f->st, "SELECT count(*) FROM n", NULL, 0), 0);
	assert_int_equal(
	    db_run(f->st, "test", "INSERT INTO n (id) VALUES ($1)", p, 1, NULL),
	    STORE_OK);
	assert_int_equal(run_int(f->st, "SELECT count(*) FROM n", NULL, 0), 1);
}

/* A statement cached before a column was added sees the new column. */
static void test_schema_change(void **state)
{
	struct testutil_store *f = *state;
	struct db_rows rows;

	run(f->st, "CREATE TABLE s (a bigint)");
	run(f->st, "INSERT INTO s (a) VALUES (1)");
	assert_int_equal(
	    db_run(f->st, "test", "SELECT * FROM s", NULL, 0, &rows), STORE_OK);
	assert_int_equal(rows.n_cols, 1);
	db_rows_free(&rows);
	run(f->st, "ALTER TABLE s ADD COLUMN b bigint DEFAULT 7");
	assert_int_equal(
	    db_run(f->st, "test", "SELECT * FROM s", NULL, 0, &rows), STORE_OK);
	assert_int_equal(rows.n_cols, 2);
	assert_int_equal(db_int(&rows, 0, 1), 7);
	db_rows_free(&rows);
}

/*
 * PostgreSQL: statements the server dropped (DISCARD, DEALLOCATE) are
 * prepared again; inside a transaction the call fails, and the next
 * outside it works.
 */
static void test_pg_lost(void **state)
{
	struct testutil_store *f = *state;
	const char *sql = "SELECT 40 + $1";
	struct db_param p[] = {DB_INT(2)};
	struct db_conn c;

	if (!testutil_on_postgres())
		skip();
	assert_int_equal(run_int(f->st, sql, p, 1), 42);
	run(f->st, "DEALLOCATE ALL");
	assert_int_equal(run_int(f->st, sql, p, 1), 42);

	assert_int_equal(db_conn_take(f->st, &c), STORE_OK);
	assert_int_equal(db_begin(&c, "test"), STORE_OK);
	assert_int_equal(db_exec(&c, "test", "DEALLOCATE ALL", NULL, 0, NULL),
			 STORE_OK);
	assert_int_equal(db_exec(&c, "test", sql, p, 1, NULL), STORE_ERROR);
	db_rollback(&c);
	db_conn_give(&c, STORE_ERROR);
	assert_int_equal(run_int(f->st, sql, p, 1), 42);
	assert_int_equal(run_int(f->st, PG_STATEMENTS, NULL, 0), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wants),
	    cmocka_unit_test(test_lent_once),
	    cmocka_unit_test(test_evicts_lru),
	    cmocka_unit_test(test_all_lent),
	    cmocka_unit_test_setup_teardown(test_reuse, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_bounded, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_left_open, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_schema_change, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_pg_lost, fixture_setup,
					    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
