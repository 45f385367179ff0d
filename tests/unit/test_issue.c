/*
 * The issuance engine end to end on SQLite: CAs of every key type,
 * intermediates signed by them, leaves from CSRs through templates, the
 * chain verified by OpenSSL, and the policy refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts.h"
#include "engine/ca.h"
#include "engine/certificate.h"
#include "engine/csr.h"
#include "engine/issuer_cache.h"
#include "engine/keytype.h"
#include "engine/request.h"
#include "engine/templates.h"
#include "testutil.h"

#define BASE_URL "http://pki.example.test:8080"

struct fixture {
	struct store *st;
	struct kek *kek;
	struct ca_context ctx;
	struct principal who;
	int64_t now;
};

static int setup(void **state)
{
	static struct fixture f;
	struct store_tenant t = {
	    .id = "tenant0000000001", .name = "acme", .created_at = 1};

	if (store_open("", testutil_tmpdir(), 4, &f.st) != STORE_OK ||
	    store_migrate(f.st, NULL, NULL) != STORE_OK ||
	    kek_load(testutil_tmpdir(),
		     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", &f.kek,
		     NULL) != 0 ||
	    store_tenant_insert(f.st, &t, NULL) != STORE_OK)
		return -1;
	accounts_local_principal(&f.who, t.id);
	f.ctx = (struct ca_context){f.st, f.kek, BASE_URL, issuer_cache_new()};
	f.now = (int64_t)time(NULL);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	issuer_cache_free(f->ctx.issuers);
	kek_free(f->kek);
	store_close(f->st);
	return 0;
}

static X509 *der_cert(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;

	return d2i_X509(NULL, &p, (long)len);
}

/* Verifies leaf up to root through the untrusted ones, at now. */
static int chain_verifies(X509 *root, X509 *mid, X509 *leaf)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int ok;

	X509_STORE_add_cert(store, root);
	if (mid != NULL)
		sk_X509_push(untrusted, mid);
	X509_STORE_CTX_init(ctx, store, leaf, untrusted);
	ok = X509_verify_cert(ctx);
	if (ok != 1)
		fprintf(stderr, "verify: %s\n",
			X509_verify_cert_error_string(
			    X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	X509_STORE_free(store);
	return ok;
}

static void ca_make(struct fixture *f, const char *name, const char *kind,
		    const char *key_type, const char *parent,
		    struct store_ca *out)
{
	struct ca_create in = {.name = name,
			       .kind = kind,
			       .key_type = key_type,
			       .subject = {.cn = name, .o = "Example"},
			       .path_length = -1,
			       .parent_id = parent};
	struct engine_error err = {0};
	enum engine_result res =
	    ca_create(&f->ctx, &f->who, &in, f->now, out, &err);

	if (res != ENGINE_OK)
		fprintf(stderr, "ca_create %s: %s\n", name, err.detail);
	assert_int_equal(res, ENGINE_OK);
}

/* A DER CSR for key, signed with md, with the SANs and extensions given. */
static uint8_t *csr_build(EVP_PKEY *key, const EVP_MD *md, const char *cn,
			  const char *sans, int ca, size_t *len)
{
	X509_REQ *req = X509_REQ_new();
	X509_NAME *name = X509_NAME_new();
	STACK_OF(X509_EXTENSION) *exts = sk_X509_EXTENSION_new_null();
	unsigned char *der = NULL;
	int n;

	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_REQ_set_subject_name(req, name);
	X509_REQ_set_pubkey(req, key);
	if (sans != NULL)
		sk_X509_EXTENSION_push(
		    exts, X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name,
					      sans));
	if (ca)
		sk_X509_EXTENSION_push(
		    exts, X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
					      "critical,CA:TRUE"));
	X509_REQ_add_extensions(req, exts);
	assert_true(X509_REQ_sign(req, key, md) > 0);
	n = i2d_X509_REQ(req, &der);
	*len = (size_t)n;
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_NAME_free(name);
	X509_REQ_free(req);
	return der;
}

