/* Template settings: the starters, strict merging, the stored form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/template.h"

/* Every member of a and b, one assertion each, so a failure names it. */
static void assert_settings_equal(const struct template_settings *a,
				  const struct template_settings *b)
{
	assert_int_equal(a->enabled, b->enabled);
	assert_int_equal(a->allow_public, b->allow_public);
	assert_int_equal(a->auto_approve, b->auto_approve);
	assert_int_equal(a->renewal_enabled, b->renewal_enabled);
	assert_int_equal(a->renewal_within_days, b->renewal_within_days);
	assert_string_equal(a->hash, b->hash);
	assert_int_equal(a->validity_days, b->validity_days);
	assert_string_equal(a->description, b->description);
	assert_int_equal(a->n_subject, b->n_subject);
	for (size_t i = 0; i < a->n_subject; i++) {
		assert_string_equal(a->subject[i].attribute,
				    b->subject[i].attribute);
		assert_int_equal(a->subject[i].fixed, b->subject[i].fixed);
		assert_int_equal(a->subject[i].required,
				 b->subject[i].required);
		assert_string_equal(a->subject[i].value, b->subject[i].value);
	}
	assert_int_equal(a->key_usage, b->key_usage);
	assert_int_equal(a->key_usage_critical, b->key_usage_critical);
	assert_int_equal(a->n_eku, b->n_eku);
	for (size_t i = 0; i < a->n_eku; i++)
		assert_string_equal(a->eku[i], b->eku[i]);
	assert_int_equal(a->eku_critical, b->eku_critical);
	assert_int_equal(a->ca, b->ca);
	assert_int_equal(a->path_length, b->path_length);
	assert_int_equal(a->basic_constraints_critical,
			 b->basic_constraints_critical);
	assert_int_equal(a->aia_include, b->aia_include);
	assert_string_equal(a->aia_url, b->aia_url);
	assert_int_equal(a->aia_ocsp, b->aia_ocsp);
	assert_int_equal(a->crl_distribution_point, b->crl_distribution_point);
	assert_int_equal(a->ocsp_nocheck, b->ocsp_nocheck);
	assert_int_equal(a->policies_include, b->policies_include);
	assert_string_equal(a->policy_oid, b->policy_oid);
	assert_string_equal(a->cps_url, b->cps_url);
	assert_int_equal(a->n_key_types, b->n_key_types);
	for (size_t i = 0; i < a->n_key_types; i++)
		assert_string_equal(a->key_types[i], b->key_types[i]);
	assert_int_equal(a->min_rsa_bits, b->min_rsa_bits);
	assert_int_equal(a->min_ec_bits, b->min_ec_bits);
	assert_int_equal(a->san_types, b->san_types);
	assert_int_equal(a->max_sans, b->max_sans);
	assert_int_equal(a->require_san, b->require_san);
	assert_string_equal(a->scep, b->scep);
	assert_string_equal(a->ct_logs, b->ct_logs);
}

static void starter(const char *name, struct template_settings *s)
{
	assert_int_equal(template_starter(name, s), 0);
}

static void merge_ok(struct template_settings *s, const char *json)
{
	struct engine_error err = {0};
	enum engine_result rc = template_settings_merge(s, json, &err);

	if (rc != ENGINE_OK)
		fail_msg("%s: refused: %s", json, err.detail);
}

static void text_replace(char **slot, const char *text)
{
	free(*slot);
	*slot = strdup(text);
	assert_non_null(*slot);
}

/* load(encode(s)) gives s back, and encoding again gives the same text. */
static void assert_round_trips(const struct template_settings *s)
{
	struct template_settings back;
	char *text = template_settings_encode(s), *again;

	assert_non_null(text);
	assert_int_equal(template_settings_load(text, &back), 0);
	assert_settings_equal(s, &back);
	again = template_settings_encode(&back);
	assert_non_null(again);
	assert_string_equal(text, again);
	free(text);
	free(again);
	template_settings_clear(&back);
}

static void test_starter_names_are_the_documented_ones(void **state)
{
	static const char *const want[] = {
	    "web-server",
	    "client-auth",
	    "web-server-and-client",
	    "code-signing",
	    "smime",
	    "document-signing",
	    "certificate-authority",
	    "ocsp-signing",
	    "timestamping",
	    "openvpn-server",
	    "openvpn-client",
	};
	struct template_settings s;
	size_t n = 0;
	const char *const *names = template_starter_names(&n);

	(void)state;
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(names[i], want[i]);
		starter(names[i], &s);
		template_settings_clear(&s);
	}
	assert_null(names[n]);
}

static void test_unknown_starter_is_refused(void **state)
{
	struct template_settings s = {.validity_days = 7};

	(void)state;
	assert_int_equal(template_starter("web_server", &s), -1);
	assert_int_equal(template_starter("", &s), -1);
	assert_int_equal(template_starter(NULL, &s), -1);
	assert_int_equal(s.validity_days, 7); /* untouched */
	assert_null(s.scep);
}

