/*
 * REST JSON bodies (src/http/json_body.c): the input is a request body,
 * parsed strictly against the field tables of four routes, each of one
 * kind of member, then read as their handlers read it: the overrides of
 * an approval (into a subject and SANs), a CA's subject, the settings of
 * a template and of a root's certificate (checked as fuzz_settings.c
 * says), a revocation reason. The tables are copies of the routes'
 * (src/api/templates.c, cas.c, requests.c, certificates.c): keep them
 * in step.
 */
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "engine/crl.h"
#include "engine/csr.h"
#include "fuzz.h"
#include "fuzz_settings.h"
#include "http/json_body.h"

#define TEXT_MAX 1024
#define PEM_MAX	 (256u << 10)

/* POST /api/v1/templates */
static const struct json_field template_fields[] = {
    {"ca_id", JSON_FIELD_STRING, 1, TEXT_MAX},
    {"name", JSON_FIELD_STRING, 1, TEXT_MAX},
    {"starter", JSON_FIELD_STRING, 0, TEXT_MAX},
    {"settings", JSON_FIELD_OBJECT, 0, 0},
};

/* POST /api/v1/cas */
static const struct json_field ca_fields[] = {
    {"name", JSON_FIELD_STRING, 1, TEXT_MAX},
    {"description", JSON_FIELD_STRING, 0, TEXT_MAX},
    {"kind", JSON_FIELD_STRING, 1, TEXT_MAX},
    {"key_type", JSON_FIELD_STRING, 0, TEXT_MAX},
    {"key_pem", JSON_FIELD_STRING, 0, PEM_MAX},
    {"key_password", JSON_FIELD_STRING, 0, TEXT_MAX},
    {"subject", JSON_FIELD_OBJECT, 1, 0},
    {"hash", JSON_FIELD_STRING, 0, TEXT_MAX},
    {"rsa_pss", JSON_FIELD_BOOLEAN, 0, 0},
    {"validity_days", JSON_FIELD_INTEGER, 0, 0},
    {"path_length", JSON_FIELD_INTEGER, 0, 0},
    {"cps_url", JSON_FIELD_STRING, 0, TEXT_MAX},
    {"parent_id", JSON_FIELD_STRING, 0, TEXT_MAX},
    {"parent_template_id", JSON_FIELD_STRING, 0, TEXT_MAX},
    {"certificate_settings", JSON_FIELD_OBJECT, 0, 0},
};

static const char *const ca_subject_names[] = {
    "CN", "O", "OU", "C", "ST", "L", "emailAddress", NULL,
};

/* POST /api/v1/requests/preapprove: the approval's members and more. */
static const struct json_field preapprove_fields[] = {
    {"template_id", JSON_FIELD_STRING, 1, TEXT_MAX},
    {"subject", JSON_FIELD_ARRAY, 0, 32},
    {"sans", JSON_FIELD_ARRAY, 0, 1024},
    {"validity_days", JSON_FIELD_INTEGER, 0, 0},
    {"not_before", JSON_FIELD_INTEGER, 0, 0},
    {"not_after", JSON_FIELD_INTEGER, 0, 0},
};

/* POST /api/v1/certificates/{id}/revoke */
static const struct json_field revoke_fields[] = {
    {"reason", JSON_FIELD_STRING, 0, TEXT_MAX},
    {"invalidity_date", JSON_FIELD_INTEGER, 0, 0},
};

/* The body parsed against fields; NULL when refused. */
static json_t *body_parse(const struct http_request *req,
			  const struct json_field *fields, size_t n)
{
	struct http_response resp = {0};
	json_t *body = json_body_parse(req, fields, n, &resp);

	if (body == NULL && (resp.status < 400 || resp.status > 499))
		fuzz_fail("json_body_parse: refused with %d, not a 4xx",
			  resp.status);
	if (fuzz_verbose())
		fprintf(stderr, "  %s: %.*s\n", fields[0].name,
			body != NULL ? 8 : (int)resp.len,
			body != NULL ? "accepted" : resp.body);
	http_response_clear(&resp);
	return body;
}

/* The items of an array member, as the handlers take them. */
static const char **strings_read(const json_t *body, const char *name,
				 size_t *n)
{
	struct http_response resp = {0};
	const char **items =
	    api_string_array(json_object_get(body, name), name, n, &resp);

	http_response_clear(&resp);
	return items;
}

static void preapprove_read(const json_t *body)
{
	struct engine_error err = {0};
	const char **subject = NULL, **sans = NULL;
	size_t n_subject = 0, n_sans = 0;

	if (json_object_get(body, "subject") != NULL &&
	    (subject = strings_read(body, "subject", &n_subject)) != NULL)
		X509_NAME_free(
		    csr_subject_from_text(subject, n_subject, "subject", &err));
	if (json_object_get(body, "sans") != NULL &&
	    (sans = strings_read(body, "sans", &n_sans)) != NULL)
		GENERAL_NAMES_free(
		    csr_sans_from_text(sans, n_sans, "sans", &err));
	(void)api_body_int(body, "validity_days", 0, -1);
	(void)api_body_time(body, "not_before");
	(void)api_body_time(body, "not_after");
	ERR_clear_error();
	free(subject);
	free(sans);
}

static void ca_read(const json_t *body)
{
	struct http_response resp = {0};
	const json_t *settings = json_object_get(body, "certificate_settings");

	(void)api_object_strings(json_object_get(body, "subject"), "subject",
				 ca_subject_names, &resp);
	http_response_clear(&resp);
	if (settings != NULL)
		fuzz_settings_merge_json("certificate-authority", settings);
}

static void template_read(const json_t *body)
{
	const char *starter = api_body_string(body, "starter");
	const json_t *settings = json_object_get(body, "settings");

	if (settings != NULL)
		fuzz_settings_merge_json(
		    starter != NULL ? starter : "web-server", settings);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request req = {.method = "POST", .path = "/api/v1"};
	json_t *body;

	fuzz_init();
	fuzz_header_set("Content-Type", "application/json");
	req.body = (uint8_t *)fuzz_text(data, size);
	req.body_len = size;

	if ((body = body_parse(&req, template_fields,
			       API_N(template_fields))) != NULL)
		template_read(body);
	json_decref(body);
	if ((body = body_parse(&req, ca_fields, API_N(ca_fields))) != NULL)
		ca_read(body);
	json_decref(body);
	if ((body = body_parse(&req, preapprove_fields,
			       API_N(preapprove_fields))) != NULL)
		preapprove_read(body);
	json_decref(body);
	if ((body = body_parse(&req, revoke_fields, API_N(revoke_fields))) !=
	    NULL)
		(void)crl_reason_code(api_body_string(body, "reason"));
	json_decref(body);
	free(req.body);
	return 0;
}
