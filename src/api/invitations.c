#include "api/invitations.h"

#include <openssl/crypto.h>
#include <string.h>

#include "api/api_json.h"
#include "http/auth.h"
#include "http/json_body.h"
#include "lib/clock.h"

static const struct json_field create_fields[] = {
    {"role", JSON_FIELD_STRING, 1, 0},
    {"note", JSON_FIELD_STRING, 0, 0},
};

static const struct json_field accept_fields[] = {
    {"token", JSON_FIELD_STRING, 1, 0},
    {"username", JSON_FIELD_STRING, 0, 0},
    {"password", JSON_FIELD_STRING, 0, 0},
};

/* The answer to a new invitation: the record and its token. */
static json_t *invitation_created_json(const struct store_invitation *inv,
				       const char *secret)
{
	json_t *doc = api_json_invitation(inv);

	if (doc != NULL &&
	    json_object_set_new(doc, "token", json_string(secret)) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

void api_invitation_create(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct store_invitation inv;
	char *secret = NULL;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, create_fields, API_N(create_fields), resp);
	if (body == NULL)
		return;
	if (accounts_invitation_create(
		req->app->store, &who, api_body_string(body, "role"),
		api_body_string(body, "note"), clock_now(), &inv, &secret,
		&err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 201,
				 invitation_created_json(&inv, secret));
		http_header_add(resp, "Cache-Control", "no-store");
		store_invitation_free(&inv);
		OPENSSL_clear_free(secret, strlen(secret));
	}
	json_decref(body);
}

void api_invitation_list(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct api_page page;
	struct store_invitation_list list = {0};
	json_t *items;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (accounts_invitation_list(req->app->store, &who,
				     page.after[0] ? page.after : NULL,
				     page.limit, &list, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < list.n; i++)
		if (json_array_append_new(
			items, api_json_invitation(&list.items[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond(resp, items, list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_invitation_list_free(&list);
}

void api_invitation_revoke(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (accounts_invitation_revoke(req->app->store, &who, req->params[0],
				       clock_now(), &err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		http_respond(resp, 204, NULL, NULL, 0);
}

void api_invitation_accept(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	char tenant[RAND_ID_LEN + 1] = "";
	int present = 0;
	json_t *body;

	if (http_auth_optional(req, &who, &present, resp) != 0)
		return;
	body = json_body_parse(req, accept_fields, API_N(accept_fields), resp);
	if (body == NULL)
		return;
	if (accounts_invitation_accept(req->app->store, present ? &who : NULL,
				       api_body_string(body, "token"),
				       api_body_string(body, "username"),
				       api_body_string(body, "password"),
				       req->address, clock_now(), tenant,
				       &err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		api_respond_json(
		    resp, 201, json_pack("{s:{s:s}}", "tenant", "id", tenant));
	json_decref(body);
}
