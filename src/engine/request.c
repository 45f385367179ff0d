#include "engine/request.h"

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/csr.h"
#include "engine/issuing.h"
#include "engine/keytype.h"
#include "engine/policy.h"
#include "engine/serial.h"
#include "engine/templates.h"
#include "lib/clock.h"
#include "lib/digest.h"
#include "lib/rand.h"

#define REASON_MAX    512
#define CLAIM_PREFIX  "pkiaas_claim_"
#define OVERRIDES_MAX 100

/* Reads stored overrides (JSON) into what engine_issue takes. */
struct parsed_overrides {
	X509_NAME *subject;
	GENERAL_NAMES *sans;
	int has_sans;
	int64_t not_before, not_after;
	int validity_days;
};

static void parsed_clear(struct parsed_overrides *p)
{
	X509_NAME_free(p->subject);
	GENERAL_NAMES_free(p->sans);
	memset(p, 0, sizeof(*p));
}

static enum engine_result overrides_parse(const struct request_overrides *ov,
					  struct parsed_overrides *p,
					  struct engine_error *err)
{
	memset(p, 0, sizeof(*p));
	if (ov == NULL)
		return ENGINE_OK;
	if (ov->n_subject > OVERRIDES_MAX || ov->n_sans > OVERRIDES_MAX)
		return engine_fail(err, ENGINE_INVALID, "subject",
				   "at most %d subject attributes and SANs",
				   OVERRIDES_MAX);
	if (ov->validity_days < 0 || ov->validity_days > 3650)
		return engine_fail(err, ENGINE_INVALID, "validity_days",
				   "validity_days is 1 to 3650");
	if (ov->subject != NULL &&
	    (p->subject = csr_subject_from_text(ov->subject, ov->n_subject,
						"subject", err)) == NULL)
		return err->code;
	if (ov->has_sans && (p->sans = csr_sans_from_text(
				 ov->sans, ov->n_sans, "sans", err)) == NULL) {
		parsed_clear(p);
		return err->code;
	}
	p->has_sans = ov->has_sans;
	p->validity_days = ov->validity_days;
	p->not_before = ov->not_before;
	p->not_after = ov->not_after;
	return ENGINE_OK;
}

/* The validity overrides ask, as engine_issue takes it. */
static void overrides_validity(const struct parsed_overrides *p, int64_t now,
			       struct issue_input *in)
{
	in->not_before = p->not_before;
	in->not_after = p->not_after;
	if (in->not_after == 0 && p->validity_days > 0)
		in->not_after = (in->not_before != 0 ? in->not_before : now) +
				(int64_t)p->validity_days * CLOCK_DAY;
}

/*
 * Signs req's CSR through the template, settling request r; when
 * submitted is not NULL, r is new and stored issued with it.
 */
static enum engine_result
csr_issue(const struct ca_context *ctx, struct issuing *is, X509_REQ *csr,
	  const struct parsed_overrides *p, const struct store_request *r,
	  const struct store_audit *submitted, const struct store_audit *a,
	  int64_t now, struct store_certificate *out, struct engine_error *err)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(csr);
	GENERAL_NAMES *sans = csr_sans(csr);
	struct issue_input in = {
	    .public_key = X509_REQ_get0_pubkey(csr),
	    .spki = X509_REQ_get_X509_PUBKEY(csr),
	    .subject = p->subject != NULL ? p->subject
					  : X509_REQ_get_subject_name(csr),
	    .sans = p->has_sans ? p->sans : sans,
	    .requested = exts};
	struct issue_record rec = {.tenant_id = r->tenant_id,
				   .template_id = r->template_id,
				   .request = r,
				   .audit = a,
				   .submitted = submitted};
	X509 *cert = NULL;
	enum engine_result res;

	overrides_validity(p, now, &in);
	res = engine_issue(ctx->st, is->signer, is->tpl, &in, &rec, now, &cert,
			   out, err);
	X509_free(cert);
	GENERAL_NAMES_free(sans);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return res;
}

