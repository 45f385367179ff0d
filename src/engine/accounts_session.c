/* Login, sessions, API token checks, logout and password changes. */
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/password.h"
#include "lib/digest.h"
#include "lib/log.h"
#include "lib/rand.h"

#define TOKEN_PREFIX  "pkiaas_"
#define LOGIN_REFUSED "the username or the password is wrong"

static char *dummy_hash;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

/* A hash of a random password, verified for unknown users so that a
 * wrong username costs as long as a wrong password. */
static void dummy_hash_make(void)
{
	char random[33];

	if (rand_id(random, 32) == 0)
		password_hash(random, &dummy_hash);
}

static void principal_fill(struct principal *who, enum principal_kind kind,
			   const struct store_user *u, const char *role,
			   unsigned permissions, const char *address)
{
	memset(who, 0, sizeof(*who));
	who->kind = kind;
	snprintf(who->tenant_id, sizeof(who->tenant_id), "%s", u->tenant_id);
	snprintf(who->user_id, sizeof(who->user_id), "%s", u->id);
	snprintf(who->username, sizeof(who->username), "%s", u->username);
	snprintf(who->role, sizeof(who->role), "%s", role);
	who->permissions = permissions;
	snprintf(who->address, sizeof(who->address), "%s",
		 address != NULL ? address : "");
}

/* Refuses a login that broke a throttle, for retry_after seconds. */
static enum engine_result login_throttled(struct store *st, const char *key,
					  int64_t max, int64_t now,
					  struct engine_error *err)
{
	int64_t failures = 0, start = 0;
	enum store_result rc = store_login_failures_get(
	    st, key, now, ACCOUNTS_LOGIN_WINDOW, &failures, &start);

	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "login");
	if (failures < max)
		return ENGINE_OK;
	engine_fail(err, ENGINE_RATE_LIMITED, NULL,
		    "too many failed logins; try again in %lld seconds",
		    (long long)(start + ACCOUNTS_LOGIN_WINDOW - now));
	err->retry_after = start + ACCOUNTS_LOGIN_WINDOW - now;
	if (err->retry_after < 1)
		err->retry_after = 1;
	return ENGINE_RATE_LIMITED;
}

/* Counts a failed login against the user name and the address. */
static enum engine_result login_failed(struct store *st,
				       const struct accounts_login *in,
				       const char *user_key,
				       const char *addr_key, int64_t now,
				       struct engine_error *err)
{
	store_login_failure_add(st, user_key, now, ACCOUNTS_LOGIN_WINDOW);
	if (in->address != NULL)
		store_login_failure_add(st, addr_key, now,
					ACCOUNTS_LOGIN_WINDOW);
	return engine_fail(err, ENGINE_UNAUTHENTICATED, NULL, LOGIN_REFUSED);
}

/* The membership the login asks for (by tenant name) or the first. */
static enum engine_result
login_tenant(struct store *st, const struct store_user *u, const char *tenant,
	     struct store_tenant *out, struct engine_error *err)
{
	struct store_tenant_list list;
	enum store_result rc = store_tenant_list_of_user(st, u->id, &list);
	enum engine_result res = ENGINE_UNAUTHENTICATED;

	memset(out, 0, sizeof(*out));
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "login");
	for (size_t i = 0; i < list.n; i++)
		if (tenant == NULL || strcmp(list.items[i].name, tenant) == 0) {
			*out = list.items[i];
			memset(&list.items[i], 0, sizeof(list.items[i]));
			res = ENGINE_OK;
			break;
		}
	store_tenant_list_free(&list);
	if (res != ENGINE_OK)
		engine_fail(err, res, NULL, LOGIN_REFUSED);
	return res;
}

/* Stores a new session for u in tenant t and fills out. */
static enum engine_result
session_open(struct store *st, const struct accounts_policy *policy,
	     struct store_user *u, const struct store_tenant *t,
	     const char *address, int64_t now, struct accounts_session *out,
	     struct engine_error *err)
{
	char hash[DIGEST_HEX_LEN + 1];
	struct store_session s = {.id_hash = hash,
				  .tenant_id = t->id,
				  .user_id = u->id,
				  .created_at = now,
				  .last_seen_at = now,
				  .expires_at = now + policy->session_max};
	struct store_audit a;
	enum store_result rc;

	u->tenant_id = t->id;
	principal_fill(&out->who, PRINCIPAL_SESSION, u, t->role,
		       access_role_permissions(t->role), address);
	u->tenant_id = NULL;
	if (accounts_secret_new(out->secret, sizeof(out->secret)) != 0 ||
	    rand_id(out->who.csrf, 32) != 0 ||
	    digest_sha256_hex(out->secret, strlen(out->secret), hash) != 0)
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "no session could be made");
	s.csrf = out->who.csrf;
	memcpy(out->who.session, hash, sizeof(hash));
	snprintf(out->tenant_name, sizeof(out->tenant_name), "%s", t->name);
	out->expires_at = s.expires_at;
	a = accounts_audit(&out->who, "auth.login", "session", NULL, now);
	rc = store_session_insert(st, &s, &a);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "login");
}

