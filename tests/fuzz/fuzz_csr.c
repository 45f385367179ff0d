/*
 * CSR intake with template policy: the input is a CSR as a request
 * carries it (PEM or DER). It goes through what request_submit checks
 * against a template (csr_parse, then the key, extension and SAN rules of
 * every starter), what GET /api/v1/requests/{id} shows of it, and, for a
 * template that accepts it, what auto_approve builds and lints: the
 * subject the template gives and the certificate, signed by a CA made at
 * start. A DER input then goes through again signed with a key of the
 * target's. No store is needed: the store only keeps the DER.
 */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build.h"
#include "engine/csr.h"
#include "engine/keytype.h"
#include "engine/lint.h"
#include "engine/policy.h"
#include "engine/template.h"
#include "fuzz.h"

/* 2026-01-01: the one clock of the target, so that runs repeat. */
#define FUZZ_NOW      1767225600
#define TEMPLATES_MAX 16
#define DAY	      86400

/* A template that takes every SAN type and subject attribute. */
static const char permissive_json[] =
    "{\"san_types\": [\"dns\", \"ip\", \"email\", \"uri\"],"
    " \"subject\": ["
    "{\"attribute\": \"CN\", \"source\": \"csr\"},"
    "{\"attribute\": \"O\", \"source\": \"csr\"},"
    "{\"attribute\": \"OU\", \"source\": \"csr\"},"
    "{\"attribute\": \"C\", \"source\": \"csr\"},"
    "{\"attribute\": \"ST\", \"source\": \"csr\"},"
    "{\"attribute\": \"L\", \"source\": \"csr\"},"
    "{\"attribute\": \"emailAddress\", \"source\": \"csr\"},"
    "{\"attribute\": \"serialNumber\", \"source\": \"csr\"}],"
    " \"allowed_key_types\": [], \"min_rsa_bits\": 2048}";

static struct template_settings templates[TEMPLATES_MAX];
static size_t n_templates;
static struct issue_signer signer;
static EVP_PKEY *resign_key; /* Ed25519, which any template takes */

/* The CA that signs what the templates accept: a P-256 root. */
static void signer_make(void)
{
	struct template_settings ca_tpl;
	struct issue_signer self = {.ca_id = "fuzzca0000000001",
				    .base_url = "http://pki.fuzz.test"};
	struct engine_error err = {0};
	X509_NAME *name = X509_NAME_new();

	self.key = key_type_generate(key_type_find("ecdsa-p256"));
	if (name == NULL || self.key == NULL ||
	    template_starter("certificate-authority", &ca_tpl) != 0 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				       (const unsigned char *)"Fuzz CA", -1, -1,
				       0) != 1)
		fuzz_fail("fuzz_csr: cannot make the CA");
	signer = self;
	signer.cert =
	    build_certificate(&self, &ca_tpl, name, NULL, self.key, NULL,
			      FUZZ_NOW - DAY, FUZZ_NOW + 3650L * DAY, &err);
	if (signer.cert == NULL)
		fuzz_fail("fuzz_csr: cannot sign the CA: %s", err.detail);
	template_settings_clear(&ca_tpl);
	X509_NAME_free(name);
}

static void setup(void)
{
	const char *const *names;
	size_t n;
	struct engine_error err = {0};

	fuzz_init();
	signer_make();
	resign_key = key_type_generate(key_type_find("ed25519"));
	if (resign_key == NULL)
		fuzz_fail("fuzz_csr: cannot make a key");
	if (template_starter("web-server", &templates[0]) != 0 ||
	    template_settings_merge(&templates[0], permissive_json, &err) !=
		ENGINE_OK)
		fuzz_fail("fuzz_csr: permissive template: %s", err.detail);
	n_templates = 1;
	names = template_starter_names(&n);
	for (size_t i = 0; i < n && n_templates < TEMPLATES_MAX; i++)
		if (template_starter(names[i], &templates[n_templates]) == 0)
			n_templates++;
}

/* What the request view prints of the requested extensions. */
static void extensions_show(const STACK_OF(X509_EXTENSION) * exts)
{
	BIO *bio = BIO_new(BIO_s_mem());

	for (int i = 0; bio != NULL && i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *e = sk_X509_EXTENSION_value(exts, i);

		i2a_ASN1_OBJECT(bio, X509_EXTENSION_get_object(e));
		if (X509V3_EXT_print(bio, e, 0, 0) != 1)
			BIO_puts(bio, "(not shown)");
	}
	BIO_free(bio);
}

/* 1 when key is EC with its curve's parameters spelled out. */
static int ec_explicit(const EVP_PKEY *key)
{
	char enc[32];

	return EVP_PKEY_is_a(key, "EC") &&
	       EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING,
					      enc, sizeof(enc), NULL) == 1 &&
	       strcmp(enc, OSSL_PKEY_EC_ENCODING_EXPLICIT) == 0;
}

