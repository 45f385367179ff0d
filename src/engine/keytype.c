#include "engine/keytype.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <string.h>

#include "lib/log.h"

static const struct key_type types[] = {
    {"rsa-2048", KEY_RSA, "rsa", 2048, "RSA", NULL, 1},
    {"rsa-3072", KEY_RSA, "rsa", 3072, "RSA", NULL, 1},
    {"rsa-4096", KEY_RSA, "rsa", 4096, "RSA", NULL, 1},
    {"ecdsa-p256", KEY_EC, "ecdsa", 256, "EC", "P-256", 1},
    {"ecdsa-p384", KEY_EC, "ecdsa", 384, "EC", "P-384", 1},
    {"ecdsa-p521", KEY_EC, "ecdsa", 521, "EC", "P-521", 1},
    {"ed25519", KEY_ED25519, "ed25519", 0, "ED25519", NULL, 0},
    {"ml-dsa-44", KEY_ML_DSA, "ml-dsa", 0, "ML-DSA-44", NULL, 0},
    {"ml-dsa-65", KEY_ML_DSA, "ml-dsa", 0, "ML-DSA-65", NULL, 0},
    {"ml-dsa-87", KEY_ML_DSA, "ml-dsa", 0, "ML-DSA-87", NULL, 0},
    {"slh-dsa-sha2-128s", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHA2-128s", NULL,
     0},
    {"slh-dsa-sha2-128f", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHA2-128f", NULL,
     0},
    {"slh-dsa-sha2-192s", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHA2-192s", NULL,
     0},
    {"slh-dsa-sha2-192f", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHA2-192f", NULL,
     0},
    {"slh-dsa-sha2-256s", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHA2-256s", NULL,
     0},
    {"slh-dsa-sha2-256f", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHA2-256f", NULL,
     0},
    {"slh-dsa-shake-128s", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHAKE-128s",
     NULL, 0},
    {"slh-dsa-shake-128f", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHAKE-128f",
     NULL, 0},
    {"slh-dsa-shake-192s", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHAKE-192s",
     NULL, 0},
    {"slh-dsa-shake-192f", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHAKE-192f",
     NULL, 0},
    {"slh-dsa-shake-256s", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHAKE-256s",
     NULL, 0},
    {"slh-dsa-shake-256f", KEY_SLH_DSA, "slh-dsa", 0, "SLH-DSA-SHAKE-256f",
     NULL, 0},
};

#define N_TYPES (sizeof(types) / sizeof(*types))

const struct key_type *key_type_find(const char *name)
{
	/* ML-DSA without a level is ML-DSA-65, the balanced choice. */
	if (name != NULL && strcmp(name, "ml-dsa") == 0)
		name = "ml-dsa-65";
	for (size_t i = 0; name != NULL && i < N_TYPES; i++)
		if (strcmp(types[i].name, name) == 0)
			return &types[i];
	return NULL;
}

const struct key_type *key_type_all(size_t *n)
{
	*n = N_TYPES;
	return types;
}

/* The EC curve of key as OpenSSL names it ("P-256"), into out. */
static int ec_group(const EVP_PKEY *key, char *out, size_t size)
{
	size_t len = 0;

	return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					      out, size, &len) == 1
		   ? 0
		   : -1;
}

const struct key_type *key_type_of(const EVP_PKEY *key)
{
	char group[64] = "";
	int bits = EVP_PKEY_get_bits(key);

	for (size_t i = 0; i < N_TYPES; i++) {
		const struct key_type *kt = &types[i];

		if (!EVP_PKEY_is_a(key, kt->algorithm))
			continue;
		if (kt->family == KEY_RSA && bits != kt->bits)
			continue;
		if (kt->family == KEY_EC &&
		    (ec_group(key, group, sizeof(group)) != 0 ||
		     (strcmp(group, kt->group) != 0 &&
		      !(strcmp(kt->group, "P-256") == 0 &&
			strcmp(group, "prime256v1") == 0) &&
		      !(strcmp(kt->group, "P-384") == 0 &&
			strcmp(group, "secp384r1") == 0) &&
		      !(strcmp(kt->group, "P-521") == 0 &&
			strcmp(group, "secp521r1") == 0))))
			continue;
		return kt;
	}
	return NULL;
}

EVP_PKEY *key_type_generate(const struct key_type *kt)
{
	EVP_PKEY *key = NULL;

	switch (kt->family) {
	case KEY_RSA: key = EVP_RSA_gen((unsigned)kt->bits); break;
	case KEY_EC: key = EVP_EC_gen(kt->group); break;
	case KEY_ED25519:
	case KEY_ML_DSA:
	case KEY_SLH_DSA: key = EVP_PKEY_Q_keygen(NULL, NULL, kt->algorithm);
	}
	if (key == NULL)
		log_openssl_errors("keytype.generate", kt->name);
	return key;
}

const EVP_MD *key_type_digest(const struct key_type *kt, const char *hash)
{
	if (!kt->takes_hash)
		return NULL;
	if (strcmp(hash, "sha512") == 0)
		return EVP_sha512();
	if (strcmp(hash, "sha384") == 0)
		return EVP_sha384();
	if (strcmp(hash, "sha256") == 0)
		return EVP_sha256();
	if (kt->family == KEY_EC && kt->bits == 384)
		return EVP_sha384();
	if (kt->family == KEY_EC && kt->bits == 521)
		return EVP_sha512();
	return EVP_sha256();
}
