#include "engine/ocsp.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ca_settings.h"
#include "engine/crl.h"
#include "engine/keytype.h"
#include "engine/ocsp_cache.h"
#include "engine/serial.h"
#include "engine/template.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "signer/soft.h"

#define AAD_MAX 48

/* One process issues a CA's signing certificate at a time; between
 * nodes the store's compare-and-set picks one. */
static pthread_mutex_t signer_lock = PTHREAD_MUTEX_INITIALIZER;

/* A parsed, checked request: its certificate ids and whether it has a
 * nonce. The ids point into req. */
struct ocsp_query {
	OCSP_REQUEST *req;
	OCSP_CERTID *ids[OCSP_CERTS_MAX];
	const char *hash[OCSP_CERTS_MAX]; /* "sha1", ... of each id */
	char *serial[OCSP_CERTS_MAX];	  /* lowercase hex */
	int n;
	int nonce;
};

/* One answer in the making. */
struct ocsp_call {
	const struct ca_context *ctx;
	const struct ocsp_issuer *ca;
	struct ocsp_query q;
	int64_t validity, now;
	int64_t version; /* the revocation version the answer is of */
	int shared;	 /* the answer is every asker's: it may be kept */
};

/* A certificate's status as the store has it. */
struct ocsp_status {
	int status; /* V_OCSP_CERTSTATUS_* */
	int reason; /* crl_reason_code, -1: none */
	int64_t revoked_at, invalidity_date;
};

/* The delegated signer, opened. */
struct ocsp_signer {
	X509 *cert;
	EVP_PKEY *key;
	int64_t not_after;
};

void ocsp_answer_free(struct ocsp_answer *a)
{
	if (a == NULL)
		return;
	free(a->der);
	memset(a, 0, sizeof(*a));
}

static void query_clear(struct ocsp_query *q)
{
	for (int i = 0; i < q->n; i++)
		free(q->serial[i]);
	OCSP_REQUEST_free(q->req);
	memset(q, 0, sizeof(*q));
}

static void signer_clear(struct ocsp_signer *s)
{
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	memset(s, 0, sizeof(*s));
}

/* An answer with a status and no response bytes (RFC 6960 4.2.1). */
static enum engine_result answer_status(struct ocsp_answer *out, int status,
					const char *name)
{
	OCSP_RESPONSE *resp = OCSP_response_create(status, NULL);
	unsigned char *der = NULL;
	int len = resp != NULL ? i2d_OCSP_RESPONSE(resp, &der) : -1;

	OCSP_RESPONSE_free(resp);
	memset(out, 0, sizeof(*out));
	if (len <= 0 || (out->der = malloc((size_t)len)) == NULL) {
		OPENSSL_free(der);
		ERR_clear_error();
		return ENGINE_ERROR;
	}
	memcpy(out->der, der, (size_t)len);
	out->len = (size_t)len;
	out->status = name;
	OPENSSL_free(der);
	return ENGINE_OK;
}

/* Why a request is refused, in the log; the client sees only the code. */
static int refuse(const char *ca_id, const char *rule)
{
	log_event(LOG_INFO, "ocsp.refused", "ca=%s rule=\"%s\"", ca_id, rule);
	ERR_clear_error();
	return -1;
}

/*
 * The nonce's extnValue must hold exactly one DER OCTET STRING of 1 to
 * OCSP_NONCE_MAX octets (RFC 9654 2.1).
 */
static int nonce_check(X509_EXTENSION *ext, const char *ca_id)
{
	const ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(ext);
	const unsigned char *p = ASN1_STRING_get0_data(v);
	long len = ASN1_STRING_length(v);
	ASN1_OCTET_STRING *inner = d2i_ASN1_OCTET_STRING(NULL, &p, len);
	int n = inner != NULL ? ASN1_STRING_length(inner) : -1;

	ASN1_OCTET_STRING_free(inner);
	if (n < 0 || p != ASN1_STRING_get0_data(v) + len)
		return refuse(ca_id, "the nonce is not one DER OCTET STRING "
				     "(RFC 9654 2.1)");
	if (n < 1 || n > OCSP_NONCE_MAX)
		return refuse(ca_id, "the nonce must be 1 to 128 octets "
				     "(RFC 9654 2.1)");
	return 0;
}

