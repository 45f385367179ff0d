/* Invitations: a one-time token that lets a user join a tenant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/password.h"
#include "lib/digest.h"
#include "lib/rand.h"

#define NOTE_MAX 256
/* Invitation tokens say what they are, for people and secret scanners. */
#define INVITATION_PREFIX "pkiaas_inv_"

enum engine_result
accounts_invitation_create(struct store *st, const struct principal *who,
			   const char *role, const char *note, int64_t now,
			   struct store_invitation *out, char **secret,
			   struct engine_error *err)
{
	char id[RAND_ID_LEN + 1] = "", raw[ACCOUNTS_SECRET_MAX];
	char hash[DIGEST_HEX_LEN + 1];
	struct store_invitation inv = {.id = id,
				       .tenant_id = (char *)who->tenant_id,
				       .role = (char *)role,
				       .note = (char *)note,
				       .secret_hash = hash,
				       .created_by = (char *)who->user_id,
				       .created_at = now,
				       .expires_at =
					   now + ACCOUNTS_INVITATION_SECONDS};
	struct store_audit a =
	    accounts_audit(who, "invitation.create", "invitation", id, now);
	enum store_result rc;

	*secret = NULL;
	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(st, who, "invitation.create",
				       "invitation", NULL, now, err);
	if (!access_role_valid(role))
		return engine_fail(err, ENGINE_INVALID, "role",
				   "role must be admin, operator or auditor");
	if (note != NULL && strlen(note) > NOTE_MAX)
		return engine_fail(err, ENGINE_INVALID, "note",
				   "a note is at most %d bytes", NOTE_MAX);
	if (rand_id(id, RAND_ID_LEN) != 0 ||
	    accounts_secret_new(raw, sizeof(raw)) != 0 ||
	    asprintf(secret, INVITATION_PREFIX "%s", raw) < 0)
		*secret = NULL;
	if (*secret == NULL ||
	    digest_sha256_hex(*secret, strlen(*secret), hash) != 0) {
		free(*secret);
		*secret = NULL;
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "no invitation could be made");
	}
	a.detail = role;
	rc = store_invitation_insert(st, &inv, &a);
	if (rc == STORE_OK)
		rc = store_invitation_get(st, who->tenant_id, id, out);
	if (rc != STORE_OK) {
		free(*secret);
		*secret = NULL;
		return engine_store_fail(err, rc, "invitation");
	}
	return ENGINE_OK;
}

enum engine_result accounts_invitation_list(struct store *st,
					    const struct principal *who,
					    const char *after, size_t limit,
					    struct store_invitation_list *out,
					    struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return err->code;
	rc = store_invitation_list(st, who->tenant_id, after,
				   accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "invitation");
}

enum engine_result accounts_invitation_revoke(struct store *st,
					      const struct principal *who,
					      const char *id, int64_t now,
					      struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "invitation.revoke", "invitation", id, now);
	enum store_result rc;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(st, who, "invitation.revoke",
				       "invitation", id, now, err);
	rc = store_invitation_revoke(st, who->tenant_id, id, now, &a);
	if (rc == STORE_NOT_FOUND)
		return engine_fail(err, ENGINE_NOT_FOUND, NULL,
				   "no open invitation %s", id);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "invitation");
}

/* The invitation a token names, if it is still open at now. */
static enum engine_result invitation_open(struct store *st, const char *token,
					  int64_t now,
					  struct store_invitation *inv,
					  struct engine_error *err)
{
	char hash[DIGEST_HEX_LEN + 1];
	enum store_result rc;

	if (strlen(token) >= ACCOUNTS_SECRET_MAX + strlen(INVITATION_PREFIX) ||
	    digest_sha256_hex(token, strlen(token), hash) != 0)
		return engine_fail(err, ENGINE_NOT_FOUND, "token",
				   "the invitation is unknown, used, "
				   "withdrawn or expired");
	rc = store_invitation_find(st, hash, inv);
	if (rc == STORE_OK && (inv->accepted_at != 0 || inv->revoked_at != 0 ||
			       now >= inv->expires_at)) {
		store_invitation_free(inv);
		rc = STORE_NOT_FOUND;
	}
	if (rc == STORE_NOT_FOUND)
		return engine_fail(err, ENGINE_NOT_FOUND, "token",
				   "the invitation is unknown, used, "
				   "withdrawn or expired");
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "invitation");
}

/* Checks and hashes what makes the new user of an invitation. */
static enum engine_result invitation_new_user(const char *username,
					      const char *password,
					      struct store_user *u,
					      struct engine_error *err)
{
	if (username == NULL || password == NULL)
		return engine_fail(err, ENGINE_INVALID, "username",
				   "without a login, username and password "
				   "make the new user");
	if (accounts_username_check(username, err) != ENGINE_OK ||
	    accounts_password_check(password, "password", err) != ENGINE_OK)
		return err->code;
	if (rand_id(u->id, RAND_ID_LEN) != 0 ||
	    password_hash(password, &u->password_hash) != 0)
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the user could not be made");
	return ENGINE_OK;
}

enum engine_result accounts_invitation_accept(
    struct store *st, const struct principal *who, const char *token,
    const char *username, const char *password, const char *address,
    int64_t now, char tenant[RAND_ID_LEN + 1], struct engine_error *err)
{
	char user_id[RAND_ID_LEN + 1] = "";
	struct store_invitation inv;
	struct store_user fresh = {
	    .id = user_id, .username = (char *)username, .created_at = now};
	struct store_audit a = {.action = "invitation.accept",
				.object_type = "invitation",
				.address = address,
				.outcome = "success",
				.at = now};
	enum engine_result res = invitation_open(st, token, now, &inv, err);
	enum store_result rc;

	if (res != ENGINE_OK)
		return res;
	if (who == NULL)
		res = invitation_new_user(username, password, &fresh, err);
	if (res != ENGINE_OK) {
		store_invitation_free(&inv);
		return res;
	}
	a.tenant_id = inv.tenant_id;
	a.object_id = inv.id;
	a.actor_id = who != NULL ? who->user_id : user_id;
	a.actor_name = who != NULL ? who->username : username;
	a.detail = inv.role;
	rc = store_invitation_accept(st, inv.id, a.actor_id,
				     who == NULL ? &fresh : NULL, now, &a);
	snprintf(tenant, RAND_ID_LEN + 1, "%s", inv.tenant_id);
	store_invitation_free(&inv);
	free(fresh.password_hash);
	if (rc == STORE_NOT_FOUND)
		return engine_fail(err, ENGINE_NOT_FOUND, "token",
				   "the invitation is unknown, used, "
				   "withdrawn or expired");
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   who == NULL ? "the username is taken"
					       : "you are a member of that "
						 "tenant already");
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "invitation");
}
