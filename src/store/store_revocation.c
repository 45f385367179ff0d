/*
 * Revocation status as published: the per-CA revocation version, the
 * CRL number and the signed CRL, cached OCSP responses and the OCSP
 * signer. Every node reads them here, so a change on one shows on all.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "store/store_backend.h"

/* Revoked certificates read in one page while a CRL is built: about a
 * MB of rows, and 200 round trips for a million. */
#define REVOKED_PAGE 5000

/* The revocation version of a CA, in a subquery that needs no row. */
#define VERSION_OF(p)                                                          \
	"coalesce((SELECT version FROM revocation_versions WHERE ca_id = " p   \
	"), 0)"

enum store_result store_revocation_bump_tx(struct db_conn *c,
					   const char *tenant_id,
					   const char *certificate_id)
{
	const struct db_param p[] = {DB_TEXT(tenant_id),
				     DB_TEXT(certificate_id)};

	/* WHERE before ON CONFLICT keeps SQLite's parser unambiguous. */
	return db_exec(c, "revocation_bump",
		       "INSERT INTO revocation_versions (ca_id, version) "
		       "SELECT ca_id, 1 FROM certificates WHERE tenant_id = $1 "
		       "AND id = $2 ON CONFLICT (ca_id) DO UPDATE SET version "
		       "= revocation_versions.version + 1",
		       p, DB_N(p), NULL);
}

enum store_result store_revocation_version(struct store *st, const char *ca_id,
					   int64_t *version)
{
	const struct db_param p[] = {DB_TEXT(ca_id)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "revocation_version", "SELECT " VERSION_OF("$1"), p,
		   DB_N(p), &rows);

	*version = rc == STORE_OK ? db_int(&rows, 0, 0) : 0;
	db_rows_free(&rows);
	return rc;
}

/* The columns of a CRL row, in the order crl_read takes them: the DER
 * only when the CRL lists version $2 and its next_update is after $3. */
#define CRL_COLUMNS                                                            \
	"crl_number, version, this_update, next_update, CASE WHEN version = "  \
	"$2 AND next_update > $3 THEN der END"

/*
 * Fills out from row 0, taking the DER out of rows rather than copying
 * it: a CRL may take tens of MB.
 */
static enum store_result crl_read(struct db_rows *rows, struct store_crl *out)
{
	struct db_cell *der =
	    rows->n_rows > 0 && rows->n_cols == 5 ? &rows->cells[4] : NULL;

	memset(out, 0, sizeof(*out));
	out->number = db_int(rows, 0, 0);
	out->version = db_int(rows, 0, 1);
	out->this_update = db_int(rows, 0, 2);
	out->next_update = db_int(rows, 0, 3);
	if (der == NULL || der->type == DB_NULL)
		return STORE_OK;
	if (der->type != DB_BLOB) {
		log_event(LOG_ERROR, "store.error",
			  "op=crl_read error=\"the DER is not a blob\"");
		return STORE_ERROR;
	}
	out->der = der->p;
	out->der_len = der->len;
	der->p = NULL;
	return STORE_OK;
}

