/*
 * Revocation status as published, end to end through the engine on the
 * backend that PKIAAS_TEST_BACKEND names (sqlite, the default, or
 * postgres), each test on a new database of its own: CRL numbers and
 * entries, OCSP statuses and refusals, the caches of both going stale
 * through the store on every change, and the responder's memory
 * (ocsp_cache.h): hits that touch no store, a revocation through the
 * engine seen at once, one made by another node seen within the bound
 * set. Registered once per backend: PKIAAS_TEST_PER_BACKEND.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/ocsp.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/accounts.h"
#include "engine/ca.h"
#include "engine/certificate.h"
#include "engine/crl.h"
#include "engine/ocsp.h"
#include "engine/ocsp_cache.h"
#include "engine/request.h"
#include "engine/templates.h"
#include "lib/clock.h"
#include "testutil.h"
#include "testutil_db.h"

#define URL_MAX	 512
#define BASE_URL "http://pki.example.test:8080"
#define KEK_B64	 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define DAY	 86400

struct fixture {
	struct store *st;
	struct kek *kek;
	struct ca_context ctx;
	struct principal who;
	int64_t now;
	char url[URL_MAX];
	struct store_ca ca, other;
	X509 *ca_cert, *other_cert;
	char *template_id;
};

static X509 *der_cert(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;

	return d2i_X509(NULL, &p, (long)len);
}

static void ca_make(struct fixture *f, const char *name, struct store_ca *out,
		    X509 **cert)
{
	struct ca_create in = {.name = name,
			       .kind = "root",
			       .subject = {.cn = name, .o = "Example"},
			       .path_length = -1};
	struct engine_error err = {0};
	enum engine_result res =
	    ca_create(&f->ctx, &f->who, &in, f->now, out, &err);

	if (res != ENGINE_OK)
		fprintf(stderr, "ca_create %s: %s\n", name, err.detail);
	assert_int_equal(res, ENGINE_OK);
	*cert = der_cert(out->cert_der, out->cert_len);
	assert_non_null(*cert);
}

/* A new migrated database with a tenant and two root CAs. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_tenant t = {
	    .id = "tenant0000000001", .name = "acme", .created_at = 1};
	struct store_template_list list;
	struct engine_error err = {0};

	assert_non_null(f);
	testutil_db_url(f->url, sizeof(f->url));
	assert_int_equal(store_open(f->url, NULL, 4, &f->st), STORE_OK);
	assert_int_equal(store_migrate(f->st, NULL, NULL), STORE_OK);
	assert_int_equal(kek_load(testutil_tmpdir(), KEK_B64, &f->kek, NULL),
			 0);
	assert_int_equal(store_tenant_insert(f->st, &t, NULL), STORE_OK);
	accounts_local_principal(&f->who, t.id);
	f->ctx = (struct ca_context){f->st, f->kek, BASE_URL, NULL};
	f->now = (int64_t)time(NULL);
	ca_make(f, "Revocation Root", &f->ca, &f->ca_cert);
	ca_make(f, "Other Root", &f->other, &f->other_cert);
	assert_int_equal(
	    templates_list(&f->ctx, &f->who, f->ca.id, NULL, 10, &list, &err),
	    ENGINE_OK);
	assert_int_equal(list.n, 1);
	f->template_id = strdup(list.items[0].id);
	store_template_list_free(&list);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	X509_free(f->ca_cert);
	X509_free(f->other_cert);
	store_ca_free(&f->ca);
	store_ca_free(&f->other);
	free(f->template_id);
	kek_free(f->kek);
	store_close(f->st);
	testutil_db_drop(f->url);
	free(f);
	return 0;
}

/* A DER CSR for a new P-256 key named cn. */
static uint8_t *csr_make(const char *cn, size_t *len)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	char san[128];
	unsigned char *der = NULL;

	snprintf(san, sizeof(san), "DNS:%s", cn);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_REQ_set_subject_name(req, name);
	X509_REQ_set_pubkey(req, key);
	sk_X509_EXTENSION_push(
	    exts, X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san));
	X509_REQ_add_extensions(req, exts);
	X509_REQ_sign(req, key, EVP_sha256());
	*len = (size_t)i2d_X509_REQ(req, &der);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	X509_REQ_free(req);
	EVP_PKEY_free(key);
	return der;
}

/* Issues a leaf under the fixture's CA; its record goes to out. */
static X509 *leaf_issue(struct fixture *f, const char *cn,
			struct store_certificate *out)
{
	struct engine_error err = {0};
	struct store_request r;
	size_t len;
	uint8_t *csr = csr_make(cn, &len);
	enum engine_result res = request_submit(
	    &f->ctx, &f->who, f->template_id, csr, len, f->now, &r, NULL, &err);

	OPENSSL_free(csr);
	assert_int_equal(res, ENGINE_OK);
	res = request_approve(&f->ctx, &f->who, r.id, NULL, f->now, out, &err);
	if (res != ENGINE_OK)
		fprintf(stderr, "approve: %s\n", err.detail);
	assert_int_equal(res, ENGINE_OK);
	store_request_free(&r);
	return der_cert(out->der, out->der_len);
}

