/*
 * Certificate authorities: a tenant's issuers, each with its sealed key
 * and, once active, its certificate. Deleting a CA takes everything
 * issued under it along.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store_backend.h"

/* The columns every read selects, in the order ca_read takes them. */
#define CA_COLUMNS                                                             \
	"id, tenant_id, name, description, kind, status, key_type, "           \
	"key_sealed, cert_der, csr_der, chain_pem, subject, serial, "          \
	"not_before, not_after, settings, parent_id, created_at"

/* A NULL buffer is stored as NULL, not as an empty blob. */
static struct db_param blob_param(const uint8_t *b, size_t len)
{
	return b != NULL ? DB_BLOB(b, len) : (struct db_param){.type = DB_NULL};
}

/* Fills out from row of rows, selected with CA_COLUMNS. */
static enum store_result ca_read(const struct db_rows *rows, size_t row,
				 void *item)
{
	struct store_ca *out = item;
	char **text[] = {&out->id,	    &out->tenant_id, &out->name,
			 &out->description, &out->kind,	     &out->status,
			 &out->key_type};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	if (rc == STORE_OK)
		rc =
		    db_blob_copy(rows, row, 7, &out->key_sealed, &out->key_len);
	if (rc == STORE_OK)
		rc = db_blob_copy(rows, row, 8, &out->cert_der, &out->cert_len);
	if (rc == STORE_OK)
		rc = db_blob_copy(rows, row, 9, &out->csr_der, &out->csr_len);
	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, 10, &out->chain_pem);
	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, 11, &out->subject);
	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, 12, &out->serial);
	out->not_before = db_int(rows, row, 13);
	out->not_after = db_int(rows, row, 14);
	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, 15, &out->settings);
	if (rc == STORE_OK)
		rc = db_text_copy(rows, row, 16, &out->parent_id);
	out->created_at = db_int(rows, row, 17);
	if (rc != STORE_OK)
		store_ca_free(out);
	return rc;
}

/* The one CA that sql selects with p, or STORE_NOT_FOUND. */
static enum store_result ca_select(struct store *st, const char *op,
				   const char *sql, const struct db_param *p,
				   size_t n, struct store_ca *out)
{
	struct db_rows rows;
	enum store_result rc = db_run(st, op, sql, p, n, &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = ca_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

/* STORE_OK when the tenant has a CA of that id, else STORE_NOT_FOUND. */
static enum store_result ca_exists(struct db_conn *c, const char *op,
				   const char *tenant_id, const char *id)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};
	struct db_rows rows;
	enum store_result rc = db_exec(c, op,
				       "SELECT count(*) FROM cas WHERE "
				       "tenant_id = $1 AND id = $2",
				       p, DB_N(p), &rows);

	if (rc == STORE_OK && db_int(&rows, 0, 0) == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	return rc;
}

/*
 * More columns than one statement may bind: the row goes in first, its
 * certificate fields after. A parent of another tenant is not found.
 */
static enum store_result ca_insert_run(struct db_conn *c, void *arg)
{
	const struct store_ca *ca = arg;
	const struct db_param row[] = {DB_TEXT(ca->id),
				       DB_TEXT(ca->tenant_id),
				       DB_TEXT(ca->name),
				       DB_TEXT(ca->description),
				       DB_TEXT(ca->kind),
				       DB_TEXT(ca->status),
				       DB_TEXT(ca->key_type),
				       blob_param(ca->key_sealed, ca->key_len),
				       DB_TEXT(ca->subject),
				       DB_TEXT(ca->settings),
				       DB_TEXT(ca->parent_id),
				       DB_INT(ca->created_at),
				       blob_param(ca->csr_der, ca->csr_len)};
	const struct db_param cert[] = {
	    DB_TEXT(ca->id),	     blob_param(ca->cert_der, ca->cert_len),
	    DB_TEXT(ca->chain_pem),  DB_TEXT(ca->serial),
	    db_time(ca->not_before), db_time(ca->not_after)};
	enum store_result rc = STORE_OK;

	if (ca->parent_id != NULL)
		rc = ca_exists(c, "ca_insert", ca->tenant_id, ca->parent_id);
	if (rc == STORE_OK)
		rc = db_exec(c, "ca_insert",
			     "INSERT INTO cas (id, tenant_id, name, "
			     "description, kind, status, key_type, "
			     "key_sealed, subject, settings, parent_id, "
			     "created_at, csr_der) VALUES ($1, $2, $3, $4, "
			     "$5, $6, $7, $8, $9, $10, $11, $12, $13)",
			     row, DB_N(row), NULL);
	if (rc == STORE_OK)
		rc = db_exec(c, "ca_insert",
			     "UPDATE cas SET cert_der = $2, chain_pem = $3, "
			     "serial = $4, not_before = $5, not_after = $6 "
			     "WHERE id = $1",
			     cert, DB_N(cert), NULL);
	return rc;
}

enum store_result store_ca_insert(struct store *st, const struct store_ca *ca,
				  const struct store_audit *a)
{
	return db_transact(st, "ca_insert", ca_insert_run, (void *)ca, a);
}

enum store_result store_ca_get(struct store *st, const char *tenant_id,
			       const char *id, struct store_ca *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};

	return ca_select(st, "ca_get",
			 "SELECT " CA_COLUMNS
			 " FROM cas WHERE tenant_id = $1 AND id = $2",
			 p, DB_N(p), out);
}

