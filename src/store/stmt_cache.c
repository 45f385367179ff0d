/*
 * The entries are one array scanned in full: the stored hash spares
 * most string comparisons, and a scan of STMT_CACHE_MAX entries costs
 * little next to running the statement it finds.
 */
#include "store/stmt_cache.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* 64-bit FNV-1a. */
static uint64_t stmt_cache_hash(const char *sql)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 0x100000001b3u;
	return h;
}

bool stmt_cache_wants(const char *sql)
{
	static const char *const verbs[] = {"SELECT", "INSERT", "UPDATE",
					    "DELETE", "WITH"};

	while (isspace((unsigned char)*sql))
		sql++;
	for (size_t i = 0; i < sizeof(verbs) / sizeof(*verbs); i++) {
		size_t n = strlen(verbs[i]);

		if (strncasecmp(sql, verbs[i], n) == 0 &&
		    !isalnum((unsigned char)sql[n]))
			return true;
	}
	return false;
}

static void stmt_cache_lend(struct stmt_cache *c, struct stmt_cache_entry *e)
{
	e->busy = true;
	e->used = ++c->clock;
}

struct stmt_cache_entry *stmt_cache_find(struct stmt_cache *c, const char *sql)
{
	uint64_t h = stmt_cache_hash(sql);

	for (size_t i = 0; i < STMT_CACHE_MAX; i++) {
		struct stmt_cache_entry *e = &c->entries[i];

		if (e->sql != NULL && !e->busy && e->hash == h &&
		    strcmp(e->sql, sql) == 0) {
			stmt_cache_lend(c, e);
			return e;
		}
	}
	return NULL;
}

/* A free slot, else the least recently lent idle entry, else NULL. */
static struct stmt_cache_entry *stmt_cache_slot(struct stmt_cache *c)
{
	struct stmt_cache_entry *oldest = NULL;

	for (size_t i = 0; i < STMT_CACHE_MAX; i++) {
		struct stmt_cache_entry *e = &c->entries[i];

		if (e->sql == NULL)
			return e;
		if (!e->busy && (oldest == NULL || e->used < oldest->used))
			oldest = e;
	}
	return oldest;
}

struct stmt_cache_entry *stmt_cache_add(struct stmt_cache *c, const char *sql,
					bool may_evict,
					struct stmt_cache_entry *evicted)
{
	struct stmt_cache_entry *e = stmt_cache_slot(c);
	char *key;

	memset(evicted, 0, sizeof(*evicted));
	if (e == NULL || (e->sql != NULL && !may_evict))
		return NULL;
	if ((key = strdup(sql)) == NULL)
		return NULL;
	if (e->sql != NULL) {
		*evicted = *e;
		free(e->sql);
		evicted->sql = NULL;
	}
	*e = (struct stmt_cache_entry){
	    .sql = key, .hash = stmt_cache_hash(sql), .serial = ++c->serial};
	stmt_cache_lend(c, e);
	return e;
}

void stmt_cache_give(struct stmt_cache_entry *e)
{
	e->busy = false;
}

void stmt_cache_drop(struct stmt_cache_entry *e)
{
	free(e->sql);
	memset(e, 0, sizeof(*e));
}

void stmt_cache_clear(struct stmt_cache *c,
		      void (*release)(void *stmt, void *arg), void *arg)
{
	for (size_t i = 0; i < STMT_CACHE_MAX; i++) {
		struct stmt_cache_entry *e = &c->entries[i];

		if (e->sql == NULL)
			continue;
		if (release != NULL && e->stmt != NULL)
			release(e->stmt, arg);
		stmt_cache_drop(e);
	}
}
