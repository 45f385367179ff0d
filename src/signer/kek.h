/*
 * The key-encryption key (KEK): 32 bytes that seal every private key and
 * secret the store holds, with AES-256-GCM. It lives outside the database:
 * in PKIAAS_KEK (base64) or in DATA_DIR/kek (mode 0600).
 */
#ifndef PKIAAS_KEK_H
#define PKIAAS_KEK_H

#include <stddef.h>
#include <stdint.h>

struct kek;

/*
 * Loads the KEK from env_b64 when it is non-NULL and non-empty, else from
 * DATA_DIR/kek, creating that file (mode 0600, atomically) when absent.
 * Refuses a file readable by group or others. *created (may be NULL) says
 * whether a new key was made. Returns 0, or -1 with the cause logged.
 */
int kek_load(const char *data_dir, const char *env_b64, struct kek **out,
	     int *created);
/* Wipes and frees; accepts NULL. */
void kek_free(struct kek *kek);

/*
 * Seals plain under the KEK with aad (a NUL-terminated label binding the
 * blob to its purpose, such as "tls/root") into a new buffer:
 * version (1 byte) | nonce (12) | ciphertext | tag (16). Returns 0 or -1.
 */
int kek_seal(const struct kek *kek, const char *aad, const uint8_t *plain,
	     size_t len, uint8_t **sealed, size_t *sealed_len);
/*
 * Opens a sealed blob made with the same aad into a new buffer that the
 * caller wipes (OPENSSL_clear_free). -1 when it was altered, sealed for
 * another purpose or under another KEK.
 */
int kek_open(const struct kek *kek, const char *aad, const uint8_t *sealed,
	     size_t sealed_len, uint8_t **plain, size_t *len);

#endif
