#include "api/templates.h"

#include <stdlib.h>

#include "api/api_json.h"
#include "engine/templates.h"
#include "http/auth.h"
#include "http/json_body.h"
#include "lib/clock.h"

#define TPL_TEXT_MAX 1024 /* bytes of a name or an id */

/* The members of settings are the engine's to check (docs/templates.md). */
static const struct json_field create_fields[] = {
    {"ca_id", JSON_FIELD_STRING, 1, TPL_TEXT_MAX},
    {"name", JSON_FIELD_STRING, 1, TPL_TEXT_MAX},
    {"starter", JSON_FIELD_STRING, 0, TPL_TEXT_MAX},
    {"settings", JSON_FIELD_OBJECT, 0, 0},
};

static const struct json_field update_fields[] = {
    {"name", JSON_FIELD_STRING, 0, TPL_TEXT_MAX},
    {"settings", JSON_FIELD_OBJECT, 0, 0},
};

void api_template_list(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_template_list list = {0};
	struct engine_error err;
	struct principal who;
	struct api_page page;
	json_t *items;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (templates_list(&ctx, &who, http_request_query(req, "ca_id"),
			   page.after[0] ? page.after : NULL, page.limit, &list,
			   &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < list.n; i++)
		if (json_array_append_new(
			items, api_json_template(&list.items[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond(resp, items, list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_template_list_free(&list);
}

void api_template_create(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct store_template t;
	struct principal who;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, create_fields, API_N(create_fields), resp);
	if (body == NULL)
		return;
	if (templates_create(&ctx, &who, api_body_string(body, "ca_id"),
			     api_body_string(body, "name"),
			     api_body_string(body, "starter"),
			     json_object_get(body, "settings"), clock_now(), &t,
			     &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 201, api_json_template(&t));
		store_template_free(&t);
	}
	json_decref(body);
}

/* {"name", "settings"} of one starter; NULL when out of memory. */
static json_t *starter_json(const char *name)
{
	struct template_settings s = {0};
	char *text = NULL;
	json_t *doc = NULL;

	if (template_starter(name, &s) == 0 &&
	    (text = template_settings_encode(&s)) != NULL)
		doc = json_pack("{s:s, s:o}", "name", name, "settings",
				api_json_parsed(text));
	free(text);
	template_settings_clear(&s);
	return doc;
}

void api_template_starters(struct http_request *req, struct http_response *resp)
{
	const char *const *names;
	struct principal who;
	json_t *items;
	size_t n = 0;

	if (http_auth(req, &who, resp) != 0)
		return;
	names = template_starter_names(&n);
	items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++)
		if (json_array_append_new(items, starter_json(names[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond(resp, items, 0, NULL);
}

void api_template_get(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct store_template t;
	struct principal who;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (templates_get(&ctx, &who, req->params[0], &t, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_respond_json(resp, 200, api_json_template(&t));
	store_template_free(&t);
}

void api_template_update(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct store_template t;
	struct principal who;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, update_fields, API_N(update_fields), resp);
	if (body == NULL)
		return;
	if (templates_update(&ctx, &who, req->params[0],
			     api_body_string(body, "name"),
			     json_object_get(body, "settings"), clock_now(), &t,
			     &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 200, api_json_template(&t));
		store_template_free(&t);
	}
	json_decref(body);
}

void api_template_delete(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (templates_delete(&ctx, &who, req->params[0], clock_now(), &err) !=
	    ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		http_respond(resp, 204, NULL, NULL, 0);
}
