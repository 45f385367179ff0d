#include "lib/rand.h"

#include <limits.h>
#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "lib/log.h"

/* 32 letters and digits without the look-alikes 0, o, 1 and l. */
static const char id_alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";
/* The same in byte order, for the parts of ordered ids that sort. */
static const char sorted_alphabet[] = "23456789abcdefghijkmnpqrstuvwxyz";

/* Characters of an ordered id that hold the time, and the count. */
#define ORDERED_TIME_CHARS  9
#define ORDERED_COUNT_CHARS (RAND_ID_LEN - ORDERED_TIME_CHARS)

/* The count of ordered ids; 0 until the first one picks its start. */
static atomic_uint_fast64_t ordered_count;

int rand_bytes(void *buf, size_t len)
{
	if (len > (size_t)INT_MAX || RAND_bytes(buf, (int)len) != 1) {
		log_openssl_errors("rand.bytes", "RAND_bytes");
		return -1;
	}
	return 0;
}

int rand_id(char *out, size_t len)
{
	unsigned char raw[64];

	if (len > sizeof(raw) || rand_bytes(raw, len) != 0)
		return -1;
	for (size_t i = 0; i < len; i++)
		out[i] = id_alphabet[raw[i] % 32];
	out[len] = '\0';
	return 0;
}

/* Writes the n low 5-bit digits of v, most significant first. */
static void sorted_digits(uint64_t v, char *out, size_t n)
{
	for (size_t i = n; i > 0; i--) {
		out[i - 1] = sorted_alphabet[v % 32];
		v /= 32;
	}
}

/* The next count, starting at a random place on the first call. */
static int ordered_next(uint64_t *count)
{
	uint64_t start = 0, zero = 0;

	if (atomic_load(&ordered_count) == 0) {
		if (rand_bytes(&start, sizeof(start)) != 0)
			return -1;
		atomic_compare_exchange_strong(&ordered_count, &zero,
					       start | 1);
	}
	*count = atomic_fetch_add(&ordered_count, 1);
	return 0;
}

int rand_id_ordered(char *out)
{
	struct timespec ts;
	uint64_t count;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
	    ordered_next(&count) != 0)
		return -1;
	sorted_digits((uint64_t)ts.tv_sec * 1000 +
			  (uint64_t)ts.tv_nsec / 1000000,
		      out, ORDERED_TIME_CHARS);
	sorted_digits(count, out + ORDERED_TIME_CHARS, ORDERED_COUNT_CHARS);
	out[RAND_ID_LEN] = '\0';
	return 0;
}
