/*
 * Statements under the store's object files: parameters, rows copied out
 * of the backend, connections lent by the pool, write transactions. SQL
 * is written once for both backends with $1, $2, ... placeholders (the
 * SQLite backend reads them as ?1, ?2, ...). Every failure is logged and
 * counted by the backend. Only src/store includes this header.
 */
#ifndef PKIAAS_STORE_DB_H
#define PKIAAS_STORE_DB_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum db_type { DB_NULL, DB_INT, DB_TEXT, DB_BLOB };

/* A value bound to a statement. */
struct db_param {
	enum db_type type;
	int64_t i;
	const void *p; /* text (NUL-terminated) or blob */
	size_t len;    /* blob length */
};

#define DB_INT(v) ((struct db_param){.type = DB_INT, .i = (v)})
#define DB_TEXT(s)                                                             \
	((struct db_param){.type = (s) != NULL ? DB_TEXT : DB_NULL, .p = (s)})
#define DB_BLOB(b, n) ((struct db_param){.type = DB_BLOB, .p = (b), .len = (n)})
#define DB_PARAMS_MAX 16

/* One value of a result row; p is NUL-terminated for text and blobs. */
struct db_cell {
	enum db_type type;
	int64_t i;
	uint8_t *p;
	size_t len;
};

/* The rows of one statement, and how many rows it changed. */
struct db_rows {
	size_t n_rows, n_cols;
	struct db_cell *cells; /* n_rows * n_cols, row by row */
	int64_t changes;
};

/* A connection lent by the store's pool. */
struct db_conn {
	struct store *st;
	void *conn;
};

enum store_result db_conn_take(struct store *st, struct db_conn *c);
/* Gives c back after a call that ended in last (a lost one is closed). */
void db_conn_give(struct db_conn *c, enum store_result last);

/*
 * Runs one statement with n params. rows (may be NULL) receives every
 * row and the count of changed rows; the caller frees it with
 * db_rows_free, also after a failure.
 */
enum store_result db_exec(struct db_conn *c, const char *op, const char *sql,
			  const struct db_param *params, size_t n,
			  struct db_rows *rows);
/* A write transaction; SQLite takes the write lock at once. */
enum store_result db_begin(struct db_conn *c, const char *op);
enum store_result db_commit(struct db_conn *c, const char *op);
/* Ends a transaction without keeping its changes; accepts none open. */
void db_rollback(struct db_conn *c);

/*
 * Runs fn(c, arg) in a write transaction on a connection of its own,
 * appends a to the audit log (when not NULL) and commits; anything but
 * STORE_OK from fn or the append rolls everything back.
 */
typedef enum store_result (*db_tx_fn)(struct db_conn *c, void *arg);
enum store_result db_transact(struct store *st, const char *op, db_tx_fn fn,
			      void *arg, const struct store_audit *a);

/*
 * One statement and a's audit entry in one transaction. When
 * must_change is set and the statement changed no row, nothing is kept
 * and the answer is STORE_NOT_FOUND.
 */
enum store_result db_run_audited(struct store *st, const char *op,
				 const char *sql, const struct db_param *params,
				 size_t n, int must_change,
				 const struct store_audit *a);

/* Takes a connection, runs one statement, gives the connection back. */
enum store_result db_run(struct store *st, const char *op, const char *sql,
			 const struct db_param *params, size_t n,
			 struct db_rows *rows);

void db_rows_free(struct db_rows *rows);
/* The cell at row, col; a zeroed NULL cell when out of range. */
const struct db_cell *db_cell(const struct db_rows *rows, size_t row,
			      size_t col);
int64_t db_int(const struct db_rows *rows, size_t row, size_t col);
/* Text of a cell, or NULL for a NULL cell. */
const char *db_text(const struct db_rows *rows, size_t row, size_t col);
/*
 * New copies of a text or blob cell; a NULL cell gives NULL. STORE_ERROR
 * (logged) when memory runs out or the cell holds another type.
 */
enum store_result db_text_copy(const struct db_rows *rows, size_t row,
			       size_t col, char **out);
enum store_result db_blob_copy(const struct db_rows *rows, size_t row,
			       size_t col, uint8_t **out, size_t *len);

/* A time parameter: 0 (not set) is stored as NULL. */
struct db_param db_time(int64_t t);
/* A page size within 1..STORE_LIST_MAX. */
size_t db_limit(size_t limit);

/* Reads one row of rows into item (a record of the caller's type). */
typedef enum store_result (*db_row_reader)(const struct db_rows *rows,
					   size_t row, void *item);
/*
 * A page from rows selected with max + 1 as the limit: a new array of up
 * to max items of size bytes, each filled by read; *has_more says whether
 * the extra row came. On failure *items holds the *n read so far, for
 * the caller's list free function.
 */
enum store_result db_rows_page(const struct db_rows *rows, size_t max,
			       size_t size, db_row_reader read, void **items,
			       size_t *n, int *has_more);

#define DB_N(params) (sizeof(params) / sizeof(*(params)))

#endif