/* The CRL of the fixture's CA at now, parsed and its signature checked. */
static X509_CRL *crl_fetch(struct fixture *f, int64_t now, int64_t *number)
{
	struct crl_document d;
	struct engine_error err = {0};
	const unsigned char *p;
	X509_CRL *crl;
	ASN1_INTEGER *n;
	AUTHORITY_KEYID *aki;

	assert_int_equal(crl_get(&f->ctx, f->ca.id, NULL, now, &d, &err),
			 ENGINE_OK);
	p = d.der;
	crl = d2i_X509_CRL(NULL, &p, (long)d.len);
	assert_non_null(crl);
	assert_ptr_equal(p, d.der + d.len);
	assert_int_equal(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(f->ca_cert)), 1);
	aki =
	    X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, NULL, NULL);
	assert_non_null(aki);
	AUTHORITY_KEYID_free(aki);
	n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	assert_non_null(n);
	*number = ASN1_INTEGER_get(n);
	assert_int_equal(*number, d.number);
	ASN1_INTEGER_free(n);
	crl_document_free(&d);
	return crl;
}

/* The CRL's entry for cert, or NULL. */
static X509_REVOKED *crl_entry(X509_CRL *crl, X509 *cert)
{
	X509_REVOKED *r = NULL;

	return X509_CRL_get0_by_serial(crl, &r, X509_get0_serialNumber(cert)) ==
		       1
		   ? r
		   : NULL;
}

static int entry_reason(X509_REVOKED *r)
{
	ASN1_ENUMERATED *e =
	    X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
	int code = e != NULL ? (int)ASN1_ENUMERATED_get(e) : -1;

	ASN1_ENUMERATED_free(e);
	return code;
}

static void revoke(struct fixture *f, const struct store_certificate *c,
		   const char *reason, int64_t invalidity)
{
	struct engine_error err = {0};

	assert_int_equal(certificate_revoke(&f->ctx, &f->who, c->id, reason,
					    invalidity, f->now, &err),
			 ENGINE_OK);
}

static void test_crl_numbers_and_entries(void **state)
{
	struct fixture *f = *state;
	struct store_certificate a, b, c;
	X509 *xa = leaf_issue(f, "a.example.test", &a);
	X509 *xb = leaf_issue(f, "b.example.test", &b);
	X509 *xc = leaf_issue(f, "c.example.test", &c);
	struct engine_error err = {0};
	X509_CRL *crl;
	X509_REVOKED *r;
	ASN1_GENERALIZEDTIME *inv;
	int64_t n1, n2, n3, n4, n5;

	crl = crl_fetch(f, f->now, &n1);
	assert_int_equal(n1, 1);
	/* RFC 5280 5.1.2.6: no entries, no list. */
	assert_null(X509_CRL_get_REVOKED(crl));
	X509_CRL_free(crl);

	/* Unchanged: the cached CRL, with the same number. */
	crl = crl_fetch(f, f->now + 10, &n2);
	assert_int_equal(n2, n1);
	X509_CRL_free(crl);

	revoke(f, &a, "keyCompromise", f->now - 3600);
	revoke(f, &b, "certificateHold", 0);
	revoke(f, &c, "unspecified", 0);
	crl = crl_fetch(f, f->now + 20, &n3);
	assert_int_equal(n3, n1 + 1);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 3);
	r = crl_entry(crl, xa);
	assert_non_null(r);
	assert_int_equal(entry_reason(r), CRL_REASON_KEY_COMPROMISE);
	inv = X509_REVOKED_get_ext_d2i(r, NID_invalidity_date, NULL, NULL);
	assert_non_null(inv);
	ASN1_GENERALIZEDTIME_free(inv);
	assert_int_equal(entry_reason(crl_entry(crl, xb)),
			 CRL_REASON_CERTIFICATE_HOLD);
	/* RFC 5280 5.3.1: no reason code rather than unspecified. */
	assert_int_equal(entry_reason(crl_entry(crl, xc)), -1);
	X509_CRL_free(crl);

	/* A released hold leaves the CRL, under a new number. */
	assert_int_equal(
	    certificate_release(&f->ctx, &f->who, b.id, f->now, &err),
	    ENGINE_OK);
	crl = crl_fetch(f, f->now + 30, &n4);
	assert_int_equal(n4, n3 + 1);
	assert_null(crl_entry(crl, xb));
	assert_non_null(crl_entry(crl, xa));
	X509_CRL_free(crl);

	/* Near its nextUpdate, a CRL is signed anew without a change. */
	crl = crl_fetch(f, f->now + CRL_VALIDITY_DEFAULT - 60, &n5);
	assert_int_equal(n5, n4 + 1);
	X509_CRL_free(crl);

	X509_free(xa);
	X509_free(xb);
	X509_free(xc);
	store_certificate_free(&a);
	store_certificate_free(&b);
	store_certificate_free(&c);
}

