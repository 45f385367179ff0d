#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "store/db_group.h"
#include "store/store_backend.h"

#define SQLITE_PREFIX "sqlite:"
#define DEFAULT_FILE  "pkiaas.db"
#define URL_FORMS                                                              \
	"empty or sqlite: (for DATA/pkiaas.db), sqlite:PATH, postgres://... "  \
	"or postgresql://..."
/* Longest database value written to the log. */
#define URL_LOG_MAX 256

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Appends len bytes of s to out (size n, o used), cutting at the end. */
static void text_put(char *out, size_t n, size_t *o, const char *s, size_t len)
{
	if (len > n - 1 - *o)
		len = n - 1 - *o;
	memcpy(out + *o, s, len);
	*o += len;
}

/*
 * Copies url into out (size n > 0) for the log, with the password of a
 * "scheme://user:password@" part and the value of any "password=" shown
 * as ***.
 */
static char *url_redact(const char *url, char *out, size_t n)
{
	const char *auth = strstr(url, "://");
	const char *secret = NULL, *at = NULL, *p;
	size_t o = 0;

	if (auth != NULL) {
		auth += 3;
		for (p = auth; *p != '\0' && strchr("/?#", *p) == NULL; p++)
			if (*p == '@')
				at = p;
		if (at != NULL)
			secret = memchr(auth, ':', (size_t)(at - auth));
	}
	for (p = url; *p != '\0'; p++) {
		text_put(out, n, &o, p, 1);
		if (p == secret) {
			text_put(out, n, &o, "***", 3);
			p = at - 1;
		} else if (p - url >= 8 &&
			   strncasecmp(p - 8, "password=", 9) == 0) {
			text_put(out, n, &o, "***", 3);
			p += strcspn(p + 1, " &");
		}
	}
	out[o] = '\0';
	return out;
}

/* DATA_DIR/pkiaas.db as a new string, or NULL. */
static char *default_path(const char *data_dir)
{
	size_t len = strlen(data_dir) + 1 + strlen(DEFAULT_FILE) + 1;
	char *path = malloc(len);

	if (path != NULL)
		snprintf(path, len, "%s/%s", data_dir, DEFAULT_FILE);
	return path;
}

/* The backend url names and its target: a new path or URL string. */
static enum store_result url_parse(const char *url, const char *data_dir,
				   const struct store_ops **ops, char **target)
{
	char shown[URL_LOG_MAX], quoted[2 * URL_LOG_MAX + 3];

	*target = NULL;
	if (url == NULL || *url == '\0' || strcmp(url, SQLITE_PREFIX) == 0) {
		if (data_dir == NULL || *data_dir == '\0') {
			log_event(LOG_ERROR, "store.url",
				  "error=\"no data folder for the default "
				  "database; set data or database\"");
			return STORE_ERROR;
		}
		*ops = &store_sqlite_ops;
		*target = default_path(data_dir);
	} else if (has_prefix(url, SQLITE_PREFIX)) {
		*ops = &store_sqlite_ops;
		*target = strdup(url + strlen(SQLITE_PREFIX));
	} else if (has_prefix(url, "postgres://") ||
		   has_prefix(url, "postgresql://")) {
		*ops = &store_pg_ops;
		*target = strdup(url);
	} else {
		log_event(LOG_ERROR, "store.url",
			  "value=%s error=\"database must be one of " URL_FORMS
			  "\"",
			  log_quote(url_redact(url, shown, sizeof(shown)),
				    quoted, sizeof(quoted)));
		return STORE_ERROR;
	}
	if (*target == NULL) {
		log_event(LOG_ERROR, "store.open", "error=\"out of memory\"");
		return STORE_ERROR;
	}
	return STORE_OK;
}

enum store_result store_open(const char *url, const char *data_dir,
			     int pool_size, struct store **out)
{
	const struct store_ops *ops = NULL;
	struct store *st = NULL;
	char *target = NULL;
	enum store_result rc;

	*out = NULL;
	if (pool_size < 1 || pool_size > STORE_POOL_MAX) {
		log_event(LOG_ERROR, "store.open",
			  "pool=%d error=\"db_pool must be 1 to %d\"",
			  pool_size, STORE_POOL_MAX);
		return STORE_ERROR;
	}
	rc = url_parse(url, data_dir, &ops, &target);
	if (rc != STORE_OK)
		goto out;
	rc = STORE_ERROR;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		goto out;
	st->ops = ops;
	st->pool_size = pool_size;
	atomic_init(&st->errors, 0);
	if (ops->group_commit && (st->group = db_group_new()) == NULL) {
		log_event(LOG_ERROR, "store.open", "error=\"out of memory\"");
		goto out;
	}
	rc = ops->open(st, target, pool_size);
	if (rc == STORE_OK) {
		*out = st;
		st = NULL;
	}
out:
	if (st != NULL)
		db_group_free(st->group);
	free(st);
	free(target);
	return rc;
}