/* A DER CSR for a new P-256 key. */
static uint8_t *csr_make(const char *cn, const char *sans, int ca, size_t *len)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	uint8_t *der = csr_build(key, EVP_sha256(), cn, sans, ca, len);

	EVP_PKEY_free(key);
	return der;
}

/* The DER of a SubjectPublicKeyInfo; the caller frees it. */
static int spki_der(const X509_PUBKEY *spki, unsigned char **der)
{
	*der = NULL;
	return i2d_X509_PUBKEY(spki, der);
}

/* The id of the CA's first template ("Web Server"). */
static char *web_template(struct fixture *f, const char *ca_id)
{
	struct store_template_list list;
	struct engine_error err = {0};
	char *id;

	assert_int_equal(
	    templates_list(&f->ctx, &f->who, ca_id, NULL, 10, &list, &err),
	    ENGINE_OK);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.items[0].name, "Web Server");
	id = strdup(list.items[0].id);
	store_template_list_free(&list);
	return id;
}

/* Submits a CSR and approves it; returns the certificate. */
static X509 *leaf_issue(struct fixture *f, const char *template_id,
			struct store_certificate *cert)
{
	struct engine_error err = {0};
	struct store_request r;
	size_t len;
	uint8_t *csr = csr_make("www.example.test",
				"DNS:www.example.test,IP:192.0.2.1", 0, &len);
	enum engine_result res = request_submit(
	    &f->ctx, &f->who, template_id, csr, len, f->now, &r, NULL, &err);

	OPENSSL_free(csr);
	if (res != ENGINE_OK)
		fprintf(stderr, "submit: %s\n", err.detail);
	assert_int_equal(res, ENGINE_OK);
	assert_string_equal(r.status, "pending");
	res = request_approve(&f->ctx, &f->who, r.id, NULL, f->now, cert, &err);
	if (res != ENGINE_OK)
		fprintf(stderr, "approve: %s\n", err.detail);
	assert_int_equal(res, ENGINE_OK);
	store_request_free(&r);
	return der_cert(cert->der, cert->der_len);
}

static int is_slow(const struct key_type *kt)
{
	size_t n = strlen(kt->name);

	return kt->family == KEY_SLH_DSA && kt->name[n - 1] == 's' &&
	       strcmp(kt->name, "slh-dsa-sha2-128s") != 0;
}

static void test_every_key_type_builds_a_chain(void **state)
{
	struct fixture *f = *state;
	size_t n;
	const struct key_type *types = key_type_all(&n);

	for (size_t i = 0; i < n; i++) {
		const struct key_type *kt = &types[i];
		char root_name[64], mid_name[64], *tpl;
		struct store_ca root, mid;
		struct store_certificate leaf_rec;
		X509 *r, *m, *leaf;

		snprintf(root_name, sizeof(root_name), "root %s", kt->name);
		ca_make(f, root_name, "root", kt->name, NULL, &root);
		assert_string_equal(root.status, "active");
		assert_string_equal(root.key_type, kt->name);
		r = der_cert(root.cert_der, root.cert_len);
		assert_non_null(r);
		assert_int_equal(X509_check_ca(r), 1);
		if (is_slow(kt)) {
			/* Slow to sign: the root alone is checked here. */
			assert_int_equal(chain_verifies(r, NULL, r), 1);
			X509_free(r);
			store_ca_free(&root);
			continue;
		}
		snprintf(mid_name, sizeof(mid_name), "issuing %s", kt->name);
		ca_make(f, mid_name, "intermediate", "ecdsa-p256", root.id,
			&mid);
		m = der_cert(mid.cert_der, mid.cert_len);
		tpl = web_template(f, mid.id);
		leaf = leaf_issue(f, tpl, &leaf_rec);
		assert_int_equal(chain_verifies(r, m, leaf), 1);
		assert_int_equal(
		    X509_check_host(leaf, "www.example.test", 0, 0, NULL), 1);
		assert_non_null(strstr(leaf_rec.sans, "www.example.test"));
		store_certificate_free(&leaf_rec);
		free(tpl);
		X509_free(leaf);
		X509_free(m);
		X509_free(r);
		store_ca_free(&mid);
		store_ca_free(&root);
	}
}

