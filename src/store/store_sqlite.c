/*
 * The SQLite backend: one database file in WAL mode, a pool of
 * connections each used by one thread at a time, prepared statements
 * with bound values only, kept prepared on their connection.
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "store/migration.h"
#include "store/stmt_cache.h"
#include "store/store_backend.h"

/* How long a statement waits for another connection's write lock. */
#define BUSY_TIMEOUT_MS 5000
/* Longest database message written to the log. */
#define MESSAGE_LOG_MAX 512

#define SCHEMA_VERSION_SQL                                                     \
	"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY "  \
	"KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"

struct sq_db {
	char *path;
	struct store_pool pool; /* of struct sq_conn * */
};

/* A connection and the statements prepared on it. */
struct sq_conn {
	sqlite3 *db;
	struct stmt_cache stmts; /* of sqlite3_stmt *, keyed by $N SQL */
};

/* One statement on a connection, and the first binding that failed. */
struct sq_call {
	struct sq_db *db; /* set when the connection came from the pool */
	struct sq_conn *conn;
	sqlite3_stmt *stmt;
	struct stmt_cache_entry *cached; /* stmt's entry, when cached */
	const char *op;
	int bind_rc;
};

/* Logs why rc (an extended result code) failed op and maps it. */
static enum store_result sq_fail(sqlite3 *conn, int rc, const char *op)
{
	char quoted[MESSAGE_LOG_MAX];
	const char *msg =
	    conn != NULL ? sqlite3_errmsg(conn) : sqlite3_errstr(rc);

	if (rc == SQLITE_CONSTRAINT_UNIQUE ||
	    rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return STORE_CONFLICT;
	log_quote(msg, quoted, sizeof(quoted));
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		log_event(LOG_WARN, "store.unavailable",
			  "backend=sqlite op=%s code=%d error=%s "
			  "hint=\"another process holds the database\"",
			  op, rc, quoted);
		return STORE_UNAVAILABLE;
	}
	if ((rc & 0xff) == SQLITE_FULL) {
		log_event(LOG_ERROR, "store.error",
			  "backend=sqlite op=%s code=%d error=%s "
			  "hint=\"the disk of the database is full; free "
			  "space there: nothing was written\"",
			  op, rc, quoted);
		return STORE_ERROR;
	}
	log_event(LOG_ERROR, "store.error",
		  "backend=sqlite op=%s code=%d error=%s", op, rc, quoted);
	return STORE_ERROR;
}

/* Runs sql, which binds no values: pragmas, transactions, migrations. */
static enum store_result sq_exec(sqlite3 *conn, const char *sql, const char *op)
{
	int rc = sqlite3_exec(conn, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? STORE_OK : sq_fail(conn, rc, op);
}

static void sq_stmt_finalize(void *stmt, void *arg)
{
	(void)arg;
	sqlite3_finalize(stmt);
}

/* Finalizes conn's statements and closes it. */
static void sq_conn_close(void *conn)
{
	struct sq_conn *c = conn;

	stmt_cache_clear(&c->stmts, sq_stmt_finalize, NULL);
	sqlite3_close_v2(c->db);
	free(c);
}

/* Switches conn to WAL; STORE_ERROR when the file cannot use it. */
static enum store_result sq_wal_set(sqlite3 *conn, const char *path)
{
	char quoted[PATH_MAX + 3];
	sqlite3_stmt *stmt = NULL;
	int rc = sqlite3_prepare_v2(conn, "PRAGMA journal_mode = WAL", -1,
				    &stmt, NULL);
	const unsigned char *mode;
	enum store_result res = STORE_OK;

	if (rc != SQLITE_OK)
		return sq_fail(conn, rc, "open");
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		res = sq_fail(conn, rc, "open");
	} else if ((mode = sqlite3_column_text(stmt, 0)) == NULL ||
		   strcmp((const char *)mode, "wal") != 0) {
		log_event(LOG_ERROR, "store.open",
			  "backend=sqlite path=%s error=\"the database cannot "
			  "use WAL mode; put it on a local file system\"",
			  log_quote(path, quoted, sizeof(quoted)));
		res = STORE_ERROR;
	}
	sqlite3_finalize(stmt);
	return res;
}

/* Opens and sets up one database handle on path. */
static enum store_result sq_handle_open(const char *path, sqlite3 **out)
{
	char quoted[PATH_MAX + 3], msg[MESSAGE_LOG_MAX];
	sqlite3 *conn = NULL;
	int rc = sqlite3_open_v2(path, &conn,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
				 NULL);
	enum store_result res;