void store_close(struct store *st)
{
	if (st == NULL)
		return;
	db_group_free(st->group);
	st->ops->close(st);
	free(st);
}

const char *store_backend(const struct store *st)
{
	return st->ops->name;
}

enum store_result store_counted(struct store *st, enum store_result rc)
{
	if (rc == STORE_UNAVAILABLE || rc == STORE_ERROR)
		atomic_fetch_add_explicit(&st->errors, 1, memory_order_relaxed);
	return rc;
}

uint64_t store_error_count(const struct store *st)
{
	return atomic_load_explicit(&st->errors, memory_order_relaxed);
}

enum store_result store_migrate(struct store *st, int *from, int *to)
{
	int before = 0, after = 0;
	enum store_result rc =
	    store_counted(st, st->ops->migrate(st, &before, &after));

	if (from != NULL)
		*from = before;
	if (to != NULL)
		*to = after;
	return rc;
}

enum store_result store_schema_version(struct store *st, int *version)
{
	return store_counted(st, st->ops->schema_version(st, version));
}

enum store_result store_ping(struct store *st)
{
	return store_counted(st, st->ops->ping(st));
}

uint8_t *store_bytes_dup(const void *data, size_t len)
{
	uint8_t *copy;

	if (len == SIZE_MAX || (copy = malloc(len + 1)) == NULL)
		return NULL;
	if (len > 0)
		memcpy(copy, data, len);
	copy[len] = 0;
	return copy;
}

int store_rows_add(struct db_rows *rows, size_t *cap)
{
	size_t n = rows->n_cols;
	struct db_cell *grown;

	if (rows->n_rows == *cap) {
		size_t want = *cap == 0 ? 8 : *cap * 2;

		if (n != 0 && want > SIZE_MAX / sizeof(*grown) / n)
			return -1;
		grown = realloc(rows->cells, want * n * sizeof(*grown));
		if (grown == NULL && n != 0)
			return -1;
		rows->cells = grown;
		*cap = want;
	}
	memset(rows->cells + rows->n_rows * n, 0, n * sizeof(*rows->cells));
	rows->n_rows++;
	return 0;
}

int store_cell_set(struct db_cell *cell, enum db_type type, int64_t i,
		   const void *p, size_t len)
{
	cell->type = type;
	cell->i = i;
	if (type != DB_TEXT && type != DB_BLOB)
		return 0;
	cell->p = store_bytes_dup(p, len);
	cell->len = len;
	return cell->p != NULL ? 0 : -1;
}

int store_pool_init(struct store_pool *pool, int size)
{
	memset(pool, 0, sizeof(*pool));
	pool->idle = calloc((size_t)size, sizeof(*pool->idle));
	if (pool->idle == NULL)
		return -1;
	if (pthread_mutex_init(&pool->lock, NULL) != 0) {
		free(pool->idle);
		return -1;
	}
	if (pthread_cond_init(&pool->freed, NULL) != 0) {
		pthread_mutex_destroy(&pool->lock);
		free(pool->idle);
		return -1;
	}
	pool->size = size;
	return 0;
}

void store_pool_destroy(struct store_pool *pool, void (*close_conn)(void *))
{
	for (int i = 0; i < pool->n_idle; i++)
		close_conn(pool->idle[i]);
	free(pool->idle);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->lock);
	memset(pool, 0, sizeof(*pool));
}

void *store_pool_take(struct store_pool *pool)
{
	void *conn = NULL;

	pthread_mutex_lock(&pool->lock);
	while (pool->n_idle == 0 && pool->n_lent == pool->size)
		pthread_cond_wait(&pool->freed, &pool->lock);
	if (pool->n_idle > 0)
		conn = pool->idle[--pool->n_idle];
	pool->n_lent++;
	pthread_mutex_unlock(&pool->lock);
	return conn;
}

void store_pool_give(struct store_pool *pool, void *conn)
{
	pthread_mutex_lock(&pool->lock);
	pool->n_lent--;
	if (conn != NULL)
		pool->idle[pool->n_idle++] = conn;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}
