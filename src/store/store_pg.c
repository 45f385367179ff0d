/*
 * The PostgreSQL backend: a pool of libpq connections opened on first
 * use, parameters bound (bytea in binary), results read in binary,
 * statements prepared once per connection (pg_stmt.h). A connection
 * that failed for want of the server is dropped, and the next call
 * opens a new one, so the store recovers by itself. libpq is loaded
 * when the first such store opens, and called through pg_lib.h.
 */
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "store/migration.h"
#include "store/pg_lib.h"
#include "store/pg_stmt.h"
#include "store/store_backend.h"

/* Seconds a connection attempt may take; a URL may set its own. */
#define CONNECT_TIMEOUT "3"
/* The advisory lock migrations take: the letters "pkiaas". */
#define MIGRATION_LOCK_KEY "123606631801203"
/* The advisory lock that serialises appends to the audit log. */
#define AUDIT_LOCK_KEY "123606631801204"
/* Most parameters of one statement. */
#define PARAMS_MAX DB_PARAMS_MAX
/* Longest database message written to the log. */
#define MESSAGE_LOG_MAX 512
/*
 * libpq grows a connection's buffers to the largest message it moved
 * and keeps them so until the connection closes. One that moved a value
 * larger than this (a large CRL) is closed when given back, rather than
 * kept idle holding that memory.
 */
#define LARGE_VALUE (4 << 20)

#define SCHEMA_VERSION_SQL                                                     \
	"CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY "  \
	"KEY, name text NOT NULL, applied_at bigint NOT NULL)"

struct pg_db {
	char *url;
	char where[512];	/* host, port and database, for the log */
	struct store_pool pool; /* of PGconn * */
	atomic_bool down;	/* the database was found unreachable */
};

/* The parameters of one statement, in the arrays PQexecParams takes. */
struct pg_params {
	int n;
	const char *values[PARAMS_MAX];
	int lengths[PARAMS_MAX];
	int formats[PARAMS_MAX];      /* 0 text, 1 binary */
	char numbers[PARAMS_MAX][24]; /* integers, as text */
	bool bad;		      /* too many, or a value too long */
};

static void pg_param_add(struct pg_params *p, const char *value, size_t len,
			 int format)
{
	if (p->n == PARAMS_MAX || len > INT_MAX) {
		p->bad = true;
		return;
	}
	p->values[p->n] = value;
	p->lengths[p->n] = (int)len;
	p->formats[p->n] = format;
	p->n++;
}

static void pg_param_text(struct pg_params *p, const char *s)
{
	pg_param_add(p, s, 0, 0);
}

static void pg_param_int(struct pg_params *p, int64_t v)
{
	if (p->n == PARAMS_MAX) {
		p->bad = true;
		return;
	}
	snprintf(p->numbers[p->n], sizeof(p->numbers[p->n]), "%" PRId64, v);
	pg_param_add(p, p->numbers[p->n], 0, 0);
}

/* Binds len bytes for a bytea; an empty value stays a value, not NULL. */
static void pg_param_bytes(struct pg_params *p, const void *data, size_t len)
{
	pg_param_add(p, len > 0 ? data : "", len, 1);
}

/* Quotes libpq's msg into out for the log, as one line. */
static char *pg_message(const char *msg, char *out, size_t n)
{
	char line[MESSAGE_LOG_MAX];
	size_t len = 0;

	for (; msg != NULL && *msg != '\0' && len + 1 < sizeof(line); msg++) {
		bool space = *msg == '\n' || *msg == '\t' || *msg == ' ';

		if (!space)
			line[len++] = *msg;
		else if (len > 0 && line[len - 1] != ' ')
			line[len++] = ' ';
	}
	while (len > 0 && line[len - 1] == ' ')
		len--;
	line[len] = '\0';
	return log_quote(line, out, n);
}

static void pg_notice(void *arg, const char *msg)
{
	char quoted[MESSAGE_LOG_MAX];

	(void)arg;
	log_event(LOG_DEBUG, "store.notice", "backend=postgres message=%s",
		  pg_message(msg, quoted, sizeof(quoted)));
}

/* Notes that the database answers again, once per outage. */
static void pg_up(struct pg_db *db)
{
	if (atomic_load_explicit(&db->down, memory_order_relaxed) &&
	    atomic_exchange(&db->down, false))
		log_event(LOG_INFO, "store.recovered", "backend=postgres %s",
			  db->where);
}