/* Request extensions: one nonce at most, no unknown critical one. */
static int request_extensions_check(struct ocsp_query *q, const char *ca_id)
{
	int n = OCSP_REQUEST_get_ext_count(q->req);

	for (int i = 0; i < n; i++) {
		X509_EXTENSION *ext = OCSP_REQUEST_get_ext(q->req, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));

		if (nid == NID_id_pkix_OCSP_Nonce) {
			if (q->nonce++)
				return refuse(ca_id, "the request has two "
						     "nonces");
			if (nonce_check(ext, ca_id) != 0)
				return -1;
		} else if (X509_EXTENSION_get_critical(ext)) {
			return refuse(ca_id, "the request has an unknown "
					     "critical extension");
		}
	}
	return 0;
}

/*
 * Parses and checks a request strictly: no trailing bytes, 1 to
 * OCSP_CERTS_MAX certificates, no unknown critical extension. -1 for a
 * malformed one.
 */
static int query_parse(const uint8_t *der, size_t len, const char *ca_id,
		       struct ocsp_query *q)
{
	const unsigned char *p = der;
	int n;

	memset(q, 0, sizeof(*q));
	if (len == 0 || len > OCSP_REQUEST_MAX)
		return refuse(ca_id, "the request is empty or longer than "
				     "8192 bytes");
	q->req = d2i_OCSP_REQUEST(NULL, &p, (long)len);
	if (q->req == NULL || p != der + len)
		return refuse(ca_id, "the request is not one DER "
				     "OCSPRequest (RFC 6960 4.1.1)");
	n = OCSP_request_onereq_count(q->req);
	if (n < 1 || n > OCSP_CERTS_MAX)
		return refuse(ca_id, "a request asks about 1 to 4 "
				     "certificates");
	if (request_extensions_check(q, ca_id) != 0)
		return -1;
	for (int i = 0; i < n; i++) {
		OCSP_ONEREQ *one = OCSP_request_onereq_get0(q->req, i);

		for (int k = 0; k < OCSP_ONEREQ_get_ext_count(one); k++)
			if (X509_EXTENSION_get_critical(
				OCSP_ONEREQ_get_ext(one, k)))
				return refuse(ca_id, "a certificate's request "
						     "has an unknown critical "
						     "extension");
		q->ids[q->n++] = OCSP_onereq_get0_id(one);
	}
	return 0;
}

/* Whether a CertID's hash is the one of ours. */
static int hash_equal(const ASN1_OCTET_STRING *theirs,
		      const unsigned char *ours, unsigned int len)
{
	return theirs != NULL && ASN1_STRING_length(theirs) == (int)len &&
	       memcmp(ASN1_STRING_get0_data(theirs), ours, len) == 0;
}

/*
 * Whether every id names ca as the issuer (hash of its name and of its
 * key, RFC 6960 4.1.1), and each id's serial as the store keeps it. -1
 * when one does not: the responder is not authorised for it.
 */
static int query_match(struct ocsp_query *q, const struct ocsp_issuer *ca)
{
	for (int i = 0; i < q->n; i++) {
		ASN1_OCTET_STRING *name = NULL, *key = NULL;
		ASN1_OBJECT *alg = NULL;
		ASN1_INTEGER *serial = NULL;
		int k;

		OCSP_id_get0_info(&name, &alg, &key, &serial, q->ids[i]);
		k = alg != NULL ? ocsp_hash_index(alg) : -1;
		if (k < 0 || serial == NULL)
			return refuse(ca->row.id, "the CertID hash is not "
						  "SHA-1 or SHA-2");
		q->hash[i] = ocsp_hash_name(k);
		if (!hash_equal(name, ca->hash[k].name, ca->hash[k].len) ||
		    !hash_equal(key, ca->hash[k].key, ca->hash[k].len))
			return refuse(ca->row.id, "the certificate is of "
						  "another issuer than this "
						  "CA");
		if ((q->serial[i] = serial_text(serial)) == NULL)
			return -1;
	}
	return 0;
}

/* The status of serial under ca_id: never good when the CA did not
 * issue it. */
static enum store_result status_read(struct store *st, const char *ca_id,
				     const char *serial,
				     struct ocsp_status *out)
{
	struct store_certificate c;
	enum store_result rc = store_certificate_find(st, ca_id, serial, &c);

	memset(out, 0, sizeof(*out));
	out->reason = -1;
	out->status = V_OCSP_CERTSTATUS_UNKNOWN;
	if (rc == STORE_NOT_FOUND)
		return STORE_OK;
	if (rc != STORE_OK)
		return rc;
	if (c.revoked_at != 0) {
		out->status = V_OCSP_CERTSTATUS_REVOKED;
		out->reason = crl_reason_code(c.revocation_reason);
		out->revoked_at = c.revoked_at;
		out->invalidity_date = c.invalidity_date;
	} else {
		out->status = V_OCSP_CERTSTATUS_GOOD;
	}
	store_certificate_free(&c);
	return STORE_OK;
}