enum store_result store_crl_get(struct store *st, const char *ca_id,
				int64_t fresh_after, struct store_crl *out)
{
	const struct db_param p[] = {DB_TEXT(ca_id), DB_INT(fresh_after)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "crl_get",
		   "SELECT crl_number, version, this_update, next_update, der "
		   "FROM crls WHERE ca_id = $1 AND der IS NOT NULL AND "
		   "next_update > $2 AND version = " VERSION_OF("$1"),
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = crl_read(&rows, out);
	db_rows_free(&rows);
	return rc;
}

/* What store_crl_claim was given, and the claim it ends with. */
struct crl_claim {
	const char *ca_id;
	int64_t this_update, next_update, fresh_after;
	struct store_crl *out;
};

/* The CA's revocation version now and its CRL row (n_rows 0: none),
 * with its DER when it stands for fresh_after. */
static enum store_result crl_row(struct db_conn *c, const char *ca_id,
				 int64_t fresh_after, int64_t *version,
				 struct db_rows *rows)
{
	const struct db_param p[] = {DB_TEXT(ca_id)};
	struct db_rows v;
	enum store_result rc =
	    db_exec(c, "crl_claim", "SELECT " VERSION_OF("$1"), p, DB_N(p), &v);

	*version = db_int(&v, 0, 0);
	db_rows_free(&v);
	if (rc == STORE_OK) {
		const struct db_param q[] = {DB_TEXT(ca_id), DB_INT(*version),
					     DB_INT(fresh_after)};

		rc =
		    db_exec(c, "crl_claim",
			    "SELECT " CRL_COLUMNS " FROM crls WHERE ca_id = $1",
			    q, DB_N(q), rows);
	}
	return rc;
}

/*
 * Moves the number by one only from the value read: under PostgreSQL's
 * read committed, a node that lost the race changes no row and then
 * reads the winner's claim.
 */
static enum store_result crl_claim_run(struct db_conn *c, void *arg)
{
	struct crl_claim *x = arg;
	struct db_rows rows = {0}, w = {0};
	int64_t version, number = 0;
	enum store_result rc =
	    crl_row(c, x->ca_id, x->fresh_after, &version, &rows);

	if (rc == STORE_OK && rows.n_rows == 1 &&
	    db_int(&rows, 0, 1) == version &&
	    db_int(&rows, 0, 3) > x->fresh_after &&
	    db_int(&rows, 0, 2) <= x->this_update) {
		rc = crl_read(&rows, x->out);
		db_rows_free(&rows);
		return rc;
	}
	if (rc == STORE_OK) {
		const struct db_param p[] = {
		    DB_TEXT(x->ca_id), DB_INT(version), DB_INT(x->this_update),
		    DB_INT(x->next_update),
		    DB_INT(rows.n_rows == 1 ? db_int(&rows, 0, 0) : 0)};

		number = rows.n_rows == 1 ? db_int(&rows, 0, 0) + 1 : 1;
		rc = db_exec(c, "crl_claim",
			     rows.n_rows == 1
				 ? "UPDATE crls SET crl_number = crl_number + "
				   "1, version = $2, this_update = $3, "
				   "next_update = $4, der = NULL WHERE ca_id = "
				   "$1 AND crl_number = $5"
				 : "INSERT INTO crls (ca_id, crl_number, "
				   "version, this_update, next_update) VALUES "
				   "($1, 1, $2, $3, $4) ON CONFLICT (ca_id) DO "
				   "NOTHING",
			     p, rows.n_rows == 1 ? DB_N(p) : DB_N(p) - 1, &w);
	}
	db_rows_free(&rows);
	if (rc == STORE_OK && w.changes == 1) {
		memset(x->out, 0, sizeof(*x->out));
		x->out->number = number;
		x->out->version = version;
		x->out->this_update = x->this_update;
		x->out->next_update = x->next_update;
	} else if (rc == STORE_OK) {
		/* Another node claimed first: take its claim. */
		rc = crl_row(c, x->ca_id, x->fresh_after, &version, &rows);
		if (rc == STORE_OK && rows.n_rows == 0)
			rc = STORE_CONFLICT;
		if (rc == STORE_OK)
			rc = crl_read(&rows, x->out);
		db_rows_free(&rows);
	}
	db_rows_free(&w);
	return rc;
}

enum store_result store_crl_claim(struct store *st, const char *ca_id,
				  int64_t this_update, int64_t next_update,
				  int64_t fresh_after, struct store_crl *out)
{
	struct crl_claim x = {ca_id, this_update, next_update, fresh_after,
			      out};

	memset(out, 0, sizeof(*out));
	return db_transact(st, "crl_claim", crl_claim_run, &x, NULL);
}

enum store_result store_crl_put(struct store *st, const char *ca_id,
				int64_t number, const uint8_t *der, size_t len)
{
	const struct db_param p[] = {DB_TEXT(ca_id), DB_INT(number),
				     DB_BLOB(der, len)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "crl_put",
		   "UPDATE crls SET der = $3 WHERE ca_id = $1 AND crl_number "
		   "= $2",
		   p, DB_N(p), &rows);

	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_CONFLICT;
	db_rows_free(&rows);
	return rc;
}

void store_crl_free(struct store_crl *c)
{
	if (c == NULL)
		return;
	free(c->der);
	memset(c, 0, sizeof(*c));
}

enum store_result store_ocsp_response_get(struct store *st, const char *ca_id,
					  const char *serial, const char *hash,
					  int64_t fresh_after,
					  struct store_ocsp_response *out)
{
	const struct db_param p[] = {DB_TEXT(ca_id), DB_TEXT(serial),
				     DB_TEXT(hash), DB_INT(fresh_after)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "ocsp_response_get",
		   "SELECT this_update, next_update, der FROM ocsp_responses "
		   "WHERE ca_id = $1 AND serial = $2 AND hash = $3 AND "
		   "next_update > $4 AND version = " VERSION_OF("$1"),
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK) {
		out->this_update = db_int(&rows, 0, 0);
		out->next_update = db_int(&rows, 0, 1);
		rc = db_blob_copy(&rows, 0, 2, &out->der, &out->der_len);
	}
	db_rows_free(&rows);
	return rc;
}

enum store_result store_ocsp_response_put(struct store *st, const char *ca_id,
					  const char *serial, const char *hash,
					  int64_t version,
					  const struct store_ocsp_response *r)
{
	const struct db_param p[] = {DB_TEXT(ca_id),
				     DB_TEXT(serial),
				     DB_TEXT(hash),
				     DB_INT(version),
				     DB_INT(r->this_update),
				     DB_INT(r->next_update),
				     DB_BLOB(r->der, r->der_len)};

	return db_run(st, "ocsp_response_put",
		      "INSERT INTO ocsp_responses (ca_id, serial, hash, "
		      "version, this_update, next_update, der) VALUES ($1, "
		      "$2, $3, $4, $5, $6, $7) ON CONFLICT (ca_id, serial, "
		      "hash) DO UPDATE SET version = $4, this_update = $5, "
		      "next_update = $6, der = $7",
		      p, DB_N(p), NULL);
}

enum store_result store_ocsp_signer_get(struct store *st, const char *ca_id,
					struct store_ocsp_signer *out)
{
	const struct db_param p[] = {DB_TEXT(ca_id)};
	struct db_rows rows;
	enum store_result rc = db_run(
	    st, "ocsp_signer_get",
	    "SELECT s.certificate_id, s.key_sealed, c.der, c.not_after, "
	    "c.revoked_at FROM ocsp_signers s JOIN certificates c ON c.id = "
	    "s.certificate_id WHERE s.ca_id = $1",
	    p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = db_text_copy(&rows, 0, 0, &out->certificate_id);
	if (rc == STORE_OK)
		rc = db_blob_copy(&rows, 0, 1, &out->key_sealed, &out->key_len);
	if (rc == STORE_OK)
		rc = db_blob_copy(&rows, 0, 2, &out->cert_der, &out->cert_len);
	out->not_after = db_int(&rows, 0, 3);
	out->revoked_at = db_int(&rows, 0, 4);
	if (rc != STORE_OK)
		store_ocsp_signer_free(out);
	db_rows_free(&rows);
	return rc;
}

/* What store_ocsp_signer_put was given. */
struct signer_put {
	struct db_param p[5]; /* ca, certificate, key, created, expected */
	int replace;
};

static enum store_result signer_put_run(struct db_conn *c, void *arg)
{
	const struct signer_put *x = arg;
	struct db_rows rows = {0};
	enum store_result rc;

	if (x->replace)
		rc = db_exec(c, "ocsp_signer_put",
			     "UPDATE ocsp_signers SET certificate_id = $2, "
			     "key_sealed = $3, created_at = $4 WHERE ca_id = "
			     "$1 AND certificate_id = $5",
			     x->p, 5, &rows);
	else
		rc = db_exec(c, "ocsp_signer_put",
			     "INSERT INTO ocsp_signers (ca_id, certificate_id, "
			     "key_sealed, created_at) VALUES ($1, $2, $3, $4) "
			     "ON CONFLICT (ca_id) DO NOTHING",
			     x->p, 4, &rows);
	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_CONFLICT;
	db_rows_free(&rows);
	if (rc == STORE_OK)
		rc = db_exec(c, "ocsp_signer_put",
			     "DELETE FROM ocsp_responses WHERE ca_id = $1",
			     x->p, 1, NULL);
	return rc;
}

enum store_result store_ocsp_signer_put(struct store *st, const char *ca_id,
					const char *certificate_id,
					const uint8_t *key_sealed,
					size_t key_len, const char *expect_id,
					int64_t now)
{
	struct signer_put x = {{DB_TEXT(ca_id), DB_TEXT(certificate_id),
				DB_BLOB(key_sealed, key_len), DB_INT(now),
				DB_TEXT(expect_id)},
			       expect_id != NULL};

	return db_transact(st, "ocsp_signer_put", signer_put_run, &x, NULL);
}

void store_ocsp_signer_free(struct store_ocsp_signer *s)
{
	if (s == NULL)
		return;
	free(s->certificate_id);
	if (s->key_sealed != NULL)
		memset(s->key_sealed, 0, s->key_len);
	free(s->key_sealed);
	free(s->cert_der);
	memset(s, 0, sizeof(*s));
}

enum store_result store_revoked_each(struct store *st, const char *ca_id,
				     int64_t now, store_revoked_fn fn,
				     void *arg)
{
	char *after = strdup("");
	enum store_result rc = after != NULL ? STORE_OK : STORE_ERROR;
	size_t n = REVOKED_PAGE;

	/* A short page is the last one. */
	while (rc == STORE_OK && n == REVOKED_PAGE) {
		const struct db_param p[] = {DB_TEXT(ca_id), DB_INT(now),
					     DB_TEXT(after),
					     DB_INT(REVOKED_PAGE)};
		struct db_rows rows;

		rc = db_run(st, "revoked_each",
			    "SELECT serial, revoked_at, revocation_reason, "
			    "invalidity_date FROM certificates WHERE ca_id = "
			    "$1 AND revoked_at IS NOT NULL AND not_after > $2 "
			    "AND serial > $3 ORDER BY serial LIMIT $4",
			    p, DB_N(p), &rows);
		n = rc == STORE_OK ? rows.n_rows : 0;
		for (size_t i = 0; i < n && rc == STORE_OK; i++) {
			const char *reason = db_text(&rows, i, 2);

			if (fn(arg, db_text(&rows, i, 0), db_int(&rows, i, 1),
			       reason != NULL ? reason : "unspecified",
			       db_int(&rows, i, 3)) != 0)
				rc = STORE_ERROR;
		}
		if (rc == STORE_OK && n > 0) {
			free(after);
			after = strdup(db_text(&rows, n - 1, 0));
			if (after == NULL)
				rc = STORE_ERROR;
		}
		db_rows_free(&rows);
	}
	if (rc == STORE_ERROR && after == NULL)
		log_event(LOG_ERROR, "store.error",
			  "op=revoked_each error=\"out of memory\"");
	free(after);
	return rc;
}