/* Logs that the database cannot be reached: a warning once per outage. */
static void pg_down(struct pg_db *db, const char *op, const char *msg)
{
	char quoted[MESSAGE_LOG_MAX];
	enum log_level level =
	    atomic_exchange(&db->down, true) ? LOG_DEBUG : LOG_WARN;

	log_event(level, "store.unavailable",
		  "backend=postgres %s op=%s error=%s hint=\"requests that "
		  "need the database get 503 until it is back\"",
		  db->where, op, pg_message(msg, quoted, sizeof(quoted)));
}

/* Whether a SQLSTATE means the connection or the server is going away. */
static bool pg_state_gone(const char *state)
{
	return state == NULL || strncmp(state, "08", 2) == 0 ||
	       strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
	       strcmp(state, "57P03") == 0;
}

/*
 * Maps a failed result (res may be NULL): CONFLICT for a unique
 * violation, UNAVAILABLE when the connection is lost or the server is
 * shutting down or starting, ERROR (logged) for anything else. Only the
 * primary message is logged, as the detail may quote row values.
 */
static enum store_result pg_fail(struct pg_db *db, PGconn *conn,
				 const PGresult *res, const char *op)
{
	char quoted[MESSAGE_LOG_MAX];
	const char *state =
	    res != NULL ? pg_lib.PQresultErrorField(res, PG_DIAG_SQLSTATE)
			: NULL;
	const char *msg =
	    res != NULL
		? pg_lib.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
		: NULL;

	if (state != NULL && strcmp(state, "23505") == 0)
		return STORE_CONFLICT;
	if (msg == NULL)
		msg = pg_lib.PQerrorMessage(conn);
	if (pg_lib.PQstatus(conn) == CONNECTION_BAD || pg_state_gone(state)) {
		pg_down(db, op, msg);
		return STORE_UNAVAILABLE;
	}
	log_event(LOG_ERROR, "store.error",
		  "backend=postgres op=%s sqlstate=%s error=%s", op, state,
		  pg_message(msg, quoted, sizeof(quoted)));
	return STORE_ERROR;
}

/* Checks a result: OK when it holds rows or a command status. */
static enum store_result pg_check(struct pg_db *db, PGconn *conn,
				  PGresult **res, const char *op)
{
	ExecStatusType status = pg_lib.PQresultStatus(*res);
	enum store_result rc;

	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
		pg_up(db);
		return STORE_OK;
	}
	rc = pg_fail(db, conn, *res, op);
	pg_lib.PQclear(*res);
	*res = NULL;
	return rc;
}

/*
 * Runs one statement with p (NULL for none) on conn, results in binary,
 * prepared on conn when its cache wants it. On OK the caller clears
 * *res; on failure *res is NULL.
 */
static enum store_result pg_exec(struct pg_db *db, PGconn *conn, const char *op,
				 const char *sql, const struct pg_params *p,
				 PGresult **res)
{
	*res = NULL;
	if (p != NULL && p->bad) {
		log_event(LOG_ERROR, "store.error",
			  "backend=postgres op=%s error=\"a value is too "
			  "long\"",
			  op);
		return STORE_ERROR;
	}
	*res = pg_stmt_exec(
	    conn, sql, p != NULL ? p->n : 0, p != NULL ? p->values : NULL,
	    p != NULL ? p->lengths : NULL, p != NULL ? p->formats : NULL);
	return pg_check(db, conn, res, op);
}

/* Runs sql, which returns nothing the caller needs, on conn. */
static enum store_result pg_run(struct pg_db *db, PGconn *conn, const char *op,
				const char *sql, const struct pg_params *p)
{
	PGresult *res;
	enum store_result rc = pg_exec(db, conn, op, sql, p, &res);

	pg_lib.PQclear(res);
	return rc;
}

/* Marks, through libpq's instance data, a connection to close when
 * given back; it acts on no event. */
static int pg_large_proc(PGEventId id, void *info, void *arg)
{
	(void)id;
	(void)info;
	(void)arg;
	return 1;
}

/*
 * Opens a connection; UNAVAILABLE (logged) when the server refuses.
 * TCP keepalives and a user timeout find a server whose host went away
 * (a partition, a failover) within about a minute rather than the
 * kernel's quarter of an hour; the URL may set other values.
 */
