#include "api/cas.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "engine/ca.h"
#include "http/auth.h"
#include "http/json_body.h"
#include "lib/clock.h"

#define CA_PEM_MAX  (256u << 10) /* bytes of a key or certificate PEM */
#define CA_TEXT_MAX 1024	 /* bytes of a short text member */

static const struct json_field create_fields[] = {
    {"name", JSON_FIELD_STRING, 1, CA_TEXT_MAX},
    {"description", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"kind", JSON_FIELD_STRING, 1, CA_TEXT_MAX},
    {"key_type", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"key_pem", JSON_FIELD_STRING, 0, CA_PEM_MAX},
    {"key_password", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"subject", JSON_FIELD_OBJECT, 1, 0},
    {"hash", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"rsa_pss", JSON_FIELD_BOOLEAN, 0, 0},
    {"validity_days", JSON_FIELD_INTEGER, 0, 0},
    {"path_length", JSON_FIELD_INTEGER, 0, 0},
    {"cps_url", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"parent_id", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"parent_template_id", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"certificate_settings", JSON_FIELD_OBJECT, 0, 0},
};

/* The members of "subject"; CN is required by the engine. */
static const char *const subject_names[] = {
    "CN", "O", "OU", "C", "ST", "L", "emailAddress", NULL,
};