/* Opens a stored signer; -1 when it does not open (logged). */
static int signer_open(const struct ca_context *ctx, const char *ca_id,
		       const struct store_ocsp_signer *s,
		       struct ocsp_signer *out)
{
	const unsigned char *p = s->cert_der;
	char aad[AAD_MAX];

	snprintf(aad, sizeof(aad), "ocsp/%s", ca_id);
	memset(out, 0, sizeof(*out));
	out->cert = d2i_X509(NULL, &p, (long)s->cert_len);
	out->key = soft_key_open(ctx->kek, aad, s->key_sealed, s->key_len);
	out->not_after = s->not_after;
	if (out->cert == NULL || out->key == NULL) {
		signer_clear(out);
		return -1;
	}
	return 0;
}

/*
 * Whether a stored signer can sign responses now: not revoked, and not
 * near its end, unless that is the CA's end too (a new one would end
 * no later, and each request would issue one).
 */
static int signer_usable(const struct store_ocsp_signer *s,
			 const struct store_ca *ca, int64_t now)
{
	return s->revoked_at == 0 && s->not_after > now &&
	       (s->not_after - now > OCSP_SIGNER_RENEW_SECONDS ||
		s->not_after >= ca->not_after);
}

/* The subject of a CA's signing certificate. */
static X509_NAME *signer_subject(const struct store_ca *ca)
{
	X509_NAME *name = X509_NAME_new();
	char cn[64];

	snprintf(cn, sizeof(cn), "OCSP Responder %s", ca->id);
	if (name != NULL && X509_NAME_add_entry_by_txt(
				name, "CN", MBSTRING_UTF8,
				(const unsigned char *)cn, -1, -1, 0) != 1) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;
}

/* The key of a new signer: of the CA's service key type. */
static EVP_PKEY *signer_key_make(const struct store_ca *ca)
{
	struct ca_settings cs;
	const struct key_type *kt;

	if (ca_settings_load(ca->settings, &cs) != 0)
		memset(&cs, 0, sizeof(cs));
	kt = key_type_find(cs.service_key_type[0] != '\0' ? cs.service_key_type
							  : CA_DEFAULT_KEY);
	return kt != NULL ? key_type_generate(kt) : NULL;
}

/*
 * Issues a signing certificate through the one issuance path, with the
 * ocsp-signing starter, and makes it the CA's signer in place of
 * expect_id. STORE_CONFLICT (in *rc) when another node did so first.
 */
static enum engine_result signer_issue(const struct ca_context *ctx,
				       const struct store_ca *ca,
				       const char *expect_id, int64_t now,
				       enum store_result *rc,
				       struct engine_error *err)
{
	struct issue_signer signer;
	struct template_settings tpl;
	struct store_audit a = {.tenant_id = ca->tenant_id,
				.actor_name = "pkiaasd",
				.action = "certificate.issue",
				.object_type = "certificate",
				.outcome = "success",
				.detail = "OCSP signing certificate",
				.at = now};
	struct issue_record rec = {.tenant_id = ca->tenant_id, .audit = &a};
	struct store_certificate stored = {0};
	EVP_PKEY *key = signer_key_make(ca);
	X509_NAME *subject = signer_subject(ca);
	struct issue_input in = {.public_key = key, .subject = subject};
	X509 *cert = NULL;
	uint8_t *sealed = NULL;
	size_t sealed_len = 0;
	char aad[AAD_MAX];
	enum engine_result res;

