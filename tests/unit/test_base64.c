/*
 * base64 and base64url: the RFC 4648 section 10 vectors, round trips
 * checked against OpenSSL's encoder, and strict rejection of everything
 * that is not the canonical encoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "lib/base64.h"

typedef int (*decode_fn)(const char *, size_t, uint8_t **, size_t *);

static const char alphabet_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alphabet_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* RFC 4648 section 10. */
static const struct {
	const char *plain, *std, *url;
} vectors[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
};

#define N_VECTORS (sizeof(vectors) / sizeof(*vectors))

/* Decoding len bytes of in succeeds and gives exactly want. */
static void decode_ok(decode_fn fn, const char *in, size_t len,
		      const void *want, size_t want_len)
{
	uint8_t *out = NULL;
	size_t out_len = (size_t)-1;

	if (fn(in, len, &out, &out_len) != 0)
		fail_msg("decoding \"%.*s\" (%zu bytes) failed", (int)len, in,
			 len);
	assert_non_null(out);
	assert_int_equal(out_len, want_len);
	if (want_len > 0)
		assert_memory_equal(out, want, want_len);
	free(out);
}

/* Decoding len bytes of in fails and hands out no buffer. */
static void decode_fails(decode_fn fn, const char *in, size_t len)
{
	uint8_t *out = NULL;
	size_t out_len = 0;

	if (fn(in, len, &out, &out_len) != -1) {
		free(out);
		fail_msg("decoding \"%.*s\" (%zu bytes) was accepted", (int)len,
			 in, len);
	}
	assert_null(out);
}

static void test_rfc4648_encode(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_VECTORS; i++) {
		const uint8_t *in = (const uint8_t *)vectors[i].plain;
		size_t len = strlen(vectors[i].plain);
		char *std = base64_encode(in, len);
		char *url = base64url_encode(in, len);

		assert_non_null(std);
		assert_non_null(url);
		assert_string_equal(std, vectors[i].std);
		assert_string_equal(url, vectors[i].url);
		free(std);
		free(url);
	}
}

static void test_rfc4648_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_VECTORS; i++) {
		const char *plain = vectors[i].plain;

		decode_ok(base64_decode, vectors[i].std, strlen(vectors[i].std),
			  plain, strlen(plain));
		decode_ok(base64url_decode, vectors[i].url,
			  strlen(vectors[i].url), plain, strlen(plain));
	}
}

/* The two characters where the alphabets differ: 62 and 63. */
static void test_url_alphabet(void **state)
{
	static const uint8_t two[] = {0xfb, 0xff};
	static const uint8_t three[] = {0xfb, 0xff, 0xbf};
	char *s;

	(void)state;
	s = base64url_encode(two, sizeof(two));
	assert_non_null(s);
	assert_string_equal(s, "-_8");
	free(s);
	s = base64_encode(two, sizeof(two));
	assert_non_null(s);
	assert_string_equal(s, "+/8=");
	free(s);
	s = base64url_encode(three, sizeof(three));
	assert_non_null(s);
	assert_string_equal(s, "-_-_");
	free(s);

	decode_ok(base64url_decode, "-_8", 3, two, sizeof(two));
	decode_ok(base64_decode, "+/8=", 4, two, sizeof(two));
	decode_ok(base64url_decode, "-_-_", 4, three, sizeof(three));
	decode_ok(base64_decode, "+/+/", 4, three, sizeof(three));
}

