#include "api/tokens.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "http/auth.h"
#include "http/json_body.h"
#include "lib/clock.h"

static const struct json_field token_fields[] = {
    {"name", JSON_FIELD_STRING, 1, 0},
    {"role", JSON_FIELD_STRING, 0, 0},
    {"expires_in_days", JSON_FIELD_INTEGER, 0, 0},
};

void api_token_list(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct api_page page;
	struct store_token_list list = {0};
	json_t *items;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (accounts_token_list(req->app->store, &who,
				page.after[0] ? page.after : NULL, page.limit,
				&list, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < list.n; i++)
		if (json_array_append_new(
			items, api_json_token(&list.items[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond(resp, items, list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_token_list_free(&list);
}

/*
 * expires_in_days as the engine takes it: absent is 0 (no expiry); a
 * present 0, which the wire does not allow, becomes -1 so that the
 * engine refuses it rather than reading it as absent.
 */
static int64_t token_days(const json_t *body)
{
	const json_t *v = json_object_get(body, "expires_in_days");

	if (v == NULL)
		return 0;
	return json_integer_value(v) != 0 ? (int64_t)json_integer_value(v) : -1;
}

/* The answer to a new token: the record and its secret. */
static json_t *token_created_json(const struct store_token *t,
				  const char *secret)
{
	json_t *doc = api_json_token(t);

	if (doc != NULL &&
	    json_object_set_new(doc, "token", json_string(secret)) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

void api_token_create(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct store_token t;
	char *secret = NULL;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, token_fields, API_N(token_fields), resp);
	if (body == NULL)
		return;
	if (accounts_token_create(
		req->app->store, &who, api_body_string(body, "name"),
		api_body_string(body, "role"), token_days(body), clock_now(),
		&t, &secret, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 201, token_created_json(&t, secret));
		http_header_add(resp, "Cache-Control", "no-store");
		store_token_free(&t);
		OPENSSL_clear_free(secret, strlen(secret));
	}
	json_decref(body);
}

void api_token_get(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct store_token t;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (accounts_token_get(req->app->store, &who, req->params[0], &t,
			       &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_respond_json(resp, 200, api_json_token(&t));
	store_token_free(&t);
}

void api_token_revoke(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (accounts_token_revoke(req->app->store, &who, req->params[0],
				  clock_now(), &err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		http_respond(resp, 204, NULL, NULL, 0);
}
