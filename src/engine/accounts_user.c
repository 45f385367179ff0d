/* Members of a tenant: listing, creating, changing, removing. */
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/password.h"
#include "lib/rand.h"

/* Refuses who unless an admin, recording the refusal. */
static enum engine_result admin_only(struct store *st,
				     const struct principal *who,
				     const char *action, const char *id,
				     int64_t now, struct engine_error *err)
{
	if (access_require(who, ACCESS_ADMIN, err) == ENGINE_OK)
		return ENGINE_OK;
	return accounts_denied(st, who, action, "user", id, now, err);
}

enum engine_result accounts_user_list(struct store *st,
				      const struct principal *who,
				      const char *after, size_t limit,
				      struct store_user_list *out,
				      struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_user_list(st, who->tenant_id, after, accounts_limit(limit),
			     out);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "user");
}

enum engine_result accounts_user_get(struct store *st,
				     const struct principal *who,
				     const char *id, struct store_user *out,
				     struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_user_get(st, who->tenant_id, id, out);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "user");
}

enum engine_result accounts_user_create(struct store *st,
					const struct principal *who,
					const char *username,
					const char *password, const char *role,
					int64_t now, struct store_user *out,
					struct engine_error *err)
{
	char id[RAND_ID_LEN + 1] = "";
	struct store_user u = {.id = id,
			       .tenant_id = (char *)who->tenant_id,
			       .username = (char *)username,
			       .role = (char *)role,
			       .created_at = now};
	struct store_audit a =
	    accounts_audit(who, "user.create", "user", id, now);
	enum engine_result res =
	    admin_only(st, who, "user.create", NULL, now, err);
	enum store_result rc;

	if (res != ENGINE_OK)
		return res;
	if (accounts_username_check(username, err) != ENGINE_OK ||
	    accounts_password_check(password, "password", err) != ENGINE_OK)
		return err->code;
	if (!access_role_valid(role))
		return engine_fail(err, ENGINE_INVALID, "role",
				   "role must be admin, operator or auditor");
	if (rand_id(id, RAND_ID_LEN) != 0 ||
	    password_hash(password, &u.password_hash) != 0)
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the user could not be made");
	a.detail = username;
	rc = store_user_insert(st, &u, &a);
	free(u.password_hash);
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, "username",
				   "the username %s is taken", username);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "user");
	return accounts_user_get(st, who, id, out, err);
}

enum engine_result accounts_user_update(struct store *st,
					const struct principal *who,
					const char *id, const char *role,
					int disabled, int64_t now,
					struct store_user *out,
					struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "user.update", "user", id, now);
	enum engine_result res =
	    admin_only(st, who, "user.update", id, now, err);
	enum store_result rc;

	if (res != ENGINE_OK)
		return res;
	if (role != NULL && !access_role_valid(role))
		return engine_fail(err, ENGINE_INVALID, "role",
				   "role must be admin, operator or auditor");
	if (strcmp(id, who->user_id) == 0 &&
	    ((role != NULL && strcmp(role, who->role) != 0) || disabled == 1))
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "you cannot change your own role or "
				   "disable yourself; another admin can");
	a.detail = role != NULL	   ? role
		   : disabled == 1 ? "disabled"
		   : disabled == 0 ? "enabled"
				   : NULL;
	rc = store_user_update(st, who->tenant_id, id, role, disabled, &a);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "user");
	return accounts_user_get(st, who, id, out, err);
}

enum engine_result accounts_user_remove(struct store *st,
					const struct principal *who,
					const char *id, int64_t now,
					struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "user.remove", "user", id, now);
	enum engine_result res =
	    admin_only(st, who, "user.remove", id, now, err);
	enum store_result rc;

	if (res != ENGINE_OK)
		return res;
	if (strcmp(id, who->user_id) == 0)
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "you cannot remove yourself; another "
				   "admin can");
	rc = store_user_remove(st, who->tenant_id, id, now, &a);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "user");
}