enum engine_result
request_submit(const struct ca_context *ctx, const struct principal *who,
	       const char *template_id, const uint8_t *csr, size_t csr_len,
	       int64_t now, struct store_request *out,
	       struct store_certificate *cert_out, struct engine_error *err)
{
	char id[RAND_ID_LEN + 1] = "";
	struct store_request r = {.id = id,
				  .tenant_id = (char *)who->tenant_id,
				  .template_id = (char *)template_id,
				  .status = "pending",
				  .requested_by = who->user_id[0] != '\0'
						      ? (char *)who->user_id
						      : NULL,
				  .created_at = now};
	struct store_audit a =
	    accounts_audit(who, "request.submit", "request", id, now);
	struct store_certificate cert = {0};
	struct parsed_overrides none = {0};
	struct issuing is;
	X509_REQ *req;
	GENERAL_NAMES *sans;
	STACK_OF(X509_EXTENSION) * exts;
	unsigned char *der = NULL;
	int der_len;
	enum engine_result res;
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	if (cert_out != NULL)
		memset(cert_out, 0, sizeof(*cert_out));
	if (access_require(who, ACCESS_OPERATE, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "request.submit",
				       "request", NULL, now, err);
	res = issuing_open(ctx, who->tenant_id, template_id, &is, err);
	if (res != ENGINE_OK)
		return res;
	req = csr_parse(csr, csr_len, err);
	if (req == NULL) {
		issuing_clear(&is);
		return err->code;
	}
	/* The template's rules are checked now, so that a request that
	 * cannot be signed is refused at once, naming its rule. */
	sans = csr_sans(req);
	exts = X509_REQ_get_extensions(req);
	if (!is.tpl->enabled)
		res = engine_fail(err, ENGINE_INVALID, "template_id",
				  "the template is disabled (enabled)");
	else if (policy_key_check(is.tpl, X509_REQ_get0_pubkey(req), err) !=
		     ENGINE_OK ||
		 policy_extensions_check(is.tpl, exts, err) != ENGINE_OK ||
		 policy_sans_check(is.tpl, sans, err) != ENGINE_OK)
		res = err->code;
	GENERAL_NAMES_free(sans);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	der_len = res == ENGINE_OK ? i2d_X509_REQ(req, &der) : 0;
	r.subject = csr_name_text(X509_REQ_get_subject_name(req));
	if (res == ENGINE_OK &&
	    (der_len <= 0 || r.subject == NULL || rand_id_ordered(id)))
		res = engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	if (res == ENGINE_OK) {
		r.csr_der = der;
		r.csr_len = (size_t)der_len;
		a.detail = r.subject;
	}
	if (res == ENGINE_OK && !is.tpl->auto_approve) {
		rc = store_request_insert(ctx->st, &r, &a);
		res = rc == STORE_OK ? ENGINE_OK
				     : engine_store_fail(err, rc, "request");
	} else if (res == ENGINE_OK) {
		/* Stored with its certificate or not at all. */
		struct store_audit issued =
		    accounts_audit(who, "request.approve", "request", id, now);

		issued.detail = "auto_approve";
		r.decided_at = now;
		r.decided_by = (char *)who->user_id;
		res = csr_issue(ctx, &is, req, &none, &r, &a, &issued, now,
				&cert, err);
		if (res == ENGINE_OK) {
			r.status = "issued";
			r.certificate_id = cert.id;
		}
	}
	/* The answer is what was just stored, not read back. */
	if (res == ENGINE_OK && store_request_copy(&r, out) != STORE_OK)
		res = engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	if (res == ENGINE_OK && cert_out != NULL && cert.id != NULL) {
		*cert_out = cert;
		memset(&cert, 0, sizeof(cert));
	}
	store_certificate_free(&cert);
	OPENSSL_free(der);
	free(r.subject);
	X509_REQ_free(req);
	issuing_clear(&is);
	return res;
}

/* The decoded form of a stored request's CSR. */
static enum engine_result view_fill(const struct ca_context *ctx,
				    struct request_view *v, int64_t now,
				    struct engine_error *err)
{
	const unsigned char *p = v->request.csr_der;
	X509_REQ *req =
	    p != NULL ? d2i_X509_REQ(NULL, &p, (long)v->request.csr_len) : NULL;
	STACK_OF(X509_EXTENSION) * exts;
	GENERAL_NAMES *sans;
	const struct key_type *kt;
	struct store_template t;
	struct template_settings s;
	BIO *bio;
	char *data = NULL;
	long len;