static void test_web_server_starter_has_the_defaults(void **state)
{
	struct template_settings s;

	(void)state;
	starter("web-server", &s);
	assert_int_equal(s.enabled, 1);
	assert_int_equal(s.allow_public, 0);
	assert_int_equal(s.auto_approve, 0);
	assert_int_equal(s.renewal_enabled, 0);
	assert_int_equal(s.renewal_within_days, 30);
	assert_string_equal(s.hash, "");
	assert_int_equal(s.validity_days, 365);
	assert_string_equal(s.description, "");
	assert_int_equal(s.n_subject, 1);
	assert_string_equal(s.subject[0].attribute, "CN");
	assert_int_equal(s.subject[0].fixed, 0);
	assert_int_equal(s.subject[0].required, 0);
	assert_int_equal(s.key_usage, X509v3_KU_DIGITAL_SIGNATURE |
					  X509v3_KU_KEY_ENCIPHERMENT);
	assert_int_equal(s.key_usage_critical, 1);
	assert_int_equal(s.n_eku, 2);
	assert_string_equal(s.eku[0], "serverAuth");
	assert_string_equal(s.eku[1], "clientAuth");
	assert_int_equal(s.eku_critical, 0);
	assert_int_equal(s.ca, 0);
	assert_int_equal(s.path_length, -1);
	assert_int_equal(s.basic_constraints_critical, 1);
	assert_int_equal(s.aia_include, 1);
	assert_string_equal(s.aia_url, "");
	assert_int_equal(s.aia_ocsp, 1);
	assert_int_equal(s.crl_distribution_point, 1);
	assert_int_equal(s.ocsp_nocheck, 0);
	assert_int_equal(s.policies_include, 0);
	assert_string_equal(s.policy_oid, "2.23.140.1.2.1");
	assert_string_equal(s.cps_url, "");
	assert_int_equal(s.n_key_types, 0);
	assert_int_equal(s.min_rsa_bits, 2048);
	assert_int_equal(s.min_ec_bits, 256);
	assert_int_equal(s.san_types, TEMPLATE_SAN_DNS | TEMPLATE_SAN_IP);
	assert_int_equal(s.max_sans, 100);
	assert_int_equal(s.require_san, 1);
	assert_string_equal(s.scep, "{}");
	assert_string_equal(s.ct_logs, "[]");
	template_settings_clear(&s);
}

static void test_starters_differ_as_documented(void **state)
{
	struct template_settings s;

	(void)state;
	starter("certificate-authority", &s);
	assert_int_equal(s.key_usage,
			 X509v3_KU_KEY_CERT_SIGN | X509v3_KU_CRL_SIGN);
	assert_int_equal(s.n_eku, 0);
	assert_int_equal(s.ca, 1);
	assert_int_equal(s.path_length, 0);
	assert_int_equal(s.validity_days, 1825);
	assert_int_equal(s.require_san, 0);
	template_settings_clear(&s);

	starter("ocsp-signing", &s);
	assert_int_equal(s.validity_days, 30);
	assert_int_equal(s.ocsp_nocheck, 1);
	assert_string_equal(s.eku[0], "OCSPSigning");
	template_settings_clear(&s);

	starter("timestamping", &s);
	assert_int_equal(s.validity_days, 1825);
	assert_int_equal(s.n_eku, 1);
	assert_string_equal(s.eku[0], "timeStamping");
	assert_int_equal(s.eku_critical, 1);
	assert_int_equal(s.ocsp_nocheck, 0);
	template_settings_clear(&s);

	starter("smime", &s);
	assert_int_equal(s.san_types, TEMPLATE_SAN_EMAIL);
	assert_int_equal(s.n_subject, 2);
	assert_string_equal(s.subject[1].attribute, "emailAddress");
	assert_string_equal(s.eku[0], "emailProtection");
	template_settings_clear(&s);

	starter("document-signing", &s);
	assert_int_equal(s.key_usage, X509v3_KU_DIGITAL_SIGNATURE |
					  X509v3_KU_NON_REPUDIATION);
	assert_string_equal(s.eku[0], "1.3.6.1.4.1.311.10.3.12");
	assert_int_equal(s.san_types, TEMPLATE_SAN_DNS | TEMPLATE_SAN_IP |
					  TEMPLATE_SAN_EMAIL |
					  TEMPLATE_SAN_URI);
	assert_int_equal(s.require_san, 0);
	template_settings_clear(&s);

	starter("openvpn-client", &s);
	assert_int_equal(s.key_usage, X509v3_KU_DIGITAL_SIGNATURE);
	assert_int_equal(s.n_eku, 1);
	assert_string_equal(s.eku[0], "clientAuth");
	assert_int_equal(s.require_san, 0);
	template_settings_clear(&s);
}

static void test_every_starter_round_trips(void **state)
{
	struct template_settings s;
	size_t n;
	const char *const *names = template_starter_names(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		starter(names[i], &s);
		assert_round_trips(&s);
		template_settings_clear(&s);
	}
}