/* The answer to a submission is what the store holds. */
static void assert_answer_is_stored(struct fixture *f,
				    const struct store_request *r,
				    const struct store_certificate *c)
{
	struct store_request sr;
	struct store_certificate sc;

	assert_int_equal(store_request_get(f->st, f->who.tenant_id, r->id, &sr),
			 STORE_OK);
	assert_string_equal(sr.status, r->status);
	assert_string_equal(sr.certificate_id, r->certificate_id);
	assert_string_equal(sr.subject, r->subject);
	assert_string_equal(sr.template_id, r->template_id);
	assert_int_equal(sr.created_at, r->created_at);
	assert_int_equal(sr.decided_at, r->decided_at);
	assert_int_equal(sr.csr_len, r->csr_len);
	assert_memory_equal(sr.csr_der, r->csr_der, r->csr_len);
	assert_int_equal(
	    store_certificate_get(f->st, f->who.tenant_id, c->id, &sc),
	    STORE_OK);
	assert_int_equal(sc.der_len, c->der_len);
	assert_memory_equal(sc.der, c->der, c->der_len);
	assert_string_equal(sc.serial, c->serial);
	assert_string_equal(sc.key_type, c->key_type);
	assert_string_equal(sc.sans, c->sans);
	assert_string_equal(sc.request_id, r->id);
	assert_int_equal(sc.not_after, c->not_after);
	store_request_free(&sr);
	store_certificate_free(&sc);
}

/*
 * A CSR of each key type, issued at once: the certificate carries the
 * CSR's SubjectPublicKeyInfo byte for byte, and the answer is what was
 * stored.
 */
static void test_leaf_key_is_the_csr_key(void **state)
{
	struct fixture *f = *state;
	json_t *settings =
	    json_pack("{s:b,s:[sssss]}", "auto_approve", 1, "allowed_key_types",
		      "rsa", "ecdsa", "ed25519", "ml-dsa", "slh-dsa");
	struct engine_error err = {0};
	struct store_template updated;
	struct store_ca root;
	size_t n;
	const struct key_type *types = key_type_all(&n);
	char *tpl;

	ca_make(f, "spki root", "root", "ecdsa-p256", NULL, &root);
	tpl = web_template(f, root.id);
	assert_int_equal(templates_update(&f->ctx, &f->who, tpl, NULL, settings,
					  f->now, &updated, &err),
			 ENGINE_OK);
	for (size_t i = 0; i < n; i++) {
		const struct key_type *kt = &types[i];
		EVP_PKEY *key = is_slow(kt) ? NULL : key_type_generate(kt);
		struct store_certificate c;
		struct store_request r;
		unsigned char *want, *got;
		int want_len;
		X509_REQ *req;
		X509 *leaf;
		size_t len;
		uint8_t *csr;
		const unsigned char *p;

		if (key == NULL)
			continue;
		csr = csr_build(key, key_type_digest(kt, ""), "k.example.test",
				"DNS:k.example.test", 0, &len);
		assert_int_equal(request_submit(&f->ctx, &f->who, tpl, csr, len,
						f->now, &r, &c, &err),
				 ENGINE_OK);
		assert_string_equal(r.status, "issued");
		assert_non_null(c.id);
		assert_string_equal(r.certificate_id, c.id);
		assert_string_equal(c.key_type, kt->name);
		p = csr;
		req = d2i_X509_REQ(NULL, &p, (long)len);
		leaf = der_cert(c.der, c.der_len);
		assert_non_null(leaf);
		assert_int_equal(EVP_PKEY_eq(X509_get0_pubkey(leaf), key), 1);
		want_len = spki_der(X509_REQ_get_X509_PUBKEY(req), &want);
		assert_true(want_len > 0);
		assert_int_equal(spki_der(X509_get_X509_PUBKEY(leaf), &got),
				 want_len);
		assert_memory_equal(got, want, (size_t)want_len);
		assert_answer_is_stored(f, &r, &c);
		OPENSSL_free(want);
		OPENSSL_free(got);
		X509_free(leaf);
		X509_REQ_free(req);
		OPENSSL_free(csr);
		EVP_PKEY_free(key);
		store_request_free(&r);
		store_certificate_free(&c);
	}
	json_decref(settings);
	store_template_free(&updated);
	free(tpl);
	store_ca_free(&root);
}

