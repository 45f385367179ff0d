/*
 * Certificate requests: a CSR waiting for approval, or a pre-approval
 * waiting for its CSR, under one template. Issuance stores the
 * certificate and closes the request in one transaction.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store_backend.h"

/* The columns every read selects, in the order request_read takes them. */
#define REQUEST_COLUMNS                                                        \
	"id, tenant_id, template_id, status, subject, overrides, claim_hash, " \
	"requested_by, decided_by, decline_reason, certificate_id, csr_der, "  \
	"created_at, decided_at"

/* A NULL buffer is stored as NULL, not as an empty blob. */
static struct db_param blob_param(const uint8_t *b, size_t len)
{
	return b != NULL ? DB_BLOB(b, len) : (struct db_param){.type = DB_NULL};
}

/* Fills out from row of rows, selected with REQUEST_COLUMNS. */
static enum store_result request_read(const struct db_rows *rows, size_t row,
				      void *item)
{
	struct store_request *out = item;
	char **text[] = {&out->id,
			 &out->tenant_id,
			 &out->template_id,
			 &out->status,
			 &out->subject,
			 &out->overrides,
			 &out->claim_hash,
			 &out->requested_by,
			 &out->decided_by,
			 &out->decline_reason,
			 &out->certificate_id};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	if (rc == STORE_OK)
		rc = db_blob_copy(rows, row, 11, &out->csr_der, &out->csr_len);
	out->created_at = db_int(rows, row, 12);
	out->decided_at = db_int(rows, row, 13);
	if (rc != STORE_OK)
		store_request_free(out);
	return rc;
}

/* The one request that sql selects with p, or STORE_NOT_FOUND. */
static enum store_result request_select(struct store *st, const char *op,
					const char *sql,
					const struct db_param *p, size_t n,
					struct store_request *out)
{
	struct db_rows rows;
	enum store_result rc = db_run(st, op, sql, p, n, &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = request_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

/*
 * Why an update of the tenant's request id changed nothing: CONFLICT
 * when it exists (in another state), else NOT_FOUND.
 */
static enum store_result request_unchanged(struct db_conn *c, const char *op,
					   const char *tenant_id,
					   const char *id)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};
	struct db_rows rows;
	enum store_result rc = db_exec(c, op,
				       "SELECT count(*) FROM requests WHERE "
				       "tenant_id = $1 AND id = $2",
				       p, DB_N(p), &rows);

	if (rc == STORE_OK)
		rc = db_int(&rows, 0, 0) > 0 ? STORE_CONFLICT : STORE_NOT_FOUND;
	db_rows_free(&rows);
	return rc;
}

/* A request's template must be the tenant's: else STORE_NOT_FOUND. */
static enum store_result request_insert_run(struct db_conn *c, void *arg)
{
	const struct store_request *r = arg;
	const struct db_param owner[] = {DB_TEXT(r->tenant_id),
					 DB_TEXT(r->template_id)};
	const struct db_param p[] = {DB_TEXT(r->id),
				     DB_TEXT(r->tenant_id),
				     DB_TEXT(r->template_id),
				     DB_TEXT(r->status),
				     blob_param(r->csr_der, r->csr_len),
				     DB_TEXT(r->subject),
				     DB_TEXT(r->overrides),
				     DB_TEXT(r->claim_hash),
				     DB_TEXT(r->requested_by),
				     DB_INT(r->created_at),
				     db_time(r->decided_at),
				     DB_TEXT(r->decided_by),
				     DB_TEXT(r->decline_reason),
				     DB_TEXT(r->certificate_id)};
	struct db_rows rows;
	enum store_result rc = db_exec(c, "request_insert",
				       "SELECT count(*) FROM templates WHERE "
				       "tenant_id = $1 AND id = $2",
				       owner, DB_N(owner), &rows);

	if (rc == STORE_OK && db_int(&rows, 0, 0) == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	if (rc == STORE_OK)
		rc = db_exec(c, "request_insert",
			     "INSERT INTO requests (id, tenant_id, "
			     "template_id, status, csr_der, subject, "
			     "overrides, claim_hash, requested_by, "
			     "created_at, decided_at, decided_by, "
			     "decline_reason, certificate_id) VALUES ($1, $2, "
			     "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
			     "$14)",
			     p, DB_N(p), NULL);
	return rc;
}

enum store_result store_request_insert(struct store *st,
				       const struct store_request *r,
				       const struct store_audit *a)
{
	return db_transact(st, "request_insert", request_insert_run, (void *)r,
			   a);
}

enum store_result store_request_get(struct store *st, const char *tenant_id,
				    const char *id, struct store_request *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};

