/*
 * External account bindings (EABs): credentials that let an ACME client
 * register an account under a policy, a given number of times until
 * they expire. The store holds the HMAC key sealed by the KEK; lists
 * leave even that out. Accounts registered with an EAB keep its id
 * after it is deleted.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"

/* The columns every read selects, in the order eab_read takes. */
#define EAB_COLUMNS                                                            \
	"id, tenant_id, policy_id, name, key_sealed, uses_allowed, uses, "     \
	"expires_at, created_at"
/* The same without the sealed key, which a list has no use for. */
#define EAB_LIST_COLUMNS                                                       \
	"id, tenant_id, policy_id, name, NULL, uses_allowed, uses, "           \
	"expires_at, created_at"

/* Fills out from row of rows, selected with EAB_COLUMNS. */
static enum store_result eab_read(const struct db_rows *rows, size_t row,
				  void *item)
{
	struct store_acme_eab *out = item;
	char **text[] = {&out->id, &out->tenant_id, &out->policy_id,
			 &out->name};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	if (rc == STORE_OK)
		rc =
		    db_blob_copy(rows, row, 4, &out->key_sealed, &out->key_len);
	out->uses_allowed = db_int(rows, row, 5);
	out->uses = db_int(rows, row, 6);
	out->expires_at = db_int(rows, row, 7);
	out->created_at = db_int(rows, row, 8);
	if (rc != STORE_OK)
		store_acme_eab_free(out);
	return rc;
}

/* The policy must be the tenant's: else STORE_NOT_FOUND. */
static enum store_result eab_insert_run(struct db_conn *c, void *arg)
{
	const struct store_acme_eab *e = arg;
	const struct db_param policy[] = {DB_TEXT(e->tenant_id),
					  DB_TEXT(e->policy_id)};
	const struct db_param p[] = {DB_TEXT(e->id),
				     DB_TEXT(e->tenant_id),
				     DB_TEXT(e->policy_id),
				     DB_TEXT(e->name),
				     DB_BLOB(e->key_sealed, e->key_len),
				     DB_INT(e->uses_allowed),
				     DB_INT(e->uses),
				     DB_INT(e->expires_at),
				     DB_INT(e->created_at)};
	struct db_rows rows;
	enum store_result rc = db_exec(c, "acme_eab_insert",
				       "SELECT count(*) FROM acme_policies "
				       "WHERE tenant_id = $1 AND id = $2",
				       policy, DB_N(policy), &rows);

	if (rc == STORE_OK && db_int(&rows, 0, 0) == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	if (rc == STORE_OK)
		rc = db_exec(c, "acme_eab_insert",
			     "INSERT INTO acme_eabs (id, tenant_id, policy_id, "
			     "name, key_sealed, uses_allowed, uses, "
			     "expires_at, created_at) VALUES ($1, $2, $3, $4, "
			     "$5, $6, $7, $8, $9)",
			     p, DB_N(p), NULL);
	return rc;
}

/* A name taken in the policy is STORE_CONFLICT. */
enum store_result store_acme_eab_insert(struct store *st,
					const struct store_acme_eab *e,
					const struct store_audit *a)
{
	return db_transact(st, "acme_eab_insert", eab_insert_run, (void *)e, a);
}

enum store_result store_acme_eab_find(struct store *st, const char *id,
				      struct store_acme_eab *out)
{
	const struct db_param p[] = {DB_TEXT(id)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "acme_eab_find",
		   "SELECT " EAB_COLUMNS " FROM acme_eabs WHERE id = $1", p,
		   DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = eab_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

/* policy_id NULL: every EAB of the tenant. key_sealed stays NULL. */
enum store_result store_acme_eab_list(struct store *st, const char *tenant_id,
				      const char *policy_id, const char *after,
				      size_t limit,
				      struct store_acme_eab_list *out)
{
	size_t max = db_limit(limit);
	/* One row more than asked tells whether a next page exists. */
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(policy_id),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)max + 1)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "acme_eab_list",
		   "SELECT " EAB_LIST_COLUMNS " FROM acme_eabs WHERE "
		   "tenant_id = $1 AND (CAST($2 AS TEXT) IS NULL OR policy_id "
		   "= CAST($2 AS TEXT)) AND id > $3 ORDER BY id LIMIT $4",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc =
		    db_rows_page(&rows, max, sizeof(*out->items), eab_read,
				 (void **)&out->items, &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_acme_eab_list_free(out);
	return rc;
}

/* Accounts registered with it keep its id and their policy. */
enum store_result store_acme_eab_delete(struct store *st, const char *tenant_id,
					const char *id,
					const struct store_audit *a)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};

	return db_run_audited(st, "acme_eab_delete",
			      "DELETE FROM acme_eabs WHERE tenant_id = $1 AND "
			      "id = $2",
			      p, DB_N(p), 1, a);
}

void store_acme_eab_free(struct store_acme_eab *e)
{
	if (e == NULL)
		return;
	free(e->id);
	free(e->tenant_id);
	free(e->policy_id);
	free(e->name);
	free(e->key_sealed);
	memset(e, 0, sizeof(*e));
}

void store_acme_eab_list_free(struct store_acme_eab_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_acme_eab_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