	*out = NULL;
	if (rc != SQLITE_OK) {
		log_event(LOG_ERROR, "store.open",
			  "backend=sqlite path=%s error=%s",
			  log_quote(path, quoted, sizeof(quoted)),
			  log_quote(conn != NULL ? sqlite3_errmsg(conn)
						 : sqlite3_errstr(rc),
				    msg, sizeof(msg)));
		sqlite3_close_v2(conn);
		return STORE_ERROR;
	}
	sqlite3_extended_result_codes(conn, 1);
	res = sqlite3_busy_timeout(conn, BUSY_TIMEOUT_MS) == SQLITE_OK
		  ? sq_wal_set(conn, path)
		  : STORE_ERROR;
	if (res == STORE_OK)
		res = sq_exec(conn,
			      "PRAGMA synchronous = FULL; "
			      "PRAGMA foreign_keys = ON",
			      "open");
	if (res != STORE_OK) {
		sqlite3_close_v2(conn);
		return res;
	}
	*out = conn;
	return STORE_OK;
}

/* Opens one connection to path, with no statement prepared yet. */
static enum store_result sq_conn_open(const char *path, struct sq_conn **out)
{
	struct sq_conn *c = calloc(1, sizeof(*c));
	enum store_result rc;

	*out = NULL;
	if (c == NULL)
		return sq_fail(NULL, SQLITE_NOMEM, "open");
	rc = sq_handle_open(path, &c->db);
	if (rc != STORE_OK) {
		free(c);
		return rc;
	}
	*out = c;
	return STORE_OK;
}

/* A connection from the pool, opened when the slot had none. */
static enum store_result sq_conn_take(struct sq_db *db, struct sq_conn **conn)
{
	enum store_result rc = STORE_OK;

	*conn = store_pool_take(&db->pool);
	if (*conn == NULL) {
		rc = sq_conn_open(db->path, conn);
		if (rc != STORE_OK)
			store_pool_give(&db->pool, NULL);
	}
	return rc;
}

/*
 * Gives conn back, closed instead when a transaction is still open.
 * Its statements are all reset (sq_call_end), so none holds a lock.
 */
static void sq_conn_give(struct sq_db *db, struct sq_conn *conn)
{
	if (!sqlite3_get_autocommit(conn->db)) {
		sqlite3_exec(conn->db, "ROLLBACK", NULL, NULL, NULL);
		if (!sqlite3_get_autocommit(conn->db)) {
			sq_conn_close(conn);
			conn = NULL;
		}
	}
	store_pool_give(&db->pool, conn);
}

/* A copy of sql with the shared $N placeholders written as ?N. */
static char *sq_sql_convert(const char *sql)
{
	char *out = strdup(sql);

	for (char *p = out; p != NULL && *p != '\0'; p++)
		if (p[0] == '$' && p[1] >= '0' && p[1] <= '9')
			*p = '?';
	return out;
}

/* Prepares sql ($N or ?N placeholders) into c->stmt, uncached. */
static enum store_result sq_prepare_new(struct sq_call *c, const char *sql)
{
	char *converted = sq_sql_convert(sql);
	int rc;

	if (converted == NULL)
		return sq_fail(c->conn->db, SQLITE_NOMEM, c->op);
	rc = sqlite3_prepare_v2(c->conn->db, converted, -1, &c->stmt, NULL);
	free(converted);
	return rc == SQLITE_OK ? STORE_OK : sq_fail(c->conn->db, rc, c->op);
}

/*
 * Sets c->stmt to sql prepared on c->conn: an idle one of its cache, or
 * a new one, then cached when the cache wants it and has room. A
 * statement already lent is never lent twice: a second use of the same
 * SQL gets one of its own. sq_call_end gives it back.
 */
static enum store_result sq_prepare(struct sq_call *c, const char *sql)
{
	struct stmt_cache *cache = &c->conn->stmts;
	struct stmt_cache_entry evicted;
	bool wanted = stmt_cache_wants(sql);
	enum store_result rc;

