/*
 * Invitations: one-time offers to join a tenant with a role. The store
 * keeps only the hash of an invitation's token; accepting one creates
 * the membership (and the user, when new) in one transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store_backend.h"

/* The columns every read selects, in the order invitation_read takes. */
#define INVITATION_COLUMNS                                                     \
	"id, tenant_id, role, note, secret_hash, created_by, accepted_by, "    \
	"created_at, expires_at, accepted_at, revoked_at"

/* Fills out from row of rows, selected with INVITATION_COLUMNS. */
static enum store_result invitation_read(const struct db_rows *rows, size_t row,
					 void *item)
{
	struct store_invitation *out = item;
	char **text[] = {&out->id,	   &out->tenant_id,   &out->role,
			 &out->note,	   &out->secret_hash, &out->created_by,
			 &out->accepted_by};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	out->created_at = db_int(rows, row, 7);
	out->expires_at = db_int(rows, row, 8);
	out->accepted_at = db_int(rows, row, 9);
	out->revoked_at = db_int(rows, row, 10);
	if (rc != STORE_OK)
		store_invitation_free(out);
	return rc;
}

/* The one invitation that sql selects with p, or STORE_NOT_FOUND. */
static enum store_result invitation_select(struct store *st, const char *op,
					   const char *sql,
					   const struct db_param *p, size_t n,
					   struct store_invitation *out)
{
	struct db_rows rows;
	enum store_result rc = db_run(st, op, sql, p, n, &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = invitation_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

enum store_result store_invitation_insert(struct store *st,
					  const struct store_invitation *inv,
					  const struct store_audit *a)
{
	const struct db_param p[] = {
	    DB_TEXT(inv->id),	       DB_TEXT(inv->tenant_id),
	    DB_TEXT(inv->role),	       DB_TEXT(inv->note),
	    DB_TEXT(inv->secret_hash), DB_TEXT(inv->created_by),
	    DB_INT(inv->created_at),   DB_INT(inv->expires_at),
	    db_time(inv->accepted_at), DB_TEXT(inv->accepted_by),
	    db_time(inv->revoked_at)};

	return db_run_audited(st, "invitation_insert",
			      "INSERT INTO invitations (id, tenant_id, role, "
			      "note, secret_hash, created_by, created_at, "
			      "expires_at, accepted_at, accepted_by, "
			      "revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
			      "$8, $9, $10, $11)",
			      p, DB_N(p), 0, a);
}

enum store_result store_invitation_get(struct store *st, const char *tenant_id,
				       const char *id,
				       struct store_invitation *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};

	return invitation_select(st, "invitation_get",
				 "SELECT " INVITATION_COLUMNS
				 " FROM invitations WHERE tenant_id = $1 AND "
				 "id = $2",
				 p, DB_N(p), out);
}

/* Whatever its state: the caller checks that it is still open. */
enum store_result store_invitation_find(struct store *st,
					const char *secret_hash,
					struct store_invitation *out)
{
	const struct db_param p[] = {DB_TEXT(secret_hash)};

	return invitation_select(st, "invitation_find",
				 "SELECT " INVITATION_COLUMNS
				 " FROM invitations WHERE secret_hash = $1",
				 p, DB_N(p), out);
}

enum store_result store_invitation_list(struct store *st, const char *tenant_id,
					const char *after, size_t limit,
					struct store_invitation_list *out)
{
	size_t max = db_limit(limit);
	/* One row more than asked tells whether a next page exists. */
	const struct db_param p[] = {DB_TEXT(tenant_id),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)max + 1)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "invitation_list",
		   "SELECT " INVITATION_COLUMNS " FROM invitations WHERE "
		   "tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc = db_rows_page(&rows, max, sizeof(*out->items),
				  invitation_read, (void **)&out->items,
				  &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_invitation_list_free(out);
	return rc;
}

enum store_result store_invitation_revoke(struct store *st,
					  const char *tenant_id, const char *id,
					  int64_t now,
					  const struct store_audit *a)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id),
				     DB_INT(now)};

	return db_run_audited(st, "invitation_revoke",
			      "UPDATE invitations SET revoked_at = $3 WHERE "
			      "tenant_id = $1 AND id = $2 AND accepted_at IS "
			      "NULL AND revoked_at IS NULL",
			      p, DB_N(p), 1, a);
}

