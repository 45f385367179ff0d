/*
 * Accounts: tenants, users and their memberships, login sessions, API
 * tokens, invitations and login throttling. Part of store.h; include
 * that. Every function that reads or changes an object of a tenant takes
 * the tenant's id and matches it in its query: an object of another
 * tenant is STORE_NOT_FOUND, exactly like one that does not exist.
 * Functions that change state take a struct store_audit (store_audit.h)
 * and append it in the same transaction.
 */
#ifndef PKIAAS_STORE_ACCOUNTS_H
#define PKIAAS_STORE_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

struct store_audit;

/* Lists are pages of at most limit items after a cursor (an id). */
#define STORE_LIST_MAX 1000

struct store_tenant {
	char *id;   /* short random id */
	char *name; /* unique */
	int64_t created_at;
	char *role; /* the caller's role, in store_tenant_list_of_user */
};

struct store_tenant_list {
	struct store_tenant *items;
	size_t n;
};

/* STORE_CONFLICT when the id or the name is taken. */
enum store_result store_tenant_insert(struct store *st,
				      const struct store_tenant *t,
				      const struct store_audit *a);
enum store_result store_tenant_count(struct store *st, int64_t *count);
enum store_result store_tenant_get_by_name(struct store *st, const char *name,
					   struct store_tenant *out);
/* Every tenant, by name. */
enum store_result store_tenant_list(struct store *st,
				    struct store_tenant_list *out);
/* The tenants a user belongs to with the role in each, oldest first. */
enum store_result store_tenant_list_of_user(struct store *st,
					    const char *user_id,
					    struct store_tenant_list *out);
void store_tenant_free(struct store_tenant *t);
void store_tenant_list_free(struct store_tenant_list *l);

/* A user as a member of one tenant. */
struct store_user {
	char *id;
	char *tenant_id;
	char *username;	     /* unique within the server */
	char *password_hash; /* PHC-style Argon2id string */
	char *role;	     /* "admin", "operator" or "auditor" */
	int disabled;
	int64_t created_at;
};

struct store_user_list {
	struct store_user *items;
	size_t n;
	int has_more;
};

/*
 * Creates the user and its membership of u->tenant_id with u->role.
 * STORE_CONFLICT when the id or the username is taken.
 */
enum store_result store_user_insert(struct store *st,
				    const struct store_user *u,
				    const struct store_audit *a);
/* A member of a tenant, by id or by username. */
enum store_result store_user_get(struct store *st, const char *tenant_id,
				 const char *user_id, struct store_user *out);
enum store_result store_user_get_by_name(struct store *st,
					 const char *tenant_id,
					 const char *username,
					 struct store_user *out);
/*
 * A user by username in any tenant, for login: tenant_id and role are
 * NULL. STORE_NOT_FOUND when no such user.
 */
enum store_result store_user_find(struct store *st, const char *username,
				  struct store_user *out);
/* Members of a tenant ordered by id, after the id after (or from the
 * start when NULL). */
enum store_result store_user_list(struct store *st, const char *tenant_id,
				  const char *after, size_t limit,
				  struct store_user_list *out);
/*
 * Changes a member's role (when role is not NULL) and whether the user is
 * disabled (when disabled is 0 or 1; -1 leaves it). Disabling ends the
 * user's sessions.
 */
enum store_result store_user_update(struct store *st, const char *tenant_id,
				    const char *user_id, const char *role,
				    int disabled, const struct store_audit *a);
/*
 * Removes a user from a tenant: the membership goes, and the user's
 * sessions and tokens of that tenant end.
 */
enum store_result store_user_remove(struct store *st, const char *tenant_id,
				    const char *user_id, int64_t now,
				    const struct store_audit *a);
/*
 * Sets a user's password hash and ends every session of the user but
 * the one whose hash is keep_session (may be NULL).
 */
enum store_result store_user_password_set(struct store *st, const char *user_id,
					  const char *password_hash,
					  const char *keep_session,
					  const struct store_audit *a);
void store_user_free(struct store_user *u);
void store_user_list_free(struct store_user_list *l);

struct store_session {
	char *id_hash; /* hex SHA-256 of the cookie's secret */
	char *tenant_id;
	char *user_id;
	char *csrf;
	int64_t created_at, last_seen_at, expires_at;
};

enum store_result store_session_insert(struct store *st,
				       const struct store_session *s,
				       const struct store_audit *a);
/*
 * A session by its hash, with its user as a member of its tenant in
 * user (role and disabled as now stored). STORE_NOT_FOUND when there is
 * no such session or its user left the tenant.
 */