	if (wanted && (c->cached = stmt_cache_find(cache, sql)) != NULL) {
		c->stmt = c->cached->stmt;
		return STORE_OK;
	}
	rc = sq_prepare_new(c, sql);
	if (rc != STORE_OK || !wanted)
		return rc;
	c->cached = stmt_cache_add(cache, sql, true, &evicted);
	if (c->cached != NULL)
		c->cached->stmt = c->stmt;
	sqlite3_finalize(evicted.stmt);
	return STORE_OK;
}

/* Takes a connection and prepares sql on it; sq_call_end releases both. */
static enum store_result sq_call_start(struct sq_db *db, const char *op,
				       const char *sql, struct sq_call *c)
{
	enum store_result rc;

	memset(c, 0, sizeof(*c));
	c->op = op;
	rc = sq_conn_take(db, &c->conn);
	if (rc != STORE_OK)
		return rc;
	c->db = db;
	rc = sq_prepare(c, sql);
	if (rc != STORE_OK) {
		sq_conn_give(db, c->conn);
		c->db = NULL;
	}
	return rc;
}

/*
 * Gives the statement back: a cached one reset, which ends its read of
 * the database, with its bindings cleared; any other finalized. Then
 * the connection, when it came from the pool.
 */
static void sq_call_end(struct sq_call *c)
{
	if (c->cached != NULL) {
		sqlite3_reset(c->stmt);
		sqlite3_clear_bindings(c->stmt);
		stmt_cache_give(c->cached);
	} else {
		sqlite3_finalize(c->stmt);
	}
	c->stmt = NULL;
	c->cached = NULL;
	if (c->db != NULL)
		sq_conn_give(c->db, c->conn);
	c->db = NULL;
}

static void sq_bound(struct sq_call *c, int rc)
{
	if (rc != SQLITE_OK && c->bind_rc == SQLITE_OK)
		c->bind_rc = rc;
}

static void sq_text(struct sq_call *c, int i, const char *s)
{
	sq_bound(c, sqlite3_bind_text(c->stmt, i, s, -1, SQLITE_STATIC));
}

static void sq_int(struct sq_call *c, int i, int64_t v)
{
	sq_bound(c, sqlite3_bind_int64(c->stmt, i, v));
}

/* Binds len bytes; an empty value stays a blob, not NULL. */
static void sq_blob(struct sq_call *c, int i, const void *data, size_t len)
{
	sq_bound(c, sqlite3_bind_blob64(c->stmt, i, len > 0 ? data : "", len,
					SQLITE_STATIC));
}

/*
 * Runs the statement once. With want_row, OK means a row is there to
 * read and NOT_FOUND that there is none; without, OK means it is done.
 */
static enum store_result sq_step(struct sq_call *c, int want_row)
{
	int rc = c->bind_rc;

	if (rc == SQLITE_OK)
		rc = sqlite3_step(c->stmt);
	if (rc == SQLITE_ROW && want_row)
		return STORE_OK;
	if (rc == SQLITE_DONE)
		return want_row ? STORE_NOT_FOUND : STORE_OK;
	if (rc == SQLITE_ROW)
		rc = SQLITE_MISUSE;
	return sq_fail(c->conn->db, rc, c->op);
}

/* Reads one integer that sql selects on a connection the caller holds. */
static enum store_result sq_int_read(struct sq_conn *conn, const char *op,
				     const char *sql, int64_t *value)
{
	struct sq_call c = {.conn = conn, .op = op};
	enum store_result rc = sq_prepare(&c, sql);

	if (rc == STORE_OK)
		rc = sq_step(&c, 1);
	if (rc == STORE_OK)
		*value = sqlite3_column_int64(c.stmt, 0);
	sq_call_end(&c);
	return rc;
}

/* The newest version in schema_version, 0 when there is no such table. */
static enum store_result sq_version_read(struct sq_conn *conn, int *version)
{
	int64_t n = 0;
	enum store_result rc =
	    sq_int_read(conn, "schema_version",
			"SELECT count(*) FROM sqlite_master WHERE type = "
			"'table' AND name = 'schema_version'",
			&n);

	if (rc == STORE_OK && n > 0)
		rc = sq_int_read(conn, "schema_version",
				 "SELECT coalesce(max(version), 0) FROM "
				 "schema_version",
				 &n);
	if (rc == STORE_OK && (n < 0 || n > INT_MAX)) {
		log_event(LOG_ERROR, "store.error",
			  "backend=sqlite op=schema_version version=%lld "
			  "error=\"out of range\"",
			  (long long)n);
		rc = STORE_ERROR;
	}
	if (rc == STORE_OK)
		*version = (int)n;
	return rc;
}

