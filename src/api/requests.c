#include "api/requests.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "engine/certificate.h"
#include "engine/request.h"
#include "http/auth.h"
#include "http/json_body.h"
#include "lib/base64.h"
#include "lib/clock.h"

#define REQ_CSR_MAX	  (256u << 10) /* bytes of a CSR, PEM or base64 */
#define REQ_TEXT_MAX	  1024	       /* bytes of an id, a reason, a claim */
#define REQ_SUBJECT_MAX	  32	       /* attributes of an override */
#define REQ_SANS_MAX	  1024	       /* SANs of an override */
#define REQ_BULK_MAX	  100	       /* ids of one bulk call */
#define REQ_OVERRIDE_KEYS 5	       /* members an override may have */

static const struct json_field submit_fields[] = {
    {"template_id", JSON_FIELD_STRING, 1, REQ_TEXT_MAX},
    {"csr", JSON_FIELD_STRING, 0, REQ_CSR_MAX},
    {"csr_der", JSON_FIELD_STRING, 0, REQ_CSR_MAX},
};

static const struct json_field approve_fields[] = {
    {"subject", JSON_FIELD_ARRAY, 0, REQ_SUBJECT_MAX},
    {"sans", JSON_FIELD_ARRAY, 0, REQ_SANS_MAX},
    {"validity_days", JSON_FIELD_INTEGER, 0, 0},
    {"not_before", JSON_FIELD_INTEGER, 0, 0},
    {"not_after", JSON_FIELD_INTEGER, 0, 0},
};

static const struct json_field preapprove_fields[] = {
    {"template_id", JSON_FIELD_STRING, 1, REQ_TEXT_MAX},
    {"subject", JSON_FIELD_ARRAY, 0, REQ_SUBJECT_MAX},
    {"sans", JSON_FIELD_ARRAY, 0, REQ_SANS_MAX},
    {"validity_days", JSON_FIELD_INTEGER, 0, 0},
    {"not_before", JSON_FIELD_INTEGER, 0, 0},
    {"not_after", JSON_FIELD_INTEGER, 0, 0},
};

static const struct json_field decline_fields[] = {
    {"reason", JSON_FIELD_STRING, 1, REQ_TEXT_MAX},
};

static const struct json_field bulk_approve_fields[] = {
    {"ids", JSON_FIELD_ARRAY, 1, REQ_BULK_MAX},
};

static const struct json_field bulk_decline_fields[] = {
    {"ids", JSON_FIELD_ARRAY, 1, REQ_BULK_MAX},
    {"reason", JSON_FIELD_STRING, 1, REQ_TEXT_MAX},
};

static const struct json_field claim_fields[] = {
    {"claim", JSON_FIELD_STRING, 1, REQ_TEXT_MAX},
    {"csr", JSON_FIELD_STRING, 0, REQ_CSR_MAX},
    {"csr_der", JSON_FIELD_STRING, 0, REQ_CSR_MAX},
};

/* A CSR as the body gave it: PEM text in it, or base64 DER decoded. */
struct csr_input {
	const uint8_t *data;
	size_t len;
	uint8_t *owned; /* the decoded DER, or NULL */
};

/*
 * Takes the CSR from "csr" or "csr_der" (exactly one). 0, or -1 after
 * filling resp with a 400 naming the member.
 */
static int csr_read(const json_t *body, struct csr_input *in,
		    struct http_response *resp)
{
	const json_t *pem = json_object_get(body, "csr");
	const json_t *der = json_object_get(body, "csr_der");

