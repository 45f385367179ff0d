/*
 * ACME nonces (RFC 8555 6.5). A nonce is its expiry, 16 random bytes
 * and a MAC over both under a key every node shares, in base64url: any
 * node can tell one of ours without a lookup, so making one costs no
 * write. Using one records it in the store, where a second use fails.
 */
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "engine/acme.h"
#include "lib/base64.h"

#define NONCE_SETTING "acme.nonce_key"
#define NONCE_AAD     "acme/nonce"
#define NONCE_RANDOM  16
#define NONCE_MAC     16
#define NONCE_RAW     (8 + NONCE_RANDOM + NONCE_MAC)

/* The sealed key of the setting into ae, or -1. */
static int key_open(struct acme_engine *ae, const uint8_t *sealed, size_t len)
{
	uint8_t *plain = NULL;
	size_t n = 0;
	int ok =
	    kek_open(ae->ca.kek, NONCE_AAD, sealed, len, &plain, &n) == 0 &&
	    n == sizeof(ae->nonce_key);

	if (ok)
		memcpy(ae->nonce_key, plain, n);
	OPENSSL_clear_free(plain, n);
	return ok ? 0 : -1;
}

/* Makes the shared key; of nodes racing, the first insert wins. */
static enum store_result key_make(struct acme_engine *ae)
{
	unsigned char key[sizeof(ae->nonce_key)];
	uint8_t *sealed = NULL;
	size_t len = 0;
	enum store_result rc = STORE_ERROR;

	if (RAND_bytes(key, sizeof(key)) == 1 &&
	    kek_seal(ae->ca.kek, NONCE_AAD, key, sizeof(key), &sealed, &len) ==
		0)
		rc =
		    store_setting_insert(ae->ca.st, NONCE_SETTING, sealed, len);
	OPENSSL_cleanse(key, sizeof(key));
	free(sealed);
	return rc;
}

enum engine_result acme_engine_init(struct acme_engine *ae,
				    const struct ca_context *ctx,
				    const struct acme_settings *set,
				    struct engine_error *err)
{
	uint8_t *sealed = NULL;
	size_t len = 0;
	enum store_result rc;

	memset(ae, 0, sizeof(*ae));
	ae->ca = *ctx;
	ae->set = set != NULL ? *set : ACME_SETTINGS_DEFAULT;
	rc = store_setting_get(ctx->st, NONCE_SETTING, &sealed, &len);
	if (rc == STORE_NOT_FOUND) {
		rc = key_make(ae);
		if (rc == STORE_OK || rc == STORE_CONFLICT)
			rc = store_setting_get(ctx->st, NONCE_SETTING, &sealed,
					       &len);
	}
	if (rc == STORE_OK && key_open(ae, sealed, len) != 0)
		rc = STORE_ERROR;
	free(sealed);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "ACME nonce key");
}

/* The MAC of the nonce's first bytes. */
static void nonce_mac(const struct acme_engine *ae, const uint8_t *raw,
		      uint8_t mac[NONCE_MAC])
{
	unsigned char full[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	HMAC(EVP_sha256(), ae->nonce_key, sizeof(ae->nonce_key), raw,
	     NONCE_RAW - NONCE_MAC, full, &n);
	memcpy(mac, full, NONCE_MAC);
}

void acme_nonce_make(const struct acme_engine *ae, int64_t now,
		     char out[ACME_NONCE_MAX])
{
	uint8_t raw[NONCE_RAW];
	uint64_t expiry = (uint64_t)(now + ae->set.nonce_lifetime);
	char *text;

	for (int i = 0; i < 8; i++)
		raw[i] = (uint8_t)(expiry >> (56 - 8 * i));
	if (RAND_bytes(raw + 8, NONCE_RANDOM) != 1)
		abort();
	nonce_mac(ae, raw, raw + 8 + NONCE_RANDOM);
	text = base64url_encode(raw, sizeof(raw));
	if (text == NULL)
		abort();
	snprintf(out, ACME_NONCE_MAX, "%s", text);
	free(text);
}

enum engine_result acme_nonce_use(const struct acme_engine *ae,
				  const char *nonce, int64_t now,
				  struct engine_error *err)
{
	uint8_t *raw = NULL, mac[NONCE_MAC];
	size_t len = 0;
	int64_t expiry = 0;
	int ours = nonce != NULL &&
		   base64url_decode(nonce, strlen(nonce), &raw, &len) == 0 &&
		   len == NONCE_RAW;
	enum store_result rc;

	if (ours) {
		nonce_mac(ae, raw, mac);
		ours =
		    CRYPTO_memcmp(mac, raw + 8 + NONCE_RANDOM, NONCE_MAC) == 0;
		for (int i = 0; i < 8; i++)
			expiry = (expiry << 8) | raw[i];
	}
	free(raw);
	if (!ours || expiry <= now)
		return engine_fail_typed(err, ENGINE_INVALID, "badNonce",
					 ours ? "the nonce has expired; get a "
						"new one"
					      : "the nonce is not one this "
						"server gave");
	rc = store_acme_nonce_use(ae->ca.st, nonce, expiry, now);
	if (rc == STORE_CONFLICT)
		return engine_fail_typed(err, ENGINE_INVALID, "badNonce",
					 "the nonce was used before; each is "
					 "good once");
	return engine_store_fail(err, rc, "nonce");
}