/* Logs a refusal of a known user in their first tenant's audit log. */
static void login_denied(struct store *st, const struct store_user *u,
			 const char *address, const char *why, int64_t now)
{
	struct store_tenant_list list;
	struct store_audit a = {.actor_id = u->id,
				.actor_name = u->username,
				.action = "auth.login",
				.object_type = "session",
				.address = address,
				.outcome = "denied",
				.detail = why,
				.at = now};

	if (store_tenant_list_of_user(st, u->id, &list) != STORE_OK)
		return;
	if (list.n > 0) {
		a.tenant_id = list.items[0].id;
		(void)store_audit_append(st, &a);
	}
	store_tenant_list_free(&list);
}

enum engine_result accounts_login(struct store *st,
				  const struct accounts_policy *policy,
				  const struct accounts_login *in, int64_t now,
				  struct accounts_session *out,
				  struct engine_error *err)
{
	char user_key[ACCOUNTS_USERNAME_MAX + 8], addr_key[80];
	struct store_user u;
	struct store_tenant t = {0};
	enum store_result rc;
	enum engine_result res;
	int ok;

	memset(out, 0, sizeof(*out));
	pthread_once(&dummy_once, dummy_hash_make);
	if (strlen(in->username) > ACCOUNTS_USERNAME_MAX ||
	    strlen(in->password) > ACCOUNTS_PASSWORD_MAX)
		return engine_fail(err, ENGINE_UNAUTHENTICATED, NULL,
				   LOGIN_REFUSED);
	snprintf(user_key, sizeof(user_key), "user:%s", in->username);
	snprintf(addr_key, sizeof(addr_key), "addr:%s",
		 in->address != NULL ? in->address : "");
	res = login_throttled(st, user_key, ACCOUNTS_LOGIN_USER_MAX, now, err);
	if (res == ENGINE_OK && in->address != NULL)
		res = login_throttled(st, addr_key, ACCOUNTS_LOGIN_ADDRESS_MAX,
				      now, err);
	if (res != ENGINE_OK)
		return res;

	rc = store_user_find(st, in->username, &u);
	if (rc == STORE_NOT_FOUND) {
		if (dummy_hash != NULL)
			password_verify(in->password, dummy_hash);
		return login_failed(st, in, user_key, addr_key, now, err);
	}
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "login");
	ok = password_verify(in->password, u.password_hash) == 1;
	if (!ok || u.disabled) {
		login_denied(st, &u, in->address,
			     ok ? "the user is disabled" : "wrong password",
			     now);
		store_user_free(&u);
		return login_failed(st, in, user_key, addr_key, now, err);
	}

	res = login_tenant(st, &u, in->tenant, &t, err);
	if (res == ENGINE_OK) {
		store_login_failures_clear(st, user_key);
		res = session_open(st, policy, &u, &t, in->address, now, out,
				   err);
	}
	store_tenant_free(&t);
	store_user_free(&u);
	return res;
}

/* How often an active session records that it is: a quarter of the idle
 * time, at most ACCOUNTS_TOUCH_SLACK. */
static int64_t session_slack(const struct accounts_policy *policy)
{
	int64_t slack = policy->session_idle / 4;

	return slack < ACCOUNTS_TOUCH_SLACK ? slack : ACCOUNTS_TOUCH_SLACK;
}

enum engine_result
accounts_session_check(struct store *st, const struct accounts_policy *policy,
		       const char *secret, const char *address, int64_t now,
		       struct principal *who, struct engine_error *err)
{
	char hash[DIGEST_HEX_LEN + 1];
	struct store_session s;
	struct store_user u;
	enum store_result rc;
	enum engine_result res = ENGINE_OK;

	if (strlen(secret) >= ACCOUNTS_SECRET_MAX ||
	    digest_sha256_hex(secret, strlen(secret), hash) != 0)
		return engine_fail(err, ENGINE_UNAUTHENTICATED, NULL,
				   "the session has ended; log in again");
	rc = store_session_get(st, hash, &s, &u);
	if (rc == STORE_NOT_FOUND)
		return engine_fail(err, ENGINE_UNAUTHENTICATED, NULL,
				   "the session has ended; log in again");
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "session");
	if (now >= s.expires_at ||
	    now - s.last_seen_at > policy->session_idle || u.disabled) {
		store_session_delete(st, hash, NULL);
		res = engine_fail(err, ENGINE_UNAUTHENTICATED, NULL,
				  "the session has ended; log in again");
	} else {
		principal_fill(who, PRINCIPAL_SESSION, &u, u.role,
			       access_role_permissions(u.role), address);
		memcpy(who->session, hash, sizeof(hash));
		snprintf(who->csrf, sizeof(who->csrf), "%s", s.csrf);
		/* Only a stale mark costs a write: most requests read. */
		if (now - s.last_seen_at >= session_slack(policy))
			store_session_touch(st, hash, now,
					    session_slack(policy));
	}
	store_session_free(&s);
	store_user_free(&u);
	return res;
}