	*rc = STORE_ERROR;
	if (key == NULL || subject == NULL ||
	    template_starter("ocsp-signing", &tpl) != 0) {
		EVP_PKEY_free(key);
		X509_NAME_free(subject);
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the OCSP signing key could not be made");
	}
	res = ca_signer_open(ctx, ca, &signer, err);
	if (res == ENGINE_OK) {
		res = engine_issue(ctx->st, &signer, &tpl, &in, &rec, now,
				   &cert, &stored, err);
		ca_signer_clear(&signer);
	}
	snprintf(aad, sizeof(aad), "ocsp/%s", ca->id);
	if (res == ENGINE_OK &&
	    soft_key_seal(ctx->kek, aad, key, &sealed, &sealed_len) != 0)
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the OCSP signing key could not be sealed");
	if (res == ENGINE_OK)
		*rc = store_ocsp_signer_put(ctx->st, ca->id, stored.id, sealed,
					    sealed_len, expect_id, now);
	if (res == ENGINE_OK && *rc != STORE_OK && *rc != STORE_CONFLICT)
		res = engine_store_fail(err, *rc, "OCSP signer");
	if (res == ENGINE_OK && *rc == STORE_OK)
		log_event(LOG_INFO, "ocsp.signer", "ca=%s certificate=%s",
			  ca->id, stored.id);
	free(sealed);
	template_settings_clear(&tpl);
	store_certificate_free(&stored);
	X509_free(cert);
	X509_NAME_free(subject);
	EVP_PKEY_free(key);
	return res;
}

/*
 * The CA's signer: the stored one while it is good for a while yet,
 * else a new one issued now (when first needed, when near expiry and
 * when revoked).
 */
static enum engine_result signer_get(const struct ca_context *ctx,
				     const struct store_ca *ca, int64_t now,
				     struct ocsp_signer *out,
				     struct engine_error *err)
{
	struct store_ocsp_signer s;
	enum store_result rc = store_ocsp_signer_get(ctx->st, ca->id, &s);
	enum engine_result res = ENGINE_OK;

	if (rc == STORE_OK && signer_usable(&s, ca, now))
		goto open;
	if (rc != STORE_OK && rc != STORE_NOT_FOUND)
		return engine_store_fail(err, rc, "OCSP signer");

	/* Another thread may have issued one while this one waited. */
	pthread_mutex_lock(&signer_lock);
	store_ocsp_signer_free(&s);
	rc = store_ocsp_signer_get(ctx->st, ca->id, &s);
	if (rc == STORE_OK && !signer_usable(&s, ca, now))
		res = signer_issue(ctx, ca, s.certificate_id, now, &rc, err);
	else if (rc == STORE_NOT_FOUND)
		res = signer_issue(ctx, ca, NULL, now, &rc, err);
	pthread_mutex_unlock(&signer_lock);
	if (res == ENGINE_OK && (rc == STORE_OK || rc == STORE_CONFLICT)) {
		store_ocsp_signer_free(&s);
		rc = store_ocsp_signer_get(ctx->st, ca->id, &s);
	}
	if (res != ENGINE_OK || rc != STORE_OK) {
		store_ocsp_signer_free(&s);
		return res != ENGINE_OK
			   ? res
			   : engine_store_fail(err, rc, "OCSP signer");
	}
open:
	if (signer_open(ctx, ca->id, &s, out) != 0)
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the OCSP signer does not open; the server "
				  "log has the cause");
	store_ocsp_signer_free(&s);
	return res;
}

enum engine_result ocsp_signer_ensure(const struct ca_context *ctx,
				      const struct store_ca *ca, int64_t now,
				      struct engine_error *err)
{
	struct ocsp_signer s = {0};
	enum engine_result res = signer_get(ctx, ca, now, &s, err);

	signer_clear(&s);
	return res;
}

/* Adds one SingleResponse to bs. */
static int single_add(OCSP_BASICRESP *bs, OCSP_CERTID *id,
		      const struct ocsp_status *st, int64_t this_update,
		      int64_t next_update)
{
	ASN1_TIME *tu = ASN1_TIME_set(NULL, (time_t)this_update);
	ASN1_TIME *nu = ASN1_TIME_set(NULL, (time_t)next_update);
	ASN1_TIME *rev = st->status == V_OCSP_CERTSTATUS_REVOKED
			     ? ASN1_TIME_set(NULL, (time_t)st->revoked_at)
			     : NULL;
	ASN1_GENERALIZEDTIME *inv = NULL;
	OCSP_SINGLERESP *one = NULL;
	int ok = tu != NULL && nu != NULL &&
		 (st->status != V_OCSP_CERTSTATUS_REVOKED || rev != NULL);

	if (ok)
		one = OCSP_basic_add1_status(bs, id, st->status, st->reason,
					     rev, tu, nu);
	ok = one != NULL;
	/* The CRL entry extension, as RFC 6960 4.4.7 allows. */
	if (ok && rev != NULL && st->invalidity_date > 0)
		ok = (inv = ASN1_GENERALIZEDTIME_set(
			  NULL, (time_t)st->invalidity_date)) != NULL &&
		     OCSP_SINGLERESP_add1_ext_i2d(one, NID_invalidity_date, inv,
						  0, 0) == 1;
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	ASN1_TIME_free(rev);
	ASN1_GENERALIZEDTIME_free(inv);
	return ok ? 0 : -1;
}

