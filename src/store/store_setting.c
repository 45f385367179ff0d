/* Server-wide settings: small named values shared by every node. */
#include <string.h>

#include "store/db.h"

enum store_result store_setting_get(struct store *st, const char *name,
				    uint8_t **value, size_t *len)
{
	const struct db_param p[] = {DB_TEXT(name)};
	struct db_rows rows;
	enum store_result rc = db_run(
	    st, "setting_get", "SELECT value FROM settings WHERE name = $1", p,
	    DB_N(p), &rows);

	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = db_blob_copy(&rows, 0, 0, value, len);
	db_rows_free(&rows);
	return rc;
}

enum store_result store_setting_insert(struct store *st, const char *name,
				       const uint8_t *value, size_t len)
{
	const struct db_param p[] = {DB_TEXT(name), DB_BLOB(value, len)};

	return db_run(st, "setting_insert",
		      "INSERT INTO settings (name, value) VALUES ($1, $2)", p,
		      DB_N(p), NULL);
}