	v->would_not_before = now - ISSUE_BACKDATE_SECONDS;
	if (store_template_get(ctx->st, v->request.tenant_id,
			       v->request.template_id, &t) == STORE_OK) {
		if (templates_settings(&t, &s, NULL) == ENGINE_OK) {
			v->would_not_after =
			    now + (int64_t)s.validity_days * CLOCK_DAY;
			template_settings_clear(&s);
		}
		store_template_free(&t);
	}
	if (req == NULL)
		return ENGINE_OK;
	kt = key_type_of(X509_REQ_get0_pubkey(req));
	sans = csr_sans(req);
	exts = X509_REQ_get_extensions(req);
	v->subject = csr_name_text(X509_REQ_get_subject_name(req));
	v->sans = csr_sans_text(sans);
	v->key_type = strdup(kt != NULL ? kt->name : "unknown");
	v->key_bits = EVP_PKEY_get_bits(X509_REQ_get0_pubkey(req));
	bio = BIO_new(BIO_s_mem());
	for (int i = 0; bio != NULL && i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

		i2a_ASN1_OBJECT(bio, X509_EXTENSION_get_object(e));
		BIO_puts(bio, ": ");
		if (X509V3_EXT_print(bio, e, 0, 0) != 1)
			BIO_puts(bio, "(not shown)");
		BIO_puts(bio, "\n");
	}
	len = bio != NULL ? BIO_get_mem_data(bio, &data) : -1;
	v->extensions =
	    len >= 0 ? strndup(data != NULL ? data : "", (size_t)len) : NULL;
	ERR_clear_error();
	BIO_free(bio);
	GENERAL_NAMES_free(sans);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
	if (v->subject == NULL || v->sans == NULL || v->key_type == NULL ||
	    v->extensions == NULL)
		return engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	return ENGINE_OK;
}

enum engine_result request_get(const struct ca_context *ctx,
			       const struct principal *who, const char *id,
			       int64_t now, struct request_view *out,
			       struct engine_error *err)
{
	enum store_result rc;
	enum engine_result res;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_request_get(ctx->st, who->tenant_id, id, &out->request);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "request");
	res = view_fill(ctx, out, now, err);
	if (res != ENGINE_OK)
		request_view_free(out);
	return res;
}

enum engine_result request_list(const struct ca_context *ctx,
				const struct principal *who, const char *status,
				const char *after, size_t limit,
				struct store_request_list *out,
				struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	if (status != NULL && strcmp(status, "pending") != 0 &&
	    strcmp(status, "issued") != 0 && strcmp(status, "declined") != 0 &&
	    strcmp(status, "preapproved") != 0)
		return engine_fail(err, ENGINE_INVALID, "status",
				   "status is pending, issued, declined or "
				   "preapproved");
	rc = store_request_list(ctx->st, who->tenant_id, status, after,
				accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "request");
}

enum engine_result request_approve(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   const struct request_overrides *ov,
				   int64_t now, struct store_certificate *out,
				   struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "request.approve", "request", id, now);
	struct parsed_overrides p;
	struct store_request r;
	struct issuing is;
	const unsigned char *der;
	X509_REQ *req = NULL;
	enum engine_result res;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_OPERATE, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "request.approve",
				       "request", id, now, err);
	res = engine_store_fail(
	    err, store_request_get(ctx->st, who->tenant_id, id, &r), "request");
	if (res != ENGINE_OK)
		return res;
	if (strcmp(r.status, "pending") != 0) {
		engine_fail(err, ENGINE_CONFLICT, NULL,
			    "the request is %s, not pending", r.status);
		store_request_free(&r);
		return ENGINE_CONFLICT;
	}
	res = overrides_parse(ov, &p, err);
	if (res == ENGINE_OK)
		res =
		    issuing_open(ctx, who->tenant_id, r.template_id, &is, err);
	if (res == ENGINE_OK) {
		der = r.csr_der;
		req = d2i_X509_REQ(NULL, &der, (long)r.csr_len);
		r.decided_at = now;
		free(r.decided_by);
		r.decided_by = strdup(who->user_id);
		res = req == NULL || r.decided_by == NULL
			  ? engine_fail(err, ENGINE_ERROR, NULL,
					"the stored CSR does not parse")
			  : csr_issue(ctx, &is, req, &p, &r, NULL, &a, now, out,
				      err);
		issuing_clear(&is);
	}
	X509_REQ_free(req);
	parsed_clear(&p);
	store_request_free(&r);
	return res;
}

