#include "api/acme_admin.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "engine/acme_admin.h"
#include "http/auth.h"
#include "http/json_body.h"
#include "lib/clock.h"

#define ACME_TEXT_MAX 1024 /* bytes of a name or an id */
#define HOST_MAX      262  /* a DNS name or [IPv6], and ":port" */
#define URL_MAX	      320
#define COMMAND_MAX   1024
/* What the example commands ask for; the user puts in their own. */
#define EXAMPLE_EMAIL  "you@example.com"
#define EXAMPLE_DOMAIN "www.example.com"

/* The items of domains are the engine's to check. */
static const struct json_field policy_create_fields[] = {
    {"name", JSON_FIELD_STRING, 1, ACME_TEXT_MAX},
    {"template_id", JSON_FIELD_STRING, 1, ACME_TEXT_MAX},
    {"domains", JSON_FIELD_ARRAY, 0, ACME_POLICY_DOMAINS_MAX},
};

static const struct json_field policy_update_fields[] = {
    {"name", JSON_FIELD_STRING, 0, ACME_TEXT_MAX},
    {"template_id", JSON_FIELD_STRING, 0, ACME_TEXT_MAX},
    {"domains", JSON_FIELD_ARRAY, 0, ACME_POLICY_DOMAINS_MAX},
};

static const struct json_field eab_fields[] = {
    {"name", JSON_FIELD_STRING, 1, ACME_TEXT_MAX},
    {"uses_allowed", JSON_FIELD_INTEGER, 0, 0},
    {"expires_at", JSON_FIELD_INTEGER, 0, 0},
};

static json_t *policy_json(const struct store_acme_policy *p)
{
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:o, s:o}", "id", p->id,
			 "name", p->name, "ca_id", p->ca_id, "template_id",
			 p->template_id, "domains", api_json_parsed(p->domains),
			 "created_at", api_json_time(p->created_at));
}

/* Whether an EAB may register an account at now, and why not. */
static const char *eab_status(const struct store_acme_eab *e, int64_t now)
{
	if (e->expires_at <= now)
		return "expired";
	return e->uses >= e->uses_allowed ? "used_up" : "active";
}

/* An EAB, never its key: the key id is its id. */
static json_t *eab_json(const struct store_acme_eab *e, int64_t now)
{
	return json_pack(
	    "{s:s, s:s, s:s?, s:s?, s:I, s:I, s:o, s:s, s:o}", "id", e->id,
	    "key_id", e->id, "name", e->name, "policy_id", e->policy_id,
	    "uses_allowed", (json_int_t)e->uses_allowed, "uses",
	    (json_int_t)e->uses, "expires_at", api_json_time(e->expires_at),
	    "status", eab_status(e, now), "created_at",
	    api_json_time(e->created_at));
}

static json_t *account_json(const struct store_acme_account *a)
{
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:o, s:s?, s:o, s:o}", "id",
			 a->id, "policy_id", a->policy_id, "eab_id", a->eab_id,
			 "status", a->status, "contact",
			 api_json_parsed(a->contact), "thumbprint",
			 a->thumbprint, "jwk", api_json_parsed(a->jwk),
			 "created_at", api_json_time(a->created_at));
}

/* A challenge as operators see it: its type, status and error. */
static json_t *challenge_view(const json_t *c)
{
	json_t *view =
	    json_pack("{s:O?, s:O?}", "type", json_object_get(c, "type"),
		      "status", json_object_get(c, "status"));

	if (view != NULL && json_object_get(c, "error") != NULL)
		json_object_set(view, "error", json_object_get(c, "error"));
	return view;
}

/* An order's authorisations, tokens left out. */
static json_t *authorizations_view(const json_t *doc)
{
	json_t *out = json_array();
	const json_t *a, *c;
	size_t i, j;

	json_array_foreach (json_object_get(doc, "authorizations"), i, a) {
		json_t *challenges = json_array();
		json_array_foreach (json_object_get(a, "challenges"), j, c) {
			json_array_append_new(challenges, challenge_view(c));
		}
		json_array_append_new(
		    out,
		    json_pack("{s:O?, s:O?, s:O?, s:O?, s:o}", "identifier",
			      json_object_get(a, "identifier"), "wildcard",
			      json_object_get(a, "wildcard"), "status",
			      json_object_get(a, "status"), "preapproved",
			      json_object_get(a, "preapproved"), "challenges",
			      challenges));
	}
	return out;
}

static json_t *order_json(const struct store_acme_order *o)
{
	json_t *doc = api_json_parsed(o->document);
	json_t *ids = json_object_get(doc, "identifiers");
	json_t *out = json_pack(
	    "{s:s, s:s?, s:s?, s:O?, s:o, s:o, s:s?, s:s?, s:o}", "id", o->id,
	    "account_id", o->account_id, "status", o->status, "identifiers",
	    ids, "authorizations", authorizations_view(doc), "expires_at",
	    api_json_time(o->expires_at), "certificate_id", o->certificate_id,
	    "replaces", o->replaces, "created_at",
	    api_json_time(o->created_at));

	json_decref(doc);
	return out;
}

