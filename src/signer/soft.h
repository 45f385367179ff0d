/*
 * Software keys: a private key kept in the store sealed by the
 * key-encryption key (PKCS#8 PEM under AES-256-GCM, with the key's
 * purpose as additional data, "ca/ID"), opened in memory only to sign.
 */
#ifndef PKIAAS_SOFT_H
#define PKIAAS_SOFT_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "signer/kek.h"

/* Seals key into a new buffer; 0, or -1 with the cause logged. */
int soft_key_seal(const struct kek *kek, const char *aad, EVP_PKEY *key,
		  uint8_t **sealed, size_t *len);
/* Opens a sealed key; NULL when it does not open (logged). */
EVP_PKEY *soft_key_open(const struct kek *kek, const char *aad,
			const uint8_t *sealed, size_t len);

#endif