enum engine_result request_decline(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   const char *reason, int64_t now,
				   struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "request.decline", "request", id, now);
	struct store_request r = {.id = (char *)id,
				  .tenant_id = (char *)who->tenant_id,
				  .decided_at = now,
				  .decided_by = (char *)who->user_id,
				  .decline_reason = (char *)reason};
	enum store_result rc;

	if (access_require(who, ACCESS_OPERATE, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "request.decline",
				       "request", id, now, err);
	if (reason == NULL || *reason == '\0' || strlen(reason) > REASON_MAX)
		return engine_fail(err, ENGINE_INVALID, "reason",
				   "a decline gives a reason of 1 to %d bytes",
				   REASON_MAX);
	a.detail = reason;
	rc = store_request_decline(ctx->st, &r, &a);
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "the request is not pending");
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "request");
}

/* The stored JSON form of pre-approved overrides. */
static char *overrides_encode(const struct request_overrides *ov)
{
	json_t *obj = json_object(), *subject = json_array(),
	       *sans = json_array();
	char *text = NULL;

	for (size_t i = 0; subject != NULL && i < ov->n_subject; i++)
		json_array_append_new(subject, json_string(ov->subject[i]));
	for (size_t i = 0; sans != NULL && i < ov->n_sans; i++)
		json_array_append_new(sans, json_string(ov->sans[i]));
	if (obj != NULL && subject != NULL && sans != NULL &&
	    json_object_set_new(obj, "subject", subject) == 0 &&
	    json_object_set_new(obj, "sans", sans) == 0) {
		subject = sans = NULL;
		json_object_set_new(obj, "validity_days",
				    json_integer(ov->validity_days));
		json_object_set_new(obj, "not_before",
				    json_integer(ov->not_before));
		json_object_set_new(obj, "not_after",
				    json_integer(ov->not_after));
		text = json_dumps(obj, JSON_COMPACT);
	}
	json_decref(subject);
	json_decref(sans);
	json_decref(obj);
	return text;
}

enum engine_result request_preapprove(const struct ca_context *ctx,
				      const struct principal *who,
				      const char *template_id,
				      const struct request_overrides *ov,
				      int64_t now, struct store_request *out,
				      char **claim, struct engine_error *err)
{
	char id[RAND_ID_LEN + 1] = "", raw[ACCOUNTS_SECRET_MAX];
	char hash[DIGEST_HEX_LEN + 1];
	struct store_request r = {.id = id,
				  .tenant_id = (char *)who->tenant_id,
				  .template_id = (char *)template_id,
				  .status = "preapproved",
				  .claim_hash = hash,
				  .requested_by = (char *)who->user_id,
				  .created_at = now};
	struct store_audit a =
	    accounts_audit(who, "request.preapprove", "request", id, now);
	struct parsed_overrides p;
	struct issuing is;
	enum engine_result res;
	enum store_result rc;

	*claim = NULL;
	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_OPERATE, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "request.preapprove",
				       "request", NULL, now, err);
	res = overrides_parse(ov, &p, err);
	if (res == ENGINE_OK && p.subject == NULL)
		res = engine_fail(err, ENGINE_INVALID, "subject",
				  "a pre-approval fixes the subject");
	if (res == ENGINE_OK &&
	    (res = issuing_open(ctx, who->tenant_id, template_id, &is, err)) ==
		ENGINE_OK) {
		res = policy_sans_check(is.tpl, p.sans, err);
		issuing_clear(&is);
	}
	if (res == ENGINE_OK) {
		r.subject = csr_name_text(p.subject);
		r.overrides = overrides_encode(ov);
		if (r.subject == NULL || r.overrides == NULL ||
		    rand_id_ordered(id) != 0 ||
		    accounts_secret_new(raw, sizeof(raw)) != 0 ||
		    asprintf(claim, CLAIM_PREFIX "%s", raw) < 0 ||
		    digest_sha256_hex(*claim, strlen(*claim), hash) != 0)
			res = engine_fail(err, ENGINE_ERROR, NULL,
					  "out of memory");
	}
	if (res == ENGINE_OK) {
		a.detail = r.subject;
		rc = store_request_insert(ctx->st, &r, &a);
		res = rc == STORE_OK
			  ? engine_store_fail(err,
					      store_request_get(ctx->st,
								who->tenant_id,
								id, out),
					      "request")
			  : engine_store_fail(err, rc, "request");
	}
	if (res != ENGINE_OK) {
		free(*claim);
		*claim = NULL;
	}
	free(r.subject);
	free(r.overrides);
	parsed_clear(&p);
	return res;
}

