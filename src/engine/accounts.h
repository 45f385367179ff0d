/*
 * Accounts: login and sessions, API tokens, users, invitations and the
 * audit log, with every rule about them: who may do what, how long a
 * session lives, how login attempts are throttled, which role a token may
 * have. Handlers call these and turn the answers into their wire format.
 * Every change is audited (store_audit.h) in the same transaction, and
 * every refused change by an authenticated caller is audited as
 * "denied" (refused reads are not).
 */
#ifndef PKIAAS_ACCOUNTS_H
#define PKIAAS_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/access.h"
#include "engine/result.h"
#include "store/store.h"

/* Login throttling (docs/api.md, "Authentication"). */
#define ACCOUNTS_LOGIN_WINDOW	    (15 * 60)
#define ACCOUNTS_LOGIN_USER_MAX	    5
#define ACCOUNTS_LOGIN_ADDRESS_MAX  20
#define ACCOUNTS_PASSWORD_MIN	    12
#define ACCOUNTS_PASSWORD_MAX	    1024
#define ACCOUNTS_USERNAME_MAX	    64
#define ACCOUNTS_TOKEN_DAYS_MAX	    3650
#define ACCOUNTS_INVITATION_SECONDS (7 * 86400)
/* last_seen_at and last_used_at are written at most this often. */
#define ACCOUNTS_TOUCH_SLACK 60
/* A session cookie's secret: 32 random bytes in base64url. */
#define ACCOUNTS_SECRET_MAX 64

/* What deployment settings change: from the configuration. */
struct accounts_policy {
	int64_t session_idle; /* seconds without a request */
	int64_t session_max;  /* seconds after login */
};

struct accounts_login {
	const char *username, *password;
	const char *tenant;  /* a tenant name, or NULL for the first */
	const char *address; /* the client's */
};

/* A new session: the cookie's secret and what the client is told. */
struct accounts_session {
	char secret[ACCOUNTS_SECRET_MAX]; /* the cookie value */
	struct principal who;
	char tenant_name[ACCESS_NAME_MAX];
	int64_t expires_at;
};

/*
 * Checks a username and password and opens a session. A wrong password
 * and an unknown user are the same ENGINE_UNAUTHENTICATED, after the
 * same work; too many failures give ENGINE_RATE_LIMITED with
 * retry_after. A disabled user, or a tenant the user is not a member
 * of, is ENGINE_UNAUTHENTICATED too.
 */
enum engine_result accounts_login(struct store *st,
				  const struct accounts_policy *policy,
				  const struct accounts_login *in, int64_t now,
				  struct accounts_session *out,
				  struct engine_error *err);
/*
 * The principal of a session cookie's secret. ENGINE_UNAUTHENTICATED
 * when there is no such session, it expired (idle or absolute), or its
 * user was disabled or left the tenant.
 */
enum engine_result
accounts_session_check(struct store *st, const struct accounts_policy *policy,
		       const char *secret, const char *address, int64_t now,
		       struct principal *who, struct engine_error *err);
/*
 * The principal of an API token ("pkiaas_ID_SECRET").
 * ENGINE_UNAUTHENTICATED when it is malformed, unknown, revoked,
 * expired, or its user was disabled or left the tenant. The token's role
 * is narrowed to the member's current role.
 */
enum engine_result accounts_token_check(struct store *st, const char *token,
					const char *address, int64_t now,
					struct principal *who,
					struct engine_error *err);
/* Ends who's session (PRINCIPAL_SESSION only). */
enum engine_result accounts_logout(struct store *st,
				   const struct principal *who, int64_t now,
				   struct engine_error *err);
/*
 * Changes who's own password after checking the current one; ends the
 * user's other sessions.
 */
enum engine_result accounts_password_change(struct store *st,
					    const struct principal *who,
					    const char *current,
					    const char *fresh, int64_t now,
					    struct engine_error *err);

/*
 * A new API token for who's user in who's tenant. role NULL means who's
 * role; a role wider than who's is ENGINE_INVALID (field "role").
 * expires_in_days 0 means it does not expire. *secret receives the
 * token to show once (the caller frees it); out the stored record.
 */
enum engine_result accounts_token_create(struct store *st,
					 const struct principal *who,
					 const char *name, const char *role,
					 int64_t expires_in_days, int64_t now,
					 struct store_token *out, char **secret,
					 struct engine_error *err);
