/* Base64 (RFC 4648 section 4) and base64url without padding (section 5). */
#ifndef PKIAAS_BASE64_H
#define PKIAAS_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* New NUL-terminated encoding, or NULL on allocation failure. */
char *base64_encode(const uint8_t *in, size_t len);
char *base64url_encode(const uint8_t *in, size_t len);
/*
 * Strict decoding into a new buffer: rejects characters outside the
 * alphabet, wrong padding and non-zero trailing bits. 0 or -1.
 */
int base64_decode(const char *in, size_t len, uint8_t **out, size_t *outlen);
int base64url_decode(const char *in, size_t len, uint8_t **out, size_t *outlen);

#endif
