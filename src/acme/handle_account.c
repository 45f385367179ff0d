/* ACME accounts (RFC 8555 7.3): registration, reading, updates,
 * deactivation, key rollover and the list of orders. */
#include <stdlib.h>
#include <string.h>

#include "acme/call.h"
#include "acme/handlers.h"
#include "acme/render.h"

/* Orders listed a page at a time. */
#define ORDERS_PAGE 100

/* The account's URL. */
static char *account_url(const struct acme_call *c, const char *id)
{
	return acme_url(c, "/acme/account/%s", id);
}

static void account_reply(struct acme_call *c, int status,
			  const struct store_acme_account *a)
{
	char *url = account_url(c, a->id);

	acme_reply_json(c, status, acme_render_account(c, a), url);
	free(url);
}

/* What the engine asks of the binding: its MAC under the EAB's key. */
static int eab_mac(void *arg, const uint8_t *key, size_t len)
{
	return acme_eab_mac_ok(arg, key, len);
}

/* The binding of a newAccount: for this URL and the outer key. */
static int eab_read(struct acme_call *c, const json_t *member,
		    struct acme_eab *eab)
{
	struct acme_jws_error jerr = {0};

	if (acme_eab_parse(member, eab, &jerr) != 0) {
		acme_reply_problem(c, 400, jerr.type, "%s", jerr.detail);
		return -1;
	}
	if (strcmp(eab->url, c->jws.url) != 0) {
		acme_reply_problem(c, 400, "malformed",
				   "the external account binding's url is "
				   "not the newAccount URL");
		return -1;
	}
	if (strcmp(eab->jwk.thumbprint, c->jws.jwk.thumbprint) != 0) {
		acme_reply_problem(c, 400, "malformed",
				   "the external account binding binds "
				   "another key than the request's");
		return -1;
	}
	return 0;
}

/* onlyReturnExisting (RFC 8555 7.3.1): the key's account, or an error. */
static void existing_reply(struct acme_call *c)
{
	struct store_acme_account a;
	struct engine_error err = {0};

	if (acme_account_of_key(&c->svc->engine, c->jws.jwk.thumbprint, &a,
				&err) != ENGINE_OK) {
		acme_reply_engine(c, &err);
		return;
	}
	account_reply(c, 200, &a);
	store_acme_account_free(&a);
}

static void register_reply(struct acme_call *c)
{
	const json_t *member =
	    json_object_get(c->payload, "externalAccountBinding");
	struct acme_eab eab = {0};
	struct engine_error err = {0};
	struct store_acme_account a;
	char *jwk = acme_jwk_dump(&c->jws.jwk);
	struct acme_registration in = {
	    .thumbprint = c->jws.jwk.thumbprint,
	    .jwk = jwk,
	    .contact = json_object_get(c->payload, "contact"),
	    .eab_mac_ok = eab_mac,
	    .eab_arg = &eab,
	    .address = c->req->address};
	int created = 0;

	if (member != NULL && eab_read(c, member, &eab) != 0)
		goto done;
	in.eab_kid = member != NULL ? eab.kid : NULL;
	if (jwk == NULL)
		acme_reply_problem(c, 500, "serverInternal", "out of memory");
	else if (acme_account_register(&c->svc->engine, &in, c->now, &a,
				       &created, &err) != ENGINE_OK)
		acme_reply_engine(c, &err);
	else {
		account_reply(c, created ? 201 : 200, &a);
		store_acme_account_free(&a);
	}
done:
	acme_eab_free(&eab);
	free(jwk);
}

void acme_serve_new_account(struct http_request *req,
			    struct http_response *resp)
{
	struct acme_call c;

	if (acme_call_open(&c, req, resp, ACME_KEY_JWK) != 0) {
		acme_call_close(&c);
		return;
	}
	if (c.payload == NULL)
		acme_reply_problem(&c, 400, "malformed",
				   "newAccount needs a payload");
	else if (json_is_true(json_object_get(c.payload, "onlyReturnExisting")))
		existing_reply(&c);
	else if (*c.svc->terms_url != '\0' &&
		 !json_is_true(
		     json_object_get(c.payload, "termsOfServiceAgreed")))
		acme_reply_problem(&c, 403, "userActionRequired",
				   "agree to the terms of service at %s",
				   c.svc->terms_url);
	else
		register_reply(&c);
	acme_call_close(&c);
}

/* The request is signed by the account its URL names. */
static int own_account(struct acme_call *c)
{
	if (strcmp(c->account.id, c->req->params[0]) == 0)
		return 0;
	acme_reply_problem(c, 403, "unauthorized",
			   "the request is signed by another account");
	return -1;
}

void acme_serve_account(struct http_request *req, struct http_response *resp)
{
	struct acme_call c;
	struct engine_error err = {0};
	const char *status;

	if (acme_call_open(&c, req, resp, ACME_KEY_KID) != 0 ||
	    own_account(&c) != 0) {
		acme_call_close(&c);
		return;
	}
	status = json_string_value(json_object_get(c.payload, "status"));
	if (c.payload == NULL) {
		account_reply(&c, 200, &c.account);
	} else if (status != NULL && strcmp(status, "deactivated") != 0) {
		acme_reply_problem(&c, 400, "malformed",
				   "an account's status can only be set to "
				   "\"deactivated\"");
	} else if (acme_account_change(&c.svc->engine, &c.account,
				       json_object_get(c.payload, "contact"),
				       status != NULL, req->address, c.now,
				       &err) != ENGINE_OK) {
		acme_reply_engine(&c, &err);
	} else {
		account_reply(&c, 200, &c.account);
	}
	acme_call_close(&c);
}