	return request_select(st, "request_get",
			      "SELECT " REQUEST_COLUMNS " FROM requests WHERE "
			      "tenant_id = $1 AND id = $2",
			      p, DB_N(p), out);
}

/* Only while still pre-approved: a claimed token finds nothing. */
enum store_result store_request_find_claim(struct store *st,
					   const char *claim_hash,
					   struct store_request *out)
{
	const struct db_param p[] = {DB_TEXT(claim_hash)};

	return request_select(st, "request_find_claim",
			      "SELECT " REQUEST_COLUMNS " FROM requests WHERE "
			      "claim_hash = $1 AND status = 'preapproved'",
			      p, DB_N(p), out);
}

enum store_result store_request_list(struct store *st, const char *tenant_id,
				     const char *status, const char *after,
				     size_t limit,
				     struct store_request_list *out)
{
	size_t max = db_limit(limit);
	/* One row more than asked tells whether a next page exists. */
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(status),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)max + 1)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "request_list",
		   "SELECT " REQUEST_COLUMNS " FROM requests WHERE tenant_id = "
		   "$1 AND (CAST($2 AS TEXT) IS NULL OR status = CAST($2 AS "
		   "TEXT)) AND id > $3 ORDER BY id LIMIT $4",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc =
		    db_rows_page(&rows, max, sizeof(*out->items), request_read,
				 (void **)&out->items, &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_request_list_free(out);
	return rc;
}

static enum store_result request_decline_run(struct db_conn *c, void *arg)
{
	const struct store_request *r = arg;
	const struct db_param p[] = {
	    DB_TEXT(r->tenant_id), DB_TEXT(r->id), db_time(r->decided_at),
	    DB_TEXT(r->decided_by), DB_TEXT(r->decline_reason)};
	struct db_rows rows;
	enum store_result rc =
	    db_exec(c, "request_decline",
		    "UPDATE requests SET status = 'declined', decided_at = $3, "
		    "decided_by = $4, decline_reason = $5 WHERE tenant_id = $1 "
		    "AND id = $2 AND status = 'pending'",
		    p, DB_N(p), &rows);

	if (rc == STORE_OK && rows.changes == 0)
		rc = request_unchanged(c, "request_decline", r->tenant_id,
				       r->id);
	db_rows_free(&rows);
	return rc;
}

enum store_result store_request_decline(struct store *st,
					const struct store_request *r,
					const struct store_audit *a)
{
	return db_transact(st, "request_decline", request_decline_run,
			   (void *)r, a);
}

/* What store_issue_commit was given. */
struct issue {
	const struct store_certificate *c;
	const struct store_request *r;
	const char *revoke_id;
	const struct store_audit *submitted; /* r is new: inserted issued */
};

/* Inserts the new request r as issued with certificate_id. */
static enum store_result request_insert_issued(struct db_conn *c,
					       const struct store_request *r,
					       const char *certificate_id,
					       const struct store_audit *a)
{
	struct store_request issued = *r;
	enum store_result rc;

	issued.status = "issued";
	issued.certificate_id = (char *)certificate_id;
	rc = request_insert_run(c, &issued);
	return rc == STORE_OK ? store_audit_append_tx(c, a) : rc;
}

/* Marks r issued with certificate_id, if it is still open. */
static enum store_result request_close(struct db_conn *c,
				       const struct store_request *r,
				       const char *certificate_id)
{
	const struct db_param p[] = {
	    DB_TEXT(r->tenant_id),   DB_TEXT(r->id),
	    db_time(r->decided_at),  DB_TEXT(r->decided_by),
	    DB_TEXT(certificate_id), blob_param(r->csr_der, r->csr_len)};
	struct db_rows rows;
	enum store_result rc = db_exec(
	    c, "issue_commit",
	    "UPDATE requests SET status = 'issued', decided_at = $3, "
	    "decided_by = $4, certificate_id = $5, csr_der = coalesce(csr_der, "
	    "$6) WHERE tenant_id = $1 AND id = $2 AND status IN ('pending', "
	    "'preapproved')",
	    p, DB_N(p), &rows);

	if (rc == STORE_OK && rows.changes == 0)
		rc = request_unchanged(c, "issue_commit", r->tenant_id, r->id);
	db_rows_free(&rows);
	return rc;
}

