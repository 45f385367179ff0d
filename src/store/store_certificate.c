/*
 * Issued certificates, each under one CA with a serial unique to it.
 * Issuance itself goes through store_issue_commit (store_request.c),
 * which inserts with store_certificate_insert_tx.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store_backend.h"

/* The columns every read selects, in the order certificate_read takes. */
#define CERTIFICATE_COLUMNS                                                    \
	"id, tenant_id, ca_id, template_id, request_id, serial, subject, "     \
	"sans, key_type, revocation_reason, not_before, not_after, der, "      \
	"revoked_at, invalidity_date, created_at"

/* Longest SQL store_certificate_list builds; its fragments are fixed. */
#define LIST_SQL_MAX 1024

/* Fills out from row of rows, selected with CERTIFICATE_COLUMNS. */
static enum store_result certificate_read(const struct db_rows *rows,
					  size_t row, void *item)
{
	struct store_certificate *out = item;
	char **text[] = {&out->id,	   &out->tenant_id,
			 &out->ca_id,	   &out->template_id,
			 &out->request_id, &out->serial,
			 &out->subject,	   &out->sans,
			 &out->key_type,   &out->revocation_reason};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	out->not_before = db_int(rows, row, 10);
	out->not_after = db_int(rows, row, 11);
	if (rc == STORE_OK)
		rc = db_blob_copy(rows, row, 12, &out->der, &out->der_len);
	out->revoked_at = db_int(rows, row, 13);
	out->invalidity_date = db_int(rows, row, 14);
	out->created_at = db_int(rows, row, 15);
	if (rc != STORE_OK)
		store_certificate_free(out);
	return rc;
}

/* The one certificate that sql selects with p, or STORE_NOT_FOUND. */
static enum store_result certificate_select(struct store *st, const char *op,
					    const char *sql,
					    const struct db_param *p, size_t n,
					    struct store_certificate *out)
{
	struct db_rows rows;
	enum store_result rc = db_run(st, op, sql, p, n, &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = certificate_read(&rows, 0, out);
	db_rows_free(&rows);
	return rc;
}

enum store_result store_certificate_insert_tx(struct db_conn *conn,
					      const struct store_certificate *c)
{
	const struct db_param owner[] = {
	    DB_TEXT(c->tenant_id), DB_TEXT(c->ca_id), DB_TEXT(c->template_id)};
	const struct db_param p[] = {DB_TEXT(c->id),
				     DB_TEXT(c->tenant_id),
				     DB_TEXT(c->ca_id),
				     DB_TEXT(c->template_id),
				     DB_TEXT(c->request_id),
				     DB_TEXT(c->serial),
				     DB_TEXT(c->subject),
				     DB_TEXT(c->sans),
				     DB_TEXT(c->key_type),
				     DB_INT(c->not_before),
				     DB_INT(c->not_after),
				     DB_BLOB(c->der, c->der_len),
				     db_time(c->revoked_at),
				     DB_TEXT(c->revocation_reason),
				     db_time(c->invalidity_date),
				     DB_INT(c->created_at)};
	struct db_rows rows;
	enum store_result rc = db_exec(
	    conn, "certificate_insert",
	    "SELECT count(*) FROM cas a WHERE a.tenant_id = $1 AND a.id = $2 "
	    "AND (CAST($3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM "
	    "templates t WHERE t.tenant_id = $1 AND t.ca_id = a.id AND t.id "
	    "= CAST($3 AS TEXT)))",
	    owner, DB_N(owner), &rows);

	if (rc == STORE_OK && db_int(&rows, 0, 0) == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	if (rc == STORE_OK && c->der == NULL) {
		log_event(LOG_ERROR, "store.error",
			  "op=certificate_insert error=\"no DER\"");
		rc = STORE_ERROR;
	}
	if (rc == STORE_OK)
		rc = db_exec(conn, "certificate_insert",
			     "INSERT INTO certificates (id, tenant_id, ca_id, "
			     "template_id, request_id, serial, subject, sans, "
			     "key_type, not_before, not_after, der, "
			     "revoked_at, revocation_reason, invalidity_date, "
			     "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
			     "$8, $9, $10, $11, $12, $13, $14, $15, $16)",
			     p, DB_N(p), NULL);
	return rc;
}

static enum store_result certificate_insert_run(struct db_conn *conn, void *arg)
{
	return store_certificate_insert_tx(conn, arg);
}

enum store_result store_certificate_insert(struct store *st,
					   const struct store_certificate *c,
					   const struct store_audit *a)
{
	return db_transact(st, "certificate_insert", certificate_insert_run,
			   (void *)c, a);
}

enum store_result store_certificate_get(struct store *st, const char *tenant_id,
					const char *id,
					struct store_certificate *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};

	return certificate_select(st, "certificate_get",
				  "SELECT " CERTIFICATE_COLUMNS
				  " FROM certificates WHERE tenant_id = $1 "
				  "AND id = $2",
				  p, DB_N(p), out);
}

enum store_result store_certificate_find(struct store *st, const char *ca_id,
					 const char *serial,
					 struct store_certificate *out)
{
	const struct db_param p[] = {DB_TEXT(ca_id), DB_TEXT(serial)};

