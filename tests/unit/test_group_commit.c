/*
 * Write transactions from many threads at once (store/db_group.c on
 * SQLite; PostgreSQL runs them side by side): each one's changes and
 * audit entry are kept exactly when it succeeded, a failed one leaves
 * nothing behind while the others of its group are kept, and the audit
 * chain stays whole. Registered once per backend: PKIAAS_TEST_PER_BACKEND.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/store.h"
#include "testutil_db.h"

#define THREADS	   8
#define PER_THREAD 150
/* Every FAIL_EVERY-th transaction inserts its row, then fails. */
#define FAIL_EVERY 5

/* What one thread did: which of its transactions were acknowledged. */
struct writer {
	struct store *st;
	int first; /* the id of its first row */
	int ok[PER_THREAD];
};

/* The row one transaction inserts, and whether it then fails. */
struct one_row {
	int64_t id;
	int fail;
};

static int fixture_setup(void **state)
{
	struct testutil_store *f = testutil_store_open(12, 1);

	assert_int_equal(db_run(f->st, "test",
				"CREATE TABLE group_rows (id INTEGER PRIMARY "
				"KEY, thread INTEGER NOT NULL)",
				NULL, 0, NULL),
			 STORE_OK);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	testutil_store_close(*state);
	return 0;
}

static enum store_result row_insert(struct db_conn *c, void *arg)
{
	const struct one_row *r = arg;
	const struct db_param p[] = {DB_INT(r->id), DB_INT(r->id / 1000)};
	enum store_result rc = db_exec(
	    c, "test", "INSERT INTO group_rows (id, thread) VALUES ($1, $2)", p,
	    DB_N(p), NULL);

	return rc == STORE_OK && r->fail ? STORE_CONFLICT : rc;
}

static void *writer_run(void *arg)
{
	struct writer *w = arg;
	const struct store_audit a = {.actor_name = "test",
				      .action = "group.write",
				      .outcome = "success"};

	for (int i = 0; i < PER_THREAD; i++) {
		struct one_row r = {w->first + i, i % FAIL_EVERY == 0};

		w->ok[i] =
		    db_transact(w->st, "test", row_insert, &r, &a) == STORE_OK;
	}
	return NULL;
}

static int64_t count(struct store *st, const char *sql,
		     const struct db_param *p, size_t n)
{
	struct db_rows rows;
	int64_t v;

	assert_int_equal(db_run(st, "test", sql, p, n, &rows), STORE_OK);
	v = db_int(&rows, 0, 0);
	db_rows_free(&rows);
	return v;
}

static void test_concurrent_writes_keep_what_succeeded(void **state)
{
	struct testutil_store *f = *state;
	static struct writer w[THREADS];
	pthread_t t[THREADS];
	struct store_audit_check check;
	int64_t kept = 0,
		audits_before =
		    count(f->st, "SELECT count(*) FROM audit_log", NULL, 0);

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct writer){.st = f->st, .first = (i + 1) * 1000};
		assert_int_equal(pthread_create(&t[i], NULL, writer_run, &w[i]),
				 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < PER_THREAD; j++) {
			const struct db_param p[] = {DB_INT(w[i].first + j)};
			int64_t n = count(f->st,
					  "SELECT count(*) FROM group_rows "
					  "WHERE id = $1",
					  p, 1);

			/* Acknowledged exactly when kept, failed ones never. */
			assert_int_equal(n, w[i].ok[j]);
			assert_int_equal(w[i].ok[j], j % FAIL_EVERY != 0);
			kept += n;
		}
	assert_int_equal(
	    count(f->st, "SELECT count(*) FROM group_rows", NULL, 0), kept);
	assert_int_equal(
	    count(f->st, "SELECT count(*) FROM audit_log", NULL, 0) -
		audits_before,
	    kept);
	assert_int_equal(store_audit_verify(f->st, &check), STORE_OK);
	assert_int_equal(check.bad_seq, 0);
}

/* A statement that fails inside a transaction undoes that one alone. */
static void test_duplicate_row_fails_alone(void **state)
{
	struct testutil_store *f = *state;
	struct one_row first = {500, 0}, again = {500, 0}, other = {501, 0};

	assert_int_equal(db_transact(f->st, "test", row_insert, &first, NULL),
			 STORE_OK);
	assert_int_equal(db_transact(f->st, "test", row_insert, &again, NULL),
			 STORE_CONFLICT);
	assert_int_equal(db_transact(f->st, "test", row_insert, &other, NULL),
			 STORE_OK);
	assert_int_equal(count(f->st,
			       "SELECT count(*) FROM group_rows WHERE id IN "
			       "(500, 501)",
			       NULL, 0),
			 2);
}

static enum store_result nested(struct db_conn *c, void *arg)
{
	struct one_row inner = {600, 0};
	enum store_result *inner_rc = arg;

	(void)c;
	*inner_rc = db_transact(c->st, "test", row_insert, &inner, NULL);
	return STORE_OK;
}

/* On SQLite a transaction inside another is refused, not a deadlock. */
static void test_nested_transaction_refused(void **state)
{
	struct testutil_store *f = *state;
	enum store_result inner_rc = STORE_OK;

	if (testutil_on_postgres())
		skip();
	assert_int_equal(db_transact(f->st, "test", nested, &inner_rc, NULL),
			 STORE_OK);
	assert_int_equal(inner_rc, STORE_ERROR);
	assert_int_equal(count(f->st,
			       "SELECT count(*) FROM group_rows WHERE id = "
			       "600",
			       NULL, 0),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_concurrent_writes_keep_what_succeeded, fixture_setup,
		fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate_row_fails_alone,
					    fixture_setup, fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_nested_transaction_refused,
					    fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
