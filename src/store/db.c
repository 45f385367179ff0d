#include "store/db.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "store/db_group.h"
#include "store/store_backend.h"

enum store_result db_conn_take(struct store *st, struct db_conn *c)
{
	c->st = st;
	c->conn = NULL;
	return store_counted(st, st->ops->conn_take(st, &c->conn));
}

void db_conn_give(struct db_conn *c, enum store_result last)
{
	if (c->conn != NULL)
		c->st->ops->conn_give(c->st, c->conn, last);
	c->conn = NULL;
}

enum store_result db_exec(struct db_conn *c, const char *op, const char *sql,
			  const struct db_param *params, size_t n,
			  struct db_rows *rows)
{
	struct db_rows ignored = {0};
	enum store_result rc;

	if (n > DB_PARAMS_MAX) {
		log_event(LOG_ERROR, "store.error",
			  "op=%s error=\"more than %d parameters\"", op,
			  DB_PARAMS_MAX);
		return store_counted(c->st, STORE_ERROR);
	}
	if (rows != NULL)
		memset(rows, 0, sizeof(*rows));
	rc = c->st->ops->exec(c->st, c->conn, op, sql, params, n,
			      rows != NULL ? rows : &ignored);
	db_rows_free(&ignored);
	return store_counted(c->st, rc);
}

enum store_result db_begin(struct db_conn *c, const char *op)
{
	return db_exec(c, op, c->st->ops->begin_sql, NULL, 0, NULL);
}

enum store_result db_commit(struct db_conn *c, const char *op)
{
	return db_exec(c, op, "COMMIT", NULL, 0, NULL);
}

void db_rollback(struct db_conn *c)
{
	struct db_rows ignored = {0};

	c->st->ops->exec(c->st, c->conn, "rollback", "ROLLBACK", NULL, 0,
			 &ignored);
	db_rows_free(&ignored);
}

enum store_result db_transact(struct store *st, const char *op, db_tx_fn fn,
			      void *arg, const struct store_audit *a)
{
	struct db_conn c;
	enum store_result rc;

	if (st->group != NULL)
		return db_group_transact(st, op, fn, arg, a);
	rc = db_conn_take(st, &c);
	if (rc != STORE_OK)
		return rc;
	rc = db_begin(&c, op);
	if (rc == STORE_OK)
		rc = fn(&c, arg);
	if (rc == STORE_OK)
		rc = store_audit_append_tx(&c, a);
	if (rc == STORE_OK)
		rc = db_commit(&c, op);
	if (rc != STORE_OK && rc != STORE_UNAVAILABLE)
		db_rollback(&c);
	db_conn_give(&c, rc);
	return rc;
}

struct one_statement {
	const char *op, *sql;
	const struct db_param *params;
	size_t n;
	int must_change;
	struct db_rows *rows; /* the caller's, or NULL */
};

static enum store_result one_statement_run(struct db_conn *c, void *arg)
{
	const struct one_statement *o = arg;
	struct db_rows own, *rows = o->rows != NULL ? o->rows : &own;
	enum store_result rc = db_exec(c, o->op, o->sql, o->params, o->n, rows);

	if (rc == STORE_OK && o->must_change && rows->changes == 0)
		rc = STORE_NOT_FOUND;
	if (rows == &own)
		db_rows_free(&own);
	return rc;
}

enum store_result db_run_audited(struct store *st, const char *op,
				 const char *sql, const struct db_param *params,
				 size_t n, int must_change,
				 const struct store_audit *a)
{
	struct one_statement o = {op, sql, params, n, must_change, NULL};

	return db_transact(st, op, one_statement_run, &o, a);
}

/* Whether sql changes rows: it starts with INSERT, UPDATE or DELETE. */
static int sql_writes(const char *sql)
{
	static const char *const verbs[] = {"INSERT", "UPDATE", "DELETE"};

	sql += strspn(sql, " \t\n");
	for (size_t i = 0; i < DB_N(verbs); i++)
		if (strncasecmp(sql, verbs[i], strlen(verbs[i])) == 0)
			return 1;
	return 0;
}

