#include "engine/ocsp_cache.h"

#include <openssl/objects.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/aia.h"
#include "engine/ca_settings.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/rand.h"

#define STRIPES	     16	       /* locks over the responses; a power of 2 */
#define CA_BUCKETS   256       /* of the issuers; a power of 2 */
#define BUCKET_BYTES 512       /* a response bucket per so much budget */
#define BUCKETS_MIN  256       /* at least STRIPES */
#define BUCKETS_MAX  (1 << 20) /* 8 MiB of pointers at most */

/* Changes committed through this process, counted. */
static atomic_uint_fast64_t changes;

static const struct {
	int nid;
	const char *name;
} hash_algs[OCSP_HASHES] = {{NID_sha1, "sha1"},
			    {NID_sha256, "sha256"},
			    {NID_sha384, "sha384"},
			    {NID_sha512, "sha512"}};

/* A kept response, with the request it answers. */
struct response {
	struct response *next;		/* in its bucket */
	struct response *newer, *older; /* in its stripe's use order */
	atomic_int refs;		/* the table's and its readers' */
	uint64_t hash, epoch;
	int64_t version, this_update, next_update;
	size_t req_len, der_len, cost;
	uint8_t *der; /* after req */
	uint8_t req[];
};

/* A share of the responses: its own lock, budget and use order. */
struct stripe {
	pthread_mutex_t lock;
	struct response *newest, *oldest;
	size_t bytes, entries;
	uint64_t hits, misses;
};

/* A CA's place: its issuer and when the store was read for it. */
struct ca_slot {
	struct ca_slot *next;
	struct ocsp_issuer *issuer; /* the slot's hold */
	uint64_t epoch;
	int64_t version;
	int64_t read_us; /* clock_monotonic_us before the read */
	uint64_t seen;	 /* changes before the read */
};