enum store_result store_session_get(struct store *st, const char *id_hash,
				    struct store_session *out,
				    struct store_user *user);
/* Records activity, at most once in slack seconds. */
enum store_result store_session_touch(struct store *st, const char *id_hash,
				      int64_t now, int64_t slack);
/* Ends one session; a is NULL when it merely expired. */
enum store_result store_session_delete(struct store *st, const char *id_hash,
				       const struct store_audit *a);
void store_session_free(struct store_session *s);

struct store_token {
	char *id; /* public half of the token */
	char *tenant_id;
	char *user_id;
	char *username; /* of user_id, filled by reads */
	char *name;
	char *role;
	char *secret_hash; /* hex SHA-256 of the secret half */
	int64_t created_at;
	int64_t expires_at, last_used_at, revoked_at; /* 0: not set */
};

struct store_token_list {
	struct store_token *items;
	size_t n;
	int has_more;
};

enum store_result store_token_insert(struct store *st,
				     const struct store_token *t,
				     const struct store_audit *a);
/* A token of a tenant. */
enum store_result store_token_get(struct store *st, const char *tenant_id,
				  const char *id, struct store_token *out);
/*
 * A token by its id alone, for authentication, with its user as a member
 * of the token's tenant in user. STORE_NOT_FOUND when there is no such
 * token or its user left the tenant.
 */
enum store_result store_token_find(struct store *st, const char *id,
				   struct store_token *out,
				   struct store_user *user);
/* A tenant's tokens by id, of user_id only when it is not NULL. */
enum store_result store_token_list(struct store *st, const char *tenant_id,
				   const char *user_id, const char *after,
				   size_t limit, struct store_token_list *out);
/* Sets revoked_at; STORE_CONFLICT when it was revoked already. */
enum store_result store_token_revoke(struct store *st, const char *tenant_id,
				     const char *id, int64_t now,
				     const struct store_audit *a);
/* Records a use, at most once in slack seconds. */
enum store_result store_token_touch(struct store *st, const char *id,
				    int64_t now, int64_t slack);
void store_token_free(struct store_token *t);
void store_token_list_free(struct store_token_list *l);

struct store_invitation {
	char *id;
	char *tenant_id;
	char *role;
	char *note;	   /* may be NULL */
	char *secret_hash; /* hex SHA-256 of the token */
	char *created_by;  /* user id */
	int64_t created_at, expires_at;
	int64_t accepted_at, revoked_at; /* 0: not set */
	char *accepted_by;		 /* user id, or NULL */
};

struct store_invitation_list {
	struct store_invitation *items;
	size_t n;
	int has_more;
};

enum store_result store_invitation_insert(struct store *st,
					  const struct store_invitation *inv,
					  const struct store_audit *a);
enum store_result store_invitation_get(struct store *st, const char *tenant_id,
				       const char *id,
				       struct store_invitation *out);
/* An invitation by the hash of its token, in any tenant. */
enum store_result store_invitation_find(struct store *st,
					const char *secret_hash,
					struct store_invitation *out);
enum store_result store_invitation_list(struct store *st, const char *tenant_id,
					const char *after, size_t limit,
					struct store_invitation_list *out);
/* Withdraws an open invitation; STORE_NOT_FOUND when none is open. */
enum store_result store_invitation_revoke(struct store *st,
					  const char *tenant_id, const char *id,
					  int64_t now,
					  const struct store_audit *a);
/*
 * Uses an open invitation (not accepted, revoked or expired at now) for
 * user, in one transaction: when new_user is not NULL that user is
 * created first; the membership is created with the invitation's role.
 * STORE_NOT_FOUND when the invitation is not open, STORE_CONFLICT when
 * the username is taken or the user is a member already.
 */
enum store_result
store_invitation_accept(struct store *st, const char *invitation_id,
			const char *user_id, const struct store_user *new_user,
			int64_t now, const struct store_audit *a);
void store_invitation_free(struct store_invitation *inv);
void store_invitation_list_free(struct store_invitation_list *l);

/*
 * Login throttling. A key ("user:NAME", "addr:IP") counts failures in a
 * window that starts at its first failure and lasts window seconds.
 */
enum store_result store_login_failures_get(struct store *st, const char *key,
					   int64_t now, int64_t window,
					   int64_t *failures,
					   int64_t *window_start);
enum store_result store_login_failure_add(struct store *st, const char *key,
					  int64_t now, int64_t window);
enum store_result store_login_failures_clear(struct store *st, const char *key);

#endif
