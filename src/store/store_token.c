/*
 * API tokens: credentials for scripts, each bound to a user, a tenant
 * and a role. The store keeps only the hash of a token's secret half.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store_backend.h"

/* The columns every read selects, in the order token_read takes them. */
#define TOKEN_COLUMNS                                                          \
	"t.id, t.tenant_id, t.user_id, u.username, t.name, t.role, "           \
	"t.secret_hash, t.created_at, t.expires_at, t.last_used_at, "          \
	"t.revoked_at"
#define TOKEN_N_COLUMNS 11

/* Fills out from row of rows, selected with TOKEN_COLUMNS first. */
static enum store_result token_read(const struct db_rows *rows, size_t row,
				    void *item)
{
	struct store_token *out = item;
	char **text[] = {&out->id,	   &out->tenant_id, &out->user_id,
			 &out->username,   &out->name,	    &out->role,
			 &out->secret_hash};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	out->created_at = db_int(rows, row, 7);
	out->expires_at = db_int(rows, row, 8);
	out->last_used_at = db_int(rows, row, 9);
	out->revoked_at = db_int(rows, row, 10);
	if (rc != STORE_OK)
		store_token_free(out);
	return rc;
}

enum store_result store_token_insert(struct store *st,
				     const struct store_token *t,
				     const struct store_audit *a)
{
	const struct db_param p[] = {
	    DB_TEXT(t->id),	      DB_TEXT(t->tenant_id),
	    DB_TEXT(t->user_id),      DB_TEXT(t->name),
	    DB_TEXT(t->role),	      DB_TEXT(t->secret_hash),
	    DB_INT(t->created_at),    db_time(t->expires_at),
	    db_time(t->last_used_at), db_time(t->revoked_at)};

	return db_run_audited(st, "token_insert",
			      "INSERT INTO api_tokens (id, tenant_id, user_id, "
			      "name, role, secret_hash, created_at, "
			      "expires_at, last_used_at, revoked_at) VALUES "
			      "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
			      p, DB_N(p), 0, a);
}

enum store_result store_token_get(struct store *st, const char *tenant_id,
				  const char *id, struct store_token *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "token_get",
		   "SELECT " TOKEN_COLUMNS " FROM api_tokens t JOIN users u "
		   "ON u.id = t.user_id WHERE t.tenant_id = $1 AND t.id = $2",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = token_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

/* The token whatever its state: the caller checks expiry and revocation. */
enum store_result store_token_find(struct store *st, const char *id,
				   struct store_token *out,
				   struct store_user *user)
{
	const struct db_param p[] = {DB_TEXT(id)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "token_find",
		   "SELECT " TOKEN_COLUMNS ", u.id, m.tenant_id, u.username, "
		   "u.password_hash, m.role, u.disabled, u.created_at "
		   "FROM api_tokens t JOIN users u ON u.id = t.user_id "
		   "JOIN memberships m ON m.tenant_id = t.tenant_id AND "
		   "m.user_id = t.user_id WHERE t.id = $1",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	memset(user, 0, sizeof(*user));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = token_read(&rows, 0, out);
	if (rc == STORE_OK)
		rc = store_user_read(&rows, 0, TOKEN_N_COLUMNS, user);
	if (rc != STORE_OK) {
		store_token_free(out);
		store_user_free(user);
	}
	db_rows_free(&rows);
	return rc;
}

enum store_result store_token_list(struct store *st, const char *tenant_id,
				   const char *user_id, const char *after,
				   size_t limit, struct store_token_list *out)
{
	size_t max = db_limit(limit);
	/* One row more than asked tells whether a next page exists. */
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(user_id),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)max + 1)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "token_list",
		   "SELECT " TOKEN_COLUMNS " FROM api_tokens t JOIN users u "
		   "ON u.id = t.user_id WHERE t.tenant_id = $1 AND "
		   "(CAST($2 AS TEXT) IS NULL OR t.user_id = CAST($2 AS "
		   "TEXT)) AND t.id > $3 ORDER BY t.id LIMIT $4",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc =
		    db_rows_page(&rows, max, sizeof(*out->items), token_read,
				 (void **)&out->items, &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_token_list_free(out);
	return rc;
}

/* The tenant, id and time of a revocation. */
struct token_revoke {
	struct db_param p[3];
};

static enum store_result token_revoke_run(struct db_conn *c, void *arg)
{
	const struct token_revoke *r = arg;
	struct db_rows rows;
	enum store_result rc =
	    db_exec(c, "token_revoke",
		    "UPDATE api_tokens SET revoked_at = $3 WHERE tenant_id = "
		    "$1 AND id = $2 AND revoked_at IS NULL",
		    r->p, DB_N(r->p), &rows);

	if (rc == STORE_OK && rows.changes == 0) {
		/* Nothing matched: no such token, or revoked already. */
		db_rows_free(&rows);
		rc = db_exec(c, "token_revoke",
			     "SELECT count(*) FROM api_tokens WHERE tenant_id "
			     "= $1 AND id = $2",
			     r->p, 2, &rows);
		if (rc == STORE_OK)
			rc = db_int(&rows, 0, 0) > 0 ? STORE_CONFLICT
						     : STORE_NOT_FOUND;
	}
	db_rows_free(&rows);
	return rc;
}

enum store_result store_token_revoke(struct store *st, const char *tenant_id,
				     const char *id, int64_t now,
				     const struct store_audit *a)
{
	struct token_revoke r = {
	    {DB_TEXT(tenant_id), DB_TEXT(id), DB_INT(now)}};

	return db_transact(st, "token_revoke", token_revoke_run, &r, a);
}

/* OK also when the use was recorded recently, or there is no such token. */
enum store_result store_token_touch(struct store *st, const char *id,
				    int64_t now, int64_t slack)
{
	const struct db_param p[] = {DB_TEXT(id), DB_INT(now),
				     DB_INT(now - slack)};

	return db_run(st, "token_touch",
		      "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 "
		      "AND (last_used_at IS NULL OR last_used_at <= $3)",
		      p, DB_N(p), NULL);
}

void store_token_free(struct store_token *t)
{
	if (t == NULL)
		return;
	free(t->id);
	free(t->tenant_id);
	free(t->user_id);
	free(t->username);
	free(t->name);
	free(t->role);
	free(t->secret_hash);
	memset(t, 0, sizeof(*t));
}

void store_token_list_free(struct store_token_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_token_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
