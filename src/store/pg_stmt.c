/*
 * The cache makes room (DEALLOCATE of the least recently used
 * statement) only while no transaction is open, so that freeing a
 * statement can never abort the caller's transaction; inside one, a
 * statement that finds the cache full runs unnamed.
 */
#include "store/pg_stmt.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg_lib.h"
#include "store/stmt_cache.h"

/* Room for "s", a serial and the NUL. */
#define NAME_SIZE 24
/* SQLSTATEs of a statement gone from the server, or whose result type
 * changed under it ("cached plan must not change result type"). */
#define STATE_NO_STATEMENT "26000"
#define STATE_PLAN_CHANGED "0A000"

/* One statement and its parameters, as PQexecParams takes them. */
struct pg_stmt_args {
	const char *sql;
	int n;
	const char *const *values;
	const int *lengths;
	const int *formats;
};

/* Frees a connection's cache with it, empties it when it is reset. */
static int pg_stmt_proc(PGEventId id, void *info, void *arg)
{
	struct stmt_cache *c;

	(void)arg;
	switch (id) {
	case PGEVT_CONNRESET:
		c = pg_lib.PQinstanceData(((PGEventConnReset *)info)->conn,
					  pg_stmt_proc);
		if (c != NULL)
			stmt_cache_clear(c, NULL, NULL);
		break;
	case PGEVT_CONNDESTROY:
		c = pg_lib.PQinstanceData(((PGEventConnDestroy *)info)->conn,
					  pg_stmt_proc);
		if (c != NULL)
			stmt_cache_clear(c, NULL, NULL);
		free(c);
		break;
	default: break;
	}
	return 1;
}

int pg_stmt_attach(PGconn *conn)
{
	struct stmt_cache *c = calloc(1, sizeof(*c));

	if (c == NULL ||
	    pg_lib.PQregisterEventProc(conn, pg_stmt_proc, "stmt_cache",
				       NULL) != 1 ||
	    pg_lib.PQsetInstanceData(conn, pg_stmt_proc, c) != 1) {
		free(c);
		return -1;
	}
	return 0;
}

static const char *pg_stmt_name(uint64_t serial, char *name)
{
	snprintf(name, NAME_SIZE, "s%" PRIu64, serial);
	return name;
}

static bool pg_stmt_idle(PGconn *conn)
{
	return pg_lib.PQtransactionStatus(conn) == PQTRANS_IDLE;
}

/* Frees the server's statement; one that fails stays until it closes. */
static void pg_stmt_deallocate(PGconn *conn, uint64_t serial)
{
	char name[NAME_SIZE], sql[NAME_SIZE + 16];

	snprintf(sql, sizeof(sql), "DEALLOCATE %s", pg_stmt_name(serial, name));
	pg_lib.PQclear(pg_lib.PQexec(conn, sql));
}

/* The SQLSTATE of res when it says a cached statement is stale. */
static const char *pg_stmt_stale(const PGresult *res)
{
	const char *state = pg_lib.PQresultErrorField(res, PG_DIAG_SQLSTATE);

	if (state != NULL && (strcmp(state, STATE_NO_STATEMENT) == 0 ||
			      strcmp(state, STATE_PLAN_CHANGED) == 0))
		return state;
	return NULL;
}

/* Removes a stale e, freeing its statement when the server has one. */
static void pg_stmt_forget(PGconn *conn, struct stmt_cache_entry *e,
			   const char *state)
{
	if (strcmp(state, STATE_NO_STATEMENT) != 0 && pg_stmt_idle(conn))
		pg_stmt_deallocate(conn, e->serial);
	stmt_cache_drop(e);
}

static PGresult *pg_stmt_unnamed(PGconn *conn, const struct pg_stmt_args *a)
{
	return pg_lib.PQexecParams(conn, a->sql, a->n, NULL, a->values,
				   a->lengths, a->formats, 1);
}

/*
 * Prepares sql as a new entry of c, lent to the caller. NULL with *res
 * NULL when the cache has no room (or libpq no memory): the caller runs
 * sql unnamed; NULL with *res set when the server refused it.
 */
static struct stmt_cache_entry *pg_stmt_prepare(PGconn *conn,
						struct stmt_cache *c,
						const char *sql, PGresult **res)
{
	struct stmt_cache_entry evicted, *e;
	char name[NAME_SIZE];

	*res = NULL;
	e = stmt_cache_add(c, sql, pg_stmt_idle(conn), &evicted);
	if (evicted.serial != 0)
		pg_stmt_deallocate(conn, evicted.serial);
	if (e == NULL)
		return NULL;
	*res =
	    pg_lib.PQprepare(conn, pg_stmt_name(e->serial, name), sql, 0, NULL);
	if (pg_lib.PQresultStatus(*res) == PGRES_COMMAND_OK) {
		pg_lib.PQclear(*res);
		*res = NULL;
		return e;
	}
	stmt_cache_drop(e);
	return NULL;
}

/* Runs a->sql prepared on conn, preparing it first when c has none. */
static PGresult *pg_stmt_run(PGconn *conn, struct stmt_cache *c,
			     const struct pg_stmt_args *a)
{
	struct stmt_cache_entry *e = stmt_cache_find(c, a->sql);
	char name[NAME_SIZE];
	const char *stale;
	PGresult *res = NULL;

	if (e == NULL && (e = pg_stmt_prepare(conn, c, a->sql, &res)) == NULL)
		return res != NULL ? res : pg_stmt_unnamed(conn, a);
	res = pg_lib.PQexecPrepared(conn, pg_stmt_name(e->serial, name), a->n,
				    a->values, a->lengths, a->formats, 1);
	stale = pg_stmt_stale(res);
	if (stale != NULL)
		pg_stmt_forget(conn, e, stale);
	else
		stmt_cache_give(e);
	return res;
}

PGresult *pg_stmt_exec(PGconn *conn, const char *sql, int n,
		       const char *const *values, const int *lengths,
		       const int *formats)
{
	const struct pg_stmt_args a = {sql, n, values, lengths, formats};
	struct stmt_cache *c = pg_lib.PQinstanceData(conn, pg_stmt_proc);
	PGresult *res;

	if (c == NULL || !stmt_cache_wants(sql))
		return pg_stmt_unnamed(conn, &a);
	res = pg_stmt_run(conn, c, &a);
	if (pg_stmt_stale(res) != NULL && pg_stmt_idle(conn)) {
		pg_lib.PQclear(res);
		res = pg_stmt_run(conn, c, &a);
	}
	return res;
}
