/*
 * Login throttling: failed logins counted per key in a window that
 * starts at the first failure and ends window seconds later. Rows are
 * upserted in one statement, so nodes counting at once lose no failure.
 */
#include "store/db.h"

/* A key with no row, or whose window has ended, has no failures. */
enum store_result store_login_failures_get(struct store *st, const char *key,
					   int64_t now, int64_t window,
					   int64_t *failures,
					   int64_t *window_start)
{
	const struct db_param p[] = {DB_TEXT(key)};
	struct db_rows rows;
	enum store_result rc = db_run(st, "login_failures_get",
				      "SELECT failures, window_start FROM "
				      "login_failures WHERE key = $1",
				      p, DB_N(p), &rows);

	*failures = 0;
	*window_start = 0;
	if (rc == STORE_OK && rows.n_rows > 0 &&
	    db_int(&rows, 0, 1) > now - window) {
		*failures = db_int(&rows, 0, 0);
		*window_start = db_int(&rows, 0, 1);
	}
	db_rows_free(&rows);
	return rc;
}

/* Counts one failure at now; an ended window starts again with it. */
enum store_result store_login_failure_add(struct store *st, const char *key,
					  int64_t now, int64_t window)
{
	const struct db_param p[] = {DB_TEXT(key), DB_INT(now),
				     DB_INT(now - window)};

	return db_run(
	    st, "login_failure_add",
	    "INSERT INTO login_failures (key, window_start, failures) VALUES "
	    "($1, CAST($2 AS BIGINT), 1) ON CONFLICT (key) DO UPDATE SET "
	    "failures = CASE WHEN login_failures.window_start <= CAST($3 AS "
	    "BIGINT) THEN 1 ELSE login_failures.failures + 1 END, "
	    "window_start = CASE WHEN login_failures.window_start <= CAST($3 "
	    "AS BIGINT) THEN CAST($2 AS BIGINT) ELSE "
	    "login_failures.window_start END",
	    p, DB_N(p), NULL);
}

enum store_result store_login_failures_clear(struct store *st, const char *key)
{
	const struct db_param p[] = {DB_TEXT(key)};

	return db_run(st, "login_failures_clear",
		      "DELETE FROM login_failures WHERE key = $1", p, DB_N(p),
		      NULL);
}
