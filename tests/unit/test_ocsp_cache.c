/*
 * The OCSP responder's memory of signed responses on its own: what a
 * kept response must match to be handed out, that it is handed out as a
 * copy, that the byte budget holds with the least recently used going
 * first, and that threads may share it. The issuers and the responder
 * around it are tested end to end in test_revocation.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ocsp_cache.h"
#include "lib/clock.h"

#define NOW	 1800000000
#define VALIDITY 3600
#define DER_LEN	 300

/* A request of 64 bytes that names n, and its answer's bytes. */
struct sample {
	uint8_t req[64];
	uint8_t der[DER_LEN];
	struct ocsp_cache_key key;
	struct ocsp_answer answer;
};

static void sample_make(struct sample *s, unsigned n, uint64_t epoch)
{
	memset(s, 0, sizeof(*s));
	snprintf((char *)s->req, sizeof(s->req), "request %u", n);
	for (size_t i = 0; i < sizeof(s->der); i++)
		s->der[i] = (uint8_t)(n + i);
	s->key = (struct ocsp_cache_key){epoch, 7, s->req, sizeof(s->req)};
	s->answer = (struct ocsp_answer){.der = s->der,
					 .len = sizeof(s->der),
					 .status = "successful",
					 .this_update = NOW,
					 .next_update = NOW + VALIDITY,
					 .cacheable = 1};
}

/* Whether the cache hands out n's answer, checking its bytes. */
static int holds(struct ocsp_cache *c, unsigned n, uint64_t epoch)
{
	struct sample s;
	struct ocsp_answer got;

	sample_make(&s, n, epoch);
	if (ocsp_cache_get(c, &s.key, NOW, VALIDITY, &got) != 0)
		return 0;
	assert_int_equal(got.len, DER_LEN);
	assert_memory_equal(got.der, s.der, DER_LEN);
	assert_ptr_not_equal(got.der, s.der);
	assert_int_equal(got.this_update, NOW);
	assert_int_equal(got.next_update, NOW + VALIDITY);
	assert_true(got.cacheable);
	ocsp_answer_free(&got);
	return 1;
}

static void put(struct ocsp_cache *c, unsigned n, uint64_t epoch)
{
	struct sample s;

	sample_make(&s, n, epoch);
	ocsp_cache_put(c, &s.key, &s.answer);
}

static void test_found_only_by_its_key(void **state)
{
	struct ocsp_cache *c = ocsp_cache_new(1 << 20, 1000);
	struct ocsp_answer got;
	struct sample s;

	(void)state;
	assert_non_null(c);
	put(c, 1, 5);
	assert_true(holds(c, 1, 5));
	/* Another request of the same length, another issuer state. */
	assert_false(holds(c, 2, 5));
	assert_false(holds(c, 1, 6));

	sample_make(&s, 1, 5);
	s.key.version = 8; /* a revocation since */
	assert_int_equal(ocsp_cache_get(c, &s.key, NOW, VALIDITY, &got), -1);
	s.key.version = 7;
	s.key.len = 63; /* a prefix of the request */
	assert_int_equal(ocsp_cache_get(c, &s.key, NOW, VALIDITY, &got), -1);
	s.key.len = 64;
	/* Past half its window, and dated after now (clock put back). */
	assert_int_equal(
	    ocsp_cache_get(c, &s.key, NOW + VALIDITY / 2, VALIDITY, &got), -1);
	assert_int_equal(ocsp_cache_get(c, &s.key, NOW - CLOCK_SKEW_SECONDS - 1,
					VALIDITY, &got),
			 -1);
	assert_int_equal(
	    ocsp_cache_get(c, &s.key, NOW + VALIDITY / 2 - 1, VALIDITY, &got),
	    0);
	ocsp_answer_free(&got);
	/* Epoch 0: an issuer state that keeps nothing. */
	put(c, 3, 0);
	assert_false(holds(c, 3, 0));
	ocsp_cache_free(c);
}

static void test_put_replaces(void **state)
{
	struct ocsp_cache *c = ocsp_cache_new(1 << 20, 1000);
	struct ocsp_cache_stats st;
	struct ocsp_answer got;
	struct sample s;

	(void)state;
	put(c, 1, 5);
	sample_make(&s, 1, 5);
	s.key.version = 8;
	s.der[0] ^= 0xff;
	ocsp_cache_put(c, &s.key, &s.answer);
	ocsp_cache_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(ocsp_cache_get(c, &s.key, NOW, VALIDITY, &got), 0);
	assert_memory_equal(got.der, s.der, DER_LEN);
	ocsp_answer_free(&got);
	assert_false(holds(c, 1, 5)); /* version 7 is gone */
	ocsp_cache_free(c);
}

static void test_budget_evicts_least_recently_used(void **state)
{
	const size_t budget = 64 * 1024;
	struct ocsp_cache *c = ocsp_cache_new(budget, 1000);
	struct ocsp_cache_stats st;
	unsigned kept = 0;

	(void)state;
	assert_non_null(c);
	for (unsigned n = 0; n < 2000; n++) {
		put(c, n, 1);
		/* The first one is used all along: it stays. */
		assert_true(holds(c, 0, 1));
		ocsp_cache_stats(c, &st);
		assert_true(st.bytes <= budget);
	}
	assert_true(st.entries > 50 && st.entries < 200);
	assert_true(holds(c, 1999, 1));
	assert_false(holds(c, 1, 1));
	for (unsigned n = 0; n < 2000; n++)
		kept += (unsigned)holds(c, n, 1);
	assert_int_equal(kept, st.entries);
	assert_true(st.hits >= 2000);
	ocsp_cache_free(c);

	/* No budget, nothing kept; nor what outgrows a stripe's share. */
	c = ocsp_cache_new(0, 1000);
	put(c, 1, 1);
	assert_false(holds(c, 1, 1));
	ocsp_cache_free(c);
	c = ocsp_cache_new(16 * 200, 1000);
	put(c, 1, 1);
	ocsp_cache_stats(c, &st);
	assert_int_equal(st.entries, 0);
	ocsp_cache_free(c);
}

/* Puts and gets of overlapping requests, checking every answer. */
static void *hammer(void *arg)
{
	struct ocsp_cache *c = arg;

	for (unsigned i = 0; i < 20000; i++) {
		unsigned n = (i * 7919u) % 500;

		if (!holds(c, n, 1))
			put(c, n, 1);
	}
	return NULL;
}

static void test_threads_share_it(void **state)
{
	struct ocsp_cache *c = ocsp_cache_new(32 * 1024, 1000);
	struct ocsp_cache_stats st;
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, c), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	ocsp_cache_stats(c, &st);
	assert_true(st.bytes <= 32 * 1024);
	assert_true(st.hits > 0 && st.misses > 0);
	ocsp_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_found_only_by_its_key),
	    cmocka_unit_test(test_put_replaces),
	    cmocka_unit_test(test_budget_evicts_least_recently_used),
	    cmocka_unit_test(test_threads_share_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
