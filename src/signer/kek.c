#include "signer/kek.h"

#include <errno.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/base64.h"
#include "lib/fsutil.h"
#include "lib/log.h"
#include "lib/rand.h"

#define KEK_LEN	      32
#define KEK_VERSION   1
#define KEK_NONCE_LEN 12
#define KEK_TAG_LEN   16
#define KEK_OVERHEAD  (1 + KEK_NONCE_LEN + KEK_TAG_LEN)
/* The file holds the key in base64 and a newline. */
#define KEK_FILE_MAX 128

struct kek {
	uint8_t key[KEK_LEN];
};

/* Decodes base64 text (surrounding white space allowed) into the key. */
static int kek_parse(const char *text, struct kek *kek)
{
	const char *end = text + strlen(text);
	uint8_t *raw = NULL;
	size_t len = 0;
	int ok;

	while (*text == ' ' || *text == '\t')
		text++;
	while (end > text && (end[-1] == '\n' || end[-1] == '\r' ||
			      end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (base64_decode(text, (size_t)(end - text), &raw, &len) != 0)
		return -1;
	ok = len == KEK_LEN;
	if (ok)
		memcpy(kek->key, raw, KEK_LEN);
	OPENSSL_clear_free(raw, len);
	return ok ? 0 : -1;
}

/* A new random key, written to path as base64 with mode 0600. */
static int kek_file_create(const char *path, struct kek *kek)
{
	char *b64, line[KEK_FILE_MAX];
	int n, rc = -1;

	if (rand_bytes(kek->key, KEK_LEN) != 0)
		return -1;
	b64 = base64_encode(kek->key, KEK_LEN);
	if (b64 == NULL)
		return -1;
	n = snprintf(line, sizeof(line), "%s\n", b64);
	OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	if (n > 0 && (size_t)n < sizeof(line))
		rc = fs_write_atomic(path, line, (size_t)n, 0600);
	OPENSSL_cleanse(line, sizeof(line));
	if (rc != 0)
		log_event(LOG_ERROR, "kek.create", "path=%s error=\"%m\"",
			  path);
	return rc;
}

/*
 * Reads the key from path, refusing a file others can read. -1 with errno
 * when the file cannot be found, -2 when it is there but unusable (logged).
 */
static int kek_file_read(const char *path, struct kek *kek)
{
	struct stat sb;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (stat(path, &sb) != 0)
		return -1;
	if ((sb.st_mode & 077) != 0) {
		log_event(LOG_ERROR, "kek.load",
			  "path=%s error=\"the key-encryption key file is "
			  "readable by others; run chmod 600 on it\"",
			  path);
		errno = EPERM;
		return -2;
	}
	if (fs_read_all(path, KEK_FILE_MAX, &text, &len) != 0) {
		log_event(LOG_ERROR, "kek.load", "path=%s error=\"%m\"", path);
		return -2;
	}
	rc = kek_parse(text, kek);
	OPENSSL_clear_free(text, len);
	if (rc != 0)
		log_event(LOG_ERROR, "kek.load",
			  "path=%s error=\"not 32 bytes in base64\"", path);
	return rc != 0 ? -2 : 0;
}

int kek_load(const char *data_dir, const char *env_b64, struct kek **out,
	     int *created)
{
	struct kek *kek = OPENSSL_secure_zalloc(sizeof(*kek));
	char path[PATH_MAX];
	int rc, made = 0;

	if (kek == NULL)
		return -1;
	if (env_b64 != NULL && *env_b64 != '\0') {
		rc = kek_parse(env_b64, kek);
		if (rc != 0)
			log_event(LOG_ERROR, "kek.load",
				  "error=\"PKIAAS_KEK is not 32 bytes in "
				  "base64\"");
	} else {
		snprintf(path, sizeof(path), "%s/kek", data_dir);
		rc = kek_file_read(path, kek);
		if (rc == -1 && errno == ENOENT) {
			rc = kek_file_create(path, kek);
			made = rc == 0;
		} else if (rc == -1) {
			log_event(LOG_ERROR, "kek.load", "path=%s error=\"%m\"",
				  path);
		}
	}
	if (rc != 0) {
		kek_free(kek);
		return -1;
	}
	if (created != NULL)
		*created = made;
	*out = kek;
	return 0;
}

void kek_free(struct kek *kek)
{
	OPENSSL_secure_clear_free(kek, sizeof(*kek));
}

/* One AES-256-GCM pass: seal when encrypt is 1, open when 0. */
static int gcm_run(const struct kek *kek, int encrypt, const uint8_t *nonce,
		   const char *aad, const uint8_t *in, size_t len, uint8_t *out,
		   uint8_t *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = ctx != NULL && len <= INT_MAX &&
	     EVP_CipherInit_ex2(ctx, EVP_aes_256_gcm(), kek->key, nonce,
				encrypt, NULL) == 1 &&
	     EVP_CipherUpdate(ctx, NULL, &n, (const uint8_t *)aad,
			      (int)strlen(aad)) == 1 &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1;
	if (ok && !encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, KEK_TAG_LEN,
					 tag) == 1;
	ok = ok && EVP_CipherFinal_ex(ctx, out + n, &n) == 1;
	if (ok && encrypt)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, KEK_TAG_LEN,
					 tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

int kek_seal(const struct kek *kek, const char *aad, const uint8_t *plain,
	     size_t len, uint8_t **sealed, size_t *sealed_len)
{
	uint8_t *buf;

	if (len > INT_MAX - KEK_OVERHEAD)
		return -1;
	buf = malloc(len + KEK_OVERHEAD);
	if (buf == NULL)
		return -1;
	buf[0] = KEK_VERSION;
	if (rand_bytes(buf + 1, KEK_NONCE_LEN) != 0 ||
	    gcm_run(kek, 1, buf + 1, aad, plain, len, buf + 1 + KEK_NONCE_LEN,
		    buf + 1 + KEK_NONCE_LEN + len) != 0) {
		log_openssl_errors("kek.seal", "AES-256-GCM");
		free(buf);
		return -1;
	}
	*sealed = buf;
	*sealed_len = len + KEK_OVERHEAD;
	return 0;
}

int kek_open(const struct kek *kek, const char *aad, const uint8_t *sealed,
	     size_t sealed_len, uint8_t **plain, size_t *len)
{
	uint8_t tag[KEK_TAG_LEN], *buf;
	size_t n;

	if (sealed_len < KEK_OVERHEAD || sealed[0] != KEK_VERSION)
		return -1;
	n = sealed_len - KEK_OVERHEAD;
	memcpy(tag, sealed + 1 + KEK_NONCE_LEN + n, KEK_TAG_LEN);
	buf = OPENSSL_malloc(n + 1);
	if (buf == NULL)
		return -1;
	if (gcm_run(kek, 0, sealed + 1, aad, sealed + 1 + KEK_NONCE_LEN, n, buf,
		    tag) != 0) {
		/* An altered blob or a wrong key: not an error to log here. */
		ERR_clear_error();
		OPENSSL_clear_free(buf, n + 1);
		return -1;
	}
	buf[n] = '\0';
	*plain = buf;
	*len = n;
	return 0;
}