enum store_result store_ca_find(struct store *st, const char *id,
				struct store_ca *out)
{
	const struct db_param p[] = {DB_TEXT(id)};

	return ca_select(st, "ca_find",
			 "SELECT " CA_COLUMNS " FROM cas WHERE id = $1", p,
			 DB_N(p), out);
}

/* CAs nest at most this deep; the walk up stops there. */
#define CA_DEPTH_MAX 32

enum store_result store_ca_chain_revoked(struct store *st,
					 const char *tenant_id, const char *id,
					 char **name)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id),
				     DB_INT(CA_DEPTH_MAX)};
	struct db_rows rows;
	enum store_result rc = db_run(
	    st, "ca_chain_revoked",
	    "WITH RECURSIVE chain (id, parent_id, serial, name, depth) AS ("
	    "SELECT id, parent_id, serial, name, 0 FROM cas WHERE "
	    "tenant_id = $1 AND id = $2 UNION ALL SELECT c.id, c.parent_id, "
	    "c.serial, c.name, chain.depth + 1 FROM cas c JOIN chain ON c.id "
	    "= chain.parent_id WHERE c.tenant_id = $1 AND chain.depth < $3) "
	    "SELECT chain.name FROM chain JOIN certificates ct ON ct.ca_id = "
	    "chain.parent_id AND ct.serial = chain.serial AND ct.revoked_at "
	    "IS NOT NULL ORDER BY chain.depth LIMIT 1",
	    p, DB_N(p), &rows);

	*name = NULL;
	if (rc == STORE_OK && rows.n_rows > 0)
		rc = db_text_copy(&rows, 0, 0, name);
	db_rows_free(&rows);
	return rc;
}

enum store_result store_ca_list(struct store *st, const char *tenant_id,
				const char *after, size_t limit,
				struct store_ca_list *out)
{
	size_t max = db_limit(limit);
	/* One row more than asked tells whether a next page exists. */
	const struct db_param p[] = {DB_TEXT(tenant_id),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)max + 1)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "ca_list",
		   "SELECT " CA_COLUMNS " FROM cas WHERE tenant_id = $1 AND "
		   "id > $2 ORDER BY id LIMIT $3",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc =
		    db_rows_page(&rows, max, sizeof(*out->items), ca_read,
				 (void **)&out->items, &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_ca_list_free(out);
	return rc;
}

enum store_result store_ca_update(struct store *st, const struct store_ca *ca,
				  const struct store_audit *a)
{
	const struct db_param p[] = {DB_TEXT(ca->tenant_id), DB_TEXT(ca->id),
				     DB_TEXT(ca->description),
				     DB_TEXT(ca->settings)};

	return db_run_audited(st, "ca_update",
			      "UPDATE cas SET description = $3, settings = $4 "
			      "WHERE tenant_id = $1 AND id = $2",
			      p, DB_N(p), 1, a);
}

static enum store_result ca_activate_run(struct db_conn *c, void *arg)
{
	const struct store_ca *ca = arg;
	const struct db_param p[] = {DB_TEXT(ca->tenant_id),
				     DB_TEXT(ca->id),
				     blob_param(ca->cert_der, ca->cert_len),
				     DB_TEXT(ca->chain_pem),
				     DB_TEXT(ca->subject),
				     DB_TEXT(ca->serial),
				     db_time(ca->not_before),
				     db_time(ca->not_after)};
	struct db_rows rows;
	enum store_result rc = db_exec(
	    c, "ca_activate",
	    "UPDATE cas SET status = 'active', cert_der = $3, chain_pem = $4, "
	    "subject = $5, serial = $6, not_before = $7, not_after = $8 "
	    "WHERE tenant_id = $1 AND id = $2 AND status = 'pending'",
	    p, DB_N(p), &rows);

