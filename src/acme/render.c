#include "acme/render.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void acme_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Sets key to a URL made by acme_url; the caller checks the object. */
static void set_url(json_t *obj, const char *key, char *url)
{
	if (url != NULL)
		json_object_set_new(obj, key, json_string(url));
	free(url);
}

static void set_time(json_t *obj, const char *key, int64_t t)
{
	char text[32];

	if (t == 0)
		return;
	acme_time(t, text);
	json_object_set_new(obj, key, json_string(text));
}

json_t *acme_render_account(const struct acme_call *c,
			    const struct store_acme_account *a)
{
	json_t *contact = json_loads(a->contact, 0, NULL);
	json_t *obj = json_pack("{s:s,s:o}", "status", a->status, "contact",
				contact != NULL ? contact : json_array());

	if (obj != NULL)
		set_url(obj, "orders",
			acme_url(c, "/acme/account/%s/orders", a->id));
	return obj;
}

/* The order's document, parsed; NULL when unreadable. */
static json_t *document(const struct store_acme_order *o)
{
	return json_loads(o->document, 0, NULL);
}

json_t *acme_render_order(const struct acme_call *c,
			  const struct store_acme_order *o)
{
	json_t *doc = document(o);
	json_t *obj = json_object(), *authzs = json_array();
	size_t n = json_array_size(json_object_get(doc, "authorizations"));

	if (doc == NULL || obj == NULL || authzs == NULL) {
		json_decref(doc);
		json_decref(obj);
		json_decref(authzs);
		return NULL;
	}
	json_object_set_new(obj, "status", json_string(o->status));
	set_time(obj, "expires", o->expires_at);
	json_object_set(obj, "identifiers",
			json_object_get(doc, "identifiers"));
	set_time(obj, "notBefore",
		 json_integer_value(json_object_get(doc, "notBefore")));
	set_time(obj, "notAfter",
		 json_integer_value(json_object_get(doc, "notAfter")));
	for (size_t i = 0; i < n; i++) {
		char *url = acme_url(c, "/acme/authz/%s/%zu", o->id, i);
		if (url != NULL)
			json_array_append_new(authzs, json_string(url));
		free(url);
	}
	json_object_set_new(obj, "authorizations", authzs);
	set_url(obj, "finalize", acme_url(c, "/acme/order/%s/finalize", o->id));
	if (o->certificate_id != NULL)
		set_url(obj, "certificate",
			acme_url(c, "/acme/cert/%s", o->certificate_id));
	if (json_object_get(doc, "error") != NULL)
		json_object_set(obj, "error", json_object_get(doc, "error"));
	json_decref(doc);
	return obj;
}

/* A challenge of the document, as the client sees it. */
static json_t *challenge_json(const struct acme_call *c,
			      const struct store_acme_order *o, size_t i,
			      size_t j, const json_t *ch)
{
	const char *status = json_string_value(json_object_get(ch, "status"));
	json_t *obj =
	    json_pack("{s:O,s:O,s:s}", "type", json_object_get(ch, "type"),
		      "token", json_object_get(ch, "token"), "status",
		      status != NULL ? status : "pending");

	if (obj == NULL)
		return NULL;
	set_url(obj, "url", acme_url(c, "/acme/chall/%s/%zu/%zu", o->id, i, j));
	set_time(obj, "validated",
		 json_integer_value(json_object_get(ch, "validated")));
	if (json_object_get(ch, "error") != NULL)
		json_object_set(obj, "error", json_object_get(ch, "error"));
	return obj;
}

json_t *acme_render_authz(const struct acme_call *c,
			  const struct store_acme_order *o, size_t i)
{
	json_t *doc = document(o);
	const json_t *authz =
	    json_array_get(json_object_get(doc, "authorizations"), i);
	const json_t *ch;
	json_t *obj = NULL, *list = json_array();
	size_t j;

	if (authz != NULL && list != NULL)
		obj = json_pack("{s:O,s:O}", "identifier",
				json_object_get(authz, "identifier"), "status",
				json_object_get(authz, "status"));
	if (obj != NULL) {
		set_time(obj, "expires",
			 json_integer_value(json_object_get(authz, "expires")));
		json_array_foreach (json_object_get(authz, "challenges"), j,
				    ch) {
			json_array_append_new(list,
					      challenge_json(c, o, i, j, ch));
		}
		json_object_set(obj, "challenges", list);
		if (json_is_true(json_object_get(authz, "wildcard")))
			json_object_set_new(obj, "wildcard", json_true());
	}
	json_decref(list);
	json_decref(doc);
	return obj;
}

json_t *acme_render_challenge(const struct acme_call *c,
			      const struct store_acme_order *o, size_t i,
			      size_t j)
{
	json_t *doc = document(o);
	const json_t *ch = json_array_get(
	    json_object_get(
		json_array_get(json_object_get(doc, "authorizations"), i),
		"challenges"),
	    j);
	json_t *obj = ch != NULL ? challenge_json(c, o, i, j, ch) : NULL;

	json_decref(doc);
	return obj;
}
