/* API tokens: made by a user for themself, shown once, stored hashed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "lib/clock.h"
#include "lib/digest.h"
#include "lib/rand.h"

#define TOKEN_NAME_MAX 128

static int is_admin(const struct principal *who)
{
	return (who->permissions & ACCESS_ADMIN) != 0;
}

static enum engine_result token_input_check(const struct principal *who,
					    const char *name, const char *role,
					    int64_t days,
					    struct engine_error *err)
{
	if (*name == '\0' || strlen(name) > TOKEN_NAME_MAX)
		return engine_fail(err, ENGINE_INVALID, "name",
				   "a token's name is 1 to %d bytes",
				   TOKEN_NAME_MAX);
	if (!access_role_valid(role))
		return engine_fail(err, ENGINE_INVALID, "role",
				   "role must be admin, operator or auditor");
	if (!access_role_within(role, who->role) ||
	    (access_role_permissions(role) & ~who->permissions) != 0)
		return engine_fail(err, ENGINE_INVALID, "role",
				   "a token cannot have the role %s: it would "
				   "grant more than your role %s",
				   role, who->role);
	if (days < 0 || days > ACCOUNTS_TOKEN_DAYS_MAX)
		return engine_fail(err, ENGINE_INVALID, "expires_in_days",
				   "expires_in_days is 1 to %d, or left out "
				   "for a token that does not expire",
				   ACCOUNTS_TOKEN_DAYS_MAX);
	return ENGINE_OK;
}

/* Copies a stored token's fields into out, which then owns them. */
static enum engine_result token_copy(const struct store_token *t,
				     struct store_token *out,
				     struct engine_error *err)
{
	memset(out, 0, sizeof(*out));
	out->id = strdup(t->id);
	out->tenant_id = strdup(t->tenant_id);
	out->user_id = strdup(t->user_id);
	out->username = t->username != NULL ? strdup(t->username) : NULL;
	out->name = strdup(t->name);
	out->role = strdup(t->role);
	out->created_at = t->created_at;
	out->expires_at = t->expires_at;
	if (out->id == NULL || out->tenant_id == NULL || out->user_id == NULL ||
	    out->name == NULL || out->role == NULL ||
	    (t->username != NULL && out->username == NULL)) {
		store_token_free(out);
		return engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	}
	return ENGINE_OK;
}

enum engine_result accounts_token_create(struct store *st,
					 const struct principal *who,
					 const char *name, const char *role,
					 int64_t expires_in_days, int64_t now,
					 struct store_token *out, char **secret,
					 struct engine_error *err)
{
	char id[RAND_ID_LEN + 1] = "", raw[ACCOUNTS_SECRET_MAX];
	char hash[DIGEST_HEX_LEN + 1];
	struct store_token t = {.id = id,
				.tenant_id = (char *)who->tenant_id,
				.user_id = (char *)who->user_id,
				.username = (char *)who->username,
				.name = (char *)name,
				.secret_hash = hash,
				.created_at = now};
	struct store_audit a =
	    accounts_audit(who, "token.create", "token", id, now);
	enum engine_result res;
	enum store_result rc;

	*secret = NULL;
	if (role == NULL)
		role = who->role;
	res = token_input_check(who, name, role, expires_in_days, err);
	if (res != ENGINE_OK)
		return accounts_denied(st, who, "token.create", "token", NULL,
				       now, err);
	t.role = (char *)role;
	t.expires_at =
	    expires_in_days > 0 ? now + expires_in_days * CLOCK_DAY : 0;
	if (rand_id(id, RAND_ID_LEN) != 0 ||
	    accounts_secret_new(raw, sizeof(raw)) != 0 ||
	    digest_sha256_hex(raw, strlen(raw), hash) != 0 ||
	    asprintf(secret, "pkiaas_%s_%s", id, raw) < 0) {
		*secret = NULL;
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "no token could be made");
	}
	a.detail = name;
	rc = store_token_insert(st, &t, &a);
	if (rc == STORE_OK)
		res = token_copy(&t, out, err);
	else
		res = engine_store_fail(err, rc, "token");
	if (res != ENGINE_OK) {
		free(*secret);
		*secret = NULL;
	}
	return res;
}

enum engine_result accounts_token_list(struct store *st,
				       const struct principal *who,
				       const char *after, size_t limit,
				       struct store_token_list *out,
				       struct engine_error *err)
{
	enum store_result rc = store_token_list(
	    st, who->tenant_id, is_admin(who) ? NULL : who->user_id, after,
	    accounts_limit(limit), out);

	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "token");
}

enum engine_result accounts_token_get(struct store *st,
				      const struct principal *who,
				      const char *id, struct store_token *out,
				      struct engine_error *err)
{
	enum store_result rc = store_token_get(st, who->tenant_id, id, out);

	if (rc == STORE_OK && !is_admin(who) &&
	    strcmp(out->user_id, who->user_id) != 0) {
		store_token_free(out);
		rc = STORE_NOT_FOUND;
	}
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "token");
}

enum engine_result accounts_token_revoke(struct store *st,
					 const struct principal *who,
					 const char *id, int64_t now,
					 struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "token.revoke", "token", id, now);
	struct store_token t;
	enum engine_result res = accounts_token_get(st, who, id, &t, err);
	enum store_result rc;

	if (res != ENGINE_OK)
		return res;
	a.detail = t.name;
	rc = store_token_revoke(st, who->tenant_id, id, now, &a);
	store_token_free(&t);
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "the token was revoked already");
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "token");
}