/* Splits "pkiaas_ID_SECRET"; 0, or -1 when it is not of that form. */
static int token_split(const char *token, char id[RAND_ID_LEN + 1],
		       const char **secret)
{
	size_t n = strlen(TOKEN_PREFIX);

	if (strncmp(token, TOKEN_PREFIX, n) != 0 ||
	    strlen(token) < n + RAND_ID_LEN + 2 ||
	    token[n + RAND_ID_LEN] != '_' ||
	    strlen(token) > n + RAND_ID_LEN + 1 + ACCOUNTS_SECRET_MAX)
		return -1;
	memcpy(id, token + n, RAND_ID_LEN);
	id[RAND_ID_LEN] = '\0';
	*secret = token + n + RAND_ID_LEN + 1;
	return 0;
}

/* Whether a stored token is in force: the secret matches, not revoked or
 * expired, its user enabled. */
static int token_in_force(const struct store_token *t,
			  const struct store_user *u, const char *secret,
			  int64_t now)
{
	char hash[DIGEST_HEX_LEN + 1];

	if (digest_sha256_hex(secret, strlen(secret), hash) != 0)
		return 0;
	return digest_equal(hash, t->secret_hash) && t->revoked_at == 0 &&
	       (t->expires_at == 0 || now < t->expires_at) && !u->disabled;
}

enum engine_result accounts_token_check(struct store *st, const char *token,
					const char *address, int64_t now,
					struct principal *who,
					struct engine_error *err)
{
	char id[RAND_ID_LEN + 1];
	const char *secret;
	struct store_token t;
	struct store_user u;
	enum store_result rc;
	enum engine_result res = ENGINE_OK;

	if (token_split(token, id, &secret) != 0)
		return engine_fail(err, ENGINE_UNAUTHENTICATED, NULL,
				   "the API token is not valid");
	rc = store_token_find(st, id, &t, &u);
	if (rc == STORE_NOT_FOUND)
		return engine_fail(err, ENGINE_UNAUTHENTICATED, NULL,
				   "the API token is not valid");
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "API token");
	if (!token_in_force(&t, &u, secret, now)) {
		res = engine_fail(err, ENGINE_UNAUTHENTICATED, NULL,
				  "the API token is not valid, revoked or "
				  "expired");
	} else {
		/* A member whose role was lowered keeps only what both allow.
		 */
		principal_fill(who, PRINCIPAL_TOKEN, &u, t.role,
			       access_role_permissions(t.role) &
				   access_role_permissions(u.role),
			       address);
		snprintf(who->token_id, sizeof(who->token_id), "%s", t.id);
		if (now - t.last_used_at >= ACCOUNTS_TOUCH_SLACK)
			store_token_touch(st, t.id, now, ACCOUNTS_TOUCH_SLACK);
	}
	store_token_free(&t);
	store_user_free(&u);
	return res;
}

enum engine_result accounts_logout(struct store *st,
				   const struct principal *who, int64_t now,
				   struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "auth.logout", "session", NULL, now);
	enum store_result rc;

	if (who->kind != PRINCIPAL_SESSION)
		return engine_fail(err, ENGINE_INVALID, NULL,
				   "logout ends a login session; revoke a "
				   "token with DELETE /api/v1/tokens/{id}");
	rc = store_session_delete(st, who->session, &a);
	if (rc == STORE_NOT_FOUND)
		return ENGINE_OK;
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "session");
}

enum engine_result accounts_password_change(struct store *st,
					    const struct principal *who,
					    const char *current,
					    const char *fresh, int64_t now,
					    struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "user.password", "user", who->user_id, now);
	struct store_user u;
	char *hash = NULL;
	enum store_result rc;
	enum engine_result res =
	    accounts_password_check(fresh, "new_password", err);

	if (res != ENGINE_OK)
		return res;
	rc = store_user_find(st, who->username, &u);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "user");
	if (password_verify(current, u.password_hash) != 1) {
		store_user_free(&u);
		engine_fail(err, ENGINE_INVALID, "current_password",
			    "the current password is wrong");
		return accounts_denied(st, who, "user.password", "user",
				       who->user_id, now, err);
	}
	store_user_free(&u);
	if (password_hash(fresh, &hash) != 0)
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the password could not be hashed");
	rc = store_user_password_set(
	    st, who->user_id, hash,
	    who->kind == PRINCIPAL_SESSION ? who->session : NULL, &a);
	free(hash);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "user");
}