/* The certificate auto_approve would make for req through tpl. */
static void certificate_try(const struct template_settings *tpl, X509_REQ *req,
			    const GENERAL_NAMES *sans)
{
	struct engine_error err = {0};
	X509_NAME *subject =
	    policy_subject(tpl, X509_REQ_get_subject_name(req), &err);
	X509 *cert = NULL;
	char why[256];

	if (subject != NULL && (X509_NAME_entry_count(subject) > 0 ||
				sk_GENERAL_NAME_num(sans) > 0))
		cert = build_certificate(
		    &signer, tpl, subject, sans, X509_REQ_get0_pubkey(req),
		    X509_REQ_get_X509_PUBKEY(req), FUZZ_NOW - 60,
		    FUZZ_NOW + (int64_t)tpl->validity_days * DAY, &err);
	if (fuzz_verbose())
		fprintf(stderr, "  csr: built %s %s\n",
			cert != NULL ? "a certificate" : "nothing", err.detail);
	/* The lint guards against mistakes of pkiaas (docs/lint.md): what
	 * the policy took must pass it, and a refusal is never a 500. */
	if (cert == NULL && err.code == ENGINE_ERROR)
		fuzz_fail("build_certificate: %s", err.detail);
	if (cert != NULL &&
	    lint_certificate(cert, signer.cert, why, sizeof(why)) != 0)
		fuzz_fail("the policy took a request whose certificate "
			  "fails the lint: %s",
			  why);
	X509_free(cert);
	X509_NAME_free(subject);
}

/* One CSR through intake, the request view and issuance. */
static void csr_run(const uint8_t *data, size_t size)
{
	struct engine_error err = {0};
	STACK_OF(X509_EXTENSION) * exts;
	GENERAL_NAMES *sans;
	X509_REQ *req;
	EVP_PKEY *key;
	unsigned char *der = NULL;
	char *subject, *sans_text;
	int built = 0;

	req = csr_parse(data, size, &err);
	if (req == NULL) {
		if (fuzz_verbose())
			fprintf(stderr, "  csr: refused: %s\n", err.detail);
		if (err.code != ENGINE_INVALID)
			fuzz_fail("csr_parse: refused with %d, not invalid",
				  err.code);
		return;
	}
	key = X509_REQ_get0_pubkey(req);
	sans = csr_sans(req);
	exts = X509_REQ_get_extensions(req);

	/* What request_submit stores and GET shows. */
	subject = csr_name_text(X509_REQ_get_subject_name(req));
	sans_text = csr_sans_text(sans);
	if (i2d_X509_REQ(req, &der) <= 0)
		fuzz_fail("i2d_X509_REQ: a parsed CSR does not encode");
	(void)key_type_of(key);
	(void)EVP_PKEY_get_bits(key);
	extensions_show(exts);

	for (size_t i = 0; i < n_templates; i++) {
		const struct template_settings *t = &templates[i];

		memset(&err, 0, sizeof(err));
		if (policy_key_check(t, key, &err) != ENGINE_OK ||
		    policy_extensions_check(t, exts, &err) != ENGINE_OK ||
		    policy_sans_check(t, sans, &err) != ENGINE_OK) {
			if (fuzz_verbose() && i == 0)
				fprintf(stderr, "  csr: policy: %s\n",
					err.detail);
			continue;
		}
		if (ec_explicit(key))
			fuzz_fail("policy took an EC key with explicit curve "
				  "parameters (RFC 5480 2.1.1)");
		if (!built++)
			certificate_try(t, req, sans);
	}
	/* A request a template took is stored, shown and issued: there a
	 * NULL is a 500 ("out of memory"). */
	if (built && (subject == NULL || sans_text == NULL))
		fuzz_fail("a request the policy took has no %s text",
			  subject == NULL ? "subject" : "SAN");
	ERR_clear_error();
	OPENSSL_free(der);
	free(subject);
	free(sans_text);
	GENERAL_NAMES_free(sans);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	X509_REQ_free(req);
}

/*
 * A DER input signed anew with a key of ours: a mutation that breaks
 * the signature stops at proof of possession, and this lets what lies
 * inside (subject, extensions) reach the policy and the build as well.
 */
static void csr_run_resigned(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)size);
	unsigned char *der = NULL;
	int len = -1;

	if (req != NULL && X509_REQ_set_pubkey(req, resign_key) == 1 &&
	    X509_REQ_sign(req, resign_key, NULL) > 0)
		len = i2d_X509_REQ(req, &der);
	ERR_clear_error();
	if (len > 0) {
		if (fuzz_verbose())
			fprintf(stderr, "  csr: signed anew\n");
		csr_run(der, (size_t)len);
	}
	OPENSSL_free(der);
	X509_REQ_free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (n_templates == 0)
		setup();
	csr_run(data, size);
	if (size <= CSR_MAX)
		csr_run_resigned(data, size);
	return 0;
}
