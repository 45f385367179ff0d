/*
 * ACME policies: which template (and so which CA) signs for the ACME
 * accounts bound to a policy, and the domains it authorises without a
 * challenge. A policy goes only while no account is bound to it; its
 * EABs go with it.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"

/* The columns every read selects, in the order policy_read takes. */
#define POLICY_COLUMNS                                                         \
	"id, tenant_id, ca_id, template_id, name, domains, created_at"

/* Fills out from row of rows, selected with POLICY_COLUMNS. */
static enum store_result policy_read(const struct db_rows *rows, size_t row,
				     void *item)
{
	struct store_acme_policy *out = item;
	char **text[] = {&out->id,	    &out->tenant_id, &out->ca_id,
			 &out->template_id, &out->name,	     &out->domains};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	out->created_at = db_int(rows, row, 6);
	if (rc != STORE_OK)
		store_acme_policy_free(out);
	return rc;
}

/*
 * The CA of the tenant's template template_id, into *ca_id (a new
 * string): STORE_NOT_FOUND when the template is not the tenant's.
 */
static enum store_result policy_template_ca(struct db_conn *c, const char *op,
					    const char *tenant_id,
					    const char *template_id,
					    char **ca_id)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(template_id)};
	struct db_rows rows;
	enum store_result rc = db_exec(c, op,
				       "SELECT ca_id FROM templates WHERE "
				       "tenant_id = $1 AND id = $2",
				       p, DB_N(p), &rows);

	*ca_id = NULL;
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 0, ca_id);
	db_rows_free(&rows);
	return rc;
}

/* The template must be the tenant's; the policy takes its CA. */
static enum store_result policy_insert_run(struct db_conn *c, void *arg)
{
	const struct store_acme_policy *p = arg;
	char *ca_id = NULL;
	enum store_result rc = policy_template_ca(
	    c, "acme_policy_insert", p->tenant_id, p->template_id, &ca_id);

	if (rc == STORE_OK) {
		const struct db_param v[] = {
		    DB_TEXT(p->id),	  DB_TEXT(p->tenant_id),
		    DB_TEXT(ca_id),	  DB_TEXT(p->template_id),
		    DB_TEXT(p->name),	  DB_TEXT(p->domains),
		    DB_INT(p->created_at)};

		rc = db_exec(c, "acme_policy_insert",
			     "INSERT INTO acme_policies (id, tenant_id, ca_id, "
			     "template_id, name, domains, created_at) VALUES "
			     "($1, $2, $3, $4, $5, $6, $7)",
			     v, DB_N(v), NULL);
	}
	free(ca_id);
	return rc;
}

enum store_result store_acme_policy_insert(struct store *st,
					   const struct store_acme_policy *p,
					   const struct store_audit *a)
{
	return db_transact(st, "acme_policy_insert", policy_insert_run,
			   (void *)p, a);
}

/* One policy selected by sql with params p; STORE_NOT_FOUND for none. */
static enum store_result policy_select(struct store *st, const char *op,
				       const char *sql,
				       const struct db_param *p, size_t n,
				       struct store_acme_policy *out)
{
	struct db_rows rows;
	enum store_result rc = db_run(st, op, sql, p, n, &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = policy_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

enum store_result store_acme_policy_get(struct store *st, const char *tenant_id,
					const char *id,
					struct store_acme_policy *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};

	return policy_select(st, "acme_policy_get",
			     "SELECT " POLICY_COLUMNS " FROM acme_policies "
			     "WHERE tenant_id = $1 AND id = $2",
			     p, DB_N(p), out);
}

enum store_result store_acme_policy_find(struct store *st, const char *id,
					 struct store_acme_policy *out)
{
	const struct db_param p[] = {DB_TEXT(id)};

	return policy_select(st, "acme_policy_find",
			     "SELECT " POLICY_COLUMNS " FROM acme_policies "
			     "WHERE id = $1",
			     p, DB_N(p), out);
}

enum store_result store_acme_policy_list(struct store *st,
					 const char *tenant_id,
					 const char *ca_id, const char *after,
					 size_t limit,
					 struct store_acme_policy_list *out)
{
	size_t max = db_limit(limit);
	/* One row more than asked tells whether a next page exists. */
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(ca_id),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)max + 1)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "acme_policy_list",
		   "SELECT " POLICY_COLUMNS " FROM acme_policies WHERE "
		   "tenant_id = $1 AND (CAST($2 AS TEXT) IS NULL OR ca_id = "
		   "CAST($2 AS TEXT)) AND id > $3 ORDER BY id LIMIT $4",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc =
		    db_rows_page(&rows, max, sizeof(*out->items), policy_read,
				 (void **)&out->items, &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_acme_policy_list_free(out);
	return rc;
}