/* Nodes claiming at once for one change share one number. */
static void test_crl_claims_share_a_number(void **state)
{
	struct fixture *f = *state;
	struct store_crl c1, c2, c3;
	struct store_certificate a;
	X509 *xa = leaf_issue(f, "a.example.test", &a);

	assert_int_equal(store_crl_claim(f->st, f->ca.id, f->now, f->now + DAY,
					 f->now + 60, &c1),
			 STORE_OK);
	assert_null(c1.der);
	/* The second node finds the claim still being signed: same one. */
	assert_int_equal(store_crl_claim(f->st, f->ca.id, f->now + 1,
					 f->now + 1 + DAY, f->now + 61, &c2),
			 STORE_OK);
	assert_int_equal(c2.number, c1.number);
	assert_int_equal(c2.this_update, c1.this_update);
	revoke(f, &a, "superseded", 0);
	assert_int_equal(store_crl_claim(f->st, f->ca.id, f->now + 2,
					 f->now + 2 + DAY, f->now + 62, &c3),
			 STORE_OK);
	assert_int_equal(c3.number, c1.number + 1);
	/* The first claim's CRL is overtaken, but its number stays used. */
	assert_int_equal(
	    store_crl_put(f->st, f->ca.id, c1.number, (const uint8_t *)"x", 1),
	    STORE_CONFLICT);
	store_crl_free(&c1);
	store_crl_free(&c2);
	store_crl_free(&c3);
	X509_free(xa);
	store_certificate_free(&a);
}

/* A DER request for the ids, with a nonce of nonce_len octets (0: none). */
static uint8_t *request_make(OCSP_CERTID **ids, int n, size_t nonce_len,
			     size_t *len)
{
	OCSP_REQUEST *req = OCSP_REQUEST_new();
	unsigned char *der = NULL;

	for (int i = 0; i < n; i++)
		assert_non_null(OCSP_request_add0_id(req, ids[i]));
	if (nonce_len > 0)
		assert_int_equal(
		    OCSP_request_add1_nonce(req, NULL, (int)nonce_len), 1);
	*len = (size_t)i2d_OCSP_REQUEST(req, &der);
	OCSP_REQUEST_free(req);
	return der;
}

/* Answers a request about the n certificates (issued by issuer) at now,
 * with the options opt (NULL: no cache) and the store of ctx. */
static OCSP_RESPONSE *ask_many(struct fixture *f, const struct ca_context *ctx,
			       const struct ocsp_options *opt, X509 **certs,
			       int n, X509 *issuer, size_t nonce_len,
			       int64_t now, struct ocsp_answer *out)
{
	OCSP_CERTID *ids[OCSP_CERTS_MAX];
	struct engine_error err = {0};
	size_t len;
	uint8_t *der;
	const unsigned char *p;
	OCSP_RESPONSE *resp;

	for (int i = 0; i < n; i++)
		ids[i] = OCSP_cert_to_id(EVP_sha1(), certs[i], issuer);
	der = request_make(ids, n, nonce_len, &len);
	assert_int_equal(
	    ocsp_respond(ctx, f->ca.id, der, len, opt, now, out, &err),
	    ENGINE_OK);
	OPENSSL_free(der);
	p = out->der;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)out->len);
	assert_non_null(resp);
	return resp;
}

/* Answers a request about cert (issued by issuer) at now. */
static OCSP_RESPONSE *ask(struct fixture *f, X509 *cert, X509 *issuer,
			  size_t nonce_len, int64_t now,
			  struct ocsp_answer *out)
{
	return ask_many(f, &f->ctx, NULL, &cert, 1, issuer, nonce_len, now,
			out);
}

/* The status of cert in a successful response, verified against the CA. */
static int status_of(struct fixture *f, OCSP_RESPONSE *resp, X509 *cert,
		     int *reason)
{
	OCSP_BASICRESP *bs;
	X509_STORE *trust = X509_STORE_new();
	OCSP_CERTID *id = OCSP_cert_to_id(EVP_sha1(), cert, f->ca_cert);
	ASN1_GENERALIZEDTIME *rev, *tu, *nu;
	int status = -1;

	assert_int_equal(OCSP_response_status(resp),
			 OCSP_RESPONSE_STATUS_SUCCESSFUL);
	bs = OCSP_response_get1_basic(resp);
	assert_non_null(bs);
	X509_STORE_add_cert(trust, f->ca_cert);
	assert_int_equal(OCSP_basic_verify(bs, NULL, trust, 0), 1);
	assert_int_equal(
	    OCSP_resp_find_status(bs, id, &status, reason, &rev, &tu, &nu), 1);
	assert_int_equal(OCSP_check_validity(tu, nu, 300, -1), 1);
	OCSP_CERTID_free(id);
	OCSP_BASICRESP_free(bs);
	X509_STORE_free(trust);
	return status;
}

