/*
 * ACME accounts: a key (by its RFC 7638 thumbprint, unique across the
 * server) bound through an EAB to a tenant's policy. Registering takes
 * one use of the EAB in the same transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"

/* The columns every read selects, in the order account_read takes. */
#define ACCOUNT_COLUMNS                                                        \
	"id, tenant_id, policy_id, eab_id, thumbprint, jwk, status, "          \
	"contact, created_at"

static enum store_result account_read(const struct db_rows *rows, size_t row,
				      void *item)
{
	struct store_acme_account *out = item;
	char **text[] = {&out->id,     &out->tenant_id,	 &out->policy_id,
			 &out->eab_id, &out->thumbprint, &out->jwk,
			 &out->status, &out->contact};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	out->created_at = db_int(rows, row, 8);
	if (rc != STORE_OK)
		store_acme_account_free(out);
	return rc;
}

/* One account selected by where (with one parameter). */
static enum store_result account_select(struct store *st, const char *op,
					const char *where,
					const struct db_param *p, size_t n,
					struct store_acme_account *out)
{
	char sql[256];
	struct db_rows rows;
	enum store_result rc;

	snprintf(sql, sizeof(sql),
		 "SELECT " ACCOUNT_COLUMNS " FROM acme_accounts WHERE %s",
		 where);
	rc = db_run(st, op, sql, p, n, &rows);
	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = account_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

struct account_insert {
	const struct store_acme_account *a;
	int64_t now;
};

/* Takes a use of the EAB: gone is STORE_NOT_FOUND, spent STORE_CONFLICT. */
static enum store_result eab_take(struct db_conn *c,
				  const struct account_insert *in)
{
	const struct db_param p[] = {
	    DB_TEXT(in->a->eab_id), DB_TEXT(in->a->policy_id), DB_INT(in->now)};
	struct db_rows rows;
	enum store_result rc = db_exec(
	    c, "acme_account_insert",
	    "UPDATE acme_eabs SET uses = uses + 1 WHERE id = $1 AND "
	    "policy_id = $2 AND uses < uses_allowed AND expires_at > $3",
	    p, DB_N(p), &rows);

	if (rc == STORE_OK && rows.changes == 0) {
		db_rows_free(&rows);
		rc = db_exec(c, "acme_account_insert",
			     "SELECT count(*) FROM acme_eabs WHERE id = $1 AND "
			     "policy_id = $2",
			     p, 2, &rows);
		if (rc == STORE_OK)
			rc = db_int(&rows, 0, 0) == 0 ? STORE_NOT_FOUND
						      : STORE_CONFLICT;
	}
	db_rows_free(&rows);
	return rc;
}

static enum store_result account_insert_run(struct db_conn *c, void *arg)
{
	const struct account_insert *in = arg;
	const struct store_acme_account *a = in->a;
	const struct db_param p[] = {
	    DB_TEXT(a->id),	DB_TEXT(a->tenant_id),	DB_TEXT(a->policy_id),
	    DB_TEXT(a->eab_id), DB_TEXT(a->thumbprint), DB_TEXT(a->jwk),
	    DB_TEXT(a->status), DB_TEXT(a->contact),	DB_INT(a->created_at)};
	enum store_result rc = eab_take(c, in);

	if (rc == STORE_OK)
		rc = db_exec(c, "acme_account_insert",
			     "INSERT INTO acme_accounts (" ACCOUNT_COLUMNS
			     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			     p, DB_N(p), NULL);
	return rc;
}

enum store_result store_acme_account_insert(struct store *st,
					    const struct store_acme_account *a,
					    int64_t now,
					    const struct store_audit *au)
{
	struct account_insert in = {a, now};

	return db_transact(st, "acme_account_insert", account_insert_run, &in,
			   au);
}

enum store_result store_acme_account_find(struct store *st, const char *id,
					  struct store_acme_account *out)
{
	const struct db_param p[] = {DB_TEXT(id)};

	return account_select(st, "acme_account_find", "id = $1", p, DB_N(p),
			      out);
}

enum store_result store_acme_account_find_key(struct store *st,
					      const char *thumbprint,
					      struct store_acme_account *out)
{
	const struct db_param p[] = {DB_TEXT(thumbprint)};

	return account_select(st, "acme_account_find_key", "thumbprint = $1", p,
			      DB_N(p), out);
}

enum store_result store_acme_account_get(struct store *st,
					 const char *tenant_id, const char *id,
					 struct store_acme_account *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};

	return account_select(st, "acme_account_get",
			      "tenant_id = $1 AND id = $2", p, DB_N(p), out);
}

enum store_result store_acme_account_list(struct store *st,
					  const char *tenant_id,
					  const char *policy_id,
					  const char *after, size_t limit,
					  struct store_acme_account_list *out)
{
	size_t max = db_limit(limit);
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(policy_id),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)max + 1)};
	struct db_rows rows;
	enum store_result rc = db_run(
	    st, "acme_account_list",
	    "SELECT " ACCOUNT_COLUMNS " FROM acme_accounts WHERE tenant_id = "
	    "$1 AND (CAST($2 AS TEXT) IS NULL OR policy_id = CAST($2 AS "
	    "TEXT)) AND id > $3 ORDER BY id LIMIT $4",
	    p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc =
		    db_rows_page(&rows, max, sizeof(*out->items), account_read,
				 (void **)&out->items, &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_acme_account_list_free(out);
	return rc;
}

enum store_result store_acme_account_update(struct store *st,
					    const struct store_acme_account *a,
					    const struct store_audit *au)
{
	const struct db_param p[] = {DB_TEXT(a->tenant_id), DB_TEXT(a->id),
				     DB_TEXT(a->status), DB_TEXT(a->contact)};

	return db_run_audited(st, "acme_account_update",
			      "UPDATE acme_accounts SET status = $3, contact = "
			      "$4 WHERE tenant_id = $1 AND id = $2",
			      p, DB_N(p), 1, au);
}

enum store_result store_acme_account_rekey(struct store *st, const char *id,
					   const char *old_thumbprint,
					   const char *thumbprint,
					   const char *jwk,
					   const struct store_audit *au)
{
	const struct db_param p[] = {DB_TEXT(id), DB_TEXT(old_thumbprint),
				     DB_TEXT(thumbprint), DB_TEXT(jwk)};
	enum store_result rc = db_run_audited(
	    st, "acme_account_rekey",
	    "UPDATE acme_accounts SET thumbprint = $3, jwk = $4 WHERE id = $1 "
	    "AND thumbprint = $2 AND status = 'valid'",
	    p, DB_N(p), 1, au);

	return rc == STORE_NOT_FOUND ? STORE_CONFLICT : rc;
}

void store_acme_account_free(struct store_acme_account *a)
{
	if (a == NULL)
		return;
	free(a->id);
	free(a->tenant_id);
	free(a->policy_id);
	free(a->eab_id);
	free(a->thumbprint);
	free(a->jwk);
	free(a->status);
	free(a->contact);
	memset(a, 0, sizeof(*a));
}

void store_acme_account_list_free(struct store_acme_account_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_acme_account_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