/* The overrides of a pre-approved request, from its stored JSON; the
 * strings point into obj and live as long as it. */
static int overrides_decode(json_t *obj, const char **subject,
			    const char **sans, struct request_overrides *ov)
{
	json_t *s = json_object_get(obj, "subject");
	json_t *n = json_object_get(obj, "sans");

	memset(ov, 0, sizeof(*ov));
	if (!json_is_array(s) || !json_is_array(n) ||
	    json_array_size(s) > OVERRIDES_MAX ||
	    json_array_size(n) > OVERRIDES_MAX)
		return -1;
	for (size_t i = 0; i < json_array_size(s); i++)
		subject[ov->n_subject++] =
		    json_string_value(json_array_get(s, i));
	for (size_t i = 0; i < json_array_size(n); i++)
		sans[ov->n_sans++] = json_string_value(json_array_get(n, i));
	for (size_t i = 0; i < ov->n_subject; i++)
		if (subject[i] == NULL)
			return -1;
	for (size_t i = 0; i < ov->n_sans; i++)
		if (sans[i] == NULL)
			return -1;
	ov->subject = subject;
	ov->sans = sans;
	ov->has_sans = 1;
	ov->validity_days =
	    (int)json_integer_value(json_object_get(obj, "validity_days"));
	ov->not_before = json_integer_value(json_object_get(obj, "not_before"));
	ov->not_after = json_integer_value(json_object_get(obj, "not_after"));
	return 0;
}

enum engine_result request_claim(const struct ca_context *ctx,
				 const char *claim, const uint8_t *csr,
				 size_t csr_len, const char *address,
				 int64_t now, struct store_certificate *out,
				 struct engine_error *err)
{
	const char *subject[OVERRIDES_MAX], *sans[OVERRIDES_MAX];
	char hash[DIGEST_HEX_LEN + 1];
	struct request_overrides ov;
	struct parsed_overrides p = {0};
	struct store_request r;
	struct issuing is;
	struct store_audit a = {.action = "request.claim",
				.object_type = "request",
				.address = address,
				.outcome = "success",
				.at = now};
	json_t *stored = NULL;
	X509_REQ *req = NULL;
	unsigned char *der = NULL;
	int der_len;
	enum engine_result res;