	memset(in, 0, sizeof(*in));
	if ((pem == NULL) == (der == NULL)) {
		http_respond_problem_field(resp, 400, "csr",
					   "give the CSR once: as \"csr\" "
					   "(PEM) or as \"csr_der\" (base64 "
					   "of the DER)");
		return -1;
	}
	if (pem != NULL) {
		in->data = (const uint8_t *)json_string_value(pem);
		in->len = json_string_length(pem);
		return 0;
	}
	if (base64_decode(json_string_value(der), json_string_length(der),
			  &in->owned, &in->len) != 0) {
		http_respond_problem_field(resp, 400, "csr_der",
					   "field \"csr_der\" is not base64 "
					   "(RFC 4648 section 4, padded)");
		return -1;
	}
	in->data = in->owned;
	return 0;
}

/* The overrides of a body, with the arrays they point into. */
struct overrides {
	struct request_overrides ov;
	const char **subject, **sans;
	int given; /* any member was present */
};

static void overrides_free(struct overrides *o)
{
	free(o->subject);
	free(o->sans);
}

/*
 * Reads the override members of a checked body into o. With
 * sans_always, an absent "sans" means none rather than the CSR's. 0, or
 * -1 after filling resp.
 */
static int overrides_read(const json_t *body, int sans_always,
			  struct overrides *o, struct http_response *resp)
{
	const json_t *subject = json_object_get(body, "subject");
	const json_t *sans = json_object_get(body, "sans");
	static const char *const names[REQ_OVERRIDE_KEYS] = {
	    "subject", "sans", "validity_days", "not_before", "not_after"};

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < REQ_OVERRIDE_KEYS; i++)
		o->given |= json_object_get(body, names[i]) != NULL;
	if (subject != NULL &&
	    (o->subject = api_string_array(subject, "subject", &o->ov.n_subject,
					   resp)) == NULL)
		return -1;
	if ((sans != NULL || sans_always) &&
	    (o->sans = api_string_array(sans, "sans", &o->ov.n_sans, resp)) ==
		NULL) {
		overrides_free(o);
		return -1;
	}
	o->ov.subject = o->subject;
	o->ov.sans = o->sans;
	o->ov.has_sans = o->sans != NULL;
	o->ov.validity_days = api_body_int(body, "validity_days", 0, -1);
	o->ov.not_before = api_body_time(body, "not_before");
	o->ov.not_after = api_body_time(body, "not_after");
	return 0;
}