	/* Nothing matched: no such CA, or active already. */
	if (rc == STORE_OK && rows.changes == 0) {
		rc = ca_exists(c, "ca_activate", ca->tenant_id, ca->id);
		if (rc == STORE_OK)
			rc = STORE_CONFLICT;
	}
	db_rows_free(&rows);
	return rc;
}

enum store_result store_ca_activate(struct store *st, const struct store_ca *ca,
				    const struct store_audit *a)
{
	return db_transact(st, "ca_activate", ca_activate_run, (void *)ca, a);
}

/* The tenant and id of a CA to delete. */
struct ca_delete {
	struct db_param p[2];
};

/*
 * Leaves before the branch, as the foreign keys require: requests
 * point at certificates, certificates and requests at templates,
 * templates at the CA, and sub-CAs (which stay) at their parent. The
 * CA's published revocation state goes first, then its ACME policies
 * with their EABs, accounts and orders.
 */
static enum store_result ca_delete_run(struct db_conn *c, void *arg)
{
	static const char *const steps[] = {
	    "DELETE FROM ocsp_responses WHERE ca_id IN (SELECT id FROM cas "
	    "WHERE tenant_id = $1 AND id = $2)",
	    "DELETE FROM ocsp_signers WHERE ca_id IN (SELECT id FROM cas "
	    "WHERE tenant_id = $1 AND id = $2)",
	    "DELETE FROM crls WHERE ca_id IN (SELECT id FROM cas WHERE "
	    "tenant_id = $1 AND id = $2)",
	    "DELETE FROM revocation_versions WHERE ca_id IN (SELECT id FROM "
	    "cas WHERE tenant_id = $1 AND id = $2)",
	    "DELETE FROM acme_orders WHERE account_id IN (SELECT id FROM "
	    "acme_accounts WHERE policy_id IN (SELECT id FROM acme_policies "
	    "WHERE tenant_id = $1 AND ca_id = $2))",
	    "UPDATE acme_orders SET certificate_id = NULL WHERE "
	    "certificate_id IN (SELECT id FROM certificates WHERE tenant_id = "
	    "$1 AND ca_id = $2)",
	    "DELETE FROM acme_accounts WHERE policy_id IN (SELECT id FROM "
	    "acme_policies WHERE tenant_id = $1 AND ca_id = $2)",
	    "DELETE FROM acme_eabs WHERE policy_id IN (SELECT id FROM "
	    "acme_policies WHERE tenant_id = $1 AND ca_id = $2)",
	    "DELETE FROM acme_policies WHERE tenant_id = $1 AND ca_id = $2",
	    "DELETE FROM requests WHERE tenant_id = $1 AND template_id IN "
	    "(SELECT id FROM templates WHERE tenant_id = $1 AND ca_id = $2)",
	    "DELETE FROM certificates WHERE tenant_id = $1 AND ca_id = $2",
	    "DELETE FROM templates WHERE tenant_id = $1 AND ca_id = $2",
	    "UPDATE cas SET parent_id = NULL WHERE tenant_id = $1 AND "
	    "parent_id = $2",
	};
	const struct ca_delete *d = arg;
	struct db_rows rows;
	enum store_result rc = STORE_OK;

	for (size_t i = 0; i < DB_N(steps) && rc == STORE_OK; i++)
		rc = db_exec(c, "ca_delete", steps[i], d->p, DB_N(d->p), NULL);
	if (rc != STORE_OK)
		return rc;
	rc = db_exec(c, "ca_delete",
		     "DELETE FROM cas WHERE tenant_id = $1 AND id = $2", d->p,
		     DB_N(d->p), &rows);
	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	return rc;
}

enum store_result store_ca_delete(struct store *st, const char *tenant_id,
				  const char *id, const struct store_audit *a)
{
	struct ca_delete d = {{DB_TEXT(tenant_id), DB_TEXT(id)}};

	return db_transact(st, "ca_delete", ca_delete_run, &d, a);
}

void store_ca_free(struct store_ca *ca)
{
	if (ca == NULL)
		return;
	free(ca->id);
	free(ca->tenant_id);
	free(ca->name);
	free(ca->description);
	free(ca->kind);
	free(ca->status);
	free(ca->key_type);
	free(ca->key_sealed);
	free(ca->cert_der);
	free(ca->csr_der);
	free(ca->chain_pem);
	free(ca->subject);
	free(ca->serial);
	free(ca->settings);
	free(ca->parent_id);
	memset(ca, 0, sizeof(*ca));
}

void store_ca_list_free(struct store_ca_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_ca_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