/*
 * The items of a list as a JSON array: one function per record type,
 * each NULL when out of memory.
 */
static json_t *policies_json(const struct store_acme_policy_list *l)
{
	json_t *items = json_array();

	for (size_t i = 0; items != NULL && i < l->n; i++)
		if (json_array_append_new(items, policy_json(&l->items[i])) !=
		    0) {
			json_decref(items);
			items = NULL;
		}
	return items;
}

static json_t *eabs_json(const struct store_acme_eab_list *l, int64_t now)
{
	json_t *items = json_array();

	for (size_t i = 0; items != NULL && i < l->n; i++)
		if (json_array_append_new(items, eab_json(&l->items[i], now)) !=
		    0) {
			json_decref(items);
			items = NULL;
		}
	return items;
}

static json_t *accounts_json(const struct store_acme_account_list *l)
{
	json_t *items = json_array();

	for (size_t i = 0; items != NULL && i < l->n; i++)
		if (json_array_append_new(items, account_json(&l->items[i])) !=
		    0) {
			json_decref(items);
			items = NULL;
		}
	return items;
}

static json_t *orders_json(const struct store_acme_order_list *l)
{
	json_t *items = json_array();

	for (size_t i = 0; items != NULL && i < l->n; i++)
		if (json_array_append_new(items, order_json(&l->items[i])) !=
		    0) {
			json_decref(items);
			items = NULL;
		}
	return items;
}