void api_request_list(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_request_list list = {0};
	struct engine_error err;
	struct principal who;
	struct api_page page;
	json_t *items;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (request_list(&ctx, &who, http_request_query(req, "status"),
			 page.after[0] ? page.after : NULL, page.limit, &list,
			 &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < list.n; i++)
		if (json_array_append_new(
			items, api_json_request(&list.items[i], 0)) != 0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond(resp, items, list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_request_list_free(&list);
}

/*
 * The answer to a submitted request: the request and, when it was
 * issued at once (auto_approve), its certificate.
 */
static json_t *submitted_json(const struct store_request *r,
			      const struct store_certificate *c)
{
	json_t *doc = api_json_request(r, 1);

	if (doc == NULL || c->id == NULL)
		return doc;
	if (json_object_set_new(doc, "certificate",
				api_json_certificate(c, clock_now(), 1)) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

void api_request_submit(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct store_certificate c;
	struct store_request r;
	struct csr_input csr;
	struct principal who;
	int present = 0;
	json_t *body;

	if (http_auth_optional(req, &who, &present, resp) != 0)
		return;
	body = json_body_parse(req, submit_fields, API_N(submit_fields), resp);
	if (body == NULL)
		return;
	if (!present &&
	    request_public_principal(&ctx, api_body_string(body, "template_id"),
				     req->address, &who, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		goto out;
	}
	if (csr_read(body, &csr, resp) != 0)
		goto out;
	if (request_submit(&ctx, &who, api_body_string(body, "template_id"),
			   csr.data, csr.len, clock_now(), &r, &c,
			   &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 201, submitted_json(&r, &c));
		store_request_free(&r);
		store_certificate_free(&c);
	}
	free(csr.owned);
out:
	json_decref(body);
}

void api_request_get(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct request_view v;
	struct principal who;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (request_get(&ctx, &who, req->params[0], clock_now(), &v, &err) !=
	    ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_respond_json(resp, 200, api_json_request_view(&v));
	request_view_free(&v);
}

void api_request_approve(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_certificate c;
	struct engine_error err;
	struct principal who;
	struct overrides o;
	int64_t now = clock_now();
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body =
	    json_body_parse(req, approve_fields, API_N(approve_fields), resp);
	if (body == NULL)
		return;
	if (overrides_read(body, 0, &o, resp) != 0)
		goto out;
	if (request_approve(&ctx, &who, req->params[0], o.given ? &o.ov : NULL,
			    now, &c, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 200, api_json_certificate(&c, now, 1));
		store_certificate_free(&c);
	}
	overrides_free(&o);
out:
	json_decref(body);
}

/* Request id after a change: as stored, or as little as is known. */
static json_t *request_after(const struct ca_context *ctx,
			     const struct principal *who, const char *id,
			     const char *status)
{
	struct engine_error err;
	struct request_view v;
	json_t *doc;

	if (request_get(ctx, who, id, clock_now(), &v, &err) != ENGINE_OK)
		return json_pack("{s:s, s:s}", "id", id, "status", status);
	doc = api_json_request(&v.request, 1);
	request_view_free(&v);
	return doc;
}

void api_request_decline(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body =
	    json_body_parse(req, decline_fields, API_N(decline_fields), resp);
	if (body == NULL)
		return;
	if (request_decline(&ctx, &who, req->params[0],
			    api_body_string(body, "reason"), clock_now(),
			    &err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		api_respond_json(
		    resp, 200,
		    request_after(&ctx, &who, req->params[0], "declined"));
	json_decref(body);
}

/* One result of a bulk call: done (with a certificate), or why not. */
static json_t *bulk_result(const char *id, const char *status,
			   const char *certificate_id,
			   const struct engine_error *err)
{
	json_t *doc = json_pack("{s:s, s:s}", "id", id, "status", status);

	if (doc != NULL && certificate_id != NULL &&
	    json_object_set_new(doc, "certificate_id",
				json_string(certificate_id)) != 0) {
		json_decref(doc);
		return NULL;
	}
	if (doc != NULL && err != NULL &&
	    json_object_set_new(doc, "error", json_string(err->detail)) != 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* Approves (reason NULL) or declines one request of a bulk call. */
static json_t *bulk_one(const struct ca_context *ctx,
			const struct principal *who, const char *id,
			const char *reason)
{
	struct store_certificate c;
	struct engine_error err = {0};
	int64_t now = clock_now();
	json_t *doc;

	if (reason != NULL) {
		if (request_decline(ctx, who, id, reason, now, &err) !=
		    ENGINE_OK)
			return bulk_result(id, "failed", NULL, &err);
		return bulk_result(id, "declined", NULL, NULL);
	}
	if (request_approve(ctx, who, id, NULL, now, &c, &err) != ENGINE_OK)
		return bulk_result(id, "failed", NULL, &err);
	doc = bulk_result(id, "issued", c.id, NULL);
	store_certificate_free(&c);
	return doc;
}

/* POST /requests/approve, and /requests/decline when decline is set. */
static void bulk_run(struct http_request *req, struct http_response *resp,
		     const struct json_field *fields, size_t n_fields,
		     int decline)
{
	struct ca_context ctx = api_ca_context(req);
	const char **ids = NULL;
	struct principal who;
	json_t *body, *results;
	size_t n = 0;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, fields, n_fields, resp);
	if (body == NULL)
		return;
	ids = api_string_array(json_object_get(body, "ids"), "ids", &n, resp);
	if (ids == NULL)
		goto out;
	results = json_array();
	for (size_t i = 0; results != NULL && i < n; i++)
		if (json_array_append_new(
			results,
			bulk_one(&ctx, &who, ids[i],
				 decline ? api_body_string(body, "reason")
					 : NULL)) != 0) {
			json_decref(results);
			results = NULL;
		}
	api_respond_json(
	    resp, 200,
	    results != NULL ? json_pack("{s:o}", "results", results) : NULL);
out:
	free(ids);
	json_decref(body);
}

void api_request_approve_bulk(struct http_request *req,
			      struct http_response *resp)
{
	bulk_run(req, resp, bulk_approve_fields, API_N(bulk_approve_fields), 0);
}

void api_request_decline_bulk(struct http_request *req,
			      struct http_response *resp)
{
	bulk_run(req, resp, bulk_decline_fields, API_N(bulk_decline_fields), 1);
}

/* The answer to a pre-approval: the request and its claim. */
static json_t *preapproved_json(const struct store_request *r,
				const char *claim)
{
	json_t *doc = api_json_request(r, 1);

	if (doc != NULL &&
	    json_object_set_new(doc, "claim", json_string(claim)) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

void api_request_preapprove(struct http_request *req,
			    struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct store_request r;
	struct principal who;
	struct overrides o;
	char *claim = NULL;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, preapprove_fields, API_N(preapprove_fields),
			       resp);
	if (body == NULL)
		return;
	if (overrides_read(body, 1, &o, resp) != 0)
		goto out;
	if (request_preapprove(&ctx, &who, api_body_string(body, "template_id"),
			       &o.ov, clock_now(), &r, &claim,
			       &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 201, preapproved_json(&r, claim));
		http_header_add(resp, "Cache-Control", "no-store");
		store_request_free(&r);
		OPENSSL_clear_free(claim, strlen(claim));
	}
	overrides_free(&o);
out:
	json_decref(body);
}

void api_request_claim(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_certificate c;
	struct engine_error err;
	struct csr_input csr;
	int64_t now = clock_now();
	json_t *body, *claim;

	body = json_body_parse(req, claim_fields, API_N(claim_fields), resp);
	if (body == NULL)
		return;
	claim = json_object_get(body, "claim");
	if (csr_read(body, &csr, resp) != 0)
		goto out;
	if (request_claim(&ctx, json_string_value(claim), csr.data, csr.len,
			  req->address, now, &c, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 201, api_json_certificate(&c, now, 1));
		store_certificate_free(&c);
	}
	free(csr.owned);
out:
	OPENSSL_cleanse((char *)json_string_value(claim),
			json_string_length(claim));
	json_decref(body);
}

static const struct json_field renew_fields[] = {
    {"certificate", JSON_FIELD_STRING, 1, REQ_CSR_MAX},
    {"csr", JSON_FIELD_STRING, 0, REQ_CSR_MAX},
    {"csr_der", JSON_FIELD_STRING, 0, REQ_CSR_MAX},
    {"signature", JSON_FIELD_STRING, 1, REQ_CSR_MAX},
};

void api_request_renew(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_certificate c;
	struct engine_error err = {0};
	struct csr_input csr;
	int64_t now = clock_now();
	const json_t *sig;
	uint8_t *signature = NULL;
	size_t sig_len = 0;
	json_t *body;

	body = json_body_parse(req, renew_fields, API_N(renew_fields), resp);
	if (body == NULL)
		return;
	sig = json_object_get(body, "signature");
	if (csr_read(body, &csr, resp) != 0)
		goto out;
	if (base64_decode(json_string_value(sig), json_string_length(sig),
			  &signature, &sig_len) != 0) {
		http_respond_problem_field(resp, 400, "signature",
					   "the signature is not base64");
	} else if (request_renew(
		       &ctx,
		       json_string_value(json_object_get(body, "certificate")),
		       csr.data, csr.len, signature, sig_len, req->address, now,
		       &c, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 201, api_json_certificate(&c, now, 1));
		store_certificate_free(&c);
	}
	free(csr.owned);
out:
	free(signature);
	json_decref(body);
}