	memset(out, 0, sizeof(*out));
	if (strlen(claim) > ACCOUNTS_SECRET_MAX + strlen(CLAIM_PREFIX) ||
	    digest_sha256_hex(claim, strlen(claim), hash) != 0 ||
	    store_request_find_claim(ctx->st, hash, &r) != STORE_OK)
		return engine_fail(err, ENGINE_NOT_FOUND, "claim",
				   "the claim token is unknown or used");
	a.tenant_id = r.tenant_id;
	a.object_id = r.id;
	a.actor_name = "claim";
	req = csr_parse(csr, csr_len, err);
	res = req != NULL ? ENGINE_OK : err->code;
	stored = res == ENGINE_OK && r.overrides != NULL
		     ? json_loads(r.overrides, 0, NULL)
		     : NULL;
	if (res == ENGINE_OK &&
	    (stored == NULL || overrides_decode(stored, subject, sans, &ov)))
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the stored pre-approval does not parse");
	if (res == ENGINE_OK)
		res = overrides_parse(&ov, &p, err);
	der_len = res == ENGINE_OK ? i2d_X509_REQ(req, &der) : 0;
	if (res == ENGINE_OK && der_len > 0 &&
	    (res = issuing_open(ctx, r.tenant_id, r.template_id, &is, err)) ==
		ENGINE_OK) {
		free(r.csr_der);
		r.csr_der = malloc((size_t)der_len);
		if (r.csr_der != NULL)
			memcpy(r.csr_der, der, (size_t)der_len);
		r.csr_len = (size_t)der_len;
		r.decided_at = now;
		res = csr_issue(ctx, &is, req, &p, &r, NULL, &a, now, out, err);
		issuing_clear(&is);
	}
	OPENSSL_free(der);
	parsed_clear(&p);
	json_decref(stored);
	X509_REQ_free(req);
	store_request_free(&r);
	return res;
}

void request_view_free(struct request_view *v)
{
	if (v == NULL)
		return;
	store_request_free(&v->request);
	free(v->subject);
	free(v->sans);
	free(v->key_type);
	free(v->extensions);
	memset(v, 0, sizeof(*v));
}

/* Whether signature is old's key's over the CSR's DER. */
static int possession_proved(X509 *old, X509_REQ *csr, const uint8_t *sig,
			     size_t sig_len)
{
	EVP_PKEY *key = X509_get0_pubkey(old);
	const char *md = key != NULL && (EVP_PKEY_is_a(key, "RSA") ||
					 EVP_PKEY_is_a(key, "EC"))
			     ? "SHA256"
			     : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *der = NULL;
	int len = i2d_X509_REQ(csr, &der);
	int ok = ctx != NULL && key != NULL && len > 0 &&
		 EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, key,
					 NULL) == 1 &&
		 EVP_DigestVerify(ctx, sig, sig_len, der, (size_t)len) == 1;

	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

/* The stored record of a certificate the holder presents as PEM. */
static enum engine_result presented(const struct ca_context *ctx,
				    const char *pem, X509 **cert,
				    struct store_certificate *rec,
				    struct engine_error *err)
{
	BIO *bio = strlen(pem) < CSR_MAX ? BIO_new_mem_buf(pem, -1) : NULL;
	unsigned char *der = NULL;
	char *serial = NULL;
	int len = 0;
	enum store_result rc = STORE_NOT_FOUND;

	*cert = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	ERR_clear_error();
	if (*cert == NULL)
		return engine_fail(err, ENGINE_INVALID, "certificate",
				   "the certificate is not PEM");
	serial = serial_text(X509_get0_serialNumber(*cert));
	len = i2d_X509(*cert, &der);
	if (serial != NULL && len > 0)
		rc = store_certificate_find_der(ctx->st, serial, der,
						(size_t)len, rec);
	free(serial);
	OPENSSL_free(der);
	if (rc == STORE_NOT_FOUND)
		return engine_fail(err, ENGINE_NOT_FOUND, "certificate",
				   "this server did not issue the certificate");
	return engine_store_fail(err, rc, "certificate");
}

/* The template's renewal rules for a certificate valid at now. */
static enum engine_result renewal_allowed(const struct template_settings *t,
					  const struct store_certificate *rec,
					  int64_t now, struct engine_error *err)
{
	if (rec->revoked_at != 0 || now >= rec->not_after)
		return engine_fail(err, ENGINE_INVALID, "certificate",
				   "only a valid certificate can be renewed; "
				   "this one is revoked or expired");
	if (!t->renewal_enabled)
		return engine_fail(err, ENGINE_INVALID, "certificate",
				   "the template does not allow renewal "
				   "(renewal.enabled)");
	if (rec->not_after - now > (int64_t)t->renewal_within_days * CLOCK_DAY)
		return engine_fail(err, ENGINE_INVALID, "certificate",
				   "renewal opens %d days before the "
				   "certificate expires (renewal.within_days)",
				   t->renewal_within_days);
	return ENGINE_OK;
}

