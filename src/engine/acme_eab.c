/*
 * External account bindings (acme_admin.h): the credentials an ACME
 * client registers an account with. The HMAC key is made here, sealed
 * under the KEK for the store and shown once, to the caller who made
 * it. Admins and operators hand them out and withdraw them.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/acme_admin.h"
#include "lib/base64.h"
#include "lib/rand.h"
#include "signer/kek.h"

#define EAB_NAME_MAX	 128
#define EAB_USES_MAX	 1000000
#define EAB_LIFETIME_MAX (10 * 366 * 86400LL) /* ten years */
#define EAB_AAD_MAX	 (4 + RAND_ID_LEN + 1)

/* 1 to EAB_NAME_MAX bytes, none of them a control character. */
static enum engine_result eab_name_check(const char *name,
					 struct engine_error *err)
{
	size_t n = name != NULL ? strlen(name) : 0;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			n = 0;
	if (n == 0 || n > EAB_NAME_MAX)
		return engine_fail(err, ENGINE_INVALID, "name",
				   "an EAB's name is 1 to %d bytes without "
				   "control characters",
				   EAB_NAME_MAX);
	return ENGINE_OK;
}

/* The use count and expiry asked for; *expires_at set for 0. */
static enum engine_result eab_limits_check(int64_t uses_allowed,
					   int64_t *expires_at, int64_t now,
					   struct engine_error *err)
{
	if (uses_allowed < 1 || uses_allowed > EAB_USES_MAX)
		return engine_fail(err, ENGINE_INVALID, "uses_allowed",
				   "an EAB registers 1 to %d accounts",
				   EAB_USES_MAX);
	if (*expires_at == 0)
		*expires_at = now + ACME_EAB_DAYS_DEFAULT * 86400LL;
	if (*expires_at <= now)
		return engine_fail(err, ENGINE_INVALID, "expires_at",
				   "an EAB's expiry is a time in the future "
				   "(seconds since the epoch)");
	if (*expires_at - now > EAB_LIFETIME_MAX)
		return engine_fail(err, ENGINE_INVALID, "expires_at",
				   "an EAB expires within ten years");
	return ENGINE_OK;
}

/*
 * A new HMAC key: sealed for the EAB id into e->key_sealed, and as
 * base64url into *shown (a new string the caller wipes). 0 or -1.
 */
static int eab_key_make(const struct kek *kek, const char *id,
			struct store_acme_eab *e, char **shown)
{
	uint8_t key[ACME_EAB_KEY_BYTES];
	char aad[EAB_AAD_MAX];
	int rc = -1;

	*shown = NULL;
	snprintf(aad, sizeof(aad), "eab/%s", id);
	if (rand_bytes(key, sizeof(key)) != 0)
		return -1;
	if (kek_seal(kek, aad, key, sizeof(key), &e->key_sealed, &e->key_len) ==
		0 &&
	    (*shown = base64url_encode(key, sizeof(key))) != NULL)
		rc = 0;
	OPENSSL_cleanse(key, sizeof(key));
	if (rc != 0) {
		free(e->key_sealed);
		e->key_sealed = NULL;
	}
	return rc;
}

enum engine_result acme_eab_create(const struct ca_context *ctx,
				   const struct principal *who,
				   const char *policy_id, const char *name,
				   int64_t uses_allowed, int64_t expires_at,
				   int64_t now, struct store_acme_eab *out,
				   char **hmac_key, struct engine_error *err)
{
	char id[RAND_ID_LEN + 1] = "";
	struct store_acme_eab e = {.id = id,
				   .tenant_id = (char *)who->tenant_id,
				   .policy_id = (char *)policy_id,
				   .name = (char *)name,
				   .uses_allowed = uses_allowed,
				   .created_at = now};
	struct store_audit a =
	    accounts_audit(who, "acme_eab.create", "acme_eab", id, now);
	struct store_acme_policy p;
	enum engine_result res;
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	*hmac_key = NULL;
	if (access_require(who, ACCESS_OPERATE, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "acme_eab.create",
				       "acme_eab", NULL, now, err);
	res = acme_policy_get(ctx, who, policy_id, &p, err);
	if (res != ENGINE_OK)
		return res;
	store_acme_policy_free(&p);
	if (eab_name_check(name, err) != ENGINE_OK ||
	    eab_limits_check(uses_allowed, &expires_at, now, err) != ENGINE_OK)
		return err->code;
	e.expires_at = expires_at;
	if (rand_id(id, RAND_ID_LEN) != 0 ||
	    eab_key_make(ctx->kek, id, &e, hmac_key) != 0)
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the EAB's key could not be made; the "
				   "server log has the cause");
	a.detail = name;
	rc = store_acme_eab_insert(ctx->st, &e, &a);
	free(e.key_sealed);
	if (rc == STORE_OK)
		rc = store_acme_eab_find(ctx->st, id, out);
	if (rc == STORE_OK)
		return ENGINE_OK;
	OPENSSL_clear_free(*hmac_key, strlen(*hmac_key));
	*hmac_key = NULL;
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, "name",
				   "the policy has an EAB named %s", name);
	return engine_store_fail(err, rc, "ACME policy");
}

enum engine_result acme_eab_list(const struct ca_context *ctx,
				 const struct principal *who,
				 const char *policy_id, const char *after,
				 size_t limit, struct store_acme_eab_list *out,
				 struct engine_error *err)
{
	struct store_acme_policy p;
	enum engine_result res;
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	res = acme_policy_get(ctx, who, policy_id, &p, err);
	if (res != ENGINE_OK)
		return res;
	store_acme_policy_free(&p);
	rc = store_acme_eab_list(ctx->st, who->tenant_id, policy_id, after,
				 accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "EAB");
}

enum engine_result acme_eab_delete(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   int64_t now, struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "acme_eab.delete", "acme_eab", id, now);
	enum store_result rc;

	if (access_require(who, ACCESS_OPERATE, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "acme_eab.delete",
				       "acme_eab", id, now, err);
	rc = store_acme_eab_delete(ctx->st, who->tenant_id, id, &a);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "EAB");
}
