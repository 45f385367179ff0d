/*
 * Finalising an ACME order (RFC 8555 7.4): the CSR must name exactly
 * the order's identifiers; the certificate comes from the one issuance
 * path, through the template of the account's policy.
 */
#include <ctype.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/acme_order_doc.h"
#include "engine/certificate.h"
#include "engine/csr.h"
#include "engine/issuing.h"

/* The identifier values of doc ("*.x" for a wildcard) as "DNS:v". */
static GENERAL_NAMES *order_sans(const json_t *doc, struct engine_error *err)
{
	const json_t *id;
	size_t i, n = json_array_size(json_object_get(doc, "identifiers"));
	char **text = calloc(n, sizeof(*text));
	GENERAL_NAMES *sans = NULL;

	json_array_foreach (json_object_get(doc, "identifiers"), i, id) {
		if (text != NULL &&
		    asprintf(&text[i], "DNS:%s", acme_doc_str(id, "value")) < 0)
			text[i] = NULL;
	}
	if (text != NULL)
		sans = csr_sans_from_text((const char *const *)text, n,
					  "identifiers", err);
	for (i = 0; text != NULL && i < n; i++)
		free(text[i]);
	free(text);
	return sans;
}

/* 1 when doc has the identifier value (case as stored: lowercase). */
static int order_names(const json_t *doc, const char *value)
{
	const json_t *id;
	size_t i;

	json_array_foreach (json_object_get(doc, "identifiers"), i, id) {
		if (strcmp(acme_doc_str(id, "value"), value) == 0)
			return 1;
	}
	return 0;
}

/* The CN of name, lowercased into out, or "" when it has none. */
static void common_name(const X509_NAME *name, char *out, size_t size)
{
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	const ASN1_STRING *s =
	    i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i))
		   : NULL;
	size_t n = 0;

	if (s != NULL && (size_t)ASN1_STRING_length(s) < size)
		for (; n < (size_t)ASN1_STRING_length(s); n++)
			out[n] = (char)tolower(ASN1_STRING_get0_data(s)[n]);
	out[n] = '\0';
}

/* The i-th SAN as a lowercase dNSName, or NULL for another kind or one
 * with a NUL inside. The caller frees it with OPENSSL_free. */
static char *san_dns(const GENERAL_NAMES *sans, int i)
{
	const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
	const ASN1_IA5STRING *d = g->type == GEN_DNS ? g->d.dNSName : NULL;
	char *v = d != NULL ? OPENSSL_strndup((const char *)d->data,
					      (size_t)d->length)
			    : NULL;

	if (v != NULL && strlen(v) != (size_t)d->length) {
		OPENSSL_free(v);
		return NULL;
	}
	for (char *p = v; p != NULL && *p != '\0'; p++)
		*p = (char)tolower(*p);
	return v;
}

/* Whether an earlier SAN than the i-th is value. */
static int san_repeated(const GENERAL_NAMES *sans, int i, const char *value)
{
	int seen = 0;

	for (int j = 0; j < i && !seen; j++) {
		char *v = san_dns(sans, j);
		seen = v != NULL && strcmp(v, value) == 0;
		OPENSSL_free(v);
	}
	return seen;
}

/* The CSR names the order's identifiers, each once, and nothing else. */
static enum engine_result csr_names_check(X509_REQ *req, const json_t *doc,
					  struct engine_error *err)
{
	GENERAL_NAMES *sans = csr_sans(req);
	size_t n_ids = json_array_size(json_object_get(doc, "identifiers"));
	char cn[256];
	int n = sk_GENERAL_NAME_num(sans), bad = n < 0 || (size_t)n != n_ids;

	for (int i = 0; !bad && i < n; i++) {
		char *v = san_dns(sans, i);
		bad = v == NULL || !order_names(doc, v) ||
		      san_repeated(sans, i, v);
		OPENSSL_free(v);
	}
	common_name(X509_REQ_get_subject_name(req), cn, sizeof(cn));
	GENERAL_NAMES_free(sans);
	if (bad || (cn[0] != '\0' && !order_names(doc, cn)))
		return engine_fail_typed(err, ENGINE_INVALID, "badCSR",
					 "the CSR must name exactly the "
					 "order's identifiers as dNSName SANs "
					 "(and a CN, if any, among them)");
	return ENGINE_OK;
}