enum store_result db_run(struct store *st, const char *op, const char *sql,
			 const struct db_param *params, size_t n,
			 struct db_rows *rows)
{
	struct db_conn c;
	enum store_result rc;

	if (rows != NULL)
		memset(rows, 0, sizeof(*rows));
	/* With one writer, a write waits for its turn with the others. */
	if (st->group != NULL && sql_writes(sql)) {
		struct one_statement o = {op, sql, params, n, 0, rows};

		return db_group_transact(st, op, one_statement_run, &o, NULL);
	}
	rc = db_conn_take(st, &c);
	if (rc != STORE_OK)
		return rc;
	rc = db_exec(&c, op, sql, params, n, rows);
	db_conn_give(&c, rc);
	return rc;
}

void db_rows_free(struct db_rows *rows)
{
	if (rows == NULL)
		return;
	for (size_t i = 0; i < rows->n_rows * rows->n_cols; i++)
		free(rows->cells[i].p);
	free(rows->cells);
	memset(rows, 0, sizeof(*rows));
}

const struct db_cell *db_cell(const struct db_rows *rows, size_t row,
			      size_t col)
{
	static const struct db_cell null_cell = {DB_NULL, 0, NULL, 0};

	if (row >= rows->n_rows || col >= rows->n_cols)
		return &null_cell;
	return &rows->cells[row * rows->n_cols + col];
}

int64_t db_int(const struct db_rows *rows, size_t row, size_t col)
{
	const struct db_cell *cell = db_cell(rows, row, col);

	return cell->type == DB_INT ? cell->i : 0;
}

const char *db_text(const struct db_rows *rows, size_t row, size_t col)
{
	const struct db_cell *cell = db_cell(rows, row, col);

	return cell->type == DB_NULL ? NULL : (const char *)cell->p;
}

static enum store_result copy_failed(size_t col)
{
	log_event(LOG_ERROR, "store.error",
		  "column=%zu error=\"unexpected type, or out of memory\"",
		  col);
	return STORE_ERROR;
}

enum store_result db_text_copy(const struct db_rows *rows, size_t row,
			       size_t col, char **out)
{
	const struct db_cell *cell = db_cell(rows, row, col);

	*out = NULL;
	if (cell->type == DB_NULL)
		return STORE_OK;
	if (cell->type != DB_TEXT ||
	    (*out = strdup((const char *)cell->p)) == NULL)
		return copy_failed(col);
	return STORE_OK;
}

enum store_result db_blob_copy(const struct db_rows *rows, size_t row,
			       size_t col, uint8_t **out, size_t *len)
{
	const struct db_cell *cell = db_cell(rows, row, col);

	*out = NULL;
	*len = 0;
	if (cell->type == DB_NULL)
		return STORE_OK;
	if (cell->type != DB_BLOB ||
	    (*out = store_bytes_dup(cell->p, cell->len)) == NULL)
		return copy_failed(col);
	*len = cell->len;
	return STORE_OK;
}

struct db_param db_time(int64_t t)
{
	return t != 0 ? DB_INT(t) : (struct db_param){.type = DB_NULL};
}

size_t db_limit(size_t limit)
{
	if (limit < 1)
		return 1;
	return limit > STORE_LIST_MAX ? STORE_LIST_MAX : limit;
}

enum store_result db_rows_page(const struct db_rows *rows, size_t max,
			       size_t size, db_row_reader read, void **items,
			       size_t *n, int *has_more)
{
	size_t want = rows->n_rows > max ? max : rows->n_rows;
	enum store_result rc = STORE_OK;

	*n = 0;
	*has_more = rows->n_rows > max;
	*items = want > 0 ? calloc(want, size) : NULL;
	if (want > 0 && *items == NULL) {
		log_event(LOG_ERROR, "store.error",
			  "op=list error=\"out of memory\"");
		return STORE_ERROR;
	}
	for (size_t i = 0; i < want && rc == STORE_OK; i++) {
		rc = read(rows, i, (char *)*items + i * size);
		if (rc == STORE_OK)
			(*n)++;
	}
	return rc;
}
