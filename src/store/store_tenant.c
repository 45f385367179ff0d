/* Tenants: the organisations every other object belongs to. */
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

enum store_result store_tenant_insert(struct store *st,
				      const struct store_tenant *t,
				      const struct store_audit *a)
{
	const struct db_param p[] = {DB_TEXT(t->id), DB_TEXT(t->name),
				     DB_INT(t->created_at)};

	return db_run_audited(st, "tenant_insert",
			      "INSERT INTO tenants (id, name, created_at) "
			      "VALUES ($1, $2, $3)",
			      p, DB_N(p), 0, a);
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

/* Columns id, name, created_at and (may be absent) role of a row. */
static enum store_result tenant_read(const struct db_rows *rows, size_t row,
				     struct store_tenant *t)
{
	enum store_result rc = db_text_copy(rows, row, 0, &t->id);

	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, 1, &t->name);
	t->created_at = db_int(rows, row, 2);
	if (rc == STORE_OK && rows->n_cols > 3)
		rc = db_text_copy(rows, row, 3, &t->role);
	return rc;
}

enum store_result store_tenant_get_by_name(struct store *st, const char *name,
					   struct store_tenant *out)
{
	const struct db_param p[] = {DB_TEXT(name)};
	struct db_rows rows;
	enum store_result rc = db_run(st, "tenant_get",
				      "SELECT id, name, created_at FROM "
				      "tenants WHERE name = $1",
				      p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = tenant_read(&rows, 0, out);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_tenant_free(out);
	return rc;
}

static enum store_result tenant_list_read(const struct db_rows *rows,
					  struct store_tenant_list *out)
{
	enum store_result rc = STORE_OK;

	out->items = calloc(rows->n_rows + 1, sizeof(*out->items));
	if (out->items == NULL)
		return STORE_ERROR;
	for (size_t i = 0; i < rows->n_rows && rc == STORE_OK; i++, out->n++)
		rc = tenant_read(rows, i, &out->items[i]);
	return rc;
}

/* Runs a statement that selects tenants, into out. */
static enum store_result tenant_list_run(struct store *st, const char *sql,
					 const struct db_param *p, size_t n,
					 struct store_tenant_list *out)
{
	struct db_rows rows;
	enum store_result rc = db_run(st, "tenant_list", sql, p, n, &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc = tenant_list_read(&rows, out);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_tenant_list_free(out);
	return rc;
}

enum store_result store_tenant_list(struct store *st,
				    struct store_tenant_list *out)
{
	return tenant_list_run(st,
			       "SELECT id, name, created_at FROM tenants "
			       "ORDER BY name",
			       NULL, 0, out);
}

enum store_result store_tenant_list_of_user(struct store *st,
					    const char *user_id,
					    struct store_tenant_list *out)
{
	const struct db_param p[] = {DB_TEXT(user_id)};

	return tenant_list_run(
	    st,
	    "SELECT t.id, t.name, t.created_at, m.role FROM memberships m "
	    "JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = $1 "
	    "ORDER BY m.created_at, t.name",
	    p, DB_N(p), out);
}

void store_tenant_free(struct store_tenant *t)
{
	if (t == NULL)
		return;
	free(t->id);
	free(t->name);
	free(t->role);
	memset(t, 0, sizeof(*t));
}

void store_tenant_list_free(struct store_tenant_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_tenant_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