/* One page of the account's orders, with a link to the next. */
void acme_serve_account_orders(struct http_request *req,
			       struct http_response *resp)
{
	struct acme_call c;
	struct store_acme_order_list list = {0};
	const char *cursor = http_request_query(req, "cursor");
	enum store_result rc;
	json_t *urls;

	if (acme_call_open(&c, req, resp, ACME_KEY_KID) != 0 ||
	    own_account(&c) != 0) {
		acme_call_close(&c);
		return;
	}
	rc = store_acme_order_list(c.svc->engine.ca.st, c.account.id, cursor,
				   ORDERS_PAGE, &list);
	urls = json_array();
	for (size_t i = 0; rc == STORE_OK && i < list.n; i++) {
		char *url = acme_url(&c, "/acme/order/%s", list.items[i].id);
		json_array_append_new(urls, json_string(url));
		free(url);
	}
	if (rc != STORE_OK) {
		json_decref(urls);
		acme_reply_problem(&c, 503, "serverInternal",
				   "the orders cannot be read now");
	} else {
		acme_reply_json(&c, 200, json_pack("{s:o}", "orders", urls),
				NULL);
		if (list.has_more) {
			char link[ACME_BASE_MAX + 128];
			snprintf(link, sizeof(link),
				 "<%s/acme/account/%s/orders?cursor=%s>;"
				 "rel=\"next\"",
				 c.base, c.account.id,
				 list.items[list.n - 1].id);
			http_header_add(resp, "Link", link);
		}
	}
	store_acme_order_list_free(&list);
	acme_call_close(&c);
}

/* Whether obj's member key is the string value. */
static int member_is(const json_t *obj, const char *key, const char *value)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL && strcmp(s, value) == 0;
}

/* The inner JWS of a key change (RFC 8555 7.3.5), checked. */
static int inner_read(struct acme_call *c, struct acme_jws *inner)
{
	struct acme_jws_error jerr = {0};
	char *text = json_dumps(c->payload, JSON_COMPACT);
	json_t *payload = NULL;
	char *kid = account_url(c, c->account.id);
	int rc = -1;

	if (text == NULL || kid == NULL ||
	    acme_jws_parse((const uint8_t *)text, strlen(text), inner, &jerr) !=
		0 ||
	    acme_jws_verify(inner, inner->jwk.key, &jerr) != 0)
		acme_reply_problem(c, 400,
				   jerr.type != NULL ? jerr.type : "malformed",
				   "the inner JWS: %s", jerr.detail);
	else if (inner->kid != NULL || inner->nonce != NULL ||
		 inner->url == NULL || strcmp(inner->url, c->jws.url) != 0)
		acme_reply_problem(c, 400, "malformed",
				   "the inner JWS has the new key as \"jwk\", "
				   "no nonce, and the outer JWS's url");
	else if ((payload = acme_json_load(inner->payload, inner->payload_len,
					   "the inner payload", &jerr)) == NULL)
		acme_reply_problem(c, 400, jerr.type, "%s", jerr.detail);
	else if (!member_is(payload, "account", kid))
		acme_reply_problem(c, 400, "malformed",
				   "the inner payload's account is not the "
				   "signing account");
	else
		rc = 0;
	if (rc == 0) {
		struct acme_jwk old = {0};
		rc = acme_jwk_parse(json_object_get(payload, "oldKey"), &old,
				    &jerr) == 0 &&
			     strcmp(old.thumbprint, c->account.thumbprint) == 0
			 ? 0
			 : -1;
		if (rc != 0)
			acme_reply_problem(c, 400, "malformed",
					   "oldKey is not the account's key");
		acme_jwk_free(&old);
	}
	json_decref(payload);
	free(kid);
	free(text);
	return rc;
}

void acme_serve_key_change(struct http_request *req, struct http_response *resp)
{
	struct acme_call c;
	struct acme_jws inner = {0};
	struct engine_error err = {0};
	char *jwk = NULL;

	if (acme_call_open(&c, req, resp, ACME_KEY_KID) != 0) {
		acme_call_close(&c);
		return;
	}
	if (c.payload == NULL)
		acme_reply_problem(&c, 400, "malformed",
				   "keyChange needs an inner JWS");
	else if (inner_read(&c, &inner) == 0 &&
		 ((jwk = acme_jwk_dump(&inner.jwk)) == NULL ||
		  acme_account_rekey(&c.svc->engine, &c.account,
				     inner.jwk.thumbprint, jwk, req->address,
				     c.now, &err) != ENGINE_OK))
		acme_reply_engine(&c, &err);
	else if (jwk != NULL)
		account_reply(&c, 200, &c.account);
	free(jwk);
	acme_jws_free(&inner);
	acme_call_close(&c);
}
