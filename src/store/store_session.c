/* Login sessions, found by the hash of their cookie. */
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/store_backend.h"

enum store_result store_session_insert(struct store *st,
				       const struct store_session *s,
				       const struct store_audit *a)
{
	const struct db_param p[] = {
	    DB_TEXT(s->id_hash),   DB_TEXT(s->tenant_id),
	    DB_TEXT(s->user_id),   DB_TEXT(s->csrf),
	    DB_INT(s->created_at), DB_INT(s->last_seen_at),
	    DB_INT(s->expires_at)};

	return db_run_audited(st, "session_insert",
			      "INSERT INTO sessions (id_hash, tenant_id, "
			      "user_id, csrf, created_at, last_seen_at, "
			      "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
			      p, DB_N(p), 0, a);
}

enum store_result store_session_get(struct store *st, const char *id_hash,
				    struct store_session *out,
				    struct store_user *user)
{
	const struct db_param p[] = {DB_TEXT(id_hash)};
	struct db_rows rows;
	enum store_result rc = db_run(
	    st, "session_get",
	    "SELECT s.id_hash, s.tenant_id, s.user_id, s.csrf, s.created_at, "
	    "s.last_seen_at, s.expires_at, u.id, m.tenant_id, u.username, "
	    "u.password_hash, m.role, u.disabled, u.created_at FROM sessions "
	    "s JOIN memberships m ON m.tenant_id = s.tenant_id AND m.user_id "
	    "= s.user_id JOIN users u ON u.id = s.user_id WHERE s.id_hash = "
	    "$1",
	    p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	memset(user, 0, sizeof(*user));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 0, &out->id_hash);
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 1, &out->tenant_id);
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 2, &out->user_id);
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 3, &out->csrf);
	out->created_at = db_int(&rows, 0, 4);
	out->last_seen_at = db_int(&rows, 0, 5);
	out->expires_at = db_int(&rows, 0, 6);
	if (rc == STORE_OK)
		rc = store_user_read(&rows, 0, 7, user);
	db_rows_free(&rows);
	if (rc != STORE_OK) {
		store_session_free(out);
		store_user_free(user);
	}
	return rc;
}

enum store_result store_session_touch(struct store *st, const char *id_hash,
				      int64_t now, int64_t slack)
{
	const struct db_param p[] = {DB_TEXT(id_hash), DB_INT(now),
				     DB_INT(now - slack)};

	return db_run(st, "session_touch",
		      "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = "
		      "$1 AND last_seen_at <= $3",
		      p, DB_N(p), NULL);
}

enum store_result store_session_delete(struct store *st, const char *id_hash,
				       const struct store_audit *a)
{
	const struct db_param p[] = {DB_TEXT(id_hash)};

	return db_run_audited(st, "session_delete",
			      "DELETE FROM sessions WHERE id_hash = $1", p,
			      DB_N(p), 1, a);
}

void store_session_free(struct store_session *s)
{
	if (s == NULL)
		return;
	free(s->id_hash);
	free(s->tenant_id);
	free(s->user_id);
	free(s->csrf);
	memset(s, 0, sizeof(*s));
}
