/*
 * libpq, loaded when the first PostgreSQL store opens rather than at
 * start, so that a server on SQLite never maps it nor the Kerberos,
 * GSSAPI and LDAP libraries it brings. The PostgreSQL backend calls
 * libpq only through this table, as pg_lib.PQexec(conn, sql): each
 * member has the type libpq-fe.h gives the function it names.
 */
#ifndef PKIAAS_STORE_PG_LIB_H
#define PKIAAS_STORE_PG_LIB_H

#include <libpq-events.h>
#include <libpq-fe.h>

struct pg_lib {
	__typeof__(PQclear) *PQclear;
	__typeof__(PQcmdTuples) *PQcmdTuples;
	__typeof__(PQconnectdbParams) *PQconnectdbParams;
	__typeof__(PQconninfoFree) *PQconninfoFree;
	__typeof__(PQconninfoParse) *PQconninfoParse;
	__typeof__(PQerrorMessage) *PQerrorMessage;
	__typeof__(PQexec) *PQexec;
	__typeof__(PQexecParams) *PQexecParams;
	__typeof__(PQexecPrepared) *PQexecPrepared;
	__typeof__(PQfinish) *PQfinish;
	__typeof__(PQfreemem) *PQfreemem;
	__typeof__(PQftype) *PQftype;
	__typeof__(PQgetisnull) *PQgetisnull;
	__typeof__(PQgetlength) *PQgetlength;
	__typeof__(PQgetvalue) *PQgetvalue;
	__typeof__(PQinstanceData) *PQinstanceData;
	__typeof__(PQisthreadsafe) *PQisthreadsafe;
	__typeof__(PQnfields) *PQnfields;
	__typeof__(PQntuples) *PQntuples;
	__typeof__(PQprepare) *PQprepare;
	__typeof__(PQregisterEventProc) *PQregisterEventProc;
	__typeof__(PQresultErrorField) *PQresultErrorField;
	__typeof__(PQresultStatus) *PQresultStatus;
	__typeof__(PQsetInstanceData) *PQsetInstanceData;
	__typeof__(PQsetNoticeProcessor) *PQsetNoticeProcessor;
	__typeof__(PQsocket) *PQsocket;
	__typeof__(PQstatus) *PQstatus;
	__typeof__(PQtransactionStatus) *PQtransactionStatus;
};

/* Filled by pg_lib_load; read-only afterwards. */
extern struct pg_lib pg_lib;

/*
 * Loads libpq.so.5 and fills pg_lib, once for the process; any thread
 * may call it. 0, or -1 (logged, naming the package to install) when
 * the library or one of its functions is missing; it stays -1 then.
 */
int pg_lib_load(void);

#endif
