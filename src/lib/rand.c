#include "lib/rand.h"

#include <limits.h>
#include <openssl/rand.h>

#include "lib/log.h"

/* 32 letters and digits without the look-alikes 0, o, 1 and l. */
static const char id_alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";

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