static void test_leaf_carries_the_template_extensions(void **state)
{
	struct fixture *f = *state;
	struct store_ca root;
	struct store_certificate rec;
	char *tpl, *text;
	X509 *leaf;
	BIO *bio = BIO_new(BIO_s_mem());
	long len;

	ca_make(f, "ext root", "root", "ecdsa-p256", NULL, &root);
	tpl = web_template(f, root.id);
	leaf = leaf_issue(f, tpl, &rec);
	X509_print(bio, leaf);
	len = BIO_get_mem_data(bio, &text);
	text[len - 1] = '\0';
	assert_non_null(strstr(text, "TLS Web Server Authentication"));
	assert_non_null(strstr(text, BASE_URL "/ca/"));
	assert_non_null(strstr(text, BASE_URL "/ocsp/"));
	assert_non_null(strstr(text, BASE_URL "/crl/"));
	assert_non_null(strstr(text, "CA:FALSE"));
	assert_int_equal(X509_get_key_usage(leaf) &
			     (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT),
			 KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT);
	assert_int_equal(ASN1_STRING_length(X509_get0_serialNumber(leaf)), 16);
	BIO_free(bio);
	X509_free(leaf);
	store_certificate_free(&rec);
	free(tpl);
	store_ca_free(&root);
}

/* Whole days from notBefore to notAfter. */
static int validity_days(const X509 *cert)
{
	int days = 0, secs = 0;

	assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert),
					X509_get0_notAfter(cert)),
			 1);
	return days;
}

/* The issuer cache hands out a template's settings only while they are
 * the stored ones: a change shows in the next certificate. */
static void test_issuance_follows_template_changes(void **state)
{
	struct fixture *f = *state;
	struct engine_error err = {0};
	struct store_template updated;
	struct store_certificate rec1, rec2, rec3;
	struct store_ca root;
	json_t *settings = json_pack("{s:i}", "validity_days", 7);
	X509 *first, *second, *third;
	char *tpl;

	ca_make(f, "cache root", "root", "ecdsa-p256", NULL, &root);
	tpl = web_template(f, root.id);
	first = leaf_issue(f, tpl, &rec1);
	assert_true(validity_days(first) > 7);
	assert_int_equal(templates_update(&f->ctx, &f->who, tpl, NULL, settings,
					  f->now, &updated, &err),
			 ENGINE_OK);
	second = leaf_issue(f, tpl, &rec2);
	third = leaf_issue(f, tpl, &rec3);
	assert_true(validity_days(second) >= 7 && validity_days(second) <= 8);
	assert_int_equal(validity_days(third), validity_days(second));
	json_decref(settings);
	store_template_free(&updated);
	X509_free(first);
	X509_free(second);
	X509_free(third);
	store_certificate_free(&rec1);
	store_certificate_free(&rec2);
	store_certificate_free(&rec3);
	free(tpl);
	store_ca_free(&root);
}