/* The template must be the tenant's; the policy takes its CA. */
static enum store_result policy_update_run(struct db_conn *c, void *arg)
{
	const struct store_acme_policy *p = arg;
	char *ca_id = NULL;
	struct db_rows rows = {0};
	enum store_result rc = policy_template_ca(
	    c, "acme_policy_update", p->tenant_id, p->template_id, &ca_id);

	if (rc == STORE_OK) {
		const struct db_param v[] = {
		    DB_TEXT(p->tenant_id), DB_TEXT(p->id),
		    DB_TEXT(p->name),	   DB_TEXT(p->template_id),
		    DB_TEXT(ca_id),	   DB_TEXT(p->domains)};

		rc = db_exec(c, "acme_policy_update",
			     "UPDATE acme_policies SET name = $3, template_id "
			     "= $4, ca_id = $5, domains = $6 WHERE tenant_id "
			     "= $1 AND id = $2",
			     v, DB_N(v), &rows);
	}
	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	free(ca_id);
	return rc;
}

/* A name taken in the tenant is STORE_CONFLICT. */
enum store_result store_acme_policy_update(struct store *st,
					   const struct store_acme_policy *p,
					   const struct store_audit *a)
{
	return db_transact(st, "acme_policy_update", policy_update_run,
			   (void *)p, a);
}

/* The tenant and id of a policy's deletion. */
struct policy_delete {
	struct db_param p[2];
};

/* STORE_NOT_FOUND for no such policy, STORE_CONFLICT while bound. */
static enum store_result policy_in_use(struct db_conn *c,
				       const struct policy_delete *d)
{
	struct db_rows rows;
	enum store_result rc = db_exec(
	    c, "acme_policy_delete",
	    "SELECT (SELECT count(*) FROM acme_policies WHERE tenant_id = $1 "
	    "AND id = $2), (SELECT count(*) FROM acme_accounts WHERE "
	    "tenant_id = $1 AND policy_id = $2)",
	    d->p, DB_N(d->p), &rows);

	if (rc == STORE_OK && db_int(&rows, 0, 0) == 0)
		rc = STORE_NOT_FOUND;
	else if (rc == STORE_OK && db_int(&rows, 0, 1) > 0)
		rc = STORE_CONFLICT;
	db_rows_free(&rows);
	return rc;
}

static enum store_result policy_delete_run(struct db_conn *c, void *arg)
{
	const struct policy_delete *d = arg;
	struct db_rows rows;
	enum store_result rc = policy_in_use(c, d);

	if (rc == STORE_OK)
		rc = db_exec(c, "acme_policy_delete",
			     "DELETE FROM acme_eabs WHERE tenant_id = $1 AND "
			     "policy_id = $2",
			     d->p, DB_N(d->p), NULL);
	if (rc != STORE_OK)
		return rc;
	rc = db_exec(c, "acme_policy_delete",
		     "DELETE FROM acme_policies WHERE tenant_id = $1 AND id = "
		     "$2",
		     d->p, DB_N(d->p), &rows);
	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	return rc;
}

enum store_result store_acme_policy_delete(struct store *st,
					   const char *tenant_id,
					   const char *id,
					   const struct store_audit *a)
{
	struct policy_delete d = {{DB_TEXT(tenant_id), DB_TEXT(id)}};

	return db_transact(st, "acme_policy_delete", policy_delete_run, &d, a);
}

void store_acme_policy_free(struct store_acme_policy *p)
{
	if (p == NULL)
		return;
	free(p->id);
	free(p->tenant_id);
	free(p->ca_id);
	free(p->template_id);
	free(p->name);
	free(p->domains);
	memset(p, 0, sizeof(*p));
}

void store_acme_policy_list_free(struct store_acme_policy_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_acme_policy_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
