#include "engine/accounts_common.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/rand.h"

#define SECRET_BYTES 32

struct store_audit accounts_audit(const struct principal *who,
				  const char *action, const char *object_type,
				  const char *object_id, int64_t now)
{
	struct store_audit a = {
	    .tenant_id = who->tenant_id,
	    .actor_id = who->user_id[0] != '\0' ? who->user_id : NULL,
	    .actor_name = who->username,
	    .action = action,
	    .object_type = object_type,
	    .object_id = object_id,
	    .address = who->address[0] != '\0' ? who->address : NULL,
	    .outcome = "success",
	    .at = now,
	};

	return a;
}

enum engine_result accounts_denied(struct store *st,
				   const struct principal *who,
				   const char *action, const char *object_type,
				   const char *object_id, int64_t now,
				   const struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, action, object_type, object_id, now);

	a.outcome = "denied";
	a.detail = err->detail;
	/* The refusal stands even when it cannot be recorded. */
	(void)store_audit_append(st, &a);
	return err->code;
}

int accounts_secret_new(char *out, size_t size)
{
	unsigned char raw[SECRET_BYTES];
	char *text;
	int rc = -1;

	if (rand_bytes(raw, sizeof(raw)) != 0)
		return -1;
	text = base64url_encode(raw, sizeof(raw));
	OPENSSL_cleanse(raw, sizeof(raw));
	if (text != NULL && strlen(text) < size) {
		memcpy(out, text, strlen(text) + 1);
		rc = 0;
	}
	if (text != NULL)
		OPENSSL_clear_free(text, strlen(text));
	return rc;
}

enum engine_result accounts_username_check(const char *username,
					   struct engine_error *err)
{
	size_t n = strlen(username);

	if (n == 0 || n > ACCOUNTS_USERNAME_MAX ||
	    strspn(username, "abcdefghijklmnopqrstuvwxyz"
			     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") != n)
		return engine_fail(err, ENGINE_INVALID, "username",
				   "a username is 1 to %d letters, digits, "
				   "dots, underscores, @ or dashes",
				   ACCOUNTS_USERNAME_MAX);
	return ENGINE_OK;
}

enum engine_result accounts_password_check(const char *password,
					   const char *field,
					   struct engine_error *err)
{
	size_t n = strlen(password);

	if (n < ACCOUNTS_PASSWORD_MIN || n > ACCOUNTS_PASSWORD_MAX)
		return engine_fail(err, ENGINE_INVALID, field,
				   "a password is %d to %d bytes long",
				   ACCOUNTS_PASSWORD_MIN,
				   ACCOUNTS_PASSWORD_MAX);
	return ENGINE_OK;
}

size_t accounts_limit(size_t limit)
{
	return limit == 0 || limit > STORE_LIST_MAX ? STORE_LIST_MAX : limit;
}
