/*
 * rand: ids of the asked length over the 32 letters without look-alikes,
 * distinct and evenly spread; random bytes that fill the whole buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/rand.h"

#define N_IDS 10000
#define GUARD 0x5a

/* [a-km-np-z2-9]: written out apart from the code under test. */
static int id_letter(char c)
{
	return (c >= 'a' && c <= 'k') || c == 'm' || c == 'n' ||
	       (c >= 'p' && c <= 'z') || (c >= '2' && c <= '9');
}

static void test_id_lengths(void **state)
{
	char buf[80];

	(void)state;
	for (size_t len = 0; len <= 64; len++) {
		memset(buf, GUARD, sizeof(buf));
		assert_int_equal(rand_id(buf, len), 0);
		assert_int_equal(strlen(buf), len);
		for (size_t i = 0; i < len; i++)
			if (!id_letter(buf[i]))
				fail_msg("id %s has '%c' at %zu", buf, buf[i],
					 i);

		/* Nothing written past the NUL. */
		for (size_t i = len + 1; i < sizeof(buf); i++)
			assert_int_equal((unsigned char)buf[i], GUARD);
	}
}

/* A long id is either whole or refused, never short. */
static void test_id_long(void **state)
{
	char buf[1001];

	(void)state;
	memset(buf, GUARD, sizeof(buf));
	if (rand_id(buf, 1000) == 0) {
		assert_int_equal(strlen(buf), 1000);
		for (size_t i = 0; i < 1000; i++)
			assert_true(id_letter(buf[i]));
	}
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, RAND_ID_LEN + 1);
}

static void test_id_distinct_and_spread(void **state)
{
	char(*ids)[RAND_ID_LEN + 1] = calloc(N_IDS, sizeof(*ids));
	size_t count[256] = {0};
	size_t letters = 0;

	(void)state;
	assert_int_equal(RAND_ID_LEN, 16);
	assert_non_null(ids);
	for (size_t i = 0; i < N_IDS; i++) {
		assert_int_equal(rand_id(ids[i], RAND_ID_LEN), 0);
		assert_int_equal(strlen(ids[i]), RAND_ID_LEN);
		for (size_t j = 0; j < RAND_ID_LEN; j++) {
			assert_true(id_letter(ids[i][j]));
			count[(unsigned char)ids[i][j]]++;
		}
	}

	qsort(ids, N_IDS, sizeof(*ids), id_cmp);
	for (size_t i = 1; i < N_IDS; i++)
		if (strcmp(ids[i - 1], ids[i]) == 0)
			fail_msg("id %s drawn twice", ids[i]);

	/*
	 * 160000 letters, 5000 of each expected (sd ~70): every letter
	 * occurs, none is far off, and the four look-alikes never do.
	 */
	for (int c = 0; c < 256; c++) {
		if (!id_letter((char)c)) {
			assert_int_equal(count[c], 0);
			continue;
		}
		letters++;
		if (count[c] < 4000 || count[c] > 6000)
			fail_msg("'%c' occurs %zu times in 160000", c,
				 count[c]);
	}
	assert_int_equal(letters, 32);
	assert_int_equal(count['0'] + count['o'] + count['1'] + count['l'], 0);
	free(ids);
}

static int id_compare(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Ordered ids: the alphabet, never twice, and sorted as they were made,
 * also across milliseconds. */
static void test_id_ordered(void **state)
{
	enum { N = 20000 };
	static char ids[N][RAND_ID_LEN + 1], sorted[N][RAND_ID_LEN + 1];

	(void)state;
	for (int i = 0; i < N; i++) {
		assert_int_equal(rand_id_ordered(ids[i]), 0);
		assert_int_equal(strlen(ids[i]), RAND_ID_LEN);
		for (int c = 0; c < RAND_ID_LEN; c++)
			assert_true(id_letter(ids[i][c]));
		if (i == N / 2) {
			struct timespec pause = {0, 3 * 1000 * 1000};

			nanosleep(&pause, NULL);
		}
	}
	memcpy(sorted, ids, sizeof(ids));
	qsort(sorted, N, sizeof(sorted[0]), id_compare);
	for (int i = 0; i < N; i++) {
		assert_string_equal(sorted[i], ids[i]);
		if (i > 0)
			assert_string_not_equal(ids[i - 1], ids[i]);
	}
	/* The time part moved on across the pause. */
	assert_memory_not_equal(ids[0], ids[N - 1], 9);
}

static void test_bytes_fill(void **state)
{
	uint8_t buf[4096 + 16], seen[4096] = {0}, first[4096];

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(rand_bytes(buf, 4096), 0);
	memcpy(first, buf, sizeof(first));

	/*
	 * Over 8 draws every byte is non-zero at least once (a miss has
	 * odds of 2^-64), so the whole buffer is written each time.
	 */
	for (int round = 0; round < 8; round++) {
		memset(buf, 0, 4096);
		assert_int_equal(rand_bytes(buf, 4096), 0);
		for (size_t i = 0; i < 4096; i++)
			seen[i] |= buf[i];
		for (size_t i = 4096; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0);
	}
	for (size_t i = 0; i < sizeof(seen); i++)
		if (seen[i] == 0)
			fail_msg("byte %zu stayed zero over 8 draws", i);

	/* Two draws differ. */
	assert_memory_not_equal(first, buf, 4096);

	/* Nothing asked, nothing written. */
	memset(buf, GUARD, sizeof(buf));
	assert_int_equal(rand_bytes(buf, 0), 0);
	assert_int_equal(buf[0], GUARD);
	assert_int_equal(rand_bytes(buf, 1), 0);
	assert_int_equal(buf[1], GUARD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_id_lengths),
	    cmocka_unit_test(test_id_long),
	    cmocka_unit_test(test_id_distinct_and_spread),
	    cmocka_unit_test(test_id_ordered),
	    cmocka_unit_test(test_bytes_fill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
