#include "engine/issuer_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/templates.h"

/* Entries of each kind; past it the least recently used one goes. */
#define ISSUER_CACHE_SLOTS 64

/* What entries of both kinds begin with. */
struct cached_head {
	atomic_int refs;
	char *id; /* what the entry is found by */
	void (*destroy)(void *entry);
};

struct cached_signer {
	struct cached_head head; /* head.id: the CA's */
	char *settings;
	uint8_t *cert_der, *key_sealed;
	size_t cert_len, key_len;
	struct issue_signer signer; /* signer.ca_id is head.id */
};

struct cached_template {
	struct cached_head head; /* head.id: the template's */
	char *settings;
	struct template_settings tpl;
};

/* An entry of either kind. */
struct slot {
	struct cached_head *entry;
	uint64_t used; /* the cache's tick at the last hand-out */
};

struct issuer_cache {
	pthread_mutex_t lock;
	uint64_t tick;
	struct slot signers[ISSUER_CACHE_SLOTS];
	struct slot templates[ISSUER_CACHE_SLOTS];
};

/* Whether an entry was made from the row the caller holds. */
typedef int (*entry_match)(const void *entry, const void *row);
/* A new entry with one hold, made from row. */
typedef enum engine_result (*entry_make)(const struct ca_context *ctx,
					 const void *row, void **out,
					 struct engine_error *err);

struct issuer_cache *issuer_cache_new(void)
{
	struct issuer_cache *c = calloc(1, sizeof(*c));

	if (c != NULL && pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		c = NULL;
	}
	return c;
}

static int text_equal(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int bytes_equal(const uint8_t *a, size_t alen, const uint8_t *b,
		       size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static char *text_copy(const char *s, int *failed)
{
	char *out = s != NULL ? strdup(s) : NULL;

	if (s != NULL && out == NULL)
		*failed = 1;
	return out;
}

static uint8_t *bytes_copy(const uint8_t *p, size_t len, int *failed)
{
	uint8_t *out = len > 0 ? malloc(len) : NULL;

	if (len > 0 && out == NULL)
		*failed = 1;
	else if (len > 0)
		memcpy(out, p, len);
	return out;
}

static void entry_hold(struct cached_head *h)
{
	atomic_fetch_add(&h->refs, 1);
}

static void entry_release(struct cached_head *h)
{
	if (h != NULL && atomic_fetch_sub(&h->refs, 1) == 1)
		h->destroy(h);
}

/* Fills h of a new entry with one hold; 0, or -1 without memory. */
static int entry_init(struct cached_head *h, const char *id,
		      void (*destroy)(void *entry))
{
	atomic_init(&h->refs, 1);
	h->destroy = destroy;
	h->id = strdup(id);
	return h->id != NULL ? 0 : -1;
}

/*
 * The entry under id that match accepts for row, with one more hold for
 * the caller; NULL when there is none.
 */
static struct cached_head *slot_find(struct issuer_cache *c, struct slot *slots,
				     const char *id, entry_match match,
				     const void *row)
{
	struct cached_head *found = NULL;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < ISSUER_CACHE_SLOTS && found == NULL; i++)
		if (slots[i].entry != NULL &&
		    strcmp(slots[i].entry->id, id) == 0 &&
		    match(slots[i].entry, row)) {
			found = slots[i].entry;
			entry_hold(found);
			slots[i].used = ++c->tick;
		}
	pthread_mutex_unlock(&c->lock);
	return found;
}

/*
 * Keeps entry (whose hold passes to the cache) in place of an older
 * entry of its id, else in a free slot, else in place of the least
 * recently used one.
 */
static void slot_put(struct issuer_cache *c, struct slot *slots,
		     struct cached_head *entry)
{
	struct slot *at = &slots[0];
	struct cached_head *old;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < ISSUER_CACHE_SLOTS; i++) {
		struct slot *s = &slots[i];

		if (s->entry != NULL && strcmp(s->entry->id, entry->id) == 0) {
			at = s;
			break;
		}
		if (at->entry != NULL &&
		    (s->entry == NULL || s->used < at->used))
			at = s;
	}
	old = at->entry;
	at->entry = entry;
	at->used = ++c->tick;
	pthread_mutex_unlock(&c->lock);
	entry_release(old);
}

/*
 * The entry of id that match accepts for row, from slots of cache (NULL:
 * none), else a new one from make, kept there.
 */
static enum engine_result
cache_get(struct issuer_cache *cache, struct slot *slots, const char *id,
	  entry_match match, entry_make make, const struct ca_context *ctx,
	  const void *row, void **held, struct engine_error *err)
{
	struct cached_head *found =
	    cache != NULL ? slot_find(cache, slots, id, match, row) : NULL;
	enum engine_result res;

	*held = found;
	if (found != NULL)
		return ENGINE_OK;
	res = make(ctx, row, held, err);
	if (res == ENGINE_OK && cache != NULL) {
		entry_hold(*held);
		slot_put(cache, slots, *held);
	}
	return res;
}