/* Records m in schema_version, inside the caller's transaction. */
static enum store_result sq_version_insert(struct sq_conn *conn,
					   const struct migration *m)
{
	struct sq_call c = {.conn = conn, .op = "migrate"};
	enum store_result rc =
	    sq_prepare(&c, "INSERT INTO schema_version (version, name, "
			   "applied_at) VALUES (?1, ?2, ?3)");

	if (rc == STORE_OK) {
		sq_int(&c, 1, m->number);
		sq_text(&c, 2, m->name);
		sq_int(&c, 3, clock_now());
		rc = sq_step(&c, 0);
	}
	sq_call_end(&c);
	return rc;
}

/*
 * Applies m in a transaction of its own unless it is recorded already;
 * BEGIN IMMEDIATE takes the write lock first, so of several processes
 * one applies it and the others then find it recorded.
 */
static enum store_result sq_migration_apply(struct sq_conn *conn,
					    const struct migration *m,
					    int *applied)
{
	int version = 0;
	enum store_result rc = sq_exec(conn->db, "BEGIN IMMEDIATE", "migrate");

	if (rc == STORE_OK)
		rc = sq_version_read(conn, &version);
	if (rc == STORE_OK && version < m->number) {
		rc = sq_exec(conn->db, m->sql, "migrate");
		if (rc == STORE_OK)
			rc = sq_version_insert(conn, m);
		if (rc == STORE_OK)
			(*applied)++;
	}
	if (rc == STORE_OK)
		rc = sq_exec(conn->db, "COMMIT", "migrate");
	if (rc != STORE_OK)
		log_event(LOG_ERROR, "store.migrate",
			  "backend=sqlite migration=%s error=\"not applied\"",
			  m->name);
	return rc;
}

static enum store_result sq_migrate(struct store *st, int *from, int *to)
{
	struct sq_db *db = st->impl;
	const struct migration *m;
	int applied = 0, newest = 0;
	struct sq_conn *conn;
	enum store_result rc = sq_conn_take(db, &conn);

	if (rc != STORE_OK)
		return rc;
	rc = sq_exec(conn->db, SCHEMA_VERSION_SQL, "migrate");
	if (rc == STORE_OK)
		rc = sq_version_read(conn, from);
	for (m = migrations_sqlite; rc == STORE_OK && m->sql != NULL; m++) {
		newest = m->number;
		if (m->number > *from)
			rc = sq_migration_apply(conn, m, &applied);
	}
	if (rc == STORE_OK)
		rc = sq_version_read(conn, to);
	if (rc == STORE_OK && applied == 0)
		*from = *to;
	if (rc == STORE_OK && *to > newest)
		log_event(LOG_WARN, "store.schema_newer",
			  "backend=sqlite version=%d known=%d hint=\"the "
			  "database was migrated by a newer pkiaasd; upgrade "
			  "this one\"",
			  *to, newest);
	sq_conn_give(db, conn);
	return rc;
}

static enum store_result sq_schema_version(struct store *st, int *version)
{
	struct sq_db *db = st->impl;
	struct sq_conn *conn;
	enum store_result rc = sq_conn_take(db, &conn);

	if (rc != STORE_OK)
		return rc;
	rc = sq_version_read(conn, version);
	sq_conn_give(db, conn);
	return rc;
}

static enum store_result sq_ping(struct store *st)
{
	struct sq_call c;
	enum store_result rc = sq_call_start(st->impl, "ping", "SELECT 1", &c);

	if (rc != STORE_OK)
		return rc;
	rc = sq_step(&c, 1);
	sq_call_end(&c);
	return rc;
}

static void sq_params_bind(struct sq_call *c, const struct db_param *params,
			   size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct db_param *p = &params[i];
		int at = (int)i + 1;

		switch (p->type) {
		case DB_NULL:
			sq_bound(c, sqlite3_bind_null(c->stmt, at));
			break;
		case DB_INT: sq_int(c, at, p->i); break;
		case DB_TEXT: sq_text(c, at, p->p); break;
		case DB_BLOB: sq_blob(c, at, p->p, p->len); break;
		}
	}
}

