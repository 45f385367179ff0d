#include "store/pg_lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "lib/log.h"

#define PG_LIB_SONAME "libpq.so.5"

struct pg_lib pg_lib;

static pthread_once_t pg_lib_once = PTHREAD_ONCE_INIT;
static int pg_lib_rc = -1;

/* The address of name in h; NULL, noted in *missing. */
static void *pg_lib_sym(void *h, const char *name, const char **missing)
{
	void *f = dlsym(h, name);

	if (f == NULL && *missing == NULL)
		*missing = name;
	return f;
}

/* Fills every member from h; the first name not found, or NULL. */
static const char *pg_lib_fill(void *h)
{
	const char *missing = NULL;

#define LOAD(name)                                                             \
	(pg_lib.name = (__typeof__(pg_lib.name))pg_lib_sym(h, #name, &missing))
	LOAD(PQclear);
	LOAD(PQcmdTuples);
	LOAD(PQconnectdbParams);
	LOAD(PQconninfoFree);
	LOAD(PQconninfoParse);
	LOAD(PQerrorMessage);
	LOAD(PQexec);
	LOAD(PQexecParams);
	LOAD(PQexecPrepared);
	LOAD(PQfinish);
	LOAD(PQfreemem);
	LOAD(PQftype);
	LOAD(PQgetisnull);
	LOAD(PQgetlength);
	LOAD(PQgetvalue);
	LOAD(PQinstanceData);
	LOAD(PQisthreadsafe);
	LOAD(PQnfields);
	LOAD(PQntuples);
	LOAD(PQprepare);
	LOAD(PQregisterEventProc);
	LOAD(PQresultErrorField);
	LOAD(PQresultStatus);
	LOAD(PQsetInstanceData);
	LOAD(PQsetNoticeProcessor);
	LOAD(PQsocket);
	LOAD(PQstatus);
	LOAD(PQtransactionStatus);
#undef LOAD
	return missing;
}

static void pg_lib_open(void)
{
	char quoted[512];
	const char *missing;
	void *h = dlopen(PG_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		log_event(LOG_ERROR, "store.libpq",
			  "backend=postgres error=%s hint=\"install the "
			  "libpq5 package to use a PostgreSQL database\"",
			  log_quote(dlerror(), quoted, sizeof(quoted)));
		return;
	}
	missing = pg_lib_fill(h);
	if (missing != NULL) {
		log_event(LOG_ERROR, "store.libpq",
			  "backend=postgres error=\"" PG_LIB_SONAME " has no "
			  "%s\" hint=\"this libpq5 is too old; install a "
			  "newer one\"",
			  missing);
		dlclose(h);
		return;
	}
	pg_lib_rc = 0;
}

int pg_lib_load(void)
{
	pthread_once(&pg_lib_once, pg_lib_open);
	return pg_lib_rc;
}