static void slots_clear(struct slot *slots)
{
	for (size_t i = 0; i < ISSUER_CACHE_SLOTS; i++)
		entry_release(slots[i].entry);
}

/* ---- signers ---- */

static void signer_destroy(void *entry)
{
	struct cached_signer *s = entry;

	ca_signer_clear(&s->signer);
	free(s->head.id);
	free(s->settings);
	free(s->cert_der);
	free(s->key_sealed);
	free(s);
}

void issuer_signer_release(struct cached_signer *s)
{
	entry_release(s != NULL ? &s->head : NULL);
}

static int signer_match(const void *entry, const void *row)
{
	const struct cached_signer *s = entry;
	const struct store_ca *ca = row;

	return strcmp(ca->status, "active") == 0 &&
	       text_equal(s->settings, ca->settings) &&
	       bytes_equal(s->cert_der, s->cert_len, ca->cert_der,
			   ca->cert_len) &&
	       bytes_equal(s->key_sealed, s->key_len, ca->key_sealed,
			   ca->key_len);
}

/* The CA of row (a store_ca) opened. */
static enum engine_result signer_make(const struct ca_context *ctx,
				      const void *row, void **out,
				      struct engine_error *err)
{
	const struct store_ca *ca = row;
	struct cached_signer *s = calloc(1, sizeof(*s));
	int failed = s == NULL || entry_init(&s->head, ca->id, signer_destroy);
	enum engine_result res;

	*out = NULL;
	if (s != NULL) {
		s->settings = text_copy(ca->settings, &failed);
		s->cert_der = bytes_copy(ca->cert_der, ca->cert_len, &failed);
		s->cert_len = ca->cert_len;
		s->key_sealed =
		    bytes_copy(ca->key_sealed, ca->key_len, &failed);
		s->key_len = ca->key_len;
	}
	res = failed ? engine_fail(err, ENGINE_ERROR, NULL, "out of memory")
		     : ca_signer_open(ctx, ca, &s->signer, err);
	if (res != ENGINE_OK) {
		issuer_signer_release(s);
		return res;
	}
	s->signer.ca_id = s->head.id;
	*out = s;
	return ENGINE_OK;
}

enum engine_result issuer_cache_signer(struct issuer_cache *cache,
				       const struct ca_context *ctx,
				       const struct store_ca *ca,
				       struct cached_signer **held,
				       struct engine_error *err)
{
	void *entry;
	enum engine_result res =
	    cache_get(cache, cache != NULL ? cache->signers : NULL, ca->id,
		      signer_match, signer_make, ctx, ca, &entry, err);

	*held = entry;
	return res;
}

const struct issue_signer *issuer_signer(const struct cached_signer *s)
{
	return &s->signer;
}

/* ---- templates ---- */

static void template_destroy(void *entry)
{
	struct cached_template *t = entry;

	template_settings_clear(&t->tpl);
	free(t->head.id);
	free(t->settings);
	free(t);
}

void issuer_template_release(struct cached_template *t)
{
	entry_release(t != NULL ? &t->head : NULL);
}

static int template_match(const void *entry, const void *row)
{
	const struct cached_template *t = entry;
	const struct store_template *r = row;

	return text_equal(t->settings, r->settings);
}

/* The settings of row (a store_template) parsed. */
static enum engine_result template_make(const struct ca_context *ctx,
					const void *row, void **out,
					struct engine_error *err)
{
	const struct store_template *r = row;
	struct cached_template *t = calloc(1, sizeof(*t));
	int failed = t == NULL || entry_init(&t->head, r->id, template_destroy);
	enum engine_result res;

	(void)ctx;
	*out = NULL;
	if (t != NULL)
		t->settings = text_copy(r->settings, &failed);
	res = failed ? engine_fail(err, ENGINE_ERROR, NULL, "out of memory")
		     : templates_settings(r, &t->tpl, err);
	if (res != ENGINE_OK) {
		issuer_template_release(t);
		return res;
	}
	*out = t;
	return ENGINE_OK;
}

enum engine_result issuer_cache_template(struct issuer_cache *cache,
					 const struct store_template *t,
					 struct cached_template **held,
					 struct engine_error *err)
{
	void *entry;
	enum engine_result res =
	    cache_get(cache, cache != NULL ? cache->templates : NULL, t->id,
		      template_match, template_make, NULL, t, &entry, err);

	*held = entry;
	return res;
}

const struct template_settings *issuer_template(const struct cached_template *t)
{
	return &t->tpl;
}

void issuer_cache_free(struct issuer_cache *c)
{
	if (c == NULL)
		return;
	slots_clear(c->signers);
	slots_clear(c->templates);
	pthread_mutex_destroy(&c->lock);
	free(c);
}