	return certificate_select(st, "certificate_find",
				  "SELECT " CERTIFICATE_COLUMNS
				  " FROM certificates WHERE ca_id = $1 AND "
				  "serial = $2",
				  p, DB_N(p), out);
}

enum store_result store_certificate_find_der(struct store *st,
					     const char *serial,
					     const uint8_t *der, size_t len,
					     struct store_certificate *out)
{
	const struct db_param p[] = {DB_TEXT(serial), DB_BLOB(der, len)};

	return certificate_select(st, "certificate_find_der",
				  "SELECT " CERTIFICATE_COLUMNS
				  " FROM certificates WHERE serial = $1 AND "
				  "der = $2",
				  p, DB_N(p), out);
}

enum store_result store_certificate_find_serial(struct store *st,
						const char *serial,
						struct store_certificate *out)
{
	const struct db_param p[] = {DB_TEXT(serial)};

	return certificate_select(st, "certificate_find_serial",
				  "SELECT " CERTIFICATE_COLUMNS
				  " FROM certificates WHERE serial = $1 "
				  "ORDER BY id LIMIT 1",
				  p, DB_N(p), out);
}

/*
 * A statement built from fixed fragments and numbered parameters: no
 * value ever becomes part of the SQL text.
 */
struct query {
	char sql[LIST_SQL_MAX];
	size_t len;
	struct db_param p[DB_PARAMS_MAX];
	size_t n;
	int bad; /* the SQL or the parameters ran out of room */
};

/* The number ($n) of a new parameter v. */
static int query_param(struct query *q, struct db_param v)
{
	if (q->n == DB_PARAMS_MAX) {
		q->bad = 1;
		return 0;
	}
	q->p[q->n++] = v;
	return (int)q->n;
}

__attribute__((format(printf, 2, 3))) static void
query_add(struct query *q, const char *fmt, ...)
{
	va_list ap;
	int w;

	va_start(ap, fmt);
	w = vsnprintf(q->sql + q->len, sizeof(q->sql) - q->len, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(q->sql) - q->len) {
		q->bad = 1;
		return;
	}
	q->len += (size_t)w;
}

/*
 * text as a LIKE pattern that matches it anywhere, with the pattern's
 * own characters escaped by a backslash; NULL when memory runs out.
 */
static char *like_pattern(const char *text)
{
	size_t n = strlen(text), j = 0;
	char *out = malloc(2 * n + 3);

	if (out == NULL)
		return NULL;
	out[j++] = '%';
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '%' || text[i] == '_' || text[i] == '\\')
			out[j++] = '\\';
		out[j++] = text[i];
	}
	out[j++] = '%';
	out[j] = '\0';
	return out;
}

/* The number of the parameter now, added when first asked for. */
static int query_now(struct query *q, const struct store_certificate_filter *f,
		     int *now)
{
	if (*now == 0)
		*now = query_param(q, DB_INT(f->now));
	return *now;
}

/* Adds the status filter; -1 for a status this store does not know. */
static int query_status(struct query *q,
			const struct store_certificate_filter *f, int *now)
{
	if (strcmp(f->status, "revoked") == 0)
		query_add(q, " AND revoked_at IS NOT NULL");
	else if (strcmp(f->status, "valid") == 0)
		query_add(q, " AND revoked_at IS NULL AND not_after > $%d",
			  query_now(q, f, now));
	else if (strcmp(f->status, "expired") == 0)
		query_add(q, " AND revoked_at IS NULL AND not_after <= $%d",
			  query_now(q, f, now));
	else
		return -1;
	return 0;
}

/*
 * The statement of store_certificate_list into q; pattern receives the
 * LIKE pattern of f->text (the caller frees it). STORE_ERROR (logged)
 * for an unknown status or when memory runs out.
 */
