#include "lib/base64.h"

#include <stdlib.h>
#include <string.h>

static const char alphabet_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char alphabet_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *encode(const uint8_t *in, size_t len, const char *alphabet,
		    int pad)
{
	size_t out_len = (len + 2) / 3 * 4, o = 0;
	char *out;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3)
		return NULL;
	out = malloc(out_len + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		if (left > 1)
			out[o++] = alphabet[v >> 6 & 63];
		else if (pad)
			out[o++] = '=';
		if (left > 2)
			out[o++] = alphabet[v & 63];
		else if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

char *base64_encode(const uint8_t *in, size_t len)
{
	return encode(in, len, alphabet_std, 1);
}

char *base64url_encode(const uint8_t *in, size_t len)
{
	return encode(in, len, alphabet_url, 0);
}

static int sextet(const char *alphabet, char c)
{
	const char *p = c != '\0' ? memchr(alphabet, c, 64) : NULL;

	return p != NULL ? (int)(p - alphabet) : -1;
}

/*
 * Decodes len characters of in (no padding left) into out, which has room
 * for len * 3 / 4 bytes. Rejects a length of 1 mod 4 and non-zero bits
 * after the last byte. The number of bytes, or -1.
 */
static long decode_body(const char *in, size_t len, const char *alphabet,
			uint8_t *out)
{
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;

	if (len % 4 == 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = sextet(alphabet, in[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0)
		return -1;
	return (long)o;
}

static int decode(const char *in, size_t len, const char *alphabet, int padded,
		  uint8_t **out, size_t *outlen)
{
	uint8_t *buf;
	long n;

	if (padded) {
		if (len % 4 != 0)
			return -1;
		for (int i = 0; i < 2 && len > 0 && in[len - 1] == '='; i++)
			len--;
	}
	buf = malloc(len / 4 * 3 + 3);
	if (buf == NULL)
		return -1;
	n = decode_body(in, len, alphabet, buf);
	if (n < 0) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = (size_t)n;
	return 0;
}

int base64_decode(const char *in, size_t len, uint8_t **out, size_t *outlen)
{
	return decode(in, len, alphabet_std, 1, out, outlen);
}

int base64url_decode(const char *in, size_t len, uint8_t **out, size_t *outlen)
{
	return decode(in, len, alphabet_url, 0, out, outlen);
}