static void test_changed_settings_round_trip(void **state)
{
	struct template_settings s;

	(void)state;
	starter("certificate-authority", &s);
	merge_ok(
	    &s, "{\"enabled\": false, \"allow_public\": true, "
		"\"auto_approve\": true, "
		"\"renewal\": {\"enabled\": true, \"within_days\": 14}, "
		"\"hash\": \"sha384\", \"validity_days\": 730, "
		"\"description\": \"Issuing CAs \\u00e9\\n\", "
		"\"subject\": [{\"attribute\": \"CN\", \"required\": true}, "
		"{\"attribute\": \"O\", \"source\": \"fixed\", "
		"\"value\": \"Example GmbH\"}, {\"attribute\": \"C\", "
		"\"source\": \"fixed\", \"value\": \"DE\"}], "
		"\"key_usage\": [\"cRLSign\", \"keyCertSign\", "
		"\"digitalSignature\"], \"key_usage_critical\": false, "
		"\"extended_key_usage\": [\"OCSPSigning\", \"1.2.3.4.5\"], "
		"\"extended_key_usage_critical\": true, "
		"\"basic_constraints\": {\"path_length\": 3}, "
		"\"aia\": {\"include\": false, \"url\": "
		"\"http://pki.example/ca.crt\", \"ocsp\": false}, "
		"\"crl_distribution_point\": false, \"ocsp_nocheck\": true, "
		"\"policies\": {\"include\": true, \"oid\": \"1.3.6.1.4.1.9\", "
		"\"cps_url\": \"https://pki.example/cps\"}, "
		"\"allowed_key_types\": [\"ecdsa-p384\", \"ml-dsa\"], "
		"\"min_rsa_bits\": 3072, \"min_ec_bits\": 384, "
		"\"san_types\": [\"uri\", \"dns\"], \"max_sans\": 5, "
		"\"require_san\": true, "
		"\"scep\": {\"z\": [1, 2], \"a\": {\"b\": null}}, "
		"\"ct_logs\": [\"https://ct.example/2025/\"]}");
	assert_int_equal(s.path_length, 3);
	assert_string_equal(s.scep, "{\"a\":{\"b\":null},\"z\":[1,2]}");
	assert_string_equal(s.ct_logs, "[\"https://ct.example/2025/\"]");
	assert_round_trips(&s);
	template_settings_clear(&s);
}

static void test_encode_writes_every_member(void **state)
{
	static const char *const members[] = {
	    "enabled",
	    "allow_public",
	    "auto_approve",
	    "renewal",
	    "hash",
	    "validity_days",
	    "description",
	    "subject",
	    "key_usage",
	    "key_usage_critical",
	    "extended_key_usage",
	    "extended_key_usage_critical",
	    "basic_constraints",
	    "aia",
	    "crl_distribution_point",
	    "ocsp_nocheck",
	    "policies",
	    "allowed_key_types",
	    "min_rsa_bits",
	    "min_ec_bits",
	    "san_types",
	    "max_sans",
	    "require_san",
	    "scep",
	    "ct_logs",
	};
	size_t n = sizeof(members) / sizeof(members[0]);
	struct template_settings s;
	char *text;
	json_t *doc;

	(void)state;
	starter("web-server", &s);
	text = template_settings_encode(&s);
	assert_non_null(text);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_object_size(doc), n);
	for (size_t i = 0; i < n; i++)
		assert_non_null(json_object_get(doc, members[i]));
	assert_true(
	    json_is_null(json_object_get(json_object_get(doc, "aia"), "url")));
	assert_true(json_is_null(json_object_get(
	    json_object_get(doc, "basic_constraints"), "path_length")));
	json_decref(doc);
	free(text);
	template_settings_clear(&s);
}

#define SET(dst, text) snprintf(dst, sizeof(dst), "%s", text)

/* Merges json onto a fresh starter and expects exactly what stmt does to
 * another fresh copy (w). */
#define CHANGES(start, json, stmt)                                             \
	do {                                                                   \
		struct template_settings got_, want_, *w = &want_;             \
		starter(start, &got_);                                         \
		starter(start, &want_);                                        \
		merge_ok(&got_, json);                                         \
		stmt;                                                          \
		assert_settings_equal(&want_, &got_);                          \
		template_settings_clear(&got_);                                \
		template_settings_clear(&want_);                               \
	} while (0)