static void test_policy_refusals_name_their_rule(void **state)
{
	struct fixture *f = *state;
	struct engine_error err = {0};
	struct store_ca root;
	struct store_request r;
	size_t len;
	uint8_t *csr;
	char *tpl;

	ca_make(f, "policy root", "root", "ecdsa-p256", NULL, &root);
	tpl = web_template(f, root.id);
	csr = csr_make("x", "DNS:x.example.test", 1, &len);
	assert_int_equal(request_submit(&f->ctx, &f->who, tpl, csr, len, f->now,
					&r, NULL, &err),
			 ENGINE_INVALID);
	assert_non_null(strstr(err.detail, "CA:TRUE"));
	OPENSSL_free(csr);
	csr = csr_make("x", NULL, 0, &len);
	assert_int_equal(request_submit(&f->ctx, &f->who, tpl, csr, len, f->now,
					&r, NULL, &err),
			 ENGINE_INVALID);
	assert_non_null(strstr(err.detail, "require_san"));
	OPENSSL_free(csr);
	csr = csr_make("x", "DNS:bad..name", 0, &len);
	assert_int_equal(request_submit(&f->ctx, &f->who, tpl, csr, len, f->now,
					&r, NULL, &err),
			 ENGINE_INVALID);
	assert_string_equal(err.field, "sans");
	csr[len / 2] ^= 0xff;
	assert_int_equal(request_submit(&f->ctx, &f->who, tpl, csr, len, f->now,
					&r, NULL, &err),
			 ENGINE_INVALID);
	assert_string_equal(err.field, "csr");
	OPENSSL_free(csr);
	free(tpl);
	store_ca_free(&root);
}

static void test_revoke_hold_release(void **state)
{
	struct fixture *f = *state;
	struct engine_error err = {0};
	struct store_certificate rec, got;
	struct store_ca root;
	char *tpl;
	X509 *leaf;

	ca_make(f, "revoke root", "root", "ecdsa-p256", NULL, &root);
	tpl = web_template(f, root.id);
	leaf = leaf_issue(f, tpl, &rec);
	assert_int_equal(
	    certificate_release(&f->ctx, &f->who, rec.id, f->now, &err),
	    ENGINE_CONFLICT);
	assert_int_equal(certificate_revoke(&f->ctx, &f->who, rec.id,
					    "certificateHold", 0, f->now, &err),
			 ENGINE_OK);
	assert_int_equal(templates_delete(&f->ctx, &f->who, tpl, f->now, &err),
			 ENGINE_CONFLICT);
	assert_int_equal(
	    certificate_release(&f->ctx, &f->who, rec.id, f->now, &err),
	    ENGINE_OK);
	assert_int_equal(certificate_revoke(&f->ctx, &f->who, rec.id, "bogus",
					    0, f->now, &err),
			 ENGINE_INVALID);
	assert_int_equal(certificate_revoke(&f->ctx, &f->who, rec.id,
					    "keyCompromise", 0, f->now, &err),
			 ENGINE_OK);
	assert_int_equal(certificate_get(&f->ctx, &f->who, rec.id, &got, &err),
			 ENGINE_OK);
	assert_string_equal(got.revocation_reason, "keyCompromise");
	assert_int_equal(templates_delete(&f->ctx, &f->who, tpl, f->now, &err),
			 ENGINE_OK);
	store_certificate_free(&got);
	store_certificate_free(&rec);
	X509_free(leaf);
	free(tpl);
	store_ca_free(&root);
}

/* The digest of cert's signature, as its NID. */
static int signature_digest(X509 *cert)
{
	int md = NID_undef, pk = NID_undef;

	assert_int_equal(
	    OBJ_find_sigid_algs(X509_get_signature_nid(cert), &md, &pk), 1);
	return md;
}

/*
 * The issuer cache's CA side: a change of the CA's row (its settings
 * here, as ca_update makes no such change) shows in the very next
 * certificate.
 */