/* xorshift32: reproducible data, so a failing length can be replayed. */
static uint32_t next_random(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void round_trip(const uint8_t *data, size_t len)
{
	unsigned char want[4 * 101 + 1];
	char *std = base64_encode(data, len);
	char *url = base64url_encode(data, len);
	size_t url_len = (len * 4 + 2) / 3;

	assert_non_null(std);
	assert_non_null(url);

	/* Standard: as OpenSSL encodes it. */
	assert_int_equal(EVP_EncodeBlock(want, data, (int)len),
			 (len + 2) / 3 * 4);
	assert_string_equal(std, (const char *)want);

	/* URL: the same with the two letters swapped and no padding. */
	assert_int_equal(strlen(url), url_len);
	for (size_t i = 0; i < url_len; i++) {
		const char *p = strchr(alphabet_std, std[i]);

		assert_non_null(p);
		assert_int_equal(url[i], alphabet_url[p - alphabet_std]);
	}
	assert_null(strchr(url, '='));

	decode_ok(base64_decode, std, strlen(std), data, len);
	decode_ok(base64url_decode, url, url_len, data, len);
	free(std);
	free(url);
}

static void test_round_trip(void **state)
{
	uint8_t data[300] = {0};
	uint32_t seed = 0x9e3779b9;

	(void)state;
	for (size_t len = 0; len <= sizeof(data); len++) {
		for (size_t i = 0; i < len; i++)
			data[i] = (uint8_t)next_random(&seed);
		round_trip(data, len);
	}

	/* Every byte value, and the all-zero and all-one extremes. */
	for (size_t i = 0; i < 256; i++)
		data[i] = (uint8_t)i;
	round_trip(data, 256);
	memset(data, 0, sizeof(data));
	round_trip(data, sizeof(data));
	memset(data, 0xff, sizeof(data));
	round_trip(data, sizeof(data));
}

static void test_empty(void **state)
{
	char *s;

	(void)state;
	s = base64_encode((const uint8_t *)"", 0);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	s = base64url_encode((const uint8_t *)"", 0);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	decode_ok(base64_decode, "", 0, "", 0);
	decode_ok(base64url_decode, "", 0, "", 0);
}

/* len is what counts, not the NUL: a prefix of a longer text decodes. */
static void test_len_is_honoured(void **state)
{
	(void)state;
	decode_ok(base64_decode, "Zm9vYmFy", 4, "foo", 3);
	decode_ok(base64url_decode, "Zm8AAAAA", 3, "fo", 2);
	decode_ok(base64url_decode, "Zm9vYmFy", 0, "", 0);
}

/* Characters outside each alphabet, in a text of a valid length. */
static void test_outside_alphabet(void **state)
{
	static const char *const std_bad[] = {
	    "Zm9 ",	 "Zm 9",      " Zm9",	   "Zm9vYm y", "Zm9\nYmFy",
	    "Zm9v\nYmF", "\nZm9vYmF", "Zm9vYmF\n", "Zm9\r",    "Zm9\t",
	    "-_8=",	 "Zm9-",      "Zm9_",	   "Zm.v",     "Zm9v*A==",
	    "Zm\x80v",	 "Zm\xffv",   "Zm9\x7f",
	};
	static const char *const url_bad[] = {
	    "+/8",   "Zm9+",   "Zm9/", "Zg==", "Zm8=",	  "Zm9 ",
	    "Zm\nv", "Zm9v\n", " Zm9", "Zm.v", "Zm\x80v", "Zm\xffv",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(std_bad) / sizeof(*std_bad); i++)
		decode_fails(base64_decode, std_bad[i], strlen(std_bad[i]));
	for (size_t i = 0; i < sizeof(url_bad) / sizeof(*url_bad); i++)
		decode_fails(base64url_decode, url_bad[i], strlen(url_bad[i]));

	/* Every byte that is not a letter of the alphabet, alone in a quad. */
	for (int c = 0; c < 256; c++) {
		char quad[4] = {'Z', 'm', '9', (char)c};

		if (c != 0 && strchr(alphabet_std, c) == NULL && c != '=')
			decode_fails(base64_decode, quad, sizeof(quad));
		if (c != 0 && strchr(alphabet_url, c) == NULL)
			decode_fails(base64url_decode, quad, sizeof(quad));
	}
}

static void test_bad_padding(void **state)
{
	static const char *const bad[] = {
	    "Zg=",	"Zg",	    "Z===",	"=Zg=",	    "====",
	    "==",	"=",	    "Zm8",	"Zm8==",    "Zg===",
	    "Zm9v====", "Zm9v=",    "Zg=A",	"Z=g=",	    "Zm9vYg=",
	    "Zm9vY===", "=Zm9",	    "Zm9v==",	"Zm==Zm9v", "Zg==Zg==",
	    "Zm8=Zm9v", "Zm9v=Zm9", "Zm8=====",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		decode_fails(base64_decode, bad[i], strlen(bad[i]));

	/* The unpadded flavour takes no '=' at all. */
	decode_fails(base64url_decode, "Zg==", 4);
	decode_fails(base64url_decode, "Zg=", 3);
	decode_fails(base64url_decode, "Zm8=", 4);
	decode_fails(base64url_decode, "=", 1);
}

/*
 * The bits after the last byte must be zero, so that every byte string has
 * exactly one encoding: "Zg==" is "f", "Zh==" is rejected.
 */
static void test_trailing_bits(void **state)
{
	(void)state;
	decode_ok(base64_decode, "Zg==", 4, "f", 1);
	decode_fails(base64_decode, "Zh==", 4);
	decode_fails(base64_decode, "Zv==", 4);
	decode_ok(base64_decode, "Zm8=", 4, "fo", 2);
	decode_fails(base64_decode, "Zm9=", 4);
	decode_fails(base64_decode, "Zm/=", 4);
	decode_ok(base64url_decode, "Zg", 2, "f", 1);
	decode_fails(base64url_decode, "Zh", 2);
	decode_ok(base64url_decode, "Zm8", 3, "fo", 2);
	decode_fails(base64url_decode, "Zm9", 3);
	decode_fails(base64url_decode, "Zm_", 3);

	/* One byte left: 4 spare bits; two bytes left: 2 spare bits. */
	for (int v = 0; v < 64; v++) {
		char two[4] = {'Z', alphabet_std[v], '=', '='};
		char three[4] = {'Z', 'm', alphabet_std[v], '='};
		char two_url[2] = {'Z', alphabet_url[v]};
		char three_url[3] = {'Z', 'm', alphabet_url[v]};
		uint8_t b1 = (uint8_t)(25 << 2 | v >> 4);
		uint8_t b2[2] = {(uint8_t)(25 << 2 | 38 >> 4),
				 (uint8_t)((38 & 15) << 4 | v >> 2)};

		if (v % 16 == 0) {
			decode_ok(base64_decode, two, 4, &b1, 1);
			decode_ok(base64url_decode, two_url, 2, &b1, 1);
		} else {
			decode_fails(base64_decode, two, 4);
			decode_fails(base64url_decode, two_url, 2);
		}
		if (v % 4 == 0) {
			decode_ok(base64_decode, three, 4, b2, 2);
			decode_ok(base64url_decode, three_url, 3, b2, 2);
		} else {
			decode_fails(base64_decode, three, 4);
			decode_fails(base64url_decode, three_url, 3);
		}
	}
}

/* One character left over carries only 6 bits: never a whole byte. */
static void test_length_1_mod_4(void **state)
{
	static const char text[] = "Zm9vYmFyZm9vYmFyZ";

	(void)state;
	for (size_t len = 1; len < sizeof(text); len += 4) {
		decode_fails(base64_decode, text, len);
		decode_fails(base64url_decode, text, len);
	}
	decode_fails(base64_decode, "AAAAA", 5);
	decode_fails(base64url_decode, "A", 1);
	decode_fails(base64url_decode, "AAAAAAAAA", 9);
}

/* A NUL inside the given length is a character like any other: refused. */
static void test_embedded_nul(void **state)
{
	(void)state;
	decode_fails(base64_decode, "Zm9\0", 4);
	decode_fails(base64_decode, "Zg\0=", 4);
	decode_fails(base64_decode, "\0\0\0\0", 4);
	decode_fails(base64_decode, "Zm9v\0\0\0\0", 8);
	decode_fails(base64_decode, "Zg==\0\0\0\0", 8);
	decode_fails(base64_decode, "Zm9v\0mFy", 8);
	decode_fails(base64url_decode, "Zm\0", 3);
	decode_fails(base64url_decode, "\0\0", 2);
	decode_fails(base64url_decode, "Zm9v\0mFy", 8);
	decode_fails(base64url_decode, "Zg\0", 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc4648_encode),
	    cmocka_unit_test(test_rfc4648_decode),
	    cmocka_unit_test(test_url_alphabet),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_len_is_honoured),
	    cmocka_unit_test(test_outside_alphabet),
	    cmocka_unit_test(test_bad_padding),
	    cmocka_unit_test(test_trailing_bits),
	    cmocka_unit_test(test_length_1_mod_4),
	    cmocka_unit_test(test_embedded_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