/* who's tokens; every token of the tenant for an admin. */
enum engine_result accounts_token_list(struct store *st,
				       const struct principal *who,
				       const char *after, size_t limit,
				       struct store_token_list *out,
				       struct engine_error *err);
/* One token: who's own, or any of the tenant for an admin. */
enum engine_result accounts_token_get(struct store *st,
				      const struct principal *who,
				      const char *id, struct store_token *out,
				      struct engine_error *err);
enum engine_result accounts_token_revoke(struct store *st,
					 const struct principal *who,
					 const char *id, int64_t now,
					 struct engine_error *err);

/* Members of who's tenant. */
enum engine_result accounts_user_list(struct store *st,
				      const struct principal *who,
				      const char *after, size_t limit,
				      struct store_user_list *out,
				      struct engine_error *err);
enum engine_result accounts_user_get(struct store *st,
				     const struct principal *who,
				     const char *id, struct store_user *out,
				     struct engine_error *err);
/*
 * A new local user in who's tenant (admin). Checks the username
 * (1 to 64 of letters, digits, "._@-"), the password (12 to 1024 bytes)
 * and the role, each naming its field.
 */
enum engine_result accounts_user_create(struct store *st,
					const struct principal *who,
					const char *username,
					const char *password, const char *role,
					int64_t now, struct store_user *out,
					struct engine_error *err);
/*
 * Changes role (NULL: unchanged) and disabled (-1: unchanged) of a
 * member (admin). An admin cannot change their own role or disable
 * themself.
 */
enum engine_result accounts_user_update(struct store *st,
					const struct principal *who,
					const char *id, const char *role,
					int disabled, int64_t now,
					struct store_user *out,
					struct engine_error *err);
/* Removes a member from who's tenant (admin), not who themself. */
enum engine_result accounts_user_remove(struct store *st,
					const struct principal *who,
					const char *id, int64_t now,
					struct engine_error *err);

/* A new invitation (admin); *secret is the token to show once. */
enum engine_result
accounts_invitation_create(struct store *st, const struct principal *who,
			   const char *role, const char *note, int64_t now,
			   struct store_invitation *out, char **secret,
			   struct engine_error *err);
enum engine_result accounts_invitation_list(struct store *st,
					    const struct principal *who,
					    const char *after, size_t limit,
					    struct store_invitation_list *out,
					    struct engine_error *err);
enum engine_result accounts_invitation_revoke(struct store *st,
					      const struct principal *who,
					      const char *id, int64_t now,
					      struct engine_error *err);
/*
 * Uses an invitation token: for who (logged in) when who is not NULL,
 * else for a new user made from username and password (checked as in
 * accounts_user_create). ENGINE_NOT_FOUND when the token is unknown,
 * used, withdrawn or expired. *tenant receives the joined tenant's id.
 */
enum engine_result accounts_invitation_accept(
    struct store *st, const struct principal *who, const char *token,
    const char *username, const char *password, const char *address,
    int64_t now, char tenant[RAND_ID_LEN + 1], struct engine_error *err);

/* The tenants of who's user, with the role in each. */
enum engine_result accounts_tenant_list(struct store *st,
					const struct principal *who,
					struct store_tenant_list *out,
					struct engine_error *err);

/* The audit log of who's tenant (admin, auditor). */
enum engine_result
accounts_audit_list(struct store *st, const struct principal *who,
		    const struct store_audit_filter *f, size_t limit,
		    struct store_audit_list *out, struct engine_error *err);
enum engine_result accounts_audit_get(struct store *st,
				      const struct principal *who,
				      const char *id,
				      struct store_audit_entry *out,
				      struct engine_error *err);

/*
 * Local administration (pkiaasd user, pkiaasd tenant): the principal of
 * the server itself acting as an admin of tenant_id, audited as
 * "pkiaasd" from the address "local".
 */
void accounts_local_principal(struct principal *who, const char *tenant_id);
/* A new tenant with a name of 1 to 64 letters, digits, "._-". */
enum engine_result accounts_tenant_create(struct store *st, const char *name,
					  int64_t now, struct store_tenant *out,
					  struct engine_error *err);
/*
 * Sets a member's password without the current one (admin); ends every
 * session of the user.
 */
enum engine_result accounts_password_set(struct store *st,
					 const struct principal *who,
					 const char *user_id,
					 const char *password, int64_t now,
					 struct engine_error *err);

#endif
