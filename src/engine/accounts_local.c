/* What local administration does without a running server. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/install.h"
#include "engine/password.h"
#include "lib/rand.h"

#define TENANT_NAME_MAX 64

void accounts_local_principal(struct principal *who, const char *tenant_id)
{
	memset(who, 0, sizeof(*who));
	who->kind = PRINCIPAL_TOKEN;
	snprintf(who->tenant_id, sizeof(who->tenant_id), "%s", tenant_id);
	snprintf(who->username, sizeof(who->username), "%s", INSTALL_ACTOR);
	snprintf(who->role, sizeof(who->role), "admin");
	who->permissions = access_role_permissions("admin");
	snprintf(who->address, sizeof(who->address), "local");
}

enum engine_result accounts_tenant_create(struct store *st, const char *name,
					  int64_t now, struct store_tenant *out,
					  struct engine_error *err)
{
	char id[RAND_ID_LEN + 1] = "";
	struct store_tenant t = {
	    .id = id, .name = (char *)name, .created_at = now};
	struct principal local;
	struct store_audit a;
	size_t n = strlen(name);
	enum store_result rc;

	if (n == 0 || n > TENANT_NAME_MAX ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != n)
		return engine_fail(err, ENGINE_INVALID, "name",
				   "a tenant name is 1 to %d letters, digits, "
				   "dots, underscores or dashes",
				   TENANT_NAME_MAX);
	if (rand_id(id, RAND_ID_LEN) != 0)
		return engine_fail(err, ENGINE_ERROR, NULL, "no id");
	accounts_local_principal(&local, id);
	a = accounts_audit(&local, "tenant.create", "tenant", id, now);
	a.detail = name;
	rc = store_tenant_insert(st, &t, &a);
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, "name",
				   "a tenant named %s exists", name);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "tenant");
	return engine_store_fail(err, store_tenant_get_by_name(st, name, out),
				 "tenant");
}

enum engine_result accounts_password_set(struct store *st,
					 const struct principal *who,
					 const char *user_id,
					 const char *password, int64_t now,
					 struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "user.password", "user", user_id, now);
	struct store_user u;
	char *hash = NULL;
	enum store_result rc;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK ||
	    accounts_password_check(password, "password", err) != ENGINE_OK)
		return err->code;
	rc = store_user_get(st, who->tenant_id, user_id, &u);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "user");
	store_user_free(&u);
	if (password_hash(password, &hash) != 0)
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the password could not be hashed");
	a.detail = "set by an admin";
	rc = store_user_password_set(st, user_id, hash, NULL, &a);
	free(hash);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "user");
}
