/*
 * The SQLite backend: one database file in WAL mode, a pool of
 * connections each used by one thread at a time, prepared statements
 * with bound values only.
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "store/migration.h"
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
	struct store_pool pool; /* of sqlite3 * */
};

/* One statement on a connection, and the first binding that failed. */
struct sq_call {
	struct sq_db *db; /* set when the connection came from the pool */
	sqlite3 *conn;
	sqlite3_stmt *stmt;
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

static void sq_conn_close(void *conn)
{
	sqlite3_close_v2(conn);
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

/* Opens and sets up one connection to path. */
static enum store_result sq_conn_open(const char *path, sqlite3 **out)
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

/* A connection from the pool, opened when the slot had none. */
static enum store_result sq_conn_take(struct sq_db *db, sqlite3 **conn)
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

/* Gives conn back, closed instead when a transaction is still open. */
static void sq_conn_give(struct sq_db *db, sqlite3 *conn)
{
	if (!sqlite3_get_autocommit(conn)) {
		sqlite3_exec(conn, "ROLLBACK", NULL, NULL, NULL);
		if (!sqlite3_get_autocommit(conn)) {
			sqlite3_close_v2(conn);
			conn = NULL;
		}
	}
	store_pool_give(&db->pool, conn);
}

static enum store_result sq_prepare(struct sq_call *c, const char *sql)
{
	int rc = sqlite3_prepare_v2(c->conn, sql, -1, &c->stmt, NULL);

	return rc == SQLITE_OK ? STORE_OK : sq_fail(c->conn, rc, c->op);
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

static void sq_call_end(struct sq_call *c)
{
	sqlite3_finalize(c->stmt);
	c->stmt = NULL;
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
	return sq_fail(c->conn, rc, c->op);
}

/* A new copy of a text column that must not be NULL. */
static enum store_result sq_column_text(struct sq_call *c, int col, char **out)
{
	const unsigned char *s = sqlite3_column_text(c->stmt, col);

	if (s == NULL || (*out = strdup((const char *)s)) == NULL) {
		log_event(LOG_ERROR, "store.error",
			  "backend=sqlite op=%s column=%d error=\"NULL or out "
			  "of memory\"",
			  c->op, col);
		return STORE_ERROR;
	}
	return STORE_OK;
}

/* A new copy of a blob column (a buffer of len + 1 bytes). */
static enum store_result sq_column_blob(struct sq_call *c, int col,
					uint8_t **out, size_t *len)
{
	const void *b = sqlite3_column_blob(c->stmt, col);
	int n = sqlite3_column_bytes(c->stmt, col);

	if ((b == NULL &&
	     (n > 0 || sqlite3_errcode(c->conn) == SQLITE_NOMEM)) ||
	    (*out = store_bytes_dup(b, (size_t)n)) == NULL) {
		log_event(LOG_ERROR, "store.error",
			  "backend=sqlite op=%s column=%d error=\"out of "
			  "memory\"",
			  c->op, col);
		return STORE_ERROR;
	}
	*len = (size_t)n;
	return STORE_OK;
}

/* Reads one integer that sql selects on a connection the caller holds. */
static enum store_result sq_int_read(sqlite3 *conn, const char *op,
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
static enum store_result sq_version_read(sqlite3 *conn, int *version)
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
static enum store_result sq_version_insert(sqlite3 *conn,
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
static enum store_result
sq_migration_apply(sqlite3 *conn, const struct migration *m, int *applied)
{
	int version = 0;
	enum store_result rc = sq_exec(conn, "BEGIN IMMEDIATE", "migrate");

	if (rc == STORE_OK)
		rc = sq_version_read(conn, &version);
	if (rc == STORE_OK && version < m->number) {
		rc = sq_exec(conn, m->sql, "migrate");
		if (rc == STORE_OK)
			rc = sq_version_insert(conn, m);
		if (rc == STORE_OK)
			(*applied)++;
	}
	if (rc == STORE_OK)
		rc = sq_exec(conn, "COMMIT", "migrate");
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
	sqlite3 *conn;
	enum store_result rc = sq_conn_take(db, &conn);

	if (rc != STORE_OK)
		return rc;
	rc = sq_exec(conn, SCHEMA_VERSION_SQL, "migrate");
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
	sqlite3 *conn;
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

static enum store_result sq_setting_get(struct store *st, const char *name,
					uint8_t **value, size_t *len)
{
	struct sq_call c;
	enum store_result rc =
	    sq_call_start(st->impl, "setting_get",
			  "SELECT value FROM settings WHERE name = ?1", &c);

	if (rc != STORE_OK)
		return rc;
	sq_text(&c, 1, name);
	rc = sq_step(&c, 1);
	if (rc == STORE_OK)
		rc = sq_column_blob(&c, 0, value, len);
	sq_call_end(&c);
	return rc;
}

static enum store_result sq_setting_insert(struct store *st, const char *name,
					   const uint8_t *value, size_t len)
{
	struct sq_call c;
	enum store_result rc = sq_call_start(
	    st->impl, "setting_insert",
	    "INSERT INTO settings (name, value) VALUES (?1, ?2)", &c);

	if (rc != STORE_OK)
		return rc;
	sq_text(&c, 1, name);
	sq_blob(&c, 2, value, len);
	rc = sq_step(&c, 0);
	sq_call_end(&c);
	return rc;
}

static enum store_result sq_tenant_insert(struct store *st,
					  const struct store_tenant *t)
{
	struct sq_call c;
	enum store_result rc =
	    sq_call_start(st->impl, "tenant_insert",
			  "INSERT INTO tenants (id, name, created_at) VALUES "
			  "(?1, ?2, ?3)",
			  &c);

	if (rc != STORE_OK)
		return rc;
	sq_text(&c, 1, t->id);
	sq_text(&c, 2, t->name);
	sq_int(&c, 3, t->created_at);
	rc = sq_step(&c, 0);
	sq_call_end(&c);
	return rc;
}

static enum store_result sq_tenant_count(struct store *st, int64_t *count)
{
	struct sq_call c;
	enum store_result rc = sq_call_start(
	    st->impl, "tenant_count", "SELECT count(*) FROM tenants", &c);

	if (rc != STORE_OK)
		return rc;
	rc = sq_step(&c, 1);
	if (rc == STORE_OK)
		*count = sqlite3_column_int64(c.stmt, 0);
	sq_call_end(&c);
	return rc;
}

static enum store_result sq_user_insert(struct store *st,
					const struct store_user *u)
{
	struct sq_call c;
	enum store_result rc =
	    sq_call_start(st->impl, "user_insert",
			  "INSERT INTO users (id, tenant_id, username, "
			  "password_hash, role, created_at) VALUES (?1, ?2, "
			  "?3, ?4, ?5, ?6)",
			  &c);

	if (rc != STORE_OK)
		return rc;
	sq_text(&c, 1, u->id);
	sq_text(&c, 2, u->tenant_id);
	sq_text(&c, 3, u->username);
	sq_text(&c, 4, u->password_hash);
	sq_text(&c, 5, u->role);
	sq_int(&c, 6, u->created_at);
	rc = sq_step(&c, 0);
	sq_call_end(&c);
	return rc;
}

static enum store_result sq_user_get_by_name(struct store *st,
					     const char *tenant_id,
					     const char *username,
					     struct store_user *out)
{
	struct sq_call c;
	enum store_result rc =
	    sq_call_start(st->impl, "user_get_by_name",
			  "SELECT id, tenant_id, username, password_hash, "
			  "role, created_at FROM users WHERE tenant_id = ?1 "
			  "AND username = ?2",
			  &c);

	memset(out, 0, sizeof(*out));
	if (rc != STORE_OK)
		return rc;
	sq_text(&c, 1, tenant_id);
	sq_text(&c, 2, username);
	rc = sq_step(&c, 1);
	if (rc == STORE_OK)
		rc = sq_column_text(&c, 0, &out->id);
	if (rc == STORE_OK)
		rc = sq_column_text(&c, 1, &out->tenant_id);
	if (rc == STORE_OK)
		rc = sq_column_text(&c, 2, &out->username);
	if (rc == STORE_OK)
		rc = sq_column_text(&c, 3, &out->password_hash);
	if (rc == STORE_OK)
		rc = sq_column_text(&c, 4, &out->role);
	if (rc == STORE_OK)
		out->created_at = sqlite3_column_int64(c.stmt, 5);
	sq_call_end(&c);
	if (rc != STORE_OK)
		store_user_free(out);
	return rc;
}

static enum store_result sq_tls_get(struct store *st, const char *slot,
				    struct store_tls *out)
{
	struct sq_call c;
	enum store_result rc =
	    sq_call_start(st->impl, "tls_get",
			  "SELECT cert_der, key_sealed, not_after FROM "
			  "server_tls WHERE slot = ?1",
			  &c);

	memset(out, 0, sizeof(*out));
	if (rc != STORE_OK)
		return rc;
	sq_text(&c, 1, slot);
	rc = sq_step(&c, 1);
	if (rc == STORE_OK)
		rc = sq_column_blob(&c, 0, &out->cert_der, &out->cert_len);
	if (rc == STORE_OK)
		rc = sq_column_blob(&c, 1, &out->key_sealed, &out->key_len);
	if (rc == STORE_OK)
		out->not_after = sqlite3_column_int64(c.stmt, 2);
	sq_call_end(&c);
	if (rc != STORE_OK)
		store_tls_free(out);
	return rc;
}

/*
 * An insert when expect_not_after is 0, else an update that matches only
 * while the slot still holds that not_after: one statement either way,
 * so of several writers exactly one wins.
 */
static enum store_result sq_tls_put(struct store *st, const char *slot,
				    const struct store_tls *tls,
				    int64_t expect_not_after)
{
	struct sq_call c;
	enum store_result rc = sq_call_start(
	    st->impl, "tls_put",
	    expect_not_after == 0
		? "INSERT INTO server_tls (slot, cert_der, key_sealed, "
		  "not_after) VALUES (?1, ?2, ?3, ?4)"
		: "UPDATE server_tls SET cert_der = ?2, key_sealed = ?3, "
		  "not_after = ?4 WHERE slot = ?1 AND not_after = ?5",
	    &c);

	if (rc != STORE_OK)
		return rc;
	sq_text(&c, 1, slot);
	sq_blob(&c, 2, tls->cert_der, tls->cert_len);
	sq_blob(&c, 3, tls->key_sealed, tls->key_len);
	sq_int(&c, 4, tls->not_after);
	if (expect_not_after != 0)
		sq_int(&c, 5, expect_not_after);
	rc = sq_step(&c, 0);
	if (rc == STORE_OK && sqlite3_changes(c.conn) == 0)
		rc = STORE_CONFLICT;
	sq_call_end(&c);
	return rc;
}

static enum store_result sq_open(struct store *st, const char *target,
				 int pool_size)
{
	struct sq_db *db = calloc(1, sizeof(*db));
	char quoted[PATH_MAX + 3];
	sqlite3 *conn = NULL;
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
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .schema_version = sq_schema_version,
    .ping = sq_ping,
    .setting_get = sq_setting_get,
    .setting_insert = sq_setting_insert,
    .tenant_insert = sq_tenant_insert,
    .tenant_count = sq_tenant_count,
    .user_insert = sq_user_insert,
    .user_get_by_name = sq_user_get_by_name,
    .tls_get = sq_tls_get,
    .tls_put = sq_tls_put,
};