static enum store_result pg_conn_open(struct pg_db *db, PGconn **out)
{
	/* Keywords after dbname would override the URL's, so it comes last. */
	const char *const keys[] = {
	    "connect_timeout",	   /* seconds */
	    "keepalives",	   /* on */
	    "keepalives_idle",	   /* seconds idle before the first probe */
	    "keepalives_interval", /* seconds between probes */
	    "keepalives_count",	   /* probes lost before the end */
	    "tcp_user_timeout",	   /* ms that sent data may stay unacked */
	    "dbname",
	    NULL,
	};
	const char *const values[] = {
	    CONNECT_TIMEOUT, "1", "30", "10", "3", "60000", db->url, NULL,
	};
	PGconn *conn = pg_lib.PQconnectdbParams(keys, values, 1);

	*out = NULL;
	if (conn == NULL) {
		log_event(LOG_ERROR, "store.error",
			  "backend=postgres op=connect error=\"out of "
			  "memory\"");
		return STORE_ERROR;
	}
	if (pg_lib.PQstatus(conn) != CONNECTION_OK) {
		pg_down(db, "connect", pg_lib.PQerrorMessage(conn));
		pg_lib.PQfinish(conn);
		return STORE_UNAVAILABLE;
	}
	if (pg_lib.PQregisterEventProc(conn, pg_large_proc, "large", NULL) !=
		1 ||
	    pg_stmt_attach(conn) != 0) {
		log_event(LOG_ERROR, "store.error",
			  "backend=postgres op=connect error=\"out of "
			  "memory\"");
		pg_lib.PQfinish(conn);
		return STORE_ERROR;
	}
	pg_lib.PQsetNoticeProcessor(conn, pg_notice, NULL);
	pg_up(db);
	*out = conn;
	return STORE_OK;
}

static void pg_conn_close(void *conn)
{
	pg_lib.PQfinish(conn);
}

/*
 * Whether an idle connection may be used. It has nothing to read while
 * healthy: a readable socket means the server has closed it (a restart,
 * an administrator), so it is replaced before a call fails on it.
 */
static bool pg_conn_alive(PGconn *conn)
{
	struct pollfd pfd = {.fd = pg_lib.PQsocket(conn), .events = POLLIN};

	if (pg_lib.PQstatus(conn) != CONNECTION_OK || pfd.fd < 0)
		return false;
	return poll(&pfd, 1, 0) == 0;
}

/* A usable connection from the pool, opened when the slot has none. */
static enum store_result pg_conn_take(struct pg_db *db, PGconn **conn)
{
	enum store_result rc = STORE_OK;

	*conn = store_pool_take(&db->pool);
	if (*conn != NULL && !pg_conn_alive(*conn)) {
		pg_lib.PQfinish(*conn);
		*conn = NULL;
	}
	if (*conn == NULL) {
		rc = pg_conn_open(db, conn);
		if (rc != STORE_OK)
			store_pool_give(&db->pool, NULL);
	}
	return rc;
}

/*
 * Gives conn back after a call that ended in rc. A connection that lost
 * the server, that is still inside a transaction, or that moved a large
 * value, is closed instead.
 */
static void pg_conn_give(struct pg_db *db, PGconn *conn, enum store_result rc)
{
	if (rc == STORE_UNAVAILABLE || pg_lib.PQstatus(conn) != CONNECTION_OK ||
	    pg_lib.PQtransactionStatus(conn) != PQTRANS_IDLE ||
	    pg_lib.PQinstanceData(conn, pg_large_proc) != NULL) {
		pg_lib.PQfinish(conn);
		conn = NULL;
	}
	store_pool_give(&db->pool, conn);
}

/* Takes a connection, runs one statement and gives the connection back. */
static enum store_result pg_query(struct pg_db *db, const char *op,
				  const char *sql, const struct pg_params *p,
				  PGresult **res)
{
	PGconn *conn;
	enum store_result rc = pg_conn_take(db, &conn);

	*res = NULL;
	if (rc != STORE_OK)
		return rc;
	rc = pg_exec(db, conn, op, sql, p, res);
	pg_conn_give(db, conn, rc);
	return rc;
}

static enum store_result pg_bad_column(const char *op, int col)
{
	log_event(LOG_ERROR, "store.error",
		  "backend=postgres op=%s column=%d error=\"NULL, of an "
		  "unexpected size, or out of memory\"",
		  op, col);
	return STORE_ERROR;
}

/* A bigint column of the first row, sent big-endian in 8 bytes. */
static enum store_result pg_get_int(const PGresult *res, int col,
				    const char *op, int64_t *out)
{
	const unsigned char *b =
	    (const unsigned char *)pg_lib.PQgetvalue(res, 0, col);
	uint64_t v = 0;

	if (pg_lib.PQgetisnull(res, 0, col) ||
	    pg_lib.PQgetlength(res, 0, col) != 8)
		return pg_bad_column(op, col);
	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	*out = (int64_t)v;
	return STORE_OK;
}

