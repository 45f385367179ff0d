#include "engine/password.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/log.h"
#include "lib/rand.h"

/* Cost of new hashes: 19 MiB, two passes, one lane (RFC 9106 section 7.4
 * gives 64 MiB as a second choice; 19 MiB keeps logins quick on small
 * machines while costing an attacker as much memory per guess). */
#define ARGON2_MEMORY_KIB 19456
#define ARGON2_PASSES	  2
#define ARGON2_LANES	  1
#define ARGON2_VERSION	  19
#define SALT_LEN	  16
#define HASH_LEN	  32
/* What a stored hash may ask for before it is refused as malformed. */
#define ARGON2_MEMORY_MAX (256 * 1024)
#define ARGON2_PASSES_MAX 16
#define ARGON2_LANES_MAX  8
#define SALT_LEN_MAX	  64
#define HASH_LEN_MAX	  64
#define PHC_MAX		  256

struct argon2 {
	uint32_t memory, passes, lanes;
	uint8_t *salt, *hash;
	size_t salt_len, hash_len;
};

static int argon2_derive(const char *password, const struct argon2 *a,
			 uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "ARGON2ID", NULL);
	EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	uint32_t memory = a->memory, passes = a->passes, lanes = a->lanes;
	uint32_t threads = 1, version = ARGON2_VERSION;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_octet_string(OSSL_KDF_PARAM_PASSWORD, (char *)password,
				    strlen(password)),
	    OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SALT, a->salt, a->salt_len),
	    OSSL_PARAM_uint32(OSSL_KDF_PARAM_ITER, &passes),
	    OSSL_PARAM_uint32(OSSL_KDF_PARAM_ARGON2_MEMCOST, &memory),
	    OSSL_PARAM_uint32(OSSL_KDF_PARAM_ARGON2_LANES, &lanes),
	    OSSL_PARAM_uint32(OSSL_KDF_PARAM_THREADS, &threads),
	    OSSL_PARAM_uint32(OSSL_KDF_PARAM_ARGON2_VERSION, &version),
	    OSSL_PARAM_END,
	};
	int ok = ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) == 1;

	if (!ok)
		log_openssl_errors("password.derive", "Argon2id");
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

/* Base64 without padding, as the PHC string format writes it. */
static char *b64_unpadded(const uint8_t *in, size_t len)
{
	char *s = base64_encode(in, len);
	char *pad = s != NULL ? strchr(s, '=') : NULL;

	if (pad != NULL)
		*pad = '\0';
	return s;
}

static int b64_unpadded_decode(const char *in, size_t len, size_t max,
			       uint8_t **out, size_t *out_len)
{
	char padded[PHC_MAX + 4];
	size_t n = len;
	int rc;

	if (len == 0 || len > PHC_MAX)
		return -1;
	memcpy(padded, in, len);
	while (n % 4 != 0)
		padded[n++] = '=';
	rc = base64_decode(padded, n, out, out_len);
	if (rc == 0 && (*out_len == 0 || *out_len > max)) {
		free(*out);
		*out = NULL;
		return -1;
	}
	return rc;
}

int password_hash(const char *password, char **phc)
{
	uint8_t salt[SALT_LEN], hash[HASH_LEN];
	struct argon2 a = {.memory = ARGON2_MEMORY_KIB,
			   .passes = ARGON2_PASSES,
			   .lanes = ARGON2_LANES,
			   .salt = salt,
			   .salt_len = SALT_LEN};
	char *salt_b64 = NULL, *hash_b64 = NULL;
	int rc = -1;

	if (rand_bytes(salt, sizeof(salt)) != 0 ||
	    argon2_derive(password, &a, hash, sizeof(hash)) != 0)
		goto out;
	salt_b64 = b64_unpadded(salt, sizeof(salt));
	hash_b64 = b64_unpadded(hash, sizeof(hash));
	if (salt_b64 != NULL && hash_b64 != NULL &&
	    asprintf(phc, "$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", ARGON2_VERSION,
		     ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, salt_b64,
		     hash_b64) > 0)
		rc = 0;
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	free(salt_b64);
	free(hash_b64);
	return rc;
}

/* A decimal field from 1 to max, ending at *end. */
static int phc_number(const char *s, char **end, uint32_t max, uint32_t *out)
{
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno != 0 || v == 0 || v > max)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Splits "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" into a. 0 or -1. */
static int phc_parse(const char *phc, struct argon2 *a)
{
	static const char prefix[] = "$argon2id$v=19$m=";
	const char *salt, *hash;
	char *p;

	if (strlen(phc) > PHC_MAX || strncmp(phc, prefix, strlen(prefix)) != 0)
		return -1;
	p = (char *)phc + strlen(prefix);
	if (phc_number(p, &p, ARGON2_MEMORY_MAX, &a->memory) != 0 ||
	    strncmp(p, ",t=", 3) != 0 ||
	    phc_number(p + 3, &p, ARGON2_PASSES_MAX, &a->passes) != 0 ||
	    strncmp(p, ",p=", 3) != 0 ||
	    phc_number(p + 3, &p, ARGON2_LANES_MAX, &a->lanes) != 0 ||
	    *p != '$')
		return -1;
	salt = p + 1;
	hash = strchr(salt, '$');
	if (hash == NULL || strchr(hash + 1, '$') != NULL)
		return -1;
	if (b64_unpadded_decode(salt, (size_t)(hash - salt), SALT_LEN_MAX,
				&a->salt, &a->salt_len) != 0)
		return -1;
	hash++;
	if (b64_unpadded_decode(hash, strlen(hash), HASH_LEN_MAX, &a->hash,
				&a->hash_len) != 0) {
		free(a->salt);
		return -1;
	}
	return 0;
}

int password_verify(const char *password, const char *phc)
{
	struct argon2 a = {0};
	uint8_t derived[HASH_LEN_MAX];
	int rc;

	if (phc_parse(phc, &a) != 0)
		return -1;
	rc = argon2_derive(password, &a, derived, a.hash_len);
	if (rc == 0)
		rc = CRYPTO_memcmp(derived, a.hash, a.hash_len) == 0;
	OPENSSL_cleanse(derived, sizeof(derived));
	free(a.salt);
	free(a.hash);
	return rc;
}

int password_generate(char *out, size_t len)
{
	return rand_id(out, len);
}