/*
 * Moves a ready order to processing for the lease (arg, seconds): the
 * issuance comes next. An order whose server stops before settling it
 * turns invalid when the lease ends, instead of processing for good.
 */
static enum engine_result to_processing(struct acme_loaded *l, void *arg,
					int64_t now, struct engine_error *err)
{
	const int64_t *lease = arg;

	if (strcmp(l->row.status, "ready") != 0)
		return engine_fail_typed(err, ENGINE_FORBIDDEN, "orderNotReady",
					 "the order is %s, not ready: every "
					 "authorization must be valid first",
					 l->row.status);
	free(l->row.status);
	l->row.status = strdup("processing");
	l->row.lease_until = now + *lease;
	return l->row.status != NULL
		   ? ENGINE_OK
		   : engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
}

/*
 * Settles a processing order: valid with cert_id, or ready again. One
 * that is processing no more (its lease ended) is left as it is.
 */
static enum engine_result settle(struct acme_loaded *l, void *arg, int64_t now,
				 struct engine_error *err)
{
	const char *cert_id = arg;

	(void)now;
	if (strcmp(l->row.status, "processing") != 0)
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the order is %s: its finalisation took "
				   "longer than its lease; place a new order",
				   l->row.status);
	free(l->row.status);
	l->row.status = strdup(cert_id != NULL ? "valid" : "ready");
	if (cert_id != NULL) {
		free(l->row.certificate_id);
		l->row.certificate_id = strdup(cert_id);
	}
	return l->row.status != NULL
		   ? ENGINE_OK
		   : engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
}

/* The subject: the first identifier as CN when it fits, else empty. */
static X509_NAME *order_subject(const json_t *doc)
{
	const char *first = acme_doc_str(
	    json_array_get(json_object_get(doc, "identifiers"), 0), "value");
	X509_NAME *name = X509_NAME_new();

	if (name != NULL && strlen(first) <= 64 &&
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
				       (const unsigned char *)first, -1, -1,
				       0) != 1) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

/* Issues the certificate of a processing order through the policy. */
static enum engine_result
order_issue(const struct acme_engine *ae, const struct store_acme_account *acct,
	    const json_t *doc, X509_REQ *req, const char *address, int64_t now,
	    struct store_certificate *cert, struct engine_error *err)
{
	struct store_acme_policy policy;
	struct principal who;
	struct store_audit a;
	struct issuing is;
	STACK_OF(X509_EXTENSION) *exts = NULL;
	GENERAL_NAMES *sans = NULL;
	X509_NAME *subject = NULL;
	X509 *x = NULL;
	enum engine_result res = engine_store_fail(
	    err, store_acme_policy_find(ae->ca.st, acct->policy_id, &policy),
	    "ACME policy");

	if (res != ENGINE_OK)
		return res;
	res = issuing_open(&ae->ca, acct->tenant_id, policy.template_id, &is,
			   err);
	store_acme_policy_free(&policy);
	/* The policy's CA may not issue (not active, or its certificate
	 * revoked): nothing the client can change, as for a disabled
	 * template. */
	if (res == ENGINE_CONFLICT) {
		err->code = res = ENGINE_FORBIDDEN;
		err->type = "unauthorized";
	}
	if (res != ENGINE_OK)
		return res;
	acme_principal(acct, address, &who);
	a = accounts_audit(&who, "acme_order.finalize", "certificate", NULL,
			   now);
	exts = X509_REQ_get_extensions(req);
	sans = order_sans(doc, err);
	subject = order_subject(doc);
	if (sans == NULL || subject == NULL)
		res = engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	else if (!is.tpl->enabled)
		res = engine_fail_typed(err, ENGINE_FORBIDDEN, "unauthorized",
					"the policy's template is disabled");
	if (res == ENGINE_OK) {
		struct issue_input in = {
		    .public_key = X509_REQ_get0_pubkey(req),
		    .spki = X509_REQ_get_X509_PUBKEY(req),
		    .subject = subject,
		    .sans = sans,
		    .requested = exts,
		    .not_before =
			json_integer_value(json_object_get(doc, "notBefore")),
		    .not_after =
			json_integer_value(json_object_get(doc, "notAfter"))};
		struct issue_record rec = {.tenant_id = acct->tenant_id,
					   .template_id = is.tpl_row.id,
					   .audit = &a};
		res = engine_issue(ae->ca.st, is.signer, is.tpl, &in, &rec, now,
				   &x, cert, err);
	}
	if (res == ENGINE_INVALID && err->type == NULL)
		err->type = "badCSR";
	X509_free(x);
	X509_NAME_free(subject);
	GENERAL_NAMES_free(sans);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	issuing_clear(&is);
	return res;
}