static void test_issuance_follows_ca_changes(void **state)
{
	struct fixture *f = *state;
	struct store_certificate rec1, rec2;
	struct store_ca root;
	json_t *settings;
	X509 *first, *second;
	char *tpl;

	ca_make(f, "ca cache root", "root", "ecdsa-p256", NULL, &root);
	tpl = web_template(f, root.id);
	first = leaf_issue(f, tpl, &rec1);
	assert_int_equal(signature_digest(first), NID_sha256);
	settings = json_loads(root.settings, 0, NULL);
	assert_non_null(settings);
	assert_int_equal(
	    json_object_set_new(settings, "hash", json_string("sha384")), 0);
	free(root.settings);
	root.settings = json_dumps(settings, JSON_COMPACT);
	assert_int_equal(store_ca_update(f->st, &root, NULL), STORE_OK);
	second = leaf_issue(f, tpl, &rec2);
	assert_int_equal(signature_digest(second), NID_sha384);
	json_decref(settings);
	X509_free(first);
	X509_free(second);
	store_certificate_free(&rec1);
	store_certificate_free(&rec2);
	free(tpl);
	store_ca_free(&root);
}

/* Submits a fresh CSR to template_id: the result, err naming a refusal. */
static enum engine_result submit(struct fixture *f, const char *template_id,
				 struct engine_error *err)
{
	struct store_request r;
	size_t len;
	uint8_t *csr =
	    csr_make("www.example.test", "DNS:www.example.test", 0, &len);
	enum engine_result res = request_submit(
	    &f->ctx, &f->who, template_id, csr, len, f->now, &r, NULL, err);

	OPENSSL_free(csr);
	store_request_free(&r);
	return res;
}

/* The number of CAs of the fixture's tenant. */
static size_t ca_count(struct fixture *f)
{
	struct store_ca_list list;
	struct engine_error err = {0};
	size_t n;

	assert_int_equal(ca_list(&f->ctx, &f->who, NULL, 100, &list, &err),
			 ENGINE_OK);
	n = list.n;
	store_ca_list_free(&list);
	return n;
}

/*
 * A CA whose own certificate is on hold or revoked issues nothing, nor
 * does any CA below it; a release lets them issue again, and the CA
 * above is not concerned.
 */
static void test_revoked_ca_issues_nothing(void **state)
{
	struct fixture *f = *state;
	struct engine_error err = {0};
	struct store_ca root, mid, sub, out;
	struct store_certificate mid_cert;
	char *root_tpl, *mid_tpl, *sub_tpl;
	struct ca_create child = {.name = "under revoked",
				  .kind = "intermediate",
				  .subject = {.cn = "under revoked"},
				  .path_length = -1};
	size_t n_cas;

	ca_make(f, "chain root", "root", "ecdsa-p256", NULL, &root);
	ca_make(f, "chain mid", "intermediate", "ecdsa-p256", root.id, &mid);
	ca_make(f, "chain sub", "intermediate", "ecdsa-p256", mid.id, &sub);
	root_tpl = web_template(f, root.id);
	mid_tpl = web_template(f, mid.id);
	sub_tpl = web_template(f, sub.id);
	assert_int_equal(submit(f, sub_tpl, &err), ENGINE_OK);
	assert_int_equal(
	    store_certificate_find(f->st, root.id, mid.serial, &mid_cert),
	    STORE_OK);

	assert_int_equal(certificate_revoke(&f->ctx, &f->who, mid_cert.id,
					    "certificateHold", 0, f->now, &err),
			 ENGINE_OK);
	assert_int_equal(submit(f, mid_tpl, &err), ENGINE_CONFLICT);
	assert_non_null(strstr(err.detail, "chain mid"));
	assert_int_equal(submit(f, sub_tpl, &err), ENGINE_CONFLICT);
	assert_non_null(strstr(err.detail, "chain mid"));
	assert_int_equal(submit(f, root_tpl, &err), ENGINE_OK);

	assert_int_equal(
	    certificate_release(&f->ctx, &f->who, mid_cert.id, f->now, &err),
	    ENGINE_OK);
	assert_int_equal(submit(f, sub_tpl, &err), ENGINE_OK);

	assert_int_equal(certificate_revoke(&f->ctx, &f->who, mid_cert.id,
					    "keyCompromise", 0, f->now, &err),
			 ENGINE_OK);
	assert_int_equal(submit(f, sub_tpl, &err), ENGINE_CONFLICT);
	n_cas = ca_count(f);
	child.parent_id = mid.id;
	assert_int_equal(
	    ca_create(&f->ctx, &f->who, &child, f->now, &out, &err),
	    ENGINE_CONFLICT);
	assert_non_null(strstr(err.detail, "chain mid"));
	assert_int_equal(ca_count(f), n_cas);
	assert_int_equal(submit(f, root_tpl, &err), ENGINE_OK);

	store_certificate_free(&mid_cert);
	free(root_tpl);
	free(mid_tpl);
	free(sub_tpl);
	store_ca_free(&sub);
	store_ca_free(&mid);
	store_ca_free(&root);
}