/* Signs bs as a successful response, by key hash (RFC 5019 2.2.3). */
static int response_sign(OCSP_BASICRESP *bs, const struct ocsp_signer *s,
			 const char *hash, int64_t now, struct ocsp_answer *out)
{
	const struct key_type *kt = key_type_of(s->key);
	const EVP_MD *md = kt != NULL ? key_type_digest(kt, hash) : NULL;
	/* producedAt comes from the one clock, not OpenSSL's: set it
	 * before signing and tell OpenSSL to leave it. */
	ASN1_GENERALIZEDTIME *produced =
	    (ASN1_GENERALIZEDTIME *)OCSP_resp_get0_produced_at(bs);
	OCSP_RESPONSE *resp = NULL;
	unsigned char *der = NULL;
	int len = -1;

	if (kt != NULL && produced != NULL &&
	    ASN1_GENERALIZEDTIME_set(produced, (time_t)now) != NULL &&
	    OCSP_basic_sign(bs, s->cert, s->key, md, NULL,
			    OCSP_RESPID_KEY | OCSP_NOTIME) == 1 &&
	    (resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL,
					 bs)) != NULL)
		len = i2d_OCSP_RESPONSE(resp, &der);
	OCSP_RESPONSE_free(resp);
	if (len <= 0 || (out->der = malloc((size_t)len)) == NULL) {
		log_openssl_errors("ocsp.sign", "OCSP_basic_sign");
		OPENSSL_free(der);
		return -1;
	}
	memcpy(out->der, der, (size_t)len);
	out->len = (size_t)len;
	out->status = "successful";
	OPENSSL_free(der);
	return 0;
}

/*
 * The revocation version, then the status of every certificate asked
 * about: an answer kept under that version never shows an older status
 * than it names. Whether the answer is every asker's goes to x->shared.
 */
static enum store_result statuses_read(struct ocsp_call *x,
				       struct ocsp_status st[OCSP_CERTS_MAX])
{
	enum store_result rc =
	    store_revocation_version(x->ctx->st, x->ca->row.id, &x->version);

	x->shared = !x->q.nonce;
	for (int i = 0; i < x->q.n && rc == STORE_OK; i++) {
		rc = status_read(x->ctx->st, x->ca->row.id, x->q.serial[i],
				 &st[i]);
		if (st[i].status == V_OCSP_CERTSTATUS_UNKNOWN)
			x->shared = 0;
	}
	return rc;
}

/* Signs the statuses as an answer to x, valid until next_update. */
static enum engine_result
response_make(const struct ocsp_call *x, const struct ocsp_status *st,
	      const struct ocsp_signer *signer, int64_t next_update,
	      struct ocsp_answer *out, struct engine_error *err)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	int ok = bs != NULL;

	for (int i = 0; ok && i < x->q.n; i++)
		ok = single_add(bs, x->q.ids[i], &st[i], x->now, next_update) ==
		     0;
	ok = ok && (!x->q.nonce || OCSP_copy_nonce(bs, x->q.req) == 1) &&
	     response_sign(bs, signer, x->ca->service_hash, x->now, out) == 0;
	OCSP_BASICRESP_free(bs);
	if (!ok)
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the OCSP response could not be signed");
	out->this_update = x->now;
	out->next_update = next_update;
	out->cacheable = !x->q.nonce;
	return ENGINE_OK;
}

/*
 * Reads the status of every certificate asked about and signs the
 * answer; one of a single certificate that is every asker's goes to the
 * store's cache too, for the other nodes.
 */
static enum engine_result respond_fresh(struct ocsp_call *x,
					struct ocsp_answer *out,
					struct engine_error *err)
{
	struct ocsp_status st[OCSP_CERTS_MAX];
	struct ocsp_signer signer = {0};
	enum store_result rc = statuses_read(x, st);
	enum engine_result res;

	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "certificate");
	res = signer_get(x->ctx, &x->ca->row, x->now, &signer, err);
	if (res == ENGINE_OK)
		res = response_make(x, st, &signer,
				    x->now + x->validity < signer.not_after
					? x->now + x->validity
					: signer.not_after,
				    out, err);
	signer_clear(&signer);
	if (res == ENGINE_OK && x->shared && x->q.n == 1) {
		struct store_ocsp_response r = {
		    out->this_update, out->next_update, out->der, out->len};

		rc = store_ocsp_response_put(x->ctx->st, x->ca->row.id,
					     x->q.serial[0], x->q.hash[0],
					     x->version, &r);
		if (rc != STORE_OK)
			log_event(LOG_WARN, "ocsp.cache",
				  "ca=%s error=\"response not cached\"",
				  x->ca->row.id);
	}
	return res;
}

