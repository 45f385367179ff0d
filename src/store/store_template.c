/*
 * Certificate templates: what a CA issues to whom, kept as one JSON
 * document that the engine reads. A template goes only when none of
 * its certificates is still in force.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store_backend.h"

/* The columns every read selects, in the order template_read takes. */
#define TEMPLATE_COLUMNS                                                       \
	"id, tenant_id, ca_id, name, settings, created_at, updated_at"

/* Fills out from row of rows, selected with TEMPLATE_COLUMNS. */
static enum store_result template_read(const struct db_rows *rows, size_t row,
				       void *item)
{
	struct store_template *out = item;
	char **text[] = {&out->id, &out->tenant_id, &out->ca_id, &out->name,
			 &out->settings};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	out->created_at = db_int(rows, row, 5);
	out->updated_at = db_int(rows, row, 6);
	if (rc != STORE_OK)
		store_template_free(out);
	return rc;
}

/* A template's CA must be the tenant's: else STORE_NOT_FOUND. */
static enum store_result template_insert_run(struct db_conn *c, void *arg)
{
	const struct store_template *t = arg;
	const struct db_param ca[] = {DB_TEXT(t->tenant_id), DB_TEXT(t->ca_id)};
	const struct db_param p[] = {
	    DB_TEXT(t->id),	  DB_TEXT(t->tenant_id), DB_TEXT(t->ca_id),
	    DB_TEXT(t->name),	  DB_TEXT(t->settings),	 DB_INT(t->created_at),
	    DB_INT(t->updated_at)};
	struct db_rows rows;
	enum store_result rc = db_exec(c, "template_insert",
				       "SELECT count(*) FROM cas WHERE "
				       "tenant_id = $1 AND id = $2",
				       ca, DB_N(ca), &rows);

	if (rc == STORE_OK && db_int(&rows, 0, 0) == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	if (rc == STORE_OK)
		rc = db_exec(c, "template_insert",
			     "INSERT INTO templates (id, tenant_id, ca_id, "
			     "name, settings, created_at, updated_at) VALUES "
			     "($1, $2, $3, $4, $5, $6, $7)",
			     p, DB_N(p), NULL);
	return rc;
}

enum store_result store_template_insert(struct store *st,
					const struct store_template *t,
					const struct store_audit *a)
{
	return db_transact(st, "template_insert", template_insert_run,
			   (void *)t, a);
}

enum store_result store_template_get(struct store *st, const char *tenant_id,
				     const char *id, struct store_template *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "template_get",
		   "SELECT " TEMPLATE_COLUMNS " FROM templates WHERE "
		   "tenant_id = $1 AND id = $2",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = template_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

enum store_result store_template_find(struct store *st, const char *id,
				      struct store_template *out)
{
	const struct db_param p[] = {DB_TEXT(id)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "template_find",
		   "SELECT " TEMPLATE_COLUMNS " FROM templates WHERE "
		   "id = $1",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = template_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

enum store_result store_template_list(struct store *st, const char *tenant_id,
				      const char *ca_id, const char *after,
				      size_t limit,
				      struct store_template_list *out)
{
	size_t max = db_limit(limit);
	/* One row more than asked tells whether a next page exists. */
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(ca_id),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)max + 1)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "template_list",
		   "SELECT " TEMPLATE_COLUMNS " FROM templates WHERE "
		   "tenant_id = $1 AND (CAST($2 AS TEXT) IS NULL OR ca_id = "
		   "CAST($2 AS TEXT)) AND id > $3 ORDER BY id LIMIT $4",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc =
		    db_rows_page(&rows, max, sizeof(*out->items), template_read,
				 (void **)&out->items, &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_template_list_free(out);
	return rc;
}

/* Also sets updated_at; a name taken for the CA is STORE_CONFLICT. */
enum store_result store_template_update(struct store *st,
					const struct store_template *t,
					const struct store_audit *a)
{
	const struct db_param p[] = {DB_TEXT(t->tenant_id), DB_TEXT(t->id),
				     DB_TEXT(t->name), DB_TEXT(t->settings),
				     DB_INT(t->updated_at)};

	return db_run_audited(st, "template_update",
			      "UPDATE templates SET name = $3, settings = $4, "
			      "updated_at = $5 WHERE tenant_id = $1 AND id = "
			      "$2",
			      p, DB_N(p), 1, a);
}

/* The tenant, id and time of a template's deletion. */
struct template_delete {
	struct db_param p[3];
};

/*
 * A certificate on hold may yet be released, so it keeps the template
 * as much as an unrevoked one does; an ACME policy that signs with it
 * keeps it too.
 */
static enum store_result template_in_use(struct db_conn *c,
					 const struct template_delete *d)
{
	struct db_rows rows;
	enum store_result rc = db_exec(
	    c, "template_delete",
	    "SELECT (SELECT count(*) FROM templates WHERE tenant_id = $1 AND "
	    "id = $2), (SELECT count(*) FROM certificates WHERE tenant_id = "
	    "$1 AND template_id = $2 AND not_after > $3 AND (revoked_at IS "
	    "NULL OR revocation_reason = 'certificateHold')), (SELECT "
	    "count(*) FROM acme_policies WHERE tenant_id = $1 AND "
	    "template_id = $2)",
	    d->p, DB_N(d->p), &rows);

	if (rc == STORE_OK && db_int(&rows, 0, 0) == 0)
		rc = STORE_NOT_FOUND;
	else if (rc == STORE_OK &&
		 (db_int(&rows, 0, 1) > 0 || db_int(&rows, 0, 2) > 0))
		rc = STORE_CONFLICT;
	db_rows_free(&rows);
	return rc;
}

static enum store_result template_delete_run(struct db_conn *c, void *arg)
{
	static const char *const steps[] = {
	    "DELETE FROM requests WHERE tenant_id = $1 AND template_id = $2",
	    "UPDATE certificates SET template_id = NULL WHERE tenant_id = $1 "
	    "AND template_id = $2",
	};
	const struct template_delete *d = arg;
	struct db_rows rows;
	enum store_result rc = template_in_use(c, d);

	for (size_t i = 0; i < DB_N(steps) && rc == STORE_OK; i++)
		rc = db_exec(c, "template_delete", steps[i], d->p, 2, NULL);
	if (rc != STORE_OK)
		return rc;
	rc = db_exec(c, "template_delete",
		     "DELETE FROM templates WHERE tenant_id = $1 AND id = $2",
		     d->p, 2, &rows);
	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	return rc;
}

enum store_result store_template_delete(struct store *st, const char *tenant_id,
					const char *id, int64_t now,
					const struct store_audit *a)
{
	struct template_delete d = {
	    {DB_TEXT(tenant_id), DB_TEXT(id), DB_INT(now)}};

	return db_transact(st, "template_delete", template_delete_run, &d, a);
}

void store_template_free(struct store_template *t)
{
	if (t == NULL)
		return;
	free(t->id);
	free(t->tenant_id);
	free(t->ca_id);
	free(t->name);
	free(t->settings);
	memset(t, 0, sizeof(*t));
}

void store_template_list_free(struct store_template_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_template_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
