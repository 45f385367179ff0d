/*
 * What the two backends of the store share: the table of functions that
 * store.c dispatches to, the store object itself, and a bounded pool of
 * connections. Only src/store includes this header.
 */
#ifndef PKIAAS_STORE_BACKEND_H
#define PKIAAS_STORE_BACKEND_H

#include <pthread.h>
#include <stdatomic.h>

#include "store/db.h"
#include "store/store.h"

/* Most connections one store may hold open. */
#define STORE_POOL_MAX 1024

/*
 * One backend. migrate, schema_version and ping have the meaning of the
 * store_ functions of the same names; the others serve store/db.h.
 */
struct store_ops {
	const char *name;      /* what store_backend() answers */
	const char *begin_sql; /* opens a write transaction */
	/* Run inside a transaction before appending to the audit log, so
	 * that appends are serialised; NULL when begin_sql already is. */
	const char *audit_lock_sql;
	/* One writer at a time: waiting write transactions are committed
	 * together (db_group.c). */
	int group_commit;
	/* Sets st->impl from target (a file path or a libpq URL). */
	enum store_result (*open)(struct store *st, const char *target,
				  int pool_size);
	/* Releases st->impl; no call may be in flight. */
	void (*close)(struct store *st);
	enum store_result (*migrate)(struct store *st, int *from, int *to);
	enum store_result (*schema_version)(struct store *st, int *version);
	enum store_result (*ping)(struct store *st);
	/* A usable connection from the pool, opened when needed. */
	enum store_result (*conn_take)(struct store *st, void **conn);
	/* Gives conn back; closes it when last says it was lost. */
	void (*conn_give)(struct store *st, void *conn, enum store_result last);
	/* One statement; fills rows (zeroed by the caller). */
	enum store_result (*exec)(struct store *st, void *conn, const char *op,
				  const char *sql,
				  const struct db_param *params, size_t n,
				  struct db_rows *rows);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

struct db_group;

struct store {
	const struct store_ops *ops;
	void *impl;		      /* the backend's own state */
	struct db_group *group;	      /* when ops->group_commit */
	int pool_size;		      /* connections at most */
	atomic_uint_least64_t errors; /* calls that ended UNAVAILABLE/ERROR */
};

/*
 * A pool of at most size connections of any kind. A slot is idle (an
 * open connection nobody uses) or lent (to a caller, who may hold an
 * open connection or none yet).
 */
struct store_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed; /* a slot went back */
	void **idle;	      /* size entries, n_idle of them used */
	int n_idle;
	int n_lent;
	int size;
};

/* 0, or -1 when memory or a lock could not be had. */
int store_pool_init(struct store_pool *pool, int size);
/* Closes every idle connection with close_conn; none may be lent. */
void store_pool_destroy(struct store_pool *pool, void (*close_conn)(void *));
/*
 * Waits for a free slot and lends it: returns an idle connection, or NULL
 * when the caller must open one. Either way the caller gives the slot
 * back with store_pool_give.
 */
void *store_pool_take(struct store_pool *pool);
/* Gives a slot back, with its open connection or with NULL. */
void store_pool_give(struct store_pool *pool, void *conn);

/* A copy of len bytes in a new buffer of len + 1 (never NULL for len 0). */
uint8_t *store_bytes_dup(const void *data, size_t len);

/*
 * Appends a to the audit log inside the caller's transaction on c (the
 * caller began it with db_begin). a may be NULL: nothing is appended.
 */
enum store_result store_audit_append_tx(struct db_conn *c,
					const struct store_audit *a);

/*
 * Reads a struct store_user from columns col.. of a row: id, tenant_id,
 * username, password_hash, role, disabled, created_at.
 */
enum store_result store_user_read(const struct db_rows *rows, size_t row,
				  size_t col, struct store_user *u);
/* Inserts a user, and its membership when u->tenant_id is set, on c. */
enum store_result store_user_insert_tx(struct db_conn *c,
				       const struct store_user *u);

/*
 * Inserts c on conn, inside the caller's transaction. The CA, and the
 * template when set, must be the tenant's and the template the CA's:
 * else STORE_NOT_FOUND. A serial taken for the CA is STORE_CONFLICT.
 */
enum store_result
store_certificate_insert_tx(struct db_conn *conn,
			    const struct store_certificate *c);

/*
 * Bumps the revocation version of the CA of a tenant's certificate, in
 * the caller's transaction: every change of revocation state calls it,
 * so that cached CRLs and OCSP responses go stale on every node at once.
 */
enum store_result store_revocation_bump_tx(struct db_conn *c,
					   const char *tenant_id,
					   const char *certificate_id);

/* Counts rc when it is a failure, and passes it on. */
enum store_result store_counted(struct store *st, enum store_result rc);

/*
 * Adds a row of rows->n_cols NULL cells to rows; the backend then sets
 * them with store_cell_set. 0, or -1 when memory runs out.
 */
int store_rows_add(struct db_rows *rows, size_t *cap);
/* Sets a cell to a copy of len bytes (text or blob) or to an integer. */
int store_cell_set(struct db_cell *cell, enum db_type type, int64_t i,
		   const void *p, size_t len);

#endif