void api_acme_policy_list(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_acme_policy_list list = {0};
	struct engine_error err;
	struct principal who;
	struct api_page page;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (acme_policy_list(&ctx, &who, http_request_query(req, "ca_id"),
			     page.after[0] ? page.after : NULL, page.limit,
			     &list, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_page_respond(resp, policies_json(&list), list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_acme_policy_list_free(&list);
}

/*
 * The policy input of a parsed body; in->domains is a new array of
 * pointers into body (free only the array). 0, or -1 after filling
 * resp with a 400 naming the item.
 */
static int policy_input(const json_t *body, struct acme_policy_input *in,
			struct http_response *resp)
{
	const json_t *domains = json_object_get(body, "domains");

	memset(in, 0, sizeof(*in));
	in->name = api_body_string(body, "name");
	in->template_id = api_body_string(body, "template_id");
	in->has_domains = domains != NULL;
	if (domains == NULL)
		return 0;
	in->domains =
	    api_string_array(domains, "domains", &in->n_domains, resp);
	return in->domains != NULL ? 0 : -1;
}

void api_acme_policy_create(struct http_request *req,
			    struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct acme_policy_input in;
	struct store_acme_policy p;
	struct engine_error err;
	struct principal who;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, policy_create_fields,
			       API_N(policy_create_fields), resp);
	if (body == NULL)
		return;
	if (policy_input(body, &in, resp) == 0) {
		if (acme_policy_create(&ctx, &who, &in, clock_now(), &p,
				       &err) != ENGINE_OK) {
			http_respond_engine_error(resp, &err);
		} else {
			api_respond_json(resp, 201, policy_json(&p));
			store_acme_policy_free(&p);
		}
	}
	free((void *)in.domains);
	json_decref(body);
}

void api_acme_policy_get(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_acme_policy p;
	struct engine_error err;
	struct principal who;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (acme_policy_get(&ctx, &who, req->params[0], &p, &err) !=
	    ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_respond_json(resp, 200, policy_json(&p));
	store_acme_policy_free(&p);
}

void api_acme_policy_update(struct http_request *req,
			    struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct acme_policy_input in;
	struct store_acme_policy p;
	struct engine_error err;
	struct principal who;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, policy_update_fields,
			       API_N(policy_update_fields), resp);
	if (body == NULL)
		return;
	if (policy_input(body, &in, resp) == 0) {
		if (acme_policy_update(&ctx, &who, req->params[0], &in,
				       clock_now(), &p, &err) != ENGINE_OK) {
			http_respond_engine_error(resp, &err);
		} else {
			api_respond_json(resp, 200, policy_json(&p));
			store_acme_policy_free(&p);
		}
	}
	free((void *)in.domains);
	json_decref(body);
}

void api_acme_policy_delete(struct http_request *req,
			    struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (acme_policy_delete(&ctx, &who, req->params[0], clock_now(), &err) !=
	    ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		http_respond(resp, 204, NULL, NULL, 0);
}

void api_acme_eab_list(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_acme_eab_list list = {0};
	struct engine_error err;
	struct principal who;
	struct api_page page;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (acme_eab_list(&ctx, &who, req->params[0],
			  page.after[0] ? page.after : NULL, page.limit, &list,
			  &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_page_respond(resp, eabs_json(&list, clock_now()), list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_acme_eab_list_free(&list);
}

/*
 * The directory URL from the request's Host header, into url; 0, or -1
 * when the header is missing or holds more than a host and a port.
 */
static int directory_url(const struct http_request *req, char *url, size_t n)
{
	const char *host = http_request_header(req, "Host");
	size_t len = host != NULL ? strlen(host) : 0;

	if (len == 0 || len > HOST_MAX ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789.-:[]") != len)
		return -1;
	return snprintf(url, n, "https://%s/acme/directory", host) < (int)n
		   ? 0
		   : -1;
}

/*
 * {"certbot", "lego"}: command lines that register with the EAB. The key
 * follows "=": a base64url key may begin with "-", which certbot would
 * take for an option.
 */
static json_t *eab_commands(const char *url, const char *kid, const char *key)
{
	char certbot[COMMAND_MAX], lego[COMMAND_MAX];

	snprintf(certbot, sizeof(certbot),
		 "certbot certonly --standalone --server %s --eab-kid %s "
		 "--eab-hmac-key=%s --agree-tos -m " EXAMPLE_EMAIL
		 " -d " EXAMPLE_DOMAIN,
		 url, kid, key);
	snprintf(
	    lego, sizeof(lego),
	    "lego --server %s --eab --kid %s --hmac=%s --email " EXAMPLE_EMAIL
	    " --domains " EXAMPLE_DOMAIN " --http --path ./lego run",
	    url, kid, key);
	return json_pack("{s:s, s:s}", "certbot", certbot, "lego", lego);
}

/* The answer to a new EAB: the record, its key once, how to use it. */
static json_t *eab_created_json(const struct http_request *req,
				const struct store_acme_eab *e, const char *key)
{
	json_t *doc = eab_json(e, clock_now());
	char url[URL_MAX];
	int known = directory_url(req, url, sizeof(url)) == 0;
	json_t *more =
	    json_pack("{s:s, s:s?, s:o}", "hmac_key", key, "directory_url",
		      known ? url : NULL, "commands",
		      known ? eab_commands(url, e->id, key) : json_null());

	if (doc == NULL || more == NULL || json_object_update(doc, more) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	json_decref(more);
	return doc;
}

void api_acme_eab_create(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	const json_t *uses;
	struct store_acme_eab e;
	struct engine_error err;
	struct principal who;
	char *key = NULL;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, eab_fields, API_N(eab_fields), resp);
	if (body == NULL)
		return;
	uses = json_object_get(body, "uses_allowed");
	if (acme_eab_create(
		&ctx, &who, req->params[0], api_body_string(body, "name"),
		uses != NULL ? (int64_t)json_integer_value(uses) : 1,
		api_body_time(body, "expires_at"), clock_now(), &e, &key,
		&err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
	} else {
		api_respond_json(resp, 201, eab_created_json(req, &e, key));
		http_header_add(resp, "Cache-Control", "no-store");
		store_acme_eab_free(&e);
		OPENSSL_clear_free(key, strlen(key));
	}
	json_decref(body);
}

void api_acme_eab_delete(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;

	if (http_auth(req, &who, resp) != 0)
		return;
	if (acme_eab_delete(&ctx, &who, req->params[0], clock_now(), &err) !=
	    ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		http_respond(resp, 204, NULL, NULL, 0);
}

void api_acme_account_list(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_acme_account_list list = {0};
	struct engine_error err;
	struct principal who;
	struct api_page page;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (acme_account_list(&ctx, &who, http_request_query(req, "policy_id"),
			      page.after[0] ? page.after : NULL, page.limit,
			      &list, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_page_respond(resp, accounts_json(&list), list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_acme_account_list_free(&list);
}

/* Answers the account id of the tenant, as it is now. */
static void account_respond(const struct ca_context *ctx,
			    const struct principal *who, const char *id,
			    struct http_response *resp)
{
	struct store_acme_account a;
	struct engine_error err;

	if (acme_account_get(ctx, who, id, &a, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_respond_json(resp, 200, account_json(&a));
	store_acme_account_free(&a);
}

void api_acme_account_get(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct principal who;

	if (http_auth(req, &who, resp) != 0)
		return;
	account_respond(&ctx, &who, req->params[0], resp);
}

void api_acme_account_deactivate(struct http_request *req,
				 struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err;
	struct principal who;
	json_t *body;

	if (http_auth(req, &who, resp) != 0)
		return;
	body = json_body_parse(req, NULL, 0, resp);
	if (body == NULL)
		return;
	if (acme_account_deactivate(&ctx, &who, req->params[0], clock_now(),
				    &err) != ENGINE_OK)
		http_respond_engine_error(resp, &err);
	else
		account_respond(&ctx, &who, req->params[0], resp);
	json_decref(body);
}

void api_acme_order_list(struct http_request *req, struct http_response *resp)
{
	struct ca_context ctx = api_ca_context(req);
	struct store_acme_order_list list = {0};
	struct engine_error err;
	struct principal who;
	struct api_page page;

	if (http_auth(req, &who, resp) != 0 ||
	    api_page_parse(req, &page, resp) != 0)
		return;
	if (acme_account_orders(&ctx, &who, req->params[0],
				page.after[0] ? page.after : NULL, page.limit,
				&list, &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	api_page_respond(resp, orders_json(&list), list.has_more,
			 list.n > 0 ? list.items[list.n - 1].id : NULL);
	store_acme_order_list_free(&list);
}
