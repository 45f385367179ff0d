/* SHA-256 digests as lowercase hex, for secrets that are stored hashed. */
#ifndef PKIAAS_DIGEST_H
#define PKIAAS_DIGEST_H

#include <stddef.h>

#define DIGEST_HEX_LEN 64

/* Writes the hex SHA-256 of data into out (65 bytes). 0 or -1. */
int digest_sha256_hex(const void *data, size_t len,
		      char out[DIGEST_HEX_LEN + 1]);
/* 1 when the two NUL-terminated strings are equal, in constant time for
 * strings of the same length. */
int digest_equal(const char *a, const char *b);

#endif