/* Reads one bigint that sql selects, on a connection the caller holds. */
static enum store_result pg_int_read(struct pg_db *db, PGconn *conn,
				     const char *op, const char *sql,
				     int64_t *value)
{
	PGresult *res;
	enum store_result rc = pg_exec(db, conn, op, sql, NULL, &res);

	if (rc == STORE_OK)
		rc = pg_lib.PQntuples(res) == 1 ? pg_get_int(res, 0, op, value)
						: pg_bad_column(op, 0);
	pg_lib.PQclear(res);
	return rc;
}

/* The newest version in schema_version, 0 when there is no such table. */
static enum store_result pg_version_read(struct pg_db *db, PGconn *conn,
					 int *version)
{
	int64_t n = 0;
	/* count() of a NULL is 0: 1 when the table exists. */
	enum store_result rc =
	    pg_int_read(db, conn, "schema_version",
			"SELECT count(to_regclass('schema_version'))", &n);

	if (rc == STORE_OK && n > 0)
		rc = pg_int_read(db, conn, "schema_version",
				 "SELECT coalesce(max(version), 0)::bigint "
				 "FROM schema_version",
				 &n);
	if (rc == STORE_OK && (n < 0 || n > INT_MAX))
		rc = pg_bad_column("schema_version", 0);
	if (rc == STORE_OK)
		*version = (int)n;
	return rc;
}

/* Opens a transaction holding the migration lock until it ends. */
static enum store_result pg_locked_begin(struct pg_db *db, PGconn *conn)
{
	struct pg_params p = {0};
	enum store_result rc = pg_run(db, conn, "migrate", "BEGIN", NULL);

	pg_param_text(&p, MIGRATION_LOCK_KEY);
	if (rc == STORE_OK)
		rc = pg_run(db, conn, "migrate",
			    "SELECT pg_advisory_xact_lock($1::bigint)", &p);
	return rc;
}

/* Runs a migration's file, which may hold several statements. */
static enum store_result pg_script(struct pg_db *db, PGconn *conn,
				   const struct migration *m)
{
	PGresult *res = pg_lib.PQexec(conn, m->sql);
	enum store_result rc = pg_check(db, conn, &res, "migrate");

	pg_lib.PQclear(res);
	return rc;
}

/*
 * Applies m in a transaction of its own unless it is recorded already.
 * The transaction holds the advisory lock, so of several nodes starting
 * at once one applies it and the others then find it recorded.
 */
static enum store_result pg_migration_apply(struct pg_db *db, PGconn *conn,
					    const struct migration *m,
					    int *applied)
{
	struct pg_params p = {0};
	int version = 0;
	enum store_result rc = pg_locked_begin(db, conn);

	if (rc == STORE_OK)
		rc = pg_version_read(db, conn, &version);
	if (rc == STORE_OK && version < m->number) {
		pg_param_int(&p, m->number);
		pg_param_text(&p, m->name);
		pg_param_int(&p, clock_now());
		rc = pg_script(db, conn, m);
		if (rc == STORE_OK)
			rc = pg_run(db, conn, "migrate",
				    "INSERT INTO schema_version (version, "
				    "name, applied_at) VALUES ($1, $2, $3)",
				    &p);
		if (rc == STORE_OK)
			(*applied)++;
	}
	if (rc == STORE_OK)
		rc = pg_run(db, conn, "migrate", "COMMIT", NULL);
	if (rc != STORE_OK)
		log_event(LOG_ERROR, "store.migrate",
			  "backend=postgres migration=%s error=\"not applied\"",
			  m->name);
	return rc;
}

static enum store_result pg_migrate(struct store *st, int *from, int *to)
{
	struct pg_db *db = st->impl;
	const struct migration *m;
	int applied = 0, newest = 0;
	PGconn *conn;
	enum store_result rc = pg_conn_take(db, &conn);

