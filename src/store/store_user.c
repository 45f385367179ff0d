/* Users and their memberships of tenants. */
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/store_backend.h"

/* The columns user_read expects, from users u and memberships m. */
#define USER_COLUMNS                                                           \
	"u.id, m.tenant_id, u.username, u.password_hash, m.role, "             \
	"u.disabled, u.created_at"

enum store_result store_user_read(const struct db_rows *rows, size_t row,
				  size_t col, struct store_user *u)
{
	enum store_result rc = db_text_copy(rows, row, col, &u->id);

	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, col + 1, &u->tenant_id);
	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, col + 2, &u->username);
	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, col + 3, &u->password_hash);
	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, col + 4, &u->role);
	u->disabled = db_int(rows, row, col + 5) != 0;
	u->created_at = db_int(rows, row, col + 6);
	return rc;
}

static enum store_result user_insert_run(struct db_conn *c, void *arg)
{
	const struct store_user *u = arg;

	return store_user_insert_tx(c, u);
}

enum store_result store_user_insert_tx(struct db_conn *c,
				       const struct store_user *u)
{
	const struct db_param user[] = {
	    DB_TEXT(u->id), DB_TEXT(u->username), DB_TEXT(u->password_hash),
	    DB_INT(u->disabled), DB_INT(u->created_at)};
	const struct db_param member[] = {DB_TEXT(u->tenant_id), DB_TEXT(u->id),
					  DB_TEXT(u->role),
					  DB_INT(u->created_at)};
	enum store_result rc =
	    db_exec(c, "user_insert",
		    "INSERT INTO users (id, username, password_hash, "
		    "disabled, created_at) VALUES ($1, $2, $3, $4, $5)",
		    user, DB_N(user), NULL);

	if (rc == STORE_OK && u->tenant_id != NULL)
		rc = db_exec(c, "user_insert",
			     "INSERT INTO memberships (tenant_id, user_id, "
			     "role, created_at) VALUES ($1, $2, $3, $4)",
			     member, DB_N(member), NULL);
	return rc;
}

enum store_result store_user_insert(struct store *st,
				    const struct store_user *u,
				    const struct store_audit *a)
{
	return db_transact(st, "user_insert", user_insert_run, (void *)u, a);
}

/* Runs a select of USER_COLUMNS that finds at most one user. */
static enum store_result user_get_run(struct store *st, const char *sql,
				      const struct db_param *p, size_t n,
				      struct store_user *out)
{
	struct db_rows rows;
	enum store_result rc = db_run(st, "user_get", sql, p, n, &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = store_user_read(&rows, 0, 0, out);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_user_free(out);
	return rc;
}

enum store_result store_user_get(struct store *st, const char *tenant_id,
				 const char *user_id, struct store_user *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(user_id)};

	return user_get_run(st,
			    "SELECT " USER_COLUMNS
			    " FROM memberships m JOIN users u ON u.id = "
			    "m.user_id WHERE m.tenant_id = $1 AND u.id = $2",
			    p, DB_N(p), out);
}

enum store_result store_user_get_by_name(struct store *st,
					 const char *tenant_id,
					 const char *username,
					 struct store_user *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(username)};

	return user_get_run(st,
			    "SELECT " USER_COLUMNS
			    " FROM memberships m JOIN users u ON u.id = "
			    "m.user_id WHERE m.tenant_id = $1 AND "
			    "u.username = $2",
			    p, DB_N(p), out);
}

enum store_result store_user_find(struct store *st, const char *username,
				  struct store_user *out)
{
	const struct db_param p[] = {DB_TEXT(username)};

	return user_get_run(st,
			    "SELECT id, NULL, username, password_hash, NULL, "
			    "disabled, created_at FROM users WHERE username = "
			    "$1",
			    p, DB_N(p), out);
}

enum store_result store_user_list(struct store *st, const char *tenant_id,
				  const char *after, size_t limit,
				  struct store_user_list *out)
{
	size_t want =
	    limit == 0 || limit > STORE_LIST_MAX ? STORE_LIST_MAX : limit;
	const struct db_param p[] = {DB_TEXT(tenant_id),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)want + 1)};
	struct db_rows rows;
	enum store_result rc = db_run(
	    st, "user_list",
	    "SELECT " USER_COLUMNS " FROM memberships m JOIN users u ON u.id = "
	    "m.user_id WHERE m.tenant_id = $1 AND u.id > $2 ORDER BY u.id "
	    "LIMIT $3",
	    p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK &&
	    (out->items = calloc(rows.n_rows + 1, sizeof(*out->items))) == NULL)
		rc = STORE_ERROR;
	for (size_t i = 0; rc == STORE_OK && i < rows.n_rows && i < want; i++)
		rc = store_user_read(&rows, i, 0, &out->items[out->n++]);
	out->has_more = rows.n_rows > want;
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_user_list_free(out);
	return rc;
}