/* Copies the statement's current row into rows. 0 or -1. */
static int sq_row_copy(sqlite3_stmt *stmt, struct db_rows *rows, size_t *cap)
{
	struct db_cell *cell;

	if (store_rows_add(rows, cap) != 0)
		return -1;
	cell = &rows->cells[(rows->n_rows - 1) * rows->n_cols];
	for (size_t col = 0; col < rows->n_cols; col++, cell++) {
		int i = (int)col, rc = 0;

		switch (sqlite3_column_type(stmt, i)) {
		case SQLITE_INTEGER:
			rc = store_cell_set(cell, DB_INT,
					    sqlite3_column_int64(stmt, i), NULL,
					    0);
			break;
		case SQLITE_BLOB:
			rc = store_cell_set(
			    cell, DB_BLOB, 0, sqlite3_column_blob(stmt, i),
			    (size_t)sqlite3_column_bytes(stmt, i));
			break;
		case SQLITE_NULL: break;
		default:
			rc = store_cell_set(
			    cell, DB_TEXT, 0, sqlite3_column_text(stmt, i),
			    (size_t)sqlite3_column_bytes(stmt, i));
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

static enum store_result sq_db_exec(struct store *st, void *conn,
				    const char *op, const char *sql,
				    const struct db_param *params, size_t n,
				    struct db_rows *rows)
{
	struct sq_call c = {.conn = conn, .op = op};
	sqlite3 *handle = c.conn->db;
	size_t cap = 0;
	enum store_result rc;
	int step;

	(void)st;
	rc = sq_prepare(&c, sql);
	if (rc != STORE_OK)
		return rc;
	sq_params_bind(&c, params, n);
	step = c.bind_rc != SQLITE_OK ? c.bind_rc : sqlite3_step(c.stmt);
	/* After the first step: a cached statement that the step prepared
	 * again for a new schema may have other columns. */
	rows->n_cols = (size_t)sqlite3_column_count(c.stmt);
	for (; step == SQLITE_ROW; step = sqlite3_step(c.stmt))
		if (sq_row_copy(c.stmt, rows, &cap) != 0) {
			step = SQLITE_NOMEM;
			break;
		}
	if (step == SQLITE_DONE)
		rows->changes = sqlite3_changes64(handle);
	else
		rc = sq_fail(handle, step, op);
	sq_call_end(&c);
	return rc;
}

static enum store_result sq_db_conn_take(struct store *st, void **conn)
{
	struct sq_conn *c = NULL;
	enum store_result rc = sq_conn_take(st->impl, &c);

	*conn = c;
	return rc;
}

static void sq_db_conn_give(struct store *st, void *conn,
			    enum store_result last)
{
	(void)last;
	sq_conn_give(st->impl, conn);
}

static enum store_result sq_open(struct store *st, const char *target,
				 int pool_size)
{
	struct sq_db *db = calloc(1, sizeof(*db));
	char quoted[PATH_MAX + 3];
	struct sq_conn *conn = NULL;
	enum store_result rc = STORE_ERROR;

	if (!sqlite3_threadsafe()) {
		log_event(LOG_ERROR, "store.open",
			  "backend=sqlite error=\"libsqlite3 was built "
			  "without thread support\"");
		free(db);
		return STORE_ERROR;
	}
	if (db == NULL || (db->path = strdup(target)) == NULL ||
	    store_pool_init(&db->pool, pool_size) != 0) {
		log_event(LOG_ERROR, "store.open",
			  "backend=sqlite error=\"out of memory\"");
		goto out;
	}
	/* The first connection creates the file and checks it now. */
	rc = sq_conn_take(db, &conn);
	if (rc != STORE_OK) {
		store_pool_destroy(&db->pool, sq_conn_close);
		goto out;
	}
	sq_conn_give(db, conn);
	log_event(LOG_INFO, "store.open", "backend=sqlite path=%s pool=%d",
		  log_quote(target, quoted, sizeof(quoted)), pool_size);
	st->impl = db;
	db = NULL;
out:
	if (db != NULL)
		free(db->path);
	free(db);
	return rc;
}

static void sq_close(struct store *st)
{
	struct sq_db *db = st->impl;

	if (db == NULL)
		return;
	store_pool_destroy(&db->pool, sq_conn_close);
	free(db->path);
	free(db);
	st->impl = NULL;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .begin_sql = "BEGIN IMMEDIATE",
    .group_commit = 1,
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .schema_version = sq_schema_version,
    .ping = sq_ping,
    .conn_take = sq_db_conn_take,
    .conn_give = sq_db_conn_give,
    .exec = sq_db_exec,
};