	if (rc != STORE_OK)
		return rc;
	/* Under the lock: nodes racing on CREATE TABLE would conflict. */
	rc = pg_locked_begin(db, conn);
	if (rc == STORE_OK)
		rc = pg_run(db, conn, "migrate", SCHEMA_VERSION_SQL, NULL);
	if (rc == STORE_OK)
		rc = pg_version_read(db, conn, from);
	if (rc == STORE_OK)
		rc = pg_run(db, conn, "migrate", "COMMIT", NULL);
	for (m = migrations_postgres; rc == STORE_OK && m->sql != NULL; m++) {
		newest = m->number;
		if (m->number > *from)
			rc = pg_migration_apply(db, conn, m, &applied);
	}
	if (rc == STORE_OK)
		rc = pg_version_read(db, conn, to);
	if (rc == STORE_OK && applied == 0)
		*from = *to;
	if (rc == STORE_OK && *to > newest)
		log_event(LOG_WARN, "store.schema_newer",
			  "backend=postgres version=%d known=%d hint=\"the "
			  "database was migrated by a newer pkiaasd; upgrade "
			  "this one\"",
			  *to, newest);
	pg_conn_give(db, conn, rc);
	return rc;
}

static enum store_result pg_schema_version(struct store *st, int *version)
{
	struct pg_db *db = st->impl;
	PGconn *conn;
	enum store_result rc = pg_conn_take(db, &conn);

	if (rc != STORE_OK)
		return rc;
	rc = pg_version_read(db, conn, version);
	pg_conn_give(db, conn, rc);
	return rc;
}

static enum store_result pg_ping(struct store *st)
{
	PGresult *res;
	enum store_result rc =
	    pg_query(st->impl, "ping", "SELECT 1", NULL, &res);

	pg_lib.PQclear(res);
	return rc;
}

/* Type oids of the columns that come as integers in binary results. */
#define OID_BOOL  16
#define OID_BYTEA 17
#define OID_INT8  20
#define OID_INT2  21
#define OID_INT4  23

/* A binary integer of 1, 2, 4 or 8 bytes, big-endian and signed. */
static int64_t pg_int_decode(const unsigned char *b, int len)
{
	uint64_t v = len > 0 && (b[0] & 0x80) ? UINT64_MAX : 0;

	for (int i = 0; i < len; i++)
		v = v << 8 | b[i];
	return (int64_t)v;
}