static const struct json_field update_fields[] = {
    {"description", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"cps_url", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"service_key_type", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
    {"service_hash", JSON_FIELD_STRING, 0, CA_TEXT_MAX},
};

static const struct json_field delete_fields[] = {
    {"confirm", JSON_FIELD_STRING, 1, CA_TEXT_MAX},
};

static const struct json_field import_fields[] = {
    {"certificate", JSON_FIELD_STRING, 1, CA_PEM_MAX},
};

/*
 * A CA as answered: its record and "issuance_blocked_by", the name of
 * the CA (this one or one above it) whose own certificate is revoked or
 * on hold, or null while it may issue; left out when the store cannot
 * say. NULL out of memory.
 */
static json_t *ca_doc(const struct ca_context *ctx, const struct store_ca *ca,
		      const char *base_url)
{
	json_t *doc = api_json_ca(ca, base_url);
	struct engine_error err;
	char *blocked = NULL;

	if (doc == NULL || ca_blocked_by(ctx, ca, &blocked, &err) != ENGINE_OK)
		return doc;
	if (json_object_set_new(doc, "issuance_blocked_by",
				blocked != NULL ? json_string(blocked)
						: json_null()) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	free(blocked);
	return doc;
}

void api_ca_list(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_ca_list list = {0};
	struct engine_error err;
	struct principal who;
	struct api_page page;
	json_t *items;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (ca_list(&ctx, &who, page.after[0] ? page.after : NULL, page.limit,
		    &list, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < list.n; i++)
		if (json_array_append_new(items, ca_doc(&ctx, &list.items[i],
							req->app->base_url)) !=
		    0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond(resp, items, list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_ca_list_free(&list);
}

/* The subject as the engine takes it: pointers into the body. */
static void subject_read(const json_t *obj, struct ca_subject *s)
{
	s->cn = api_body_string(obj, "CN");
	s->o = api_body_string(obj, "O");
	s->ou = api_body_string(obj, "OU");
	s->c = api_body_string(obj, "C");
	s->st = api_body_string(obj, "ST");
	s->l = api_body_string(obj, "L");
	s->email = api_body_string(obj, "emailAddress");
}

/*
 * The engine's input from a checked body; the strings point into it.
 * A present validity_days of 0 becomes -1, for the engine to refuse
 * rather than read as absent.
 */
static void create_read(const json_t *body, struct ca_create *in)
{
	memset(in, 0, sizeof(*in));
	in->name = api_body_string(body, "name");
	in->description = api_body_string(body, "description");
	in->kind = api_body_string(body, "kind");
	in->key_type = api_body_string(body, "key_type");
	in->key_pem = api_body_string(body, "key_pem");
	in->key_password = api_body_string(body, "key_password");
	subject_read(json_object_get(body, "subject"), &in->subject);
	in->hash = api_body_string(body, "hash");
	in->pss = json_is_true(json_object_get(body, "rsa_pss"));
	in->validity_days = api_body_int(body, "validity_days", 0, -1);
	in->path_length = api_body_int(body, "path_length", -1, 0);
	in->cps_url = api_body_string(body, "cps_url");
	in->parent_id = api_body_string(body, "parent_id");
	in->parent_template_id = api_body_string(body, "parent_template_id");
	in->certificate_settings =
	    json_object_get(body, "certificate_settings");
}

/* Wipes a secret string member of a parsed body in place. */
static void member_wipe(json_t *body, const char *name)
{
	json_t *v = json_object_get(body, name);

	if (json_is_string(v))
		OPENSSL_cleanse((char *)json_string_value(v),
				json_string_length(v));
}

/* Wipes what the body held of a private key: the text and the members. */
static void create_wipe(struct http_request *req, json_t *body)
{
	if (json_object_get(body, "key_pem") == NULL)
		return;
	member_wipe(body, "key_pem");
	member_wipe(body, "key_password");
	if (req->body != NULL)
		OPENSSL_cleanse(req->body, req->body_len);
}

void api_ca_create(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	struct ca_create in;
	struct store_ca ca;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, create_fields, API_N(create_fields), resp);
	if (body == NULL)
		return;
	if (api_object_strings(json_object_get(body, "subject"), "subject",
			       subject_names, resp) != 0)
		goto out;
	create_read(body, &in);
	if (ca_create(&ctx, &who, &in, clock_now(), &ca, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		goto out;
	}
	api_respond_json(resp, 201, ca_doc(&ctx, &ca, req->app->base_url));
	store_ca_free(&ca);
out:
	create_wipe(req, body);
	json_decref(body);
}

void api_ca_get(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	struct store_ca ca;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (ca_get(&ctx, &who, req->params[0], &ca, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_respond_json(resp, 200, ca_doc(&ctx, &ca, req->app->base_url));
	store_ca_free(&ca);
}

void api_ca_update(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	struct store_ca ca;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, update_fields, API_N(update_fields), resp);
	if (body == NULL)
		return;
	if (ca_update(&ctx, &who, req->params[0],
		      api_body_string(body, "description"),
		      api_body_string(body, "cps_url"),
		      api_body_string(body, "service_key_type"),
		      api_body_string(body, "service_hash"), clock_now(), &ca,
		      &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 200,
				 ca_doc(&ctx, &ca, req->app->base_url));
		store_ca_free(&ca);
	}
	json_decref(body);
}

void api_ca_delete(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, delete_fields, API_N(delete_fields), resp);
	if (body == NULL)
		return;
	if (ca_delete(&ctx, &who, req->params[0],
		      api_body_string(body, "confirm"), clock_now(),
		      &err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		http_respond(resp, 204, NULL, NULL, 0);
	json_decref(body);
}

void api_ca_certificate_import(struct http_request *req,
			       struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	struct store_ca ca;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, import_fields, API_N(import_fields), resp);
	if (body == NULL)
		return;
	if (ca_certificate_import(&ctx, &who, req->params[0],
				  api_body_string(body, "certificate"),
				  clock_now(), &ca, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 200,
				 ca_doc(&ctx, &ca, req->app->base_url));
		store_ca_free(&ca);
	}
	json_decref(body);
}

/* Answers text (from malloc, taken) as an attachment named name. */
static void respond_pem(struct http_response *resp, const char *content_type,
			char *text, const char *name)
{
	char disposition[128];

	snprintf(disposition, sizeof(disposition),
		 "attachment; filename=\"%s\"", name);
	http_respond(resp, 200, content_type, text, strlen(text));
	http_header_add(resp, "Content-Disposition", disposition);
}

void api_ca_csr(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	struct store_ca ca;
	char name[64], *pem;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (ca_get(&ctx, &who, req->params[0], &ca, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	if (ca.csr_der == NULL) {
		http_respond_problem(resp, 404,
				     "the CA %s has no CSR: only an "
				     "intermediate made without a parent "
				     "has one",
				     ca.name);
	} else if ((pem = api_pem_encode("CERTIFICATE REQUEST", ca.csr_der,
					 ca.csr_len)) == NULL) {
		http_respond_problem(resp, 500, "out of memory");
	} else {
		snprintf(name, sizeof(name), "%s.csr", ca.id);
		respond_pem(resp, "application/pkcs10", pem, name);
	}
	store_ca_free(&ca);
}

void api_ca_chain(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	struct store_ca ca;
	char name[64], *pem;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (ca_get(&ctx, &who, req->params[0], &ca, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	if (ca.cert_der == NULL) {
		http_respond_problem(resp, 409,
				     "the CA %s is pending: import its "
				     "certificate first",
				     ca.name);
	} else if ((pem = ca_chain_pem(&ca)) == NULL) {
		http_respond_problem(resp, 500,
				     "the CA's chain could not be encoded");
	} else {
		snprintf(name, sizeof(name), "%s-chain.pem", ca.id);
		respond_pem(resp, "application/x-pem-file", pem, name);
	}
	store_ca_free(&ca);
}