static void test_each_member_changes_only_itself(void **state)
{
	(void)state;
	CHANGES("web-server", "{}", (void)w);
	CHANGES("web-server", "{\"enabled\": false}", w->enabled = 0);
	CHANGES("web-server", "{\"allow_public\": true}", w->allow_public = 1);
	CHANGES("web-server", "{\"auto_approve\": true}", w->auto_approve = 1);
	CHANGES("web-server", "{\"renewal\": {\"enabled\": true}}",
		w->renewal_enabled = 1);
	CHANGES("web-server", "{\"renewal\": {\"within_days\": 365}}",
		w->renewal_within_days = 365);
	CHANGES("web-server", "{\"renewal\": {}}", (void)w);
	CHANGES("web-server", "{\"hash\": \"sha512\"}", SET(w->hash, "sha512"));
	CHANGES("web-server", "{\"validity_days\": 1}", w->validity_days = 1);
	CHANGES("web-server", "{\"validity_days\": 3650}",
		w->validity_days = 3650);
	CHANGES("web-server", "{\"description\": \"Internal TLS\"}",
		SET(w->description, "Internal TLS"));
	CHANGES("web-server",
		"{\"subject\": [{\"attribute\": \"OU\", \"source\": "
		"\"fixed\", \"value\": \"Ops\", \"required\": true}]}",
		(SET(w->subject[0].attribute, "OU"), w->subject[0].fixed = 1,
		 w->subject[0].required = 1, SET(w->subject[0].value, "Ops")));
	CHANGES("web-server", "{\"subject\": []}", w->n_subject = 0);
	CHANGES("web-server", "{\"key_usage\": [\"keyAgreement\"]}",
		w->key_usage = X509v3_KU_KEY_AGREEMENT);
	CHANGES("web-server", "{\"key_usage\": []}", w->key_usage = 0);
	CHANGES("web-server", "{\"key_usage_critical\": false}",
		w->key_usage_critical = 0);
	CHANGES("web-server",
		"{\"extended_key_usage\": [\"1.3.6.1.5.5.8.2.2\"]}",
		(w->n_eku = 1, SET(w->eku[0], "1.3.6.1.5.5.8.2.2")));
	CHANGES("web-server", "{\"extended_key_usage_critical\": true}",
		w->eku_critical = 1);
	CHANGES("web-server", "{\"basic_constraints\": {\"ca\": true}}",
		w->ca = 1);
	CHANGES("certificate-authority",
		"{\"basic_constraints\": {\"path_length\": 16}}",
		w->path_length = 16);
	CHANGES("certificate-authority",
		"{\"basic_constraints\": {\"path_length\": null}}",
		w->path_length = -1);
	CHANGES("web-server", "{\"basic_constraints\": {\"critical\": false}}",
		w->basic_constraints_critical = 0);
	CHANGES("web-server", "{\"aia\": {\"include\": false}}",
		w->aia_include = 0);
	CHANGES("web-server", "{\"aia\": {\"url\": \"https://a.example/c\"}}",
		SET(w->aia_url, "https://a.example/c"));
	CHANGES("web-server", "{\"aia\": {\"url\": null}}", (void)w);
	CHANGES("web-server", "{\"aia\": {\"ocsp\": false}}", w->aia_ocsp = 0);
	CHANGES("web-server", "{\"crl_distribution_point\": false}",
		w->crl_distribution_point = 0);
	CHANGES("web-server", "{\"ocsp_nocheck\": true}", w->ocsp_nocheck = 1);
	CHANGES("web-server", "{\"policies\": {\"include\": true}}",
		w->policies_include = 1);
	CHANGES("web-server", "{\"policies\": {\"oid\": \"2.23.140.1.2.2\"}}",
		SET(w->policy_oid, "2.23.140.1.2.2"));
	CHANGES("web-server",
		"{\"policies\": {\"cps_url\": \"http://x.example/cps\"}}",
		SET(w->cps_url, "http://x.example/cps"));
	CHANGES("web-server", "{\"allowed_key_types\": [\"rsa\", \"ed25519\"]}",
		(w->n_key_types = 2, SET(w->key_types[0], "rsa"),
		 SET(w->key_types[1], "ed25519")));
	CHANGES("web-server", "{\"allowed_key_types\": []}", (void)w);
	CHANGES("web-server", "{\"min_rsa_bits\": 16384}",
		w->min_rsa_bits = 16384);
	CHANGES("web-server", "{\"min_ec_bits\": 521}", w->min_ec_bits = 521);
	CHANGES("web-server", "{\"san_types\": [\"email\"]}",
		w->san_types = TEMPLATE_SAN_EMAIL);
	CHANGES("web-server", "{\"max_sans\": 1000}", w->max_sans = 1000);
	CHANGES("web-server", "{\"require_san\": false}", w->require_san = 0);
	CHANGES("code-signing", "{\"max_sans\": 0}", w->max_sans = 0);
	CHANGES("code-signing", "{\"san_types\": []}", w->san_types = 0);
	CHANGES("web-server", "{\"scep\": {\"challenge\": \"none\"}}",
		text_replace(&w->scep, "{\"challenge\":\"none\"}"));
	CHANGES("web-server", "{\"ct_logs\": [\"https://ct.example/\"]}",
		text_replace(&w->ct_logs, "[\"https://ct.example/\"]"));
}

/* Merging json onto the starter is refused naming field, and the
 * settings are as before, down to the owned pointers. */
static void assert_refused(const char *start, const char *json,
			   const char *field)
{
	struct template_settings s, before;
	struct engine_error err = {0};
	char *scep, *ct_logs;

	starter(start, &s);
	starter(start, &before);
	scep = s.scep;
	ct_logs = s.ct_logs;
	if (template_settings_merge(&s, json, &err) != ENGINE_INVALID)
		fail_msg("%s: not refused", json);
	assert_int_equal(err.code, ENGINE_INVALID);
	if (field == NULL) {
		assert_null(err.field);
	} else {
		if (err.field == NULL || strcmp(err.field, field) != 0)
			fail_msg("%s: field %s, not %s (%s)", json,
				 err.field != NULL ? err.field : "NULL", field,
				 err.detail);
		/* the detail starts with the member's path */
		assert_memory_equal(err.detail, field, strlen(field));
	}
	assert_true(err.detail[0] != '\0');
	assert_ptr_equal(s.scep, scep);
	assert_ptr_equal(s.ct_logs, ct_logs);
	assert_settings_equal(&before, &s);
	template_settings_clear(&s);
	template_settings_clear(&before);
}

