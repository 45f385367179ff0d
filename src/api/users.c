#include "api/users.h"

#include "api/api_json.h"
#include "http/auth.h"
#include "http/json_body.h"
#include "lib/clock.h"

static const struct json_field create_fields[] = {
    {"username", JSON_FIELD_STRING, 1, 0},
    {"password", JSON_FIELD_STRING, 1, 0},
    {"role", JSON_FIELD_STRING, 1, 0},
};

static const struct json_field update_fields[] = {
    {"role", JSON_FIELD_STRING, 0, 0},
    {"disabled", JSON_FIELD_BOOLEAN, 0, 0},
};

void api_user_list(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct api_page page;
	struct store_user_list list = {0};
	json_t *items;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (accounts_user_list(req->app->store, &who,
			       page.after[0] ? page.after : NULL, page.limit,
			       &list, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < list.n; i++)
		if (json_array_append_new(items,
					  api_json_user(&list.items[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	api_page_respond(resp, items, list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_user_list_free(&list);
}

void api_user_create(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct store_user u;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, create_fields, API_N(create_fields), resp);
	if (body == NULL)
		return;
	if (accounts_user_create(req->app->store, &who,
				 api_body_string(body, "username"),
				 api_body_string(body, "password"),
				 api_body_string(body, "role"), clock_now(), &u,
				 &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 201, api_json_user(&u));
		store_user_free(&u);
	}
	json_decref(body);
}

void api_user_get(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct store_user u;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (accounts_user_get(req->app->store, &who, req->params[0], &u,
			      &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_respond_json(resp, 200, api_json_user(&u));
	store_user_free(&u);
}

void api_user_update(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct store_user u;
	const json_t *disabled;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, update_fields, API_N(update_fields), resp);
	if (body == NULL)
		return;
	disabled = json_object_get(body, "disabled");
	if (accounts_user_update(req->app->store, &who, req->params[0],
				 api_body_string(body, "role"),
				 disabled != NULL ? json_is_true(disabled) : -1,
				 clock_now(), &u, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 200, api_json_user(&u));
		store_user_free(&u);
	}
	json_decref(body);
}

void api_user_remove(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (accounts_user_remove(req->app->store, &who, req->params[0],
				 clock_now(), &err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		http_respond(resp, 204, NULL, NULL, 0);
}