static void test_ocsp_statuses(void **state)
{
	struct fixture *f = *state;
	struct store_certificate a, b;
	X509 *xa = leaf_issue(f, "a.example.test", &a);
	X509 *xb = leaf_issue(f, "b.example.test", &b);
	struct ocsp_answer ans;
	OCSP_RESPONSE *resp;
	int reason;

	resp = ask(f, xa, f->ca_cert, 0, f->now, &ans);
	assert_int_equal(status_of(f, resp, xa, &reason),
			 V_OCSP_CERTSTATUS_GOOD);
	assert_true(ans.cacheable);
	assert_true(ans.next_update - ans.this_update == OCSP_VALIDITY_DEFAULT);
	OCSP_RESPONSE_free(resp);
	ocsp_answer_free(&ans);

	revoke(f, &a, "keyCompromise", 0);
	resp = ask(f, xa, f->ca_cert, 0, f->now, &ans);
	assert_int_equal(status_of(f, resp, xa, &reason),
			 V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
	OCSP_RESPONSE_free(resp);
	ocsp_answer_free(&ans);

	revoke(f, &b, "certificateHold", 0);
	resp = ask(f, xb, f->ca_cert, 0, f->now, &ans);
	assert_int_equal(status_of(f, resp, xb, &reason),
			 V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_CERTIFICATEHOLD);
	OCSP_RESPONSE_free(resp);
	ocsp_answer_free(&ans);

	/* The signer is one of the CA's certificates, issued once. */
	{
		struct store_certificate_filter flt = {
		    .ca_id = f->ca.id, .text = "OCSP Responder"};
		struct store_certificate_list list;

		assert_int_equal(store_certificate_list(f->st, f->who.tenant_id,
							&flt, NULL, 10, &list),
				 STORE_OK);
		assert_int_equal(list.n, 1);
		store_certificate_list_free(&list);
	}
	X509_free(xa);
	X509_free(xb);
	store_certificate_free(&a);
	store_certificate_free(&b);
}

/* A serial the CA never issued is unknown, never good. */
static void test_ocsp_unknown_serial(void **state)
{
	struct fixture *f = *state;
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	OCSP_CERTID *id;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs;
	struct ocsp_answer ans;
	struct engine_error err = {0};
	size_t len;
	uint8_t *der;
	int status = -1;

	ASN1_INTEGER_set_int64(serial, 0x1234567890abcdefLL);
	id = OCSP_cert_id_new(EVP_sha256(), X509_get_subject_name(f->ca_cert),
			      X509_get0_pubkey_bitstr(f->ca_cert), serial);
	der = request_make(&id, 1, 0, &len);
	id = OCSP_cert_id_new(EVP_sha256(), X509_get_subject_name(f->ca_cert),
			      X509_get0_pubkey_bitstr(f->ca_cert), serial);
	assert_int_equal(
	    ocsp_respond(&f->ctx, f->ca.id, der, len, NULL, f->now, &ans, &err),
	    ENGINE_OK);
	{
		const unsigned char *p = ans.der;

		resp = d2i_OCSP_RESPONSE(NULL, &p, (long)ans.len);
	}
	bs = OCSP_response_get1_basic(resp);
	assert_non_null(bs);
	assert_int_equal(
	    OCSP_resp_find_status(bs, id, &status, NULL, NULL, NULL, NULL), 1);
	assert_int_equal(status, V_OCSP_CERTSTATUS_UNKNOWN);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	OCSP_CERTID_free(id);
	ASN1_INTEGER_free(serial);
	OPENSSL_free(der);
	ocsp_answer_free(&ans);
}

/* The status code of an answer to the raw request der. */
static int answer_code(struct fixture *f, const uint8_t *der, size_t len)
{
	struct ocsp_answer ans;
	struct engine_error err = {0};
	const unsigned char *p;
	OCSP_RESPONSE *resp;
	int code;

	assert_int_equal(
	    ocsp_respond(&f->ctx, f->ca.id, der, len, NULL, f->now, &ans, &err),
	    ENGINE_OK);
	p = ans.der;
	resp = d2i_OCSP_RESPONSE(NULL, &p, (long)ans.len);
	assert_non_null(resp);
	code = OCSP_response_status(resp);
	OCSP_RESPONSE_free(resp);
	ocsp_answer_free(&ans);
	return code;
}

static void test_ocsp_refusals(void **state)
{
	struct fixture *f = *state;
	struct store_certificate a;
	X509 *xa = leaf_issue(f, "a.example.test", &a);
	OCSP_CERTID *ids[5];
	static const uint8_t garbage[] = {0x30, 0x03, 0x02, 0x01, 0x00};
	uint8_t *der, *longer;
	size_t len;
	struct ocsp_answer ans;
	struct engine_error err = {0};

	assert_int_equal(answer_code(f, garbage, sizeof(garbage)),
			 OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	assert_int_equal(answer_code(f, NULL, 0),
			 OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);

	/* Another CA's certificate: not this responder's to answer. */
	ids[0] = OCSP_cert_to_id(EVP_sha1(), f->other_cert, f->other_cert);
	der = request_make(ids, 1, 0, &len);
	assert_int_equal(answer_code(f, der, len),
			 OCSP_RESPONSE_STATUS_UNAUTHORIZED);
	OPENSSL_free(der);

	/* Five certificates are one too many. */
	for (int i = 0; i < 5; i++)
		ids[i] = OCSP_cert_to_id(EVP_sha1(), xa, f->ca_cert);
	der = request_make(ids, 5, 0, &len);
	assert_int_equal(answer_code(f, der, len),
			 OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	OPENSSL_free(der);

	/* Trailing bytes after the request. */
	ids[0] = OCSP_cert_to_id(EVP_sha1(), xa, f->ca_cert);
	der = request_make(ids, 1, 0, &len);
	longer = malloc(len + 1);
	memcpy(longer, der, len);
	longer[len] = 0;
	assert_int_equal(answer_code(f, longer, len + 1),
			 OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	assert_int_equal(answer_code(f, der, len),
			 OCSP_RESPONSE_STATUS_SUCCESSFUL);
	free(longer);
	OPENSSL_free(der);

	/* Nonces: 128 octets are echoed, 129 refused (RFC 9654). */
	ids[0] = OCSP_cert_to_id(EVP_sha1(), xa, f->ca_cert);
	der = request_make(ids, 1, 129, &len);
	assert_int_equal(answer_code(f, der, len),
			 OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
	OPENSSL_free(der);
	{
		OCSP_REQUEST *req = OCSP_REQUEST_new();
		OCSP_RESPONSE *resp;
		OCSP_BASICRESP *bs;
		const unsigned char *p;
		unsigned char *out = NULL;

		OCSP_request_add0_id(
		    req, OCSP_cert_to_id(EVP_sha1(), xa, f->ca_cert));
		OCSP_request_add1_nonce(req, NULL, OCSP_NONCE_MAX);
		len = (size_t)i2d_OCSP_REQUEST(req, &out);
		assert_int_equal(ocsp_respond(&f->ctx, f->ca.id, out, len, NULL,
					      f->now, &ans, &err),
				 ENGINE_OK);
		assert_false(ans.cacheable);
		p = ans.der;
		resp = d2i_OCSP_RESPONSE(NULL, &p, (long)ans.len);
		bs = OCSP_response_get1_basic(resp);
		assert_non_null(bs);
		assert_int_equal(OCSP_check_nonce(req, bs), 1);
		OCSP_BASICRESP_free(bs);
		OCSP_RESPONSE_free(resp);
		OCSP_REQUEST_free(req);
		OPENSSL_free(out);
		ocsp_answer_free(&ans);
	}

	/* An unknown CA id is no responder at all. */
	assert_int_equal(ocsp_respond(&f->ctx, "nosuchca", garbage,
				      sizeof(garbage), NULL, f->now, &ans,
				      &err),
			 ENGINE_NOT_FOUND);
	X509_free(xa);
	store_certificate_free(&a);
}

static void test_ocsp_cache(void **state)
{
	struct fixture *f = *state;
	struct store_certificate a;
	X509 *xa = leaf_issue(f, "a.example.test", &a);
	struct ocsp_answer first, again, later, nonce1, nonce2;
	OCSP_RESPONSE *r1, *r2, *r3, *r4, *r5;
	int reason;

	r1 = ask(f, xa, f->ca_cert, 0, f->now, &first);
	r2 = ask(f, xa, f->ca_cert, 0, f->now + 5, &again);
	/* Unchanged status: the same signed bytes. */
	assert_int_equal(again.len, first.len);
	assert_memory_equal(again.der, first.der, first.len);
	assert_int_equal(again.this_update, first.this_update);

	/* Nonce requests are signed each time. */
	r4 = ask(f, xa, f->ca_cert, 16, f->now + 5, &nonce1);
	r5 = ask(f, xa, f->ca_cert, 16, f->now + 5, &nonce2);
	assert_false(nonce1.len == nonce2.len &&
		     memcmp(nonce1.der, nonce2.der, nonce1.len) == 0);

	/* A revocation makes the cached answer stale at once. */
	revoke(f, &a, "affiliationChanged", 0);
	r3 = ask(f, xa, f->ca_cert, 0, f->now + 6, &later);
	assert_int_equal(status_of(f, r3, xa, &reason),
			 V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(reason, OCSP_REVOKED_STATUS_AFFILIATIONCHANGED);
	assert_int_equal(later.this_update, f->now + 6);
	OCSP_RESPONSE_free(r3);
	ocsp_answer_free(&later);

	/* Past half its window, a response is signed anew. */
	r3 = ask(f, xa, f->ca_cert, 0, f->now + OCSP_VALIDITY_DEFAULT, &later);
	assert_int_equal(later.this_update, f->now + OCSP_VALIDITY_DEFAULT);

	OCSP_RESPONSE_free(r1);
	OCSP_RESPONSE_free(r2);
	OCSP_RESPONSE_free(r3);
	OCSP_RESPONSE_free(r4);
	OCSP_RESPONSE_free(r5);
	ocsp_answer_free(&first);
	ocsp_answer_free(&again);
	ocsp_answer_free(&later);
	ocsp_answer_free(&nonce1);
	ocsp_answer_free(&nonce2);
	X509_free(xa);
	store_certificate_free(&a);
}

/* A revoked signer is replaced, and answers stay verifiable. */
static void test_ocsp_signer_renewed_when_revoked(void **state)
{
	struct fixture *f = *state;
	struct store_certificate a;
	X509 *xa = leaf_issue(f, "a.example.test", &a);
	struct store_ocsp_signer s1, s2;
	struct ocsp_answer ans;
	struct engine_error err = {0};
	OCSP_RESPONSE *resp;
	int reason;

	resp = ask(f, xa, f->ca_cert, 0, f->now, &ans);
	OCSP_RESPONSE_free(resp);
	ocsp_answer_free(&ans);
	assert_int_equal(store_ocsp_signer_get(f->st, f->ca.id, &s1), STORE_OK);
	assert_int_equal(certificate_revoke(&f->ctx, &f->who, s1.certificate_id,
					    "superseded", 0, f->now, &err),
			 ENGINE_OK);
	resp = ask(f, xa, f->ca_cert, 0, f->now + 1, &ans);
	assert_int_equal(status_of(f, resp, xa, &reason),
			 V_OCSP_CERTSTATUS_GOOD);
	assert_int_equal(store_ocsp_signer_get(f->st, f->ca.id, &s2), STORE_OK);
	assert_string_not_equal(s1.certificate_id, s2.certificate_id);
	assert_int_equal(s2.revoked_at, 0);
	OCSP_RESPONSE_free(resp);
	ocsp_answer_free(&ans);
	store_ocsp_signer_free(&s1);
	store_ocsp_signer_free(&s2);
	X509_free(xa);
	store_certificate_free(&a);
}

/* Options with a cache of answers whose CAs are read again after
 * check_ms, as pkiaasd serve makes them. */
static struct ocsp_options cached(int64_t check_ms)
{
	struct ocsp_options o = {.cache = ocsp_cache_new(1 << 20, check_ms)};

	assert_non_null(o.cache);
	return o;
}

/* The status of cert in an answer through opt at now; the answer goes
 * to out, or is freed when out is NULL. */
static int status_through(struct fixture *f, const struct ocsp_options *opt,
			  X509 *cert, int64_t now, struct ocsp_answer *out)
{
	struct ocsp_answer a;
	OCSP_RESPONSE *resp =
	    ask_many(f, &f->ctx, opt, &cert, 1, f->ca_cert, 0, now, &a);
	int reason, status = status_of(f, resp, cert, &reason);

	OCSP_RESPONSE_free(resp);
	if (out != NULL)
		*out = a;
	else
		ocsp_answer_free(&a);
	return status;
}

static uint64_t hits(const struct ocsp_options *opt)
{
	struct ocsp_cache_stats st;

	ocsp_cache_stats(opt->cache, &st);
	return st.hits;
}

static void answers_equal(const struct ocsp_answer *a,
			  const struct ocsp_answer *b)
{
	assert_int_equal(a->len, b->len);
	assert_memory_equal(a->der, b->der, a->len);
	assert_int_equal(a->this_update, b->this_update);
	assert_int_equal(a->next_update, b->next_update);
	assert_int_equal(a->cacheable, b->cacheable);
}

/* A kept answer is the first one's bytes, and touches no store. */
static void test_ocsp_memory_hit(void **state)
{
	struct fixture *f = *state;
	struct store_certificate a, b;
	X509 *xa = leaf_issue(f, "a.example.test", &a);
	X509 *xb = leaf_issue(f, "b.example.test", &b);
	X509 *both[2] = {xa, xb};
	struct ocsp_options opt = cached(60000);
	struct ca_context no_store = f->ctx;
	struct ocsp_answer first, again, pair, pair_again, later;

	no_store.st = NULL;
	assert_int_equal(status_through(f, &opt, xa, f->now, &first),
			 V_OCSP_CERTSTATUS_GOOD);
	assert_int_equal(hits(&opt), 0);
	OCSP_RESPONSE_free(ask_many(f, &no_store, &opt, &xa, 1, f->ca_cert, 0,
				    f->now + 5, &again));
	assert_int_equal(hits(&opt), 1);
	answers_equal(&first, &again);
	assert_true(again.cacheable);

	/* Two certificates a request: kept too, though not in the store. */
	OCSP_RESPONSE_free(
	    ask_many(f, &f->ctx, &opt, both, 2, f->ca_cert, 0, f->now, &pair));
	OCSP_RESPONSE_free(ask_many(f, &no_store, &opt, both, 2, f->ca_cert, 0,
				    f->now + 1, &pair_again));
	assert_int_equal(hits(&opt), 2);
	answers_equal(&pair, &pair_again);

	/* Past half its window, it is signed anew. */
	OCSP_RESPONSE_free(ask_many(f, &f->ctx, &opt, &xa, 1, f->ca_cert, 0,
				    f->now + OCSP_VALIDITY_DEFAULT / 2,
				    &later));
	assert_int_equal(later.this_update, f->now + OCSP_VALIDITY_DEFAULT / 2);
	assert_int_equal(hits(&opt), 2);

	ocsp_answer_free(&first);
	ocsp_answer_free(&again);
	ocsp_answer_free(&pair);
	ocsp_answer_free(&pair_again);
	ocsp_answer_free(&later);
	ocsp_cache_free(opt.cache);
	X509_free(xa);
	X509_free(xb);
	store_certificate_free(&a);
	store_certificate_free(&b);
}

/* A revocation, a hold and its release through the engine show in the
 * very next answer, however long the cache would keep its CAs. */
static void test_ocsp_memory_sees_revocation_at_once(void **state)
{
	struct fixture *f = *state;
	struct store_certificate a, b;
	X509 *xa = leaf_issue(f, "a.example.test", &a);
	X509 *xb = leaf_issue(f, "b.example.test", &b);
	struct ocsp_options opt = cached(60000);
	struct engine_error err = {0};

	for (int i = 0; i < 2; i++) {
		assert_int_equal(status_through(f, &opt, xa, f->now, NULL),
				 V_OCSP_CERTSTATUS_GOOD);
		assert_int_equal(status_through(f, &opt, xb, f->now, NULL),
				 V_OCSP_CERTSTATUS_GOOD);
	}
	assert_int_equal(hits(&opt), 2);
	revoke(f, &a, "keyCompromise", 0);
	assert_int_equal(status_through(f, &opt, xa, f->now, NULL),
			 V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(status_through(f, &opt, xa, f->now, NULL),
			 V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(hits(&opt), 3);

	revoke(f, &b, "certificateHold", 0);
	assert_int_equal(status_through(f, &opt, xb, f->now, NULL),
			 V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(
	    certificate_release(&f->ctx, &f->who, b.id, f->now, &err),
	    ENGINE_OK);
	assert_int_equal(status_through(f, &opt, xb, f->now, NULL),
			 V_OCSP_CERTSTATUS_GOOD);

	ocsp_cache_free(opt.cache);
	X509_free(xa);
	X509_free(xb);
	store_certificate_free(&a);
	store_certificate_free(&b);
}

/*
 * A revocation that another node makes (straight in the store, with no
 * word to this process) shows at once with ocsp_cache_check_ms 0,
 * within 200 ms with 200, and not before a minute with 60000.
 */
static void test_ocsp_memory_other_node(void **state)
{
	struct fixture *f = *state;
	struct store_certificate a;
	X509 *xa = leaf_issue(f, "a.example.test", &a);
	struct ocsp_options slow = cached(60000), quick = cached(200),
			    every = cached(0);
	struct ocsp_options *nodes[] = {&slow, &quick, &every};
	int64_t started;
	int status;

	for (int i = 0; i < 3; i++) {
		assert_int_equal(status_through(f, nodes[i], xa, f->now, NULL),
				 V_OCSP_CERTSTATUS_GOOD);
		assert_int_equal(status_through(f, nodes[i], xa, f->now, NULL),
				 V_OCSP_CERTSTATUS_GOOD);
		assert_int_equal(hits(nodes[i]), 1);
	}
	assert_int_equal(store_certificate_revoke(f->st, f->who.tenant_id, a.id,
						  f->now, "keyCompromise", 0,
						  NULL),
			 STORE_OK);
	assert_int_equal(status_through(f, &every, xa, f->now, NULL),
			 V_OCSP_CERTSTATUS_REVOKED);
	started = clock_monotonic_us();
	while ((status = status_through(f, &quick, xa, f->now, NULL)) ==
		   V_OCSP_CERTSTATUS_GOOD &&
	       clock_monotonic_us() - started < 200000 + 300000)
		nanosleep(&(struct timespec){0, 5000000}, NULL);
	assert_int_equal(status, V_OCSP_CERTSTATUS_REVOKED);
	assert_int_equal(status_through(f, &slow, xa, f->now, NULL),
			 V_OCSP_CERTSTATUS_GOOD);

	for (int i = 0; i < 3; i++)
		ocsp_cache_free(nodes[i]->cache);
	X509_free(xa);
	store_certificate_free(&a);
}

/* A request with a nonce is signed for its asker alone: never kept,
 * never answered from what is kept. */
static void test_ocsp_memory_never_for_a_nonce(void **state)
{
	struct fixture *f = *state;
	struct store_certificate a;
	X509 *xa = leaf_issue(f, "a.example.test", &a);
	struct ocsp_options opt = cached(60000);
	struct ocsp_answer n1, n2;
	struct ocsp_cache_stats st;
	OCSP_RESPONSE *r1, *r2;
	OCSP_BASICRESP *b1, *b2;

	assert_int_equal(status_through(f, &opt, xa, f->now, NULL),
			 V_OCSP_CERTSTATUS_GOOD);
	r1 = ask_many(f, &f->ctx, &opt, &xa, 1, f->ca_cert, 16, f->now, &n1);
	r2 = ask_many(f, &f->ctx, &opt, &xa, 1, f->ca_cert, 16, f->now, &n2);
	assert_false(n1.cacheable);
	assert_false(n1.len == n2.len && memcmp(n1.der, n2.der, n1.len) == 0);
	b1 = OCSP_response_get1_basic(r1);
	b2 = OCSP_response_get1_basic(r2);
	assert_true(
	    OCSP_BASICRESP_get_ext_by_NID(b1, NID_id_pkix_OCSP_Nonce, -1) >= 0);
	assert_true(
	    OCSP_BASICRESP_get_ext_by_NID(b2, NID_id_pkix_OCSP_Nonce, -1) >= 0);
	ocsp_cache_stats(opt.cache, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.hits, 0);

	OCSP_BASICRESP_free(b1);
	OCSP_BASICRESP_free(b2);
	OCSP_RESPONSE_free(r1);
	OCSP_RESPONSE_free(r2);
	ocsp_answer_free(&n1);
	ocsp_answer_free(&n2);
	ocsp_cache_free(opt.cache);
	X509_free(xa);
	store_certificate_free(&a);
}

/* A CA is opened once while its row stays the same; a change of its
 * settings opens it anew, its deletion ends its responder at once. */
static void test_ocsp_memory_issuer(void **state)
{
	struct fixture *f = *state;
	struct ocsp_cache *c = ocsp_cache_new(1 << 20, 60000);
	struct ocsp_issuer_view v1, v2, v3, v4;
	struct engine_error err = {0};
	struct store_ca updated;

	assert_int_equal(ocsp_cache_issuer(c, &f->ctx, f->ca.id, &v1, &err),
			 ENGINE_OK);
	assert_int_equal(ocsp_cache_issuer(c, &f->ctx, f->ca.id, &v2, &err),
			 ENGINE_OK);
	assert_ptr_equal(v1.issuer, v2.issuer);
	assert_true(v1.epoch != 0 && v1.epoch == v2.epoch);
	/* Read again after a change elsewhere, the same row: the same. */
	ocsp_cache_changed();
	assert_int_equal(ocsp_cache_issuer(c, &f->ctx, f->ca.id, &v3, &err),
			 ENGINE_OK);
	assert_ptr_equal(v3.issuer, v1.issuer);
	assert_true(v3.epoch == v1.epoch);
	ocsp_issuer_release(v3.issuer);

	assert_int_equal(ca_update(&f->ctx, &f->who, f->ca.id, NULL, NULL, NULL,
				   "sha384", f->now, &updated, &err),
			 ENGINE_OK);
	assert_int_equal(ocsp_cache_issuer(c, &f->ctx, f->ca.id, &v3, &err),
			 ENGINE_OK);
	assert_ptr_not_equal(v3.issuer, v1.issuer);
	assert_true(v3.epoch != v1.epoch);
	assert_string_equal(v3.issuer->service_hash, "sha384");
	/* The one held before stays whole until let go. */
	assert_string_equal(v1.issuer->row.id, f->ca.id);

	assert_int_equal(ocsp_cache_issuer(c, &f->ctx, f->other.id, &v4, &err),
			 ENGINE_OK);
	ocsp_issuer_release(v4.issuer);
	assert_int_equal(ca_delete(&f->ctx, &f->who, f->other.id, f->other.name,
				   f->now, &err),
			 ENGINE_OK);
	assert_int_equal(ocsp_cache_issuer(c, &f->ctx, f->other.id, &v4, &err),
			 ENGINE_NOT_FOUND);
	assert_null(v4.issuer);

	ocsp_issuer_release(v1.issuer);
	ocsp_issuer_release(v2.issuer);
	ocsp_issuer_release(v3.issuer);
	store_ca_free(&updated);
	ocsp_cache_free(c);
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_crl_numbers_and_entries),
	    TEST(test_crl_claims_share_a_number),
	    TEST(test_ocsp_statuses),
	    TEST(test_ocsp_unknown_serial),
	    TEST(test_ocsp_refusals),
	    TEST(test_ocsp_cache),
	    TEST(test_ocsp_signer_renewed_when_revoked),
	    TEST(test_ocsp_memory_hit),
	    TEST(test_ocsp_memory_sees_revocation_at_once),
	    TEST(test_ocsp_memory_other_node),
	    TEST(test_ocsp_memory_never_for_a_nonce),
	    TEST(test_ocsp_memory_issuer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
