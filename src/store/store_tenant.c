/* Tenants: the organisations every other object belongs to. */
#include "store/db.h"

enum store_result store_tenant_insert(struct store *st,
				      const struct store_tenant *t)
{
	const struct db_param p[] = {DB_TEXT(t->id), DB_TEXT(t->name),
				     DB_INT(t->created_at)};

	return db_run(st, "tenant_insert",
		      "INSERT INTO tenants (id, name, created_at) VALUES ($1, "
		      "$2, $3)",
		      p, DB_N(p), NULL);
}

enum store_result store_tenant_count(struct store *st, int64_t *count)
{
	struct db_rows rows;
	enum store_result rc = db_run(
	    st, "tenant_count", "SELECT count(*) FROM tenants", NULL, 0, &rows);

	*count = db_int(&rows, 0, 0);
	db_rows_free(&rows);
	return rc;
}