/* The answer the store keeps for a one-certificate request without a
 * nonce, when it is fresh; -1 when there is none. */
static int respond_cached(struct ocsp_call *x, struct ocsp_answer *out)
{
	struct store_ocsp_response r;

	if (x->q.n != 1 || x->q.nonce ||
	    store_ocsp_response_get(x->ctx->st, x->ca->row.id, x->q.serial[0],
				    x->q.hash[0], x->now + x->validity / 2,
				    &r) != STORE_OK)
		return -1;
	if (!ocsp_response_fresh(r.this_update, r.next_update, x->now,
				 x->validity)) {
		free(r.der);
		return -1;
	}
	out->der = r.der;
	out->len = r.der_len;
	out->status = "successful";
	out->this_update = r.this_update;
	out->next_update = r.next_update;
	out->cacheable = 1;
	x->shared = 1;
	return 0;
}

/* The answer for an engine failure: tryLater while the store is away. */
static enum engine_result respond_failure(struct ocsp_answer *out,
					  enum engine_result res,
					  const char *ca_id,
					  const struct engine_error *err)
{
	log_event(LOG_ERROR, "ocsp.failed", "ca=%s error=\"%s\"", ca_id,
		  err->detail);
	if (res == ENGINE_UNAVAILABLE)
		return answer_status(out, OCSP_RESPONSE_STATUS_TRYLATER,
				     "tryLater");
	return answer_status(out, OCSP_RESPONSE_STATUS_INTERNALERROR,
			     "internalError");
}

/* Parses and checks the request, then answers it from the store's
 * cache or signs anew. */
static enum engine_result respond_parsed(struct ocsp_call *x,
					 const uint8_t *req, size_t len,
					 struct ocsp_answer *out,
					 struct engine_error *err)
{
	enum engine_result res;

	if (query_parse(req, len, x->ca->row.id, &x->q) != 0)
		return answer_status(out, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST,
				     "malformedRequest");
	if (query_match(&x->q, x->ca) != 0)
		return answer_status(out, OCSP_RESPONSE_STATUS_UNAUTHORIZED,
				     "unauthorized");
	if (respond_cached(x, out) == 0)
		return ENGINE_OK;
	res = respond_fresh(x, out, err);
	if (res == ENGINE_OK)
		return res;
	x->shared = 0;
	return respond_failure(out, res, x->ca->row.id, err);
}

enum engine_result ocsp_respond(const struct ca_context *ctx, const char *ca_id,
				const uint8_t *req, size_t len,
				const struct ocsp_options *opt, int64_t now,
				struct ocsp_answer *out,
				struct engine_error *err)
{
	struct ocsp_cache *cache = opt != NULL ? opt->cache : NULL;
	struct ocsp_call x = {.ctx = ctx,
			      .now = now,
			      .validity = opt != NULL && opt->validity > 0
					      ? opt->validity
					      : OCSP_VALIDITY_DEFAULT};
	struct ocsp_issuer_view ca;
	struct ocsp_cache_key key = {.req = req, .len = len};
	char quoted[64];
	enum engine_result res = ocsp_cache_issuer(cache, ctx, ca_id, &ca, err);

	memset(out, 0, sizeof(*out));
	if (res == ENGINE_UNAVAILABLE || res == ENGINE_ERROR)
		return respond_failure(
		    out, res, log_quote(ca_id, quoted, sizeof(quoted)), err);
	if (res != ENGINE_OK)
		return res;
	key.epoch = ca.epoch;
	key.version = ca.version;
	if (ocsp_cache_get(cache, &key, now, x.validity, out) != 0) {
		x.ca = ca.issuer;
		x.version = ca.version;
		res = respond_parsed(&x, req, len, out, err);
		key.version = x.version;
		if (res == ENGINE_OK && x.shared)
			ocsp_cache_put(cache, &key, out);
		query_clear(&x.q);
	}
	ocsp_issuer_release(ca.issuer);
	if (res != ENGINE_OK)
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the OCSP answer could not be encoded");
	return res;
}