enum engine_result request_renew(const struct ca_context *ctx,
				 const char *cert_pem, const uint8_t *csr,
				 size_t csr_len, const uint8_t *signature,
				 size_t signature_len, const char *address,
				 int64_t now, struct store_certificate *out,
				 struct engine_error *err)
{
	struct store_certificate rec = {0};
	struct store_audit a = {.action = "certificate.renew",
				.object_type = "certificate",
				.address = address,
				.actor_name = "holder",
				.outcome = "success",
				.at = now};
	struct issue_input in = {0};
	struct issue_record r = {0};
	struct issuing is = {0};
	GENERAL_NAMES *sans = NULL;
	X509_REQ *req = NULL;
	X509 *old = NULL, *fresh = NULL;
	enum engine_result res = presented(ctx, cert_pem, &old, &rec, err);

	memset(out, 0, sizeof(*out));
	if (res == ENGINE_OK && rec.template_id == NULL)
		res = engine_fail(err, ENGINE_INVALID, "certificate",
				  "the certificate's template was deleted");
	if (res == ENGINE_OK)
		res =
		    issuing_open(ctx, rec.tenant_id, rec.template_id, &is, err);
	if (res == ENGINE_OK)
		res = renewal_allowed(is.tpl, &rec, now, err);
	if (res == ENGINE_OK && (req = csr_parse(csr, csr_len, err)) == NULL)
		res = err->code;
	if (res == ENGINE_OK &&
	    !possession_proved(old, req, signature, signature_len))
		res = engine_fail(err, ENGINE_INVALID, "signature",
				  "the signature over the CSR is not the "
				  "certificate's key's");
	if (res == ENGINE_OK) {
		sans = X509_get_ext_d2i(old, NID_subject_alt_name, NULL, NULL);
		in.public_key = X509_REQ_get0_pubkey(req);
		in.spki = X509_REQ_get_X509_PUBKEY(req);
		in.subject = X509_get_subject_name(old);
		in.sans = sans;
		r.tenant_id = rec.tenant_id;
		r.template_id = rec.template_id;
		r.revoke_id = rec.id;
		a.tenant_id = rec.tenant_id;
		a.detail = rec.id;
		r.audit = &a;
		res = engine_issue(ctx->st, is.signer, is.tpl, &in, &r, now,
				   &fresh, out, err);
	}
	X509_free(fresh);
	X509_free(old);
	X509_REQ_free(req);
	GENERAL_NAMES_free(sans);
	issuing_clear(&is);
	store_certificate_free(&rec);
	return res;
}

enum engine_result request_public_principal(const struct ca_context *ctx,
					    const char *template_id,
					    const char *address,
					    struct principal *who,
					    struct engine_error *err)
{
	struct store_template t;
	struct template_settings s = {0};
	int open = 0;

	if (template_id != NULL &&
	    store_template_find(ctx->st, template_id, &t) == STORE_OK) {
		open = templates_settings(&t, &s, NULL) == ENGINE_OK &&
		       s.allow_public && s.enabled;
		memset(who, 0, sizeof(*who));
		snprintf(who->tenant_id, sizeof(who->tenant_id), "%s",
			 t.tenant_id);
		template_settings_clear(&s);
		store_template_free(&t);
	}
	if (!open)
		return engine_fail(err, ENGINE_UNAUTHENTICATED, NULL,
				   "log in, or send an API token in "
				   "\"Authorization: Bearer\"");
	who->kind = PRINCIPAL_TOKEN;
	snprintf(who->username, sizeof(who->username), "public");
	snprintf(who->role, sizeof(who->role), "public");
	who->permissions = ACCESS_READ | ACCESS_OPERATE;
	snprintf(who->address, sizeof(who->address), "%s",
		 address != NULL ? address : "");
	return ENGINE_OK;
}