/*
 * Marks the invitation accepted at now if it is open, and reads the
 * tenant and role it grants into tenant_id and role (the caller frees
 * them). The update comes first so that it holds the row's lock.
 */
static enum store_result invitation_claim(struct db_conn *c, const char *id,
					  int64_t now, char **tenant_id,
					  char **role)
{
	const struct db_param p[] = {DB_TEXT(id), DB_INT(now)};
	struct db_rows rows;
	enum store_result rc =
	    db_exec(c, "invitation_accept",
		    "UPDATE invitations SET accepted_at = $2 WHERE id = $1 AND "
		    "accepted_at IS NULL AND revoked_at IS NULL AND "
		    "expires_at > $2",
		    p, DB_N(p), &rows);

	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	if (rc == STORE_OK)
		rc = db_exec(c, "invitation_accept",
			     "SELECT tenant_id, role FROM invitations WHERE "
			     "id = $1",
			     p, 1, &rows);
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 0, tenant_id);
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 1, role);
	db_rows_free(&rows);
	return rc;
}

/* Creates the membership and records who took the invitation. */
static enum store_result membership_create(struct db_conn *c,
					   const char *invitation_id,
					   const char *tenant_id,
					   const char *user_id,
					   const char *role, int64_t now)
{
	const struct db_param m[] = {DB_TEXT(tenant_id), DB_TEXT(user_id),
				     DB_TEXT(role), DB_INT(now)};
	const struct db_param inv[] = {DB_TEXT(invitation_id),
				       DB_TEXT(user_id)};
	enum store_result rc =
	    db_exec(c, "invitation_accept",
		    "INSERT INTO memberships (tenant_id, user_id, role, "
		    "created_at) VALUES ($1, $2, $3, $4)",
		    m, DB_N(m), NULL);

	if (rc == STORE_OK)
		rc = db_exec(c, "invitation_accept",
			     "UPDATE invitations SET accepted_by = $2 WHERE "
			     "id = $1",
			     inv, DB_N(inv), NULL);
	return rc;
}

/* What store_invitation_accept was given. */
struct invitation_accept {
	const char *id, *user_id;
	const struct store_user *new_user;
	int64_t now;
};

/*
 * The invitation is claimed before the user is created, so a closed
 * invitation is STORE_NOT_FOUND whatever else is wrong.
 */
static enum store_result invitation_accept_run(struct db_conn *c, void *arg)
{
	const struct invitation_accept *x = arg;
	struct store_user user;
	char *tenant_id = NULL, *role = NULL;
	enum store_result rc =
	    invitation_claim(c, x->id, x->now, &tenant_id, &role);

	if (rc == STORE_OK && x->new_user != NULL) {
		/* The user alone: the membership is the invitation's. */
		user = *x->new_user;
		user.tenant_id = NULL;
		rc = store_user_insert_tx(c, &user);
	}
	if (rc == STORE_OK)
		rc = membership_create(c, x->id, tenant_id, x->user_id, role,
				       x->now);
	free(tenant_id);
	free(role);
	return rc;
}

/* new_user->id must be user_id. */
enum store_result
store_invitation_accept(struct store *st, const char *invitation_id,
			const char *user_id, const struct store_user *new_user,
			int64_t now, const struct store_audit *a)
{
	struct invitation_accept x = {invitation_id, user_id, new_user, now};

	if (new_user != NULL &&
	    (new_user->id == NULL || strcmp(new_user->id, user_id) != 0)) {
		log_event(LOG_ERROR, "store.error",
			  "op=invitation_accept error=\"the new user's id is "
			  "not the accepting user's\"");
		return STORE_ERROR;
	}
	return db_transact(st, "invitation_accept", invitation_accept_run, &x,
			   a);
}

void store_invitation_free(struct store_invitation *inv)
{
	if (inv == NULL)
		return;
	free(inv->id);
	free(inv->tenant_id);
	free(inv->role);
	free(inv->note);
	free(inv->secret_hash);
	free(inv->created_by);
	free(inv->accepted_by);
	memset(inv, 0, sizeof(*inv));
}

void store_invitation_list_free(struct store_invitation_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_invitation_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
