#include "engine/install.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "engine/password.h"
#include "lib/log.h"
#include "lib/rand.h"

#define KEK_CHECK_SETTING "kek.check"
#define KEK_CHECK_AAD	  "kek/check"
#define KEK_CHECK_TEXT	  "pkiaas key-encryption key check"

static int kek_check_opens(const struct kek *kek, const uint8_t *sealed,
			   size_t len)
{
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	int ok = kek_open(kek, KEK_CHECK_AAD, sealed, len, &plain,
			  &plain_len) == 0 &&
		 plain_len == strlen(KEK_CHECK_TEXT) &&
		 memcmp(plain, KEK_CHECK_TEXT, plain_len) == 0;

	OPENSSL_clear_free(plain, plain_len);
	return ok;
}

int install_kek_check(struct store *st, const struct kek *kek)
{
	uint8_t *value = NULL;
	size_t len = 0;
	enum store_result rc =
	    store_setting_get(st, KEK_CHECK_SETTING, &value, &len);
	int ok;

	if (rc == STORE_NOT_FOUND) {
		if (kek_seal(kek, KEK_CHECK_AAD,
			     (const uint8_t *)KEK_CHECK_TEXT,
			     strlen(KEK_CHECK_TEXT), &value, &len) != 0)
			return -1;
		rc = store_setting_insert(st, KEK_CHECK_SETTING, value, len);
		free(value);
		if (rc == STORE_OK)
			return 0;
		if (rc != STORE_CONFLICT)
			return -1;
		rc = store_setting_get(st, KEK_CHECK_SETTING, &value, &len);
	}
	if (rc != STORE_OK)
		return -1;
	ok = kek_check_opens(kek, value, len);
	free(value);
	if (!ok)
		log_event(LOG_ERROR, "install.kek_mismatch",
			  "error=\"this database was set up with another "
			  "key-encryption key; set PKIAAS_KEK or DATA/kek to "
			  "the key it was created with\"");
	return ok ? 0 : -1;
}

int install_first_admin(struct store *st, int64_t now, char *password,
			size_t size)
{
	char tenant_id[RAND_ID_LEN + 1], user_id[RAND_ID_LEN + 1];
	struct store_tenant tenant = {
	    .id = tenant_id, .name = INSTALL_TENANT, .created_at = now};
	struct store_user user = {.id = user_id,
				  .tenant_id = tenant_id,
				  .username = INSTALL_ADMIN,
				  .role = "admin",
				  .created_at = now};
	struct store_audit made_tenant = {.tenant_id = tenant_id,
					  .actor_name = INSTALL_ACTOR,
					  .action = "tenant.create",
					  .object_type = "tenant",
					  .object_id = tenant_id,
					  .outcome = "success",
					  .detail = "first start",
					  .at = now};
	struct store_audit made_user = made_tenant;
	int64_t count = 0;
	enum store_result rc;

	made_user.action = "user.create";
	made_user.object_type = "user";
	made_user.object_id = user_id;
	made_user.detail = "first admin";
	if (store_tenant_count(st, &count) != STORE_OK)
		return -1;
	if (count > 0)
		return 0;
	if (size < INSTALL_PASSWORD_LEN + 1 ||
	    rand_id(tenant_id, RAND_ID_LEN) != 0 ||
	    rand_id(user_id, RAND_ID_LEN) != 0 ||
	    password_generate(password, INSTALL_PASSWORD_LEN) != 0 ||
	    password_hash(password, &user.password_hash) != 0)
		return -1;
	rc = store_tenant_insert(st, &tenant, &made_tenant);
	if (rc == STORE_OK)
		rc = store_user_insert(st, &user, &made_user);
	free(user.password_hash);
	if (rc == STORE_CONFLICT)
		return 0;
	return rc == STORE_OK ? 1 : -1;
}
