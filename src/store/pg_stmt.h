/*
 * Statements prepared once per PostgreSQL connection. The cache lives
 * in the connection's libpq instance data, so it goes with the
 * connection (PQfinish) and is emptied when libpq resets it (PQreset):
 * a cached statement always exists on the server it names. Only the
 * PostgreSQL backend includes this header.
 */
#ifndef PKIAAS_STORE_PG_STMT_H
#define PKIAAS_STORE_PG_STMT_H

#include <libpq-fe.h>

/* Gives conn an empty cache. 0, or -1 when memory runs out. */
int pg_stmt_attach(PGconn *conn);

/*
 * What PQexecParams(conn, sql, n, NULL, values, lengths, formats, 1)
 * answers, results in binary; the caller clears it. A statement the
 * cache wants is prepared once as "sN" (its types inferred, as
 * PQexecParams infers them) and then run with PQexecPrepared. When the
 * server has lost the statement or its result type changed, it is
 * prepared again, and run again when no transaction is open; inside one
 * the error stands, as the transaction is aborted. On a connection with
 * no cache (pg_stmt_attach not called) every statement runs unnamed.
 */
PGresult *pg_stmt_exec(PGconn *conn, const char *sql, int n,
		       const char *const *values, const int *lengths,
		       const int *formats);

#endif
