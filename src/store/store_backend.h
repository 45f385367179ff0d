/*
 * What the two backends of the store share: the table of functions that
 * store.c dispatches to, the store object itself, and a bounded pool of
 * connections. Only src/store includes this header.
 */
#ifndef PKIAAS_STORE_BACKEND_H
#define PKIAAS_STORE_BACKEND_H

#include <pthread.h>
#include <stdatomic.h>

#include "store/store.h"

/* Most connections one store may hold open. */
#define STORE_POOL_MAX 1024

/*
 * One backend. Every function but open and close has the meaning of the
 * store_ function of the same name in store.h; store.c counts failures.
 */
struct store_ops {
	const char *name; /* what store_backend() answers */
	/* Sets st->impl from target (a file path or a libpq URL). */
	enum store_result (*open)(struct store *st, const char *target,
				  int pool_size);
	/* Releases st->impl; no call may be in flight. */
	void (*close)(struct store *st);
	enum store_result (*migrate)(struct store *st, int *from, int *to);
	enum store_result (*schema_version)(struct store *st, int *version);
	enum store_result (*ping)(struct store *st);
	enum store_result (*setting_get)(struct store *st, const char *name,
					 uint8_t **value, size_t *len);
	enum store_result (*setting_insert)(struct store *st, const char *name,
					    const uint8_t *value, size_t len);
	enum store_result (*tenant_insert)(struct store *st,
					   const struct store_tenant *t);
	enum store_result (*tenant_count)(struct store *st, int64_t *count);
	enum store_result (*user_insert)(struct store *st,
					 const struct store_user *u);
	enum store_result (*user_get_by_name)(struct store *st,
					      const char *tenant_id,
					      const char *username,
					      struct store_user *out);
	enum store_result (*tls_get)(struct store *st, const char *slot,
				     struct store_tls *out);
	enum store_result (*tls_put)(struct store *st, const char *slot,
				     const struct store_tls *tls,
				     int64_t expect_not_after);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

struct store {
	const struct store_ops *ops;
	void *impl;		      /* the backend's own state */
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

#endif
