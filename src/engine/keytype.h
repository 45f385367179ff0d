/*
 * Key types pkiaas makes and accepts: RSA, ECDSA, Ed25519, ML-DSA and
 * SLH-DSA, by the names the API and the CLI use ("ecdsa-p256").
 */
#ifndef PKIAAS_KEYTYPE_H
#define PKIAAS_KEYTYPE_H

#include <openssl/evp.h>
#include <stddef.h>

enum key_family { KEY_RSA, KEY_EC, KEY_ED25519, KEY_ML_DSA, KEY_SLH_DSA };

struct key_type {
	const char *name; /* "rsa-2048", "ml-dsa-65", ... */
	enum key_family family;
	const char *family_name; /* "rsa", "ecdsa", "ed25519", ... */
	int bits;		 /* RSA modulus, EC curve size; 0 for others */
	const char *algorithm;	 /* OpenSSL's: "RSA", "EC", "ML-DSA-65" */
	const char *group;	 /* the EC curve, or NULL */
	int takes_hash;		 /* RSA and ECDSA sign a digest */
};

/* The type named name; NULL when unknown. */
const struct key_type *key_type_find(const char *name);
/* The type of key; NULL for a key pkiaas does not take. */
const struct key_type *key_type_of(const EVP_PKEY *key);
/* Every type, for documentation and tests. */
const struct key_type *key_type_all(size_t *n);
/* A new private key of type kt; NULL with the cause logged. */
EVP_PKEY *key_type_generate(const struct key_type *kt);
/*
 * The digest to sign with for kt and hash ("", "sha256", "sha384",
 * "sha512"): NULL for types that sign without one; for "" the type's
 * natural one (SHA-384 for P-384, SHA-512 for P-521, else SHA-256).
 */
const EVP_MD *key_type_digest(const struct key_type *kt, const char *hash);

#endif