/* Copies one row of res into rows. 0 or -1. */
static int pg_row_copy(const PGresult *res, int row, struct db_rows *rows,
		       size_t *cap)
{
	struct db_cell *cell;

	if (store_rows_add(rows, cap) != 0)
		return -1;
	cell = &rows->cells[(rows->n_rows - 1) * rows->n_cols];
	for (int col = 0; col < (int)rows->n_cols; col++, cell++) {
		const char *v = pg_lib.PQgetvalue(res, row, col);
		int len = pg_lib.PQgetlength(res, row, col), rc;
		Oid type = pg_lib.PQftype(res, col);

		if (pg_lib.PQgetisnull(res, row, col))
			continue;
		if (type == OID_BOOL || type == OID_INT2 || type == OID_INT4 ||
		    type == OID_INT8)
			rc = store_cell_set(
			    cell, DB_INT,
			    pg_int_decode((const unsigned char *)v, len), NULL,
			    0);
		else
			rc = store_cell_set(
			    cell, type == OID_BYTEA ? DB_BLOB : DB_TEXT, 0, v,
			    (size_t)len);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static void pg_params_set(struct pg_params *p, const struct db_param *params,
			  size_t n)
{
	for (size_t i = 0; i < n; i++) {
		switch (params[i].type) {
		case DB_NULL: pg_param_add(p, NULL, 0, 0); break;
		case DB_INT: pg_param_int(p, params[i].i); break;
		case DB_TEXT: pg_param_text(p, params[i].p); break;
		case DB_BLOB:
			pg_param_bytes(p, params[i].p, params[i].len);
			break;
		}
	}
}

/* Marks conn to close once given back when p or res held a value past
 * LARGE_VALUE. */
static void pg_large_mark(PGconn *conn, const struct pg_params *p,
			  const PGresult *res)
{
	bool large = false;

	for (int i = 0; i < p->n && !large; i++)
		large = p->lengths[i] > LARGE_VALUE;
	for (int row = 0; row < pg_lib.PQntuples(res) && !large; row++)
		for (int col = 0; col < pg_lib.PQnfields(res) && !large; col++)
			large = pg_lib.PQgetlength(res, row, col) > LARGE_VALUE;
	if (large)
		pg_lib.PQsetInstanceData(conn, pg_large_proc, conn);
}

static enum store_result pg_db_exec(struct store *st, void *conn,
				    const char *op, const char *sql,
				    const struct db_param *params, size_t n,
				    struct db_rows *rows)
{
	struct pg_params p = {0};
	PGresult *res;
	size_t cap = 0;
	enum store_result rc;

	pg_params_set(&p, params, n);
	rc = pg_exec(st->impl, conn, op, sql, &p, &res);
	if (rc != STORE_OK)
		return rc;
	pg_large_mark(conn, &p, res);
	rows->n_cols = (size_t)pg_lib.PQnfields(res);
	for (int row = 0; row < pg_lib.PQntuples(res) && rc == STORE_OK; row++)
		if (pg_row_copy(res, row, rows, &cap) != 0)
			rc = pg_bad_column(op, 0);
	rows->changes = strtoll(pg_lib.PQcmdTuples(res), NULL, 10);
	pg_lib.PQclear(res);
	return rc;
}

static enum store_result pg_db_conn_take(struct store *st, void **conn)
{
	PGconn *c = NULL;
	enum store_result rc = pg_conn_take(st->impl, &c);

	*conn = c;
	return rc;
}

static void pg_db_conn_give(struct store *st, void *conn,
			    enum store_result last)
{
	pg_conn_give(st->impl, conn, last);
}

/* Describes the URL's server for the log, leaving out user and password. */
static enum store_result pg_where_set(struct pg_db *db, const char *url)
{
	char *err = NULL, host[256], name[256];
	const char *h = NULL, *addr = NULL, *port = NULL, *dbname = NULL;
	PQconninfoOption *opts = pg_lib.PQconninfoParse(url, &err);

	if (opts == NULL) {
		/* libpq's message may quote the password: not logged. */
		log_event(LOG_ERROR, "store.url",
			  "backend=postgres error=\"the database URL does not "
			  "parse; check its syntax and percent-encode special "
			  "characters\"");
		pg_lib.PQfreemem(err);
		return STORE_ERROR;
	}
	for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
		if (strcmp(o->keyword, "host") == 0)
			h = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			addr = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			dbname = o->val;
	}
	if (h == NULL)
		h = addr != NULL ? addr : "default";
	snprintf(
	    db->where, sizeof(db->where), "host=%s port=%s db=%s",
	    log_quote(h, host, sizeof(host)), port != NULL ? port : "default",
	    log_quote(dbname != NULL ? dbname : "default", name, sizeof(name)));
	pg_lib.PQconninfoFree(opts);
	return STORE_OK;
}

static enum store_result pg_open(struct store *st, const char *target,
				 int pool_size)
{
	struct pg_db *db = calloc(1, sizeof(*db));
	enum store_result rc = STORE_ERROR;

	if (pg_lib_load() != 0) {
		free(db);
		return STORE_ERROR;
	}
	if (!pg_lib.PQisthreadsafe()) {
		log_event(LOG_ERROR, "store.open",
			  "backend=postgres error=\"libpq was built without "
			  "thread support\"");
		free(db);
		return STORE_ERROR;
	}
	if (db == NULL || (db->url = strdup(target)) == NULL) {
		log_event(LOG_ERROR, "store.open",
			  "backend=postgres error=\"out of memory\"");
		goto out;
	}
	rc = pg_where_set(db, target);
	if (rc != STORE_OK)
		goto out;
	if (store_pool_init(&db->pool, pool_size) != 0) {
		log_event(LOG_ERROR, "store.open",
			  "backend=postgres error=\"out of memory\"");
		rc = STORE_ERROR;
		goto out;
	}
	atomic_init(&db->down, false);
	log_event(LOG_INFO, "store.open", "backend=postgres %s pool=%d",
		  db->where, pool_size);
	st->impl = db;
	db = NULL;
out:
	if (db != NULL)
		free(db->url);
	free(db);
	return rc;
}

static void pg_close(struct store *st)
{
	struct pg_db *db = st->impl;

	if (db == NULL)
		return;
	store_pool_destroy(&db->pool, pg_conn_close);
	free(db->url);
	free(db);
	st->impl = NULL;
}

const struct store_ops store_pg_ops = {
    .name = "postgres",
    .begin_sql = "BEGIN",
    .audit_lock_sql = "SELECT pg_advisory_xact_lock(" AUDIT_LOCK_KEY ")",
    .open = pg_open,
    .close = pg_close,
    .migrate = pg_migrate,
    .schema_version = pg_schema_version,
    .ping = pg_ping,
    .conn_take = pg_db_conn_take,
    .conn_give = pg_db_conn_give,
    .exec = pg_db_exec,
};