struct ocsp_cache {
	uint64_t key[2]; /* of the hashes, so that a peer cannot aim at a
			    bucket */
	int64_t check_us;
	size_t budget; /* bytes a stripe may hold */
	size_t mask;   /* response buckets - 1 */
	struct response **buckets;
	struct stripe stripes[STRIPES];
	pthread_mutex_t ca_lock; /* over cas and epochs */
	struct ca_slot *cas[CA_BUCKETS];
	uint64_t epochs; /* the last one given */
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
	do {                                                                   \
		v[0] += v[1];                                                  \
		v[1] = ROTL(v[1], 13) ^ v[0];                                  \
		v[0] = ROTL(v[0], 32);                                         \
		v[2] += v[3];                                                  \
		v[3] = ROTL(v[3], 16) ^ v[2];                                  \
		v[0] += v[3];                                                  \
		v[3] = ROTL(v[3], 21) ^ v[0];                                  \
		v[2] += v[1];                                                  \
		v[1] = ROTL(v[1], 17) ^ v[2];                                  \
		v[2] = ROTL(v[2], 32);                                         \
	} while (0)

/* One message word into SipHash-2-4's state. */
static void sip_word(uint64_t v[4], uint64_t m)
{
	v[3] ^= m;
	SIPROUND;
	SIPROUND;
	v[0] ^= m;
}

/* SipHash-2-4 under key of the word first, then the bytes in. */
static uint64_t sip_hash(const uint64_t key[2], uint64_t first,
			 const uint8_t *in, size_t len)
{
	uint64_t v[4] = {
	    key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
	    key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL};
	uint64_t last = (uint64_t)(len + 8) << 56;
	size_t i = 0;

	sip_word(v, first);
	for (; i + 8 <= len; i += 8) {
		uint64_t m = 0;

		for (int b = 0; b < 8; b++)
			m |= (uint64_t)in[i + b] << (8 * b);
		sip_word(v, m);
	}
	for (size_t b = 0; i + b < len; b++)
		last |= (uint64_t)in[i + b] << (8 * b);
	sip_word(v, last);
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND;
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

int ocsp_hash_index(const ASN1_OBJECT *alg)
{
	int nid = OBJ_obj2nid(alg);

	for (int i = 0; i < OCSP_HASHES; i++)
		if (hash_algs[i].nid == nid)
			return i;
	return -1;
}

const char *ocsp_hash_name(int index)
{
	return hash_algs[index].name;
}

int ocsp_response_fresh(int64_t this_update, int64_t next_update, int64_t now,
			int64_t validity)
{
	return next_update > now + validity / 2 &&
	       this_update <= now + CLOCK_SKEW_SECONDS;
}

void ocsp_cache_changed(void)
{
	atomic_fetch_add(&changes, 1);
}

/* Issuers. */

static void issuer_free(struct ocsp_issuer *i)
{
	store_ca_free(&i->row);
	X509_free(i->cert);
	free(i);
}

void ocsp_issuer_release(struct ocsp_issuer *i)
{
	if (i != NULL && atomic_fetch_sub(&i->refs, 1) == 1)
		issuer_free(i);
}

static struct ocsp_issuer *issuer_hold(struct ocsp_issuer *i)
{
	atomic_fetch_add(&i->refs, 1);
	return i;
}

/* The CA's name and key hashes under each CertID hash. 0 or -1. */
static int issuer_hashes(struct ocsp_issuer *i)
{
	const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(i->cert);
	const X509_NAME *name = X509_get_subject_name(i->cert);

	for (int k = 0; k < OCSP_HASHES; k++) {
		const EVP_MD *md = EVP_get_digestbynid(hash_algs[k].nid);
		struct ocsp_issuer_hash *h = &i->hash[k];
		unsigned int n = 0;

		if (md == NULL || key == NULL ||
		    X509_NAME_digest(name, md, h->name, &h->len) != 1 ||
		    EVP_Digest(key->data, (size_t)key->length, h->key, &n, md,
			       NULL) != 1 ||
		    n != h->len)
			return -1;
	}
	return 0;
}

/* An issuer of the row, which it takes; NULL when the certificate does
 * not parse (logged). */
static struct ocsp_issuer *issuer_make(struct store_ca *row)
{
	struct ocsp_issuer *i = calloc(1, sizeof(*i));
	const unsigned char *p = row->cert_der;
	struct ca_settings cs;

	if (i == NULL) {
		store_ca_free(row);
		return NULL;
	}
	i->row = *row;
	memset(row, 0, sizeof(*row));
	atomic_init(&i->refs, 1);
	i->cert = d2i_X509(NULL, &p, (long)i->row.cert_len);
	if (i->cert == NULL || issuer_hashes(i) != 0) {
		log_openssl_errors("ocsp.issuer", i->row.id);
		issuer_free(i);
		return NULL;
	}
	if (ca_settings_load(i->row.settings, &cs) == 0)
		snprintf(i->service_hash, sizeof(i->service_hash), "%s",
			 cs.service_hash);
	return i;
}

static int bytes_equal(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && (an == 0 || memcmp(a, b, an) == 0);
}

static int text_equal(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Whether row holds what i was made from, as far as answers go. */
static int issuer_same(const struct ocsp_issuer *i, const struct store_ca *row)
{
	return bytes_equal(i->row.cert_der, i->row.cert_len, row->cert_der,
			   row->cert_len) &&
	       bytes_equal(i->row.key_sealed, i->row.key_len, row->key_sealed,
			   row->key_len) &&
	       text_equal(i->row.settings, row->settings) &&
	       text_equal(i->row.tenant_id, row->tenant_id);
}

/* The CA's row, then its revocation version, from the store. */
static enum engine_result issuer_read(const struct ca_context *ctx,
				      const char *ca_id, struct store_ca *row,
				      int64_t *version,
				      struct engine_error *err)
{
	enum engine_result res = aia_ca_find(ctx, ca_id, row, err);
	enum store_result rc;

	if (res != ENGINE_OK)
		return res;
	rc = store_revocation_version(ctx->st, row->id, version);
	if (rc != STORE_OK) {
		store_ca_free(row);
		return engine_store_fail(err, rc, "CA");
	}
	return ENGINE_OK;
}

/* The link to ca_id's slot (to NULL when it has none); ca_lock held. */
static struct ca_slot **slot_link(struct ocsp_cache *c, const char *ca_id)
{
	uint64_t h = sip_hash(c->key, 0, (const uint8_t *)ca_id, strlen(ca_id));
	struct ca_slot **p = &c->cas[h & (CA_BUCKETS - 1)];

	while (*p != NULL && strcmp((*p)->issuer->row.id, ca_id) != 0)
		p = &(*p)->next;
	return p;
}

/*
 * Whether ca_id's slot is current: then out holds its issuer. Else
 * *stale holds the issuer it has, if any, to compare the store's row
 * with.
 */
static int slot_current(struct ocsp_cache *c, const char *ca_id,
			struct ocsp_issuer_view *out,
			struct ocsp_issuer **stale)
{
	int64_t now_us = clock_monotonic_us();
	struct ca_slot *s;
	int current = 0;

	pthread_mutex_lock(&c->ca_lock);
	s = *slot_link(c, ca_id);
	if (s != NULL && s->seen == atomic_load(&changes) &&
	    now_us - s->read_us < c->check_us) {
		out->issuer = issuer_hold(s->issuer);
		out->epoch = s->epoch;
		out->version = s->version;
		current = 1;
	} else if (s != NULL) {
		*stale = issuer_hold(s->issuer);
	}
	pthread_mutex_unlock(&c->ca_lock);
	return current;
}

/*
 * Makes out, read at read_us after seen changes, the state of its CA,
 * unless a later read is in already: then out keeps epoch 0.
 */
static void slot_install(struct ocsp_cache *c, struct ocsp_issuer_view *out,
			 int64_t read_us, uint64_t seen)
{
	struct ocsp_issuer *i = out->issuer, *old = NULL;
	struct ca_slot **link, *s;

	pthread_mutex_lock(&c->ca_lock);
	link = slot_link(c, i->row.id);
	s = *link;
	if (s == NULL && (s = calloc(1, sizeof(*s))) != NULL) {
		*link = s;
		s->read_us = read_us;
	}
	if (s != NULL && s->read_us <= read_us) {
		old = s->issuer;
		if (old != i)
			s->epoch = ++c->epochs;
		s->issuer = issuer_hold(i);
		s->version = out->version;
		s->read_us = read_us;
		s->seen = seen;
		out->epoch = s->epoch;
	}
	pthread_mutex_unlock(&c->ca_lock);
	ocsp_issuer_release(old);
}

/* Forgets ca_id, found gone by a read at read_us, unless a later read
 * found it. */
static void slot_drop(struct ocsp_cache *c, const char *ca_id, int64_t read_us)
{
	struct ca_slot **link, *s;

	pthread_mutex_lock(&c->ca_lock);
	link = slot_link(c, ca_id);
	s = *link;
	if (s != NULL && s->read_us <= read_us)
		*link = s->next;
	else
		s = NULL;
	pthread_mutex_unlock(&c->ca_lock);
	if (s != NULL)
		ocsp_issuer_release(s->issuer);
	free(s);
}

/*
 * Reads ca_id from the store into out, with stale (the issuer its slot
 * had, or NULL) again when the row still holds what that was made from,
 * and installs it in c (may be NULL).
 */
static enum engine_result
issuer_refresh(struct ocsp_cache *c, const struct ca_context *ctx,
	       const char *ca_id, struct ocsp_issuer *stale,
	       struct ocsp_issuer_view *out, struct engine_error *err)
{
	int64_t read_us = clock_monotonic_us();
	uint64_t seen = atomic_load(&changes);
	struct store_ca row;
	enum engine_result res =
	    issuer_read(ctx, ca_id, &row, &out->version, err);

	if (res == ENGINE_NOT_FOUND && c != NULL)
		slot_drop(c, ca_id, read_us);
	if (res != ENGINE_OK)
		return res;
	if (stale != NULL && issuer_same(stale, &row)) {
		store_ca_free(&row);
		out->issuer = issuer_hold(stale);
	} else if ((out->issuer = issuer_make(&row)) == NULL) {
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the CA certificate does not parse");
	}
	if (c != NULL)
		slot_install(c, out, read_us, seen);
	return ENGINE_OK;
}

enum engine_result ocsp_cache_issuer(struct ocsp_cache *c,
				     const struct ca_context *ctx,
				     const char *ca_id,
				     struct ocsp_issuer_view *out,
				     struct engine_error *err)
{
	struct ocsp_issuer *stale = NULL;
	enum engine_result res;

	memset(out, 0, sizeof(*out));
	if (c != NULL && slot_current(c, ca_id, out, &stale))
		return ENGINE_OK;
	res = issuer_refresh(c, ctx, ca_id, stale, out, err);
	ocsp_issuer_release(stale);
	return res;
}

/* Responses. */

static void response_release(struct response *e)
{
	if (e != NULL && atomic_fetch_sub(&e->refs, 1) == 1)
		free(e);
}

static uint64_t response_hash(const struct ocsp_cache *c,
			      const struct ocsp_cache_key *k)
{
	return sip_hash(c->key, k->epoch, k->req, k->len);
}

static struct stripe *stripe_of(struct ocsp_cache *c, uint64_t hash)
{
	return &c->stripes[hash & (STRIPES - 1)];
}

/* The link to k's response in its bucket (to NULL when there is none);
 * its stripe's lock held. */
static struct response **response_link(struct ocsp_cache *c, uint64_t hash,
				       const struct ocsp_cache_key *k)
{
	struct response **p = &c->buckets[hash & c->mask];

	for (; *p != NULL; p = &(*p)->next)
		if ((*p)->hash == hash && (*p)->epoch == k->epoch &&
		    (*p)->req_len == k->len &&
		    memcmp((*p)->req, k->req, k->len) == 0)
			return p;
	return p;
}

static void order_remove(struct stripe *s, struct response *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		s->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		s->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void order_push(struct stripe *s, struct response *e)
{
	e->older = s->newest;
	e->newer = NULL;
	if (s->newest != NULL)
		s->newest->newer = e;
	else
		s->oldest = e;
	s->newest = e;
}

/* Takes the response at link out of the table; the table's hold on it
 * passes to the caller. The stripe's lock held. */
static struct response *response_unlink(struct stripe *s,
					struct response **link)
{
	struct response *e = *link;

	*link = e->next;
	e->next = NULL;
	order_remove(s, e);
	s->bytes -= e->cost;
	s->entries--;
	return e;
}

int ocsp_cache_get(struct ocsp_cache *c, const struct ocsp_cache_key *k,
		   int64_t now, int64_t validity, struct ocsp_answer *out)
{
	struct response *e;
	struct stripe *s;
	uint64_t hash;

	if (c == NULL || c->budget == 0 || k->epoch == 0)
		return -1;
	hash = response_hash(c, k);
	s = stripe_of(c, hash);
	pthread_mutex_lock(&s->lock);
	e = *response_link(c, hash, k);
	if (e != NULL && (e->version != k->version ||
			  !ocsp_response_fresh(e->this_update, e->next_update,
					       now, validity)))
		e = NULL;
	if (e != NULL) {
		atomic_fetch_add(&e->refs, 1);
		order_remove(s, e);
		order_push(s, e);
		s->hits++;
	} else {
		s->misses++;
	}
	pthread_mutex_unlock(&s->lock);
	if (e == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->der = malloc(e->der_len);
	if (out->der != NULL) {
		memcpy(out->der, e->der, e->der_len);
		out->len = e->der_len;
		out->status = "successful";
		out->this_update = e->this_update;
		out->next_update = e->next_update;
		out->cacheable = 1;
	}
	response_release(e);
	return out->der != NULL ? 0 : -1;
}

/* A new response for k holding a copy of a; NULL when out of memory. */
static struct response *response_make(struct ocsp_cache *c,
				      const struct ocsp_cache_key *k,
				      const struct ocsp_answer *a)
{
	size_t cost = sizeof(struct response) + k->len + a->len;
	struct response *e = malloc(cost);

	if (e == NULL)
		return NULL;
	memset(e, 0, sizeof(*e));
	atomic_init(&e->refs, 1);
	e->hash = response_hash(c, k);
	e->epoch = k->epoch;
	e->version = k->version;
	e->this_update = a->this_update;
	e->next_update = a->next_update;
	e->req_len = k->len;
	e->der_len = a->len;
	e->cost = cost;
	memcpy(e->req, k->req, k->len);
	e->der = e->req + k->len;
	memcpy(e->der, a->der, a->len);
	return e;
}

void ocsp_cache_put(struct ocsp_cache *c, const struct ocsp_cache_key *k,
		    const struct ocsp_answer *a)
{
	struct response *e, **link, *gone = NULL;
	struct stripe *s;

	if (c == NULL || k->epoch == 0 ||
	    sizeof(struct response) + k->len + a->len > c->budget ||
	    (e = response_make(c, k, a)) == NULL)
		return;
	s = stripe_of(c, e->hash);
	pthread_mutex_lock(&s->lock);
	link = response_link(c, e->hash, k);
	if (*link != NULL)
		gone = response_unlink(s, link);
	link = &c->buckets[e->hash & c->mask];
	e->next = *link;
	*link = e;
	order_push(s, e);
	s->bytes += e->cost;
	s->entries++;
	/* The least recently used go, until the stripe fits its budget. */
	while (s->bytes > c->budget) {
		struct response *old = s->oldest;
		struct response **at = &c->buckets[old->hash & c->mask];

		while (*at != old)
			at = &(*at)->next;
		response_unlink(s, at)->next = gone;
		gone = old;
	}
	pthread_mutex_unlock(&s->lock);
	while (gone != NULL) {
		e = gone->next;
		response_release(gone);
		gone = e;
	}
}

void ocsp_cache_stats(struct ocsp_cache *c, struct ocsp_cache_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; c != NULL && i < STRIPES; i++) {
		struct stripe *s = &c->stripes[i];

		pthread_mutex_lock(&s->lock);
		out->hits += s->hits;
		out->misses += s->misses;
		out->entries += s->entries;
		out->bytes += s->bytes;
		pthread_mutex_unlock(&s->lock);
	}
}

/* The number of response buckets for a budget: about one an entry. */
static size_t buckets_for(size_t budget)
{
	size_t n = BUCKETS_MIN;

	while (n < BUCKETS_MAX && n < budget / BUCKET_BYTES)
		n *= 2;
	return n;
}

struct ocsp_cache *ocsp_cache_new(size_t budget, int64_t check_ms)
{
	struct ocsp_cache *c = calloc(1, sizeof(*c));
	size_t n = buckets_for(budget);

	if (c == NULL ||
	    (c->buckets = calloc(n, sizeof(*c->buckets))) == NULL ||
	    rand_bytes(c->key, sizeof(c->key)) != 0) {
		if (c != NULL)
			free(c->buckets);
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	c->budget = budget / STRIPES;
	c->check_us = check_ms * 1000;
	pthread_mutex_init(&c->ca_lock, NULL);
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_init(&c->stripes[i].lock, NULL);
	return c;
}

void ocsp_cache_free(struct ocsp_cache *c)
{
	if (c == NULL)
		return;
	for (size_t b = 0; b <= c->mask; b++)
		while (c->buckets[b] != NULL) {
			struct response *e = c->buckets[b];

			c->buckets[b] = e->next;
			response_release(e);
		}
	for (int b = 0; b < CA_BUCKETS; b++)
		while (c->cas[b] != NULL) {
			struct ca_slot *s = c->cas[b];

			c->cas[b] = s->next;
			ocsp_issuer_release(s->issuer);
			free(s);
		}
	for (int i = 0; i < STRIPES; i++)
		pthread_mutex_destroy(&c->stripes[i].lock);
	pthread_mutex_destroy(&c->ca_lock);
	free(c->buckets);
	free(c);
}