static void test_refusals_name_their_member(void **state)
{
	static const struct {
		const char *start, *json, *field;
	} cases[] = {
	    {"web-server", "{\"bogus\": 1}", "bogus"},
	    {"web-server", "{\"enabled\": 1}", "enabled"},
	    {"web-server", "{\"allow_public\": \"true\"}", "allow_public"},
	    {"web-server", "{\"auto_approve\": null}", "auto_approve"},
	    {"web-server", "{\"renewal\": true}", "renewal"},
	    {"web-server", "{\"renewal\": {\"within_days\": 0}}",
	     "renewal.within_days"},
	    {"web-server", "{\"renewal\": {\"within_days\": 366}}",
	     "renewal.within_days"},
	    {"web-server", "{\"renewal\": {\"enabled\": 0}}",
	     "renewal.enabled"},
	    {"web-server", "{\"renewal\": {\"days\": 3}}", "renewal.days"},
	    {"web-server", "{\"hash\": \"md5\"}", "hash"},
	    {"web-server", "{\"hash\": \"SHA256\"}", "hash"},
	    {"web-server", "{\"hash\": null}", "hash"},
	    {"web-server", "{\"validity_days\": 0}", "validity_days"},
	    {"web-server", "{\"validity_days\": 3651}", "validity_days"},
	    {"web-server", "{\"validity_days\": \"365\"}", "validity_days"},
	    {"web-server", "{\"validity_days\": 365.0}", "validity_days"},
	    {"web-server", "{\"validity_days\": 99999999999999}",
	     "validity_days"},
	    {"web-server", "{\"description\": 5}", "description"},
	    {"web-server", "{\"description\": \"a\\u0000b\"}", NULL},
	    {"web-server", "{\"subject\": {}}", "subject"},
	    {"web-server", "{\"subject\": [\"CN\"]}", "subject[0]"},
	    {"web-server", "{\"subject\": [{\"attribute\": \"XX\"}]}",
	     "subject[0].attribute"},
	    {"web-server", "{\"subject\": [{\"source\": \"csr\"}]}",
	     "subject[0].attribute"},
	    {"web-server", "{\"subject\": [{\"attribute\": \"cn\"}]}",
	     "subject[0].attribute"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"CN\"}, {\"attribute\": "
	     "\"CN\"}]}",
	     "subject[1].attribute"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"CN\", \"source\": \"both\"}]}",
	     "subject[0].source"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"CN\", \"required\": 1}]}",
	     "subject[0].required"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"CN\", \"value\": \"x\"}]}",
	     "subject[0].value"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"CN\", \"source\": \"fixed\"}]}",
	     "subject[0].value"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"C\", \"source\": \"fixed\", "
	     "\"value\": \"DEU\"}]}",
	     "subject[0].value"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"C\", \"source\": \"fixed\", "
	     "\"value\": \"d1\"}]}",
	     "subject[0].value"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"O\", \"source\": \"fixed\", "
	     "\"value\": \"a\\u0007b\"}]}",
	     "subject[0].value"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"O\", \"source\": \"fixed\", "
	     "\"value\": \"12345678901234567890123456789012345678901234567890"
	     "123456789012345\"}]}",
	     "subject[0].value"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"serialNumber\", \"source\": "
	     "\"fixed\", \"value\": \"a_b\"}]}",
	     "subject[0].value"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"CN\", \"source\": \"csr\", "
	     "\"extra\": 1}]}",
	     "subject[0].extra"},
	    {"web-server",
	     "{\"subject\": [{\"attribute\": \"CN\"}, {\"attribute\": \"O\"}, "
	     "{\"attribute\": \"OU\"}, {\"attribute\": \"C\"}, "
	     "{\"attribute\": \"ST\"}, {\"attribute\": \"L\"}, "
	     "{\"attribute\": \"emailAddress\"}, "
	     "{\"attribute\": \"serialNumber\"}, {\"attribute\": \"CN\"}]}",
	     "subject"},
	    {"web-server", "{\"key_usage\": \"digitalSignature\"}",
	     "key_usage"},
	    {"web-server", "{\"key_usage\": [\"digitalSignature\", \"bogus\"]}",
	     "key_usage[1]"},
	    {"web-server",
	     "{\"key_usage\": [\"cRLSign\", \"digitalSignature\", "
	     "\"cRLSign\"]}",
	     "key_usage[2]"},
	    {"web-server", "{\"key_usage\": [\"encipherOnly\"]}",
	     "key_usage[0]"},
	    {"web-server", "{\"key_usage\": [7]}", "key_usage[0]"},
	    {"web-server", "{\"key_usage\": [\"keyCertSign\"]}", "key_usage"},
	    {"web-server", "{\"key_usage_critical\": \"yes\"}",
	     "key_usage_critical"},
	    {"web-server",
	     "{\"extended_key_usage\": [\"serverAuth\", \"clientAuth\", "
	     "\"codeSigning\", \"anyPurpose\"]}",
	     "extended_key_usage[3]"},
	    {"web-server", "{\"extended_key_usage\": [\"1.3.06.1\"]}",
	     "extended_key_usage[0]"},
	    {"web-server", "{\"extended_key_usage\": [\"1..3\"]}",
	     "extended_key_usage[0]"},
	    {"web-server", "{\"extended_key_usage\": [\"7.1.2\"]}",
	     "extended_key_usage[0]"},
	    {"web-server", "{\"extended_key_usage\": [\"1.2.\"]}",
	     "extended_key_usage[0]"},
	    {"web-server", "{\"extended_key_usage\": [\"\"]}",
	     "extended_key_usage[0]"},
	    {"web-server",
	     "{\"extended_key_usage\": [\"serverAuth\", "
	     "\"1.3.6.1.5.5.7.3.1\"]}",
	     "extended_key_usage[1]"},
	    {"web-server",
	     "{\"extended_key_usage\": [\"1.1\", \"1.2\", \"1.3\", \"1.4\", "
	     "\"1.5\", \"1.6\", \"1.7\", \"1.8\", \"1.9\", \"1.10\", \"1.11\", "
	     "\"1.12\", \"1.13\", \"1.14\", \"1.15\", \"1.16\", \"1.17\"]}",
	     "extended_key_usage"},
	    {"web-server", "{\"extended_key_usage_critical\": 0}",
	     "extended_key_usage_critical"},
	    {"web-server", "{\"basic_constraints\": []}", "basic_constraints"},
	    {"web-server", "{\"basic_constraints\": {\"ca\": \"yes\"}}",
	     "basic_constraints.ca"},
	    {"web-server", "{\"basic_constraints\": {\"path_length\": 1}}",
	     "basic_constraints.path_length"},
	    {"certificate-authority",
	     "{\"basic_constraints\": {\"path_length\": 17}}",
	     "basic_constraints.path_length"},
	    {"certificate-authority",
	     "{\"basic_constraints\": {\"path_length\": -1}}",
	     "basic_constraints.path_length"},
	    {"certificate-authority",
	     "{\"basic_constraints\": {\"path_length\": \"0\"}}",
	     "basic_constraints.path_length"},
	    {"certificate-authority",
	     "{\"basic_constraints\": {\"critical\": false}}",
	     "basic_constraints.critical"},
	    {"certificate-authority",
	     "{\"basic_constraints\": {\"ca\": false}}",
	     "basic_constraints.path_length"},
	    {"web-server", "{\"basic_constraints\": {\"pathlen\": 1}}",
	     "basic_constraints.pathlen"},
	    {"web-server", "{\"aia\": {\"url\": \"ftp://pki.example/ca\"}}",
	     "aia.url"},
	    {"web-server", "{\"aia\": {\"url\": \"http://\"}}", "aia.url"},
	    {"web-server", "{\"aia\": {\"url\": \"https:///ca.crt\"}}",
	     "aia.url"},
	    {"web-server", "{\"aia\": {\"url\": \"http://a b/\"}}", "aia.url"},
	    {"web-server", "{\"aia\": {\"url\": \"http://a/\\u00e9\"}}",
	     "aia.url"},
	    {"web-server", "{\"aia\": {\"url\": 80}}", "aia.url"},
	    {"web-server", "{\"aia\": {\"ocsp\": null}}", "aia.ocsp"},
	    {"web-server", "{\"aia\": {\"include\": 1}}", "aia.include"},
	    {"web-server", "{\"crl_distribution_point\": []}",
	     "crl_distribution_point"},
	    {"web-server", "{\"ocsp_nocheck\": 1}", "ocsp_nocheck"},
	    {"web-server", "{\"policies\": {\"oid\": \"not.an.oid\"}}",
	     "policies.oid"},
	    {"web-server", "{\"policies\": {\"oid\": null}}", "policies.oid"},
	    {"web-server", "{\"policies\": {\"oid\": \"anyPolicy\"}}",
	     "policies.oid"},
	    {"web-server", "{\"policies\": {\"cps_url\": \"cps\"}}",
	     "policies.cps_url"},
	    {"web-server", "{\"policies\": {\"include\": \"no\"}}",
	     "policies.include"},
	    {"web-server", "{\"policies\": {\"qualifier\": 1}}",
	     "policies.qualifier"},
	    {"web-server", "{\"allowed_key_types\": \"rsa\"}",
	     "allowed_key_types"},
	    {"web-server", "{\"allowed_key_types\": null}",
	     "allowed_key_types"},
	    {"web-server", "{\"allowed_key_types\": [\"rsa\", \"dsa\"]}",
	     "allowed_key_types[1]"},
	    {"web-server", "{\"allowed_key_types\": [\"rsa-1024\"]}",
	     "allowed_key_types[0]"},
	    {"web-server", "{\"allowed_key_types\": [\"RSA\"]}",
	     "allowed_key_types[0]"},
	    {"web-server", "{\"allowed_key_types\": [\"ecdsa\", \"ecdsa\"]}",
	     "allowed_key_types[1]"},
	    {"web-server", "{\"min_rsa_bits\": 1024}", "min_rsa_bits"},
	    {"web-server", "{\"min_rsa_bits\": 16385}", "min_rsa_bits"},
	    {"web-server", "{\"min_ec_bits\": 255}", "min_ec_bits"},
	    {"web-server", "{\"min_ec_bits\": 522}", "min_ec_bits"},
	    {"web-server", "{\"san_types\": \"dns\"}", "san_types"},
	    {"web-server", "{\"san_types\": [\"dns\", \"x400\"]}",
	     "san_types[1]"},
	    {"web-server", "{\"san_types\": [\"ip\", \"ip\"]}", "san_types[1]"},
	    {"web-server", "{\"san_types\": []}", "require_san"},
	    {"web-server", "{\"max_sans\": 0}", "require_san"},
	    {"web-server", "{\"max_sans\": 1001}", "max_sans"},
	    {"web-server", "{\"max_sans\": -1}", "max_sans"},
	    {"web-server", "{\"require_san\": null}", "require_san"},
	    {"web-server", "{\"scep\": []}", "scep"},
	    {"web-server", "{\"scep\": \"{}\"}", "scep"},
	    {"web-server", "{\"ct_logs\": {}}", "ct_logs"},
	    {"web-server", "{\"ct_logs\": [\"https://ct.example/\", \"ct\"]}",
	     "ct_logs[1]"},
	    {"web-server", "{\"ct_logs\": [5]}", "ct_logs[0]"},
	    {"web-server",
	     "{\"ct_logs\": [\"https://ct.example/\", "
	     "\"https://ct.example/\"]}",
	     "ct_logs[1]"},
	    /* a later member's refusal undoes the earlier ones */
	    {"web-server",
	     "{\"enabled\": false, \"scep\": {\"a\": 1}, \"ct_logs\": "
	     "[\"https://ct.example/\"], \"validity_days\": 0}",
	     "validity_days"},
	    /* an outside name loses its control bytes */
	    {"web-server", "{\"a\\u0001b\": 1}", "a?b"},
	    /* not a settings object at all */
	    {"web-server", "[]", NULL},
	    {"web-server", "\"enabled\"", NULL},
	    {"web-server", "not json", NULL},
	    {"web-server", "{\"enabled\": true} x", NULL},
	    {"web-server", "{\"enabled\": true, \"enabled\": false}", NULL},
	    {"web-server", "", NULL},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(cases[i].start, cases[i].json, cases[i].field);
}

static void test_refusal_details_say_what_is_allowed(void **state)
{
	struct template_settings s;
	struct engine_error err = {0};

	(void)state;
	starter("web-server", &s);
	assert_int_equal(
	    template_settings_merge(&s, "{\"validity_days\": 0}", &err),
	    ENGINE_INVALID);
	assert_string_equal(err.detail,
			    "validity_days must be an integer from 1 to 3650");
	assert_int_equal(template_settings_merge(&s, NULL, &err),
			 ENGINE_INVALID);
	assert_null(err.field);
	assert_int_equal(
	    template_settings_merge(
		&s, "{\"extended_key_usage\": [\"serverAuth\", \"x\"]}", &err),
	    ENGINE_INVALID);
	assert_non_null(strstr(err.detail, "dotted OID"));
	/* err may be NULL */
	assert_int_equal(template_settings_merge(&s, "{\"x\": 1}", NULL),
			 ENGINE_INVALID);
	template_settings_clear(&s);
}

/* Lengths: what fits is kept whole, one byte more is refused. */
static void test_long_strings_are_refused_not_cut(void **state)
{
	char json[1024], url[300], text[300];
	struct template_settings s;

	(void)state;
	memset(text, 'd', 255);
	text[255] = '\0';
	snprintf(json, sizeof(json), "{\"description\": \"%s\"}", text);
	starter("web-server", &s);
	merge_ok(&s, json);
	assert_int_equal(strlen(s.description), 255);
	template_settings_clear(&s);
	snprintf(json, sizeof(json), "{\"description\": \"%sd\"}", text);
	assert_refused("web-server", json, "description");

	memcpy(url, "https://", 8);
	memset(url + 8, 'a', 247);
	url[255] = '\0';
	snprintf(json, sizeof(json), "{\"aia\": {\"url\": \"%s\"}}", url);
	starter("web-server", &s);
	merge_ok(&s, json);
	assert_string_equal(s.aia_url, url);
	template_settings_clear(&s);
	snprintf(json, sizeof(json), "{\"aia\": {\"url\": \"%sa\"}}", url);
	assert_refused("web-server", json, "aia.url");
	snprintf(json, sizeof(json), "{\"ct_logs\": [\"%sa\"]}", url);
	assert_refused("web-server", json, "ct_logs[0]");

	/* an OID longer than its buffer */
	snprintf(json, sizeof(json),
		 "{\"extended_key_usage\": [\"1.2.3.4.5.6.7.8.9.10.11.12.13."
		 "14.15.16.17.18.19.20.21.22.23.24.25\"]}");
	assert_refused("web-server", json, "extended_key_usage[0]");

	/* CN at RFC 5280's bound of 64 characters, counted as characters */
	snprintf(
	    json, sizeof(json),
	    "{\"subject\": [{\"attribute\": \"CN\", \"source\": \"fixed\", "
	    "\"value\": \"%s\"}]}",
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
	    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9");
	starter("web-server", &s);
	merge_ok(&s, json);
	assert_int_equal(strlen(s.subject[0].value), 128);
	template_settings_clear(&s);
}

static void test_many_items_are_capped(void **state)
{
	static char json[16384];
	size_t off;

	(void)state;
	off = (size_t)snprintf(json, sizeof(json), "{\"ct_logs\": [");
	for (int i = 0; i < 17; i++)
		off += (size_t)snprintf(json + off, sizeof(json) - off,
					"%s\"https://ct%d.example/\"",
					i > 0 ? ", " : "", i);
	snprintf(json + off, sizeof(json) - off, "]}");
	assert_refused("web-server", json, "ct_logs");

	off = (size_t)snprintf(json, sizeof(json), "{\"scep\": {\"k\": \"");
	memset(json + off, 'x', 8200);
	off += 8200;
	json[off] = '\0';
	snprintf(json + off, sizeof(json) - off, "\"}}");
	assert_refused("web-server", json, "scep");
}

static void test_merge_json_takes_a_parsed_body(void **state)
{
	struct template_settings s;
	struct engine_error err = {0};
	json_t *body =
	    json_pack("{sis[s]}", "validity_days", 90, "san_types", "dns");

	(void)state;
	assert_non_null(body);
	starter("web-server", &s);
	assert_int_equal(template_settings_merge_json(&s, body, &err),
			 ENGINE_OK);
	assert_int_equal(s.validity_days, 90);
	assert_int_equal(s.san_types, TEMPLATE_SAN_DNS);
	json_decref(body);

	body = json_array();
	assert_int_equal(template_settings_merge_json(&s, body, &err),
			 ENGINE_INVALID);
	assert_int_equal(template_settings_merge_json(&s, NULL, &err),
			 ENGINE_INVALID);
	assert_int_equal(s.validity_days, 90);
	json_decref(body);

	/* a NUL inside a string or a name, which only a built body holds */
	body = json_pack("{ss#}", "description", "a\0b", (size_t)3);
	assert_non_null(body);
	assert_int_equal(template_settings_merge_json(&s, body, &err),
			 ENGINE_INVALID);
	assert_string_equal(err.field, "description");
	json_decref(body);
	body = json_object();
	assert_int_equal(
	    json_object_setn_new(body, "enabled\0x", 9, json_false()), 0);
	assert_int_equal(template_settings_merge_json(&s, body, &err),
			 ENGINE_INVALID);
	assert_int_equal(s.enabled, 1);
	json_decref(body);
	template_settings_clear(&s);
}

static void test_load_refuses_text_that_does_not_parse(void **state)
{
	struct template_settings s, ws;

	(void)state;
	assert_int_equal(template_settings_load("not json", &s), -1);
	assert_null(s.scep);
	assert_null(s.ct_logs);
	template_settings_clear(&s);
	assert_int_equal(template_settings_load("{\"validity_days\": 0}", &s),
			 -1);
	assert_int_equal(template_settings_load(NULL, &s), -1);

	/* members left out keep the web-server starter's values */
	assert_int_equal(template_settings_load("{\"max_sans\": 3}", &s), 0);
	starter("web-server", &ws);
	ws.max_sans = 3;
	assert_settings_equal(&ws, &s);
	template_settings_clear(&s);
	template_settings_clear(&ws);
}

static void test_clear_accepts_null_and_repeats(void **state)
{
	struct template_settings s;

	(void)state;
	template_settings_clear(NULL);
	starter("smime", &s);
	template_settings_clear(&s);
	template_settings_clear(&s);
	assert_null(s.scep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_starter_names_are_the_documented_ones),
	    cmocka_unit_test(test_unknown_starter_is_refused),
	    cmocka_unit_test(test_web_server_starter_has_the_defaults),
	    cmocka_unit_test(test_starters_differ_as_documented),
	    cmocka_unit_test(test_every_starter_round_trips),
	    cmocka_unit_test(test_changed_settings_round_trip),
	    cmocka_unit_test(test_encode_writes_every_member),
	    cmocka_unit_test(test_each_member_changes_only_itself),
	    cmocka_unit_test(test_refusals_name_their_member),
	    cmocka_unit_test(test_refusal_details_say_what_is_allowed),
	    cmocka_unit_test(test_long_strings_are_refused_not_cut),
	    cmocka_unit_test(test_many_items_are_capped),
	    cmocka_unit_test(test_merge_json_takes_a_parsed_body),
	    cmocka_unit_test(test_load_refuses_text_that_does_not_parse),
	    cmocka_unit_test(test_clear_accepts_null_and_repeats),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