struct user_change {
	const char *tenant_id, *user_id, *role;
	int disabled;
};

static enum store_result user_update_run(struct db_conn *c, void *arg)
{
	const struct user_change *u = arg;
	const struct db_param member[] = {
	    DB_TEXT(u->tenant_id), DB_TEXT(u->user_id), DB_TEXT(u->role)};
	const struct db_param user[] = {DB_TEXT(u->user_id),
					DB_INT(u->disabled)};
	struct db_rows rows;
	enum store_result rc =
	    db_exec(c, "user_update",
		    "UPDATE memberships SET role = coalesce($3, role) WHERE "
		    "tenant_id = $1 AND user_id = $2",
		    member, DB_N(member), &rows);

	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	if (rc == STORE_OK && u->disabled >= 0)
		rc = db_exec(c, "user_update",
			     "UPDATE users SET disabled = $2 WHERE id = $1",
			     user, DB_N(user), NULL);
	if (rc == STORE_OK && u->disabled == 1)
		rc = db_exec(c, "user_update",
			     "DELETE FROM sessions WHERE user_id = $1", user, 1,
			     NULL);
	return rc;
}

enum store_result store_user_update(struct store *st, const char *tenant_id,
				    const char *user_id, const char *role,
				    int disabled, const struct store_audit *a)
{
	struct user_change u = {tenant_id, user_id, role, disabled};

	return db_transact(st, "user_update", user_update_run, &u, a);
}

struct user_removal {
	const char *tenant_id, *user_id;
	int64_t now;
};

static enum store_result user_remove_run(struct db_conn *c, void *arg)
{
	const struct user_removal *u = arg;
	const struct db_param p[] = {DB_TEXT(u->tenant_id), DB_TEXT(u->user_id),
				     DB_INT(u->now)};
	struct db_rows rows;
	enum store_result rc =
	    db_exec(c, "user_remove",
		    "DELETE FROM memberships WHERE tenant_id = $1 AND "
		    "user_id = $2",
		    p, 2, &rows);

	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	if (rc == STORE_OK)
		rc = db_exec(c, "user_remove",
			     "DELETE FROM sessions WHERE tenant_id = $1 AND "
			     "user_id = $2",
			     p, 2, NULL);
	if (rc == STORE_OK)
		rc = db_exec(c, "user_remove",
			     "UPDATE api_tokens SET revoked_at = $3 WHERE "
			     "tenant_id = $1 AND user_id = $2 AND revoked_at "
			     "IS NULL",
			     p, DB_N(p), NULL);
	return rc;
}

enum store_result store_user_remove(struct store *st, const char *tenant_id,
				    const char *user_id, int64_t now,
				    const struct store_audit *a)
{
	struct user_removal u = {tenant_id, user_id, now};

	return db_transact(st, "user_remove", user_remove_run, &u, a);
}

struct password_change {
	const char *user_id, *hash, *keep;
};

static enum store_result password_set_run(struct db_conn *c, void *arg)
{
	const struct password_change *pc = arg;
	const struct db_param user[] = {DB_TEXT(pc->user_id),
					DB_TEXT(pc->hash)};
	const struct db_param sessions[] = {
	    DB_TEXT(pc->user_id), DB_TEXT(pc->keep != NULL ? pc->keep : "")};
	struct db_rows rows;
	enum store_result rc =
	    db_exec(c, "user_password",
		    "UPDATE users SET password_hash = $2 WHERE id = $1", user,
		    DB_N(user), &rows);

	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	if (rc == STORE_OK)
		rc = db_exec(c, "user_password",
			     "DELETE FROM sessions WHERE user_id = $1 AND "
			     "id_hash <> $2",
			     sessions, DB_N(sessions), NULL);
	return rc;
}

enum store_result store_user_password_set(struct store *st, const char *user_id,
					  const char *password_hash,
					  const char *keep_session,
					  const struct store_audit *a)
{
	struct password_change pc = {user_id, password_hash, keep_session};

	return db_transact(st, "user_password", password_set_run, &pc, a);
}

void store_user_free(struct store_user *u)
{
	if (u == NULL)
		return;
	free(u->id);
	free(u->tenant_id);
	free(u->username);
	free(u->password_hash);
	free(u->role);
	memset(u, 0, sizeof(*u));
}

void store_user_list_free(struct store_user_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_user_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