/*
 * The certificate goes in before the request points at it. A
 * predecessor already revoked keeps its reason.
 */
static enum store_result issue_run(struct db_conn *conn, void *arg)
{
	const struct issue *x = arg;
	const struct db_param old[] = {DB_TEXT(x->c->tenant_id),
				       DB_TEXT(x->revoke_id),
				       DB_INT(x->c->created_at)};
	enum store_result rc = store_certificate_insert_tx(conn, x->c);

	if (rc == STORE_OK && x->submitted != NULL)
		rc = request_insert_issued(conn, x->r, x->c->id, x->submitted);
	else if (rc == STORE_OK && x->r != NULL)
		rc = request_close(conn, x->r, x->c->id);
	if (rc == STORE_OK && x->revoke_id != NULL)
		rc = db_exec(conn, "issue_commit",
			     "UPDATE certificates SET revoked_at = $3, "
			     "revocation_reason = 'superseded' WHERE "
			     "tenant_id = $1 AND id = $2 AND revoked_at IS "
			     "NULL",
			     old, DB_N(old), NULL);
	if (rc == STORE_OK && x->revoke_id != NULL)
		rc = store_revocation_bump_tx(conn, x->c->tenant_id,
					      x->revoke_id);
	return rc;
}

enum store_result store_issue_commit(struct store *st,
				     const struct store_certificate *c,
				     const struct store_request *r,
				     const char *revoke_id,
				     const struct store_audit *a)
{
	struct issue x = {c, r, revoke_id, NULL};

	if (r != NULL && (r->tenant_id == NULL || c->tenant_id == NULL ||
			  strcmp(r->tenant_id, c->tenant_id) != 0)) {
		log_event(LOG_ERROR, "store.error",
			  "op=issue_commit error=\"the request's tenant is "
			  "not the certificate's\"");
		return STORE_ERROR;
	}
	return db_transact(st, "issue_commit", issue_run, &x, a);
}

enum store_result store_issue_commit_new(struct store *st,
					 const struct store_certificate *c,
					 const struct store_request *r,
					 const struct store_audit *submitted,
					 const struct store_audit *a)
{
	struct issue x = {c, r, NULL, submitted};

	if (r->tenant_id == NULL || c->tenant_id == NULL ||
	    strcmp(r->tenant_id, c->tenant_id) != 0) {
		log_event(LOG_ERROR, "store.error",
			  "op=issue_commit error=\"the request's tenant is "
			  "not the certificate's\"");
		return STORE_ERROR;
	}
	return db_transact(st, "issue_commit", issue_run, &x, a);
}

/* A copy of s, NULL staying NULL; 0, or -1 out of memory. */
static int text_copy(const char *s, char **out)
{
	*out = s != NULL ? strdup(s) : NULL;
	return s != NULL && *out == NULL ? -1 : 0;
}

enum store_result store_request_copy(const struct store_request *src,
				     struct store_request *out)
{
	int failed;

	*out = *src;
	out->csr_der = src->csr_der != NULL
			   ? store_bytes_dup(src->csr_der, src->csr_len)
			   : NULL;
	failed = src->csr_der != NULL && out->csr_der == NULL;
	failed |= text_copy(src->id, &out->id);
	failed |= text_copy(src->tenant_id, &out->tenant_id);
	failed |= text_copy(src->template_id, &out->template_id);
	failed |= text_copy(src->status, &out->status);
	failed |= text_copy(src->subject, &out->subject);
	failed |= text_copy(src->overrides, &out->overrides);
	failed |= text_copy(src->claim_hash, &out->claim_hash);
	failed |= text_copy(src->requested_by, &out->requested_by);
	failed |= text_copy(src->decided_by, &out->decided_by);
	failed |= text_copy(src->decline_reason, &out->decline_reason);
	failed |= text_copy(src->certificate_id, &out->certificate_id);
	if (!failed)
		return STORE_OK;
	store_request_free(out);
	return STORE_ERROR;
}

void store_request_free(struct store_request *r)
{
	if (r == NULL)
		return;
	free(r->id);
	free(r->tenant_id);
	free(r->template_id);
	free(r->status);
	free(r->csr_der);
	free(r->subject);
	free(r->overrides);
	free(r->claim_hash);
	free(r->requested_by);
	free(r->decided_by);
	free(r->decline_reason);
	free(r->certificate_id);
	memset(r, 0, sizeof(*r));
}

void store_request_list_free(struct store_request_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_request_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
