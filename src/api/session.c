#include "api/session.h"

#include <openssl/crypto.h>
#include <string.h>

#include "api/api_json.h"
#include "http/auth.h"
#include "http/json_body.h"
#include "lib/clock.h"

static const struct json_field login_fields[] = {
    {"username", JSON_FIELD_STRING, 1, 0},
    {"password", JSON_FIELD_STRING, 1, 0},
    {"tenant", JSON_FIELD_STRING, 0, 0},
};

static const struct json_field password_fields[] = {
    {"current_password", JSON_FIELD_STRING, 1, 0},
    {"new_password", JSON_FIELD_STRING, 1, 0},
};

/* The answer to a login: who, where, and the CSRF token to send. */
static json_t *login_json(const struct accounts_session *s)
{
	return json_pack("{s:o, s:{s:s, s:s}, s:s, s:s, s:o}", "user",
			 api_json_user_ref(s->who.user_id, s->who.username),
			 "tenant", "id", s->who.tenant_id, "name",
			 s->tenant_name, "role", s->who.role, "csrf_token",
			 s->who.csrf, "expires_at",
			 api_json_time(s->expires_at));
}

void api_session_login(struct http_request *req, struct http_response *resp)
{
	json_t *body =
	    json_body_parse(req, login_fields, API_N(login_fields), resp);
	struct accounts_login in = {.address = req->address};
	struct accounts_session out;
	struct engine_error err;

	if (body == NULL)
		return;
	in.username = api_body_string(body, "username");
	in.password = api_body_string(body, "password");
	in.tenant = api_body_string(body, "tenant");
	if (accounts_login(req->app->store, &req->app->policy, &in, clock_now(),
			   &out, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 200, login_json(&out));
		if (resp->status == 200)
			http_auth_cookie_set(resp, out.secret,
					     req->app->policy.session_max);
		http_header_add(resp, "Cache-Control", "no-store");
	}
	OPENSSL_cleanse(&out, sizeof(out));
	json_decref(body);
}

void api_session_logout(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (accounts_logout(req->app->store, &who, clock_now(), &err) !=
	    ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	http_respond(resp, 204, NULL, NULL, 0);
	http_auth_cookie_set(resp, NULL, 0);
}

/*
 * The "tenants" of GET /api/v1/me, and the name of who's tenant into
 * *name (borrowed from list).
 */
static json_t *me_tenants(const struct principal *who,
			  const struct store_tenant_list *list,
			  const char **name)
{
	json_t *items = json_array();

	*name = NULL;
	for (size_t i = 0; items != NULL && i < list->n; i++) {
		if (strcmp(list->items[i].id, who->tenant_id) == 0)
			*name = list->items[i].name;
		if (json_array_append_new(
			items, api_json_tenant(&list->items[i])) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	return items;
}

/* The token who calls with, as "token" of GET /api/v1/me, or NULL. */
static enum engine_result me_token(struct store *st,
				   const struct principal *who, json_t **out,
				   struct engine_error *err)
{
	struct store_token t;
	enum engine_result res;

	*out = NULL;
	if (who->kind != PRINCIPAL_TOKEN)
		return ENGINE_OK;
	res = accounts_token_get(st, who, who->token_id, &t, err);
	if (res != ENGINE_OK)
		return res;
	*out = api_json_token(&t);
	store_token_free(&t);
	if (*out == NULL)
		return engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	return ENGINE_OK;
}

void api_me_get(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	struct store_tenant_list list = {0};
	json_t *doc = NULL, *tenants = NULL, *token = NULL;
	const char *name;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (accounts_tenant_list(req->app->store, &who, &list, &err) !=
		ENGINE_OK ||
	    me_token(req->app->store, &who, &token, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		goto out;
	}
	tenants = me_tenants(&who, &list, &name);
	doc =
	    json_pack("{s:o, s:{s:s, s:s?}, s:s, s:s, s:o}", "user",
		      api_json_user_ref(who.user_id, who.username), "tenant",
		      "id", who.tenant_id, "name", name, "role", who.role,
		      "auth", who.kind == PRINCIPAL_TOKEN ? "token" : "session",
		      "tenants", tenants);
	if (doc != NULL && token != NULL &&
	    json_object_set(doc, "token", token) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	api_respond_json(resp, 200, doc);
out:
	json_decref(token);
	store_tenant_list_free(&list);
}

void api_me_password(struct http_request *req, struct http_response *resp)
{
	struct principal who;
	struct engine_error err;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body =
	    json_body_parse(req, password_fields, API_N(password_fields), resp);
	if (body == NULL)
		return;
	if (accounts_password_change(req->app->store, &who,
				     api_body_string(body, "current_password"),
				     api_body_string(body, "new_password"),
				     clock_now(), &err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		http_respond(resp, 204, NULL, NULL, 0);
	json_decref(body);
}