enum engine_result acme_order_finalize(const struct acme_engine *ae,
				       const struct store_acme_account *acct,
				       const char *order_id, const uint8_t *csr,
				       size_t csr_len, const char *address,
				       int64_t now,
				       struct store_acme_order *out,
				       struct engine_error *err)
{
	struct store_certificate cert = {0};
	struct store_acme_order held = {0};
	X509_REQ *req = NULL;
	json_t *doc = NULL;
	int64_t lease = ae->set.lease;
	enum engine_result res =
	    acme_order_get(ae, acct, order_id, now, &held, err);

	if (res == ENGINE_OK &&
	    (doc = json_loads(held.document, 0, NULL)) == NULL)
		res = engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	if (res == ENGINE_OK && (req = csr_parse(csr, csr_len, err)) == NULL)
		res = err->code;
	if (res == ENGINE_INVALID && err->type == NULL)
		err->type = "badCSR";
	if (res == ENGINE_OK)
		res = csr_names_check(req, doc, err);
	store_acme_order_free(&held);
	if (res == ENGINE_OK)
		res = acme_order_change(ae, acct, order_id, now, to_processing,
					&lease, NULL, err);
	if (res == ENGINE_OK) {
		struct engine_error settle_err;
		res = order_issue(ae, acct, doc, req, address, now, &cert, err);
		/* the order is valid, or may be finalised again; out is the
		 * caller's only on success */
		if (acme_order_change(ae, acct, order_id, now, settle,
				      res == ENGINE_OK ? cert.id : NULL,
				      res == ENGINE_OK ? out : NULL,
				      &settle_err) != ENGINE_OK &&
		    res == ENGINE_OK)
			res = engine_fail(err, settle_err.code, NULL, "%s",
					  settle_err.detail);
	}
	store_certificate_free(&cert);
	X509_REQ_free(req);
	json_decref(doc);
	return res;
}

enum engine_result acme_certificate_pem(const struct acme_engine *ae,
					const struct store_acme_account *acct,
					const char *certificate_id,
					uint8_t **pem, size_t *len,
					struct engine_error *err)
{
	struct store_acme_order o;
	struct store_certificate c;
	STACK_OF(X509) *chain = NULL;
	enum store_result rc =
	    store_acme_order_find_certificate(ae->ca.st, certificate_id, &o);
	enum engine_result res = ENGINE_OK;

	*pem = NULL;
	if (rc == STORE_OK && strcmp(o.account_id, acct->id) != 0)
		rc = STORE_NOT_FOUND;
	store_acme_order_free(&o);
	if (rc == STORE_OK)
		rc = store_certificate_get(ae->ca.st, acct->tenant_id,
					   certificate_id, &c);
	if (rc == STORE_NOT_FOUND)
		return engine_fail_typed(err, ENGINE_NOT_FOUND, "malformed",
					 "no such certificate of this account");
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "certificate");
	chain = certificate_chain(&ae->ca, &c);
	if (chain == NULL ||
	    certificate_chain_encode(chain, CERT_PEM_CHAIN, pem, len) != 0)
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the certificate could not be encoded");
	OSSL_STACK_OF_X509_free(chain);
	store_certificate_free(&c);
	return res;
}
