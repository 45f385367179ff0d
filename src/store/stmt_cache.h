/*
 * A bounded cache of the prepared statements of one database
 * connection, keyed by the statement's SQL text. A connection is used by
 * one thread at a time, so the cache takes no lock. An entry is lent to
 * one caller at a time; the least recently lent idle entry makes room for
 * a new one. The backend owns what an entry names (a sqlite3_stmt, a
 * statement prepared on the server) and releases it. Only the store's
 * backends include this header.
 */
#ifndef PKIAAS_STORE_STMT_CACHE_H
#define PKIAAS_STORE_STMT_CACHE_H

#include <stdbool.h>
#include <stdint.h>

/* Most statements one connection keeps prepared. */
#define STMT_CACHE_MAX 128

struct stmt_cache_entry {
	char *sql;	 /* the key, a copy; NULL for a free slot */
	uint64_t hash;	 /* of sql */
	uint64_t used;	 /* the cache's clock when last lent */
	uint64_t serial; /* unique in its cache, from 1: names the statement */
	void *stmt;	 /* the backend's statement, set by the backend */
	bool busy;	 /* lent, until stmt_cache_give or stmt_cache_drop */
};

struct stmt_cache {
	struct stmt_cache_entry entries[STMT_CACHE_MAX];
	uint64_t clock;	 /* counts lends */
	uint64_t serial; /* the last serial given to an entry */
};

/*
 * Whether sql may be cached: a SELECT, INSERT, UPDATE, DELETE or WITH.
 * Transaction control and pragmas are prepared afresh each time.
 */
bool stmt_cache_wants(const char *sql);

/* Lends an idle entry for sql, or NULL when there is none. */
struct stmt_cache_entry *stmt_cache_find(struct stmt_cache *c, const char *sql);

/*
 * Lends a new entry for sql with a new serial and stmt NULL; the caller
 * prepares the statement and sets stmt, or drops the entry. When the
 * cache is full and may_evict is set, the least recently lent idle
 * entry is removed to make room and copied to *evicted (its sql NULL)
 * for the caller to release; else evicted->serial is 0. NULL when there
 * is no room or no memory: the caller then runs sql uncached.
 */
struct stmt_cache_entry *stmt_cache_add(struct stmt_cache *c, const char *sql,
					bool may_evict,
					struct stmt_cache_entry *evicted);

/* Gives a lent entry back, for the next stmt_cache_find of its sql. */
void stmt_cache_give(struct stmt_cache_entry *e);

/* Removes an entry; the caller has released its statement or lost it. */
void stmt_cache_drop(struct stmt_cache_entry *e);

/*
 * Removes every entry, lent or not, first passing each set stmt to
 * release (when not NULL) with arg.
 */
void stmt_cache_clear(struct stmt_cache *c,
		      void (*release)(void *stmt, void *arg), void *arg);

#endif