static void test_ca_rules(void **state)
{
	struct fixture *f = *state;
	struct engine_error err = {0};
	struct store_ca root, mid, out;
	struct store_certificate_list certs;
	struct store_certificate_filter all = {.now = f->now};
	char *web;
	struct ca_create bad = {.name = "via web server",
				.kind = "intermediate",
				.subject = {.cn = "x"},
				.path_length = -1};
	struct ca_create pss = {.name = "pss on ec",
				.kind = "root",
				.subject = {.cn = "x"},
				.pss = 1,
				.path_length = -1};

	ca_make(f, "rules root", "root", "ml-dsa", NULL, &root);
	assert_string_equal(root.key_type, "ml-dsa-65");
	web = web_template(f, root.id);
	bad.parent_id = root.id;
	bad.parent_template_id = web;
	assert_int_equal(ca_create(&f->ctx, &f->who, &bad, f->now, &out, &err),
			 ENGINE_INVALID);
	assert_string_equal(err.field, "parent_template_id");
	bad.parent_id = NULL;
	assert_int_equal(ca_create(&f->ctx, &f->who, &bad, f->now, &out, &err),
			 ENGINE_INVALID);
	assert_int_equal(ca_create(&f->ctx, &f->who, &pss, f->now, &out, &err),
			 ENGINE_INVALID);
	assert_string_equal(err.field, "rsa_pss");

	ca_make(f, "rules issuing", "intermediate", "ecdsa-p256", root.id,
		&mid);
	assert_int_equal(
	    ca_delete(&f->ctx, &f->who, root.id, root.name, f->now, &err),
	    ENGINE_CONFLICT);
	all.ca_id = root.id;
	assert_int_equal(
	    certificate_list(&f->ctx, &f->who, &all, NULL, 10, &certs, &err),
	    ENGINE_OK);
	/* The root's own certificate, its OCSP signer's (issued when the CA
	 * became active) and the intermediate's. */
	assert_int_equal(certs.n, 3);
	for (size_t i = 0; i < certs.n; i++)
		if (strstr(certs.items[i].subject, "rules root") != NULL)
			assert_int_equal(certificate_revoke(&f->ctx, &f->who,
							    certs.items[i].id,
							    "keyCompromise", 0,
							    f->now, &err),
					 ENGINE_INVALID);
	store_certificate_list_free(&certs);
	assert_int_equal(
	    ca_delete(&f->ctx, &f->who, mid.id, "wrong", f->now, &err),
	    ENGINE_INVALID);
	assert_int_equal(
	    ca_delete(&f->ctx, &f->who, mid.id, mid.name, f->now, &err),
	    ENGINE_OK);
	assert_int_equal(
	    ca_delete(&f->ctx, &f->who, root.id, root.name, f->now, &err),
	    ENGINE_OK);
	free(web);
	store_ca_free(&mid);
	store_ca_free(&root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_key_type_builds_a_chain),
	    cmocka_unit_test(test_leaf_key_is_the_csr_key),
	    cmocka_unit_test(test_leaf_carries_the_template_extensions),
	    cmocka_unit_test(test_issuance_follows_template_changes),
	    cmocka_unit_test(test_policy_refusals_name_their_rule),
	    cmocka_unit_test(test_revoke_hold_release),
	    cmocka_unit_test(test_issuance_follows_ca_changes),
	    cmocka_unit_test(test_revoked_ca_issues_nothing),
	    cmocka_unit_test(test_ca_rules),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