static enum store_result query_build(struct query *q, const char *tenant_id,
				     const struct store_certificate_filter *f,
				     const char *after, size_t max,
				     char **pattern)
{
	int now = 0, k;

	*pattern = NULL;
	query_add(q,
		  "SELECT " CERTIFICATE_COLUMNS " FROM certificates "
		  "WHERE tenant_id = $%d",
		  query_param(q, DB_TEXT(tenant_id)));
	if (f->status != NULL && query_status(q, f, &now) != 0) {
		log_event(LOG_ERROR, "store.error",
			  "op=certificate_list error=\"unknown status\"");
		return STORE_ERROR;
	}
	if (f->expiring_before != 0)
		query_add(q,
			  " AND revoked_at IS NULL AND not_after > $%d AND "
			  "not_after <= $%d",
			  query_now(q, f, &now),
			  query_param(q, DB_INT(f->expiring_before)));
	if (f->ca_id != NULL)
		query_add(q, " AND ca_id = $%d",
			  query_param(q, DB_TEXT(f->ca_id)));
	if (f->template_id != NULL)
		query_add(q, " AND template_id = $%d",
			  query_param(q, DB_TEXT(f->template_id)));
	if (f->serial != NULL)
		query_add(q, " AND serial = $%d",
			  query_param(q, DB_TEXT(f->serial)));
	if (f->text != NULL) {
		if ((*pattern = like_pattern(f->text)) == NULL) {
			log_event(LOG_ERROR, "store.error",
				  "op=certificate_list error=\"out of "
				  "memory\"");
			return STORE_ERROR;
		}
		k = query_param(q, DB_TEXT(*pattern));
		query_add(q,
			  " AND (lower(subject) LIKE lower($%d) ESCAPE '\\' "
			  "OR lower(sans) LIKE lower($%d) ESCAPE '\\')",
			  k, k);
	}
	query_add(q, " AND id > $%d ORDER BY id LIMIT $%d",
		  query_param(q, DB_TEXT(after != NULL ? after : "")),
		  query_param(q, DB_INT((int64_t)max + 1)));
	if (q->bad) {
		log_event(LOG_ERROR, "store.error",
			  "op=certificate_list error=\"query too long\"");
		return STORE_ERROR;
	}
	return STORE_OK;
}

enum store_result
store_certificate_list(struct store *st, const char *tenant_id,
		       const struct store_certificate_filter *f,
		       const char *after, size_t limit,
		       struct store_certificate_list *out)
{
	static const struct store_certificate_filter none = {0};
	size_t max = db_limit(limit);
	struct query q = {0};
	struct db_rows rows = {0};
	char *pattern;
	enum store_result rc = query_build(&q, tenant_id, f != NULL ? f : &none,
					   after, max, &pattern);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc = db_run(st, "certificate_list", q.sql, q.p, q.n, &rows);
	free(pattern);
	/* One row more than asked tells whether a next page exists. */
	if (rc == STORE_OK)
		rc = db_rows_page(&rows, max, sizeof(*out->items),
				  certificate_read, (void **)&out->items,
				  &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_certificate_list_free(out);
	return rc;
}

/* What store_certificate_revoke was given, as its statements bind it. */
struct certificate_revoke {
	struct db_param p[5]; /* tenant, id, at, reason, invalidity date */
	int release;
};

/*
 * A release clears a hold and nothing else; a revocation sets a
 * certificate that is not revoked, or replaces a hold.
 */
static enum store_result certificate_revoke_run(struct db_conn *c, void *arg)
{
	const struct certificate_revoke *r = arg;
	struct db_rows rows;
	enum store_result rc;

	if (r->release)
		rc = db_exec(c, "certificate_revoke",
			     "UPDATE certificates SET revoked_at = NULL, "
			     "revocation_reason = NULL, invalidity_date = "
			     "NULL WHERE tenant_id = $1 AND id = $2 AND "
			     "revoked_at IS NOT NULL AND revocation_reason = "
			     "'certificateHold'",
			     r->p, 2, &rows);
	else
		rc = db_exec(c, "certificate_revoke",
			     "UPDATE certificates SET revoked_at = $3, "
			     "revocation_reason = $4, invalidity_date = $5 "
			     "WHERE tenant_id = $1 AND id = $2 AND (revoked_at "
			     "IS NULL OR revocation_reason = "
			     "'certificateHold')",
			     r->p, DB_N(r->p), &rows);
	if (rc == STORE_OK && rows.changes == 0) {
		/* Nothing matched: no such certificate, or the wrong state. */
		db_rows_free(&rows);
		rc = db_exec(c, "certificate_revoke",
			     "SELECT count(*) FROM certificates WHERE "
			     "tenant_id = $1 AND id = $2",
			     r->p, 2, &rows);
		if (rc == STORE_OK)
			rc = db_int(&rows, 0, 0) > 0 ? STORE_CONFLICT
						     : STORE_NOT_FOUND;
	}
	db_rows_free(&rows);
	if (rc == STORE_OK)
		rc = store_revocation_bump_tx(c, r->p[0].p, r->p[1].p);
	return rc;
}

enum store_result
store_certificate_revoke(struct store *st, const char *tenant_id,
			 const char *id, int64_t at, const char *reason,
			 int64_t invalidity_date, const struct store_audit *a)
{
	struct certificate_revoke r = {{DB_TEXT(tenant_id), DB_TEXT(id),
					DB_INT(at), DB_TEXT(reason),
					db_time(invalidity_date)},
				       reason == NULL};

	return db_transact(st, "certificate_revoke", certificate_revoke_run, &r,
			   a);
}

void store_certificate_free(struct store_certificate *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->tenant_id);
	free(c->ca_id);
	free(c->template_id);
	free(c->request_id);
	free(c->serial);
	free(c->subject);
	free(c->sans);
	free(c->key_type);
	free(c->der);
	free(c->revocation_reason);
	memset(c, 0, sizeof(*c));
}

void store_certificate_list_free(struct store_certificate_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_certificate_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
