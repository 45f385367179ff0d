/* Users and their role in a tenant. */
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

enum store_result store_user_insert(struct store *st,
				    const struct store_user *u)
{
	const struct db_param p[] = {
	    DB_TEXT(u->id),	  DB_TEXT(u->tenant_id),
	    DB_TEXT(u->username), DB_TEXT(u->password_hash),
	    DB_TEXT(u->role),	  DB_INT(u->created_at)};

	return db_run(st, "user_insert",
		      "INSERT INTO users (id, tenant_id, username, "
		      "password_hash, role, created_at) VALUES ($1, $2, $3, "
		      "$4, $5, $6)",
		      p, DB_N(p), NULL);
}

enum store_result store_user_get_by_name(struct store *st,
					 const char *tenant_id,
					 const char *username,
					 struct store_user *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(username)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "user_get_by_name",
		   "SELECT id, tenant_id, username, password_hash, role, "
		   "created_at FROM users WHERE tenant_id = $1 AND "
		   "username = $2",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 0, &out->id);
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 1, &out->tenant_id);
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 2, &out->username);
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 3, &out->password_hash);
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 4, &out->role);
	out->created_at = db_int(&rows, 0, 5);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_user_free(out);
	return rc;
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
