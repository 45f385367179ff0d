/* ACME orders, authorisations, challenges and certificates (RFC 8555
 * 7.4, 7.5): requests read by the handlers, rules kept by the engine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme/call.h"
#include "acme/handlers.h"
#include "acme/render.h"
#include "lib/base64.h"

#define PEM_CHAIN_TYPE "application/pem-certificate-chain"
/* Seconds a client is told to wait before it polls again. */
#define POLL_AFTER "2"

/* An RFC 3339 time in UTC or with an offset, fractions ignored: 0 or
 * -1. */
static int rfc3339_parse(const char *s, int64_t *out)
{
	struct tm tm = {0};
	const char *p =
	    s != NULL ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	int sign = 0, hh = 0, mm = 0, n = 0;

	if (p == NULL)
		return -1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') &&
		 sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) == 2 && n == 5) {
		sign = *p == '+' ? 1 : -1;
		p += 6;
	} else
		return -1;
	if (*p != '\0')
		return -1;
	*out = (int64_t)timegm(&tm) - sign * (hh * 3600 + mm * 60);
	return 0;
}

/* An index parameter of the path ("0", "12"), or -1. */
static long index_param(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return s[0] >= '0' && s[0] <= '9' && *end == '\0' && v >= 0 &&
		       v < ACME_IDENTIFIERS_MAX
		   ? v
		   : -1;
}

static void order_reply(struct acme_call *c, int status,
			const struct store_acme_order *o)
{
	char *url = acme_url(c, "/acme/order/%s", o->id);

	acme_reply_json(c, status, acme_render_order(c, o), url);
	if (strcmp(o->status, "processing") == 0)
		http_header_add(c->resp, "Retry-After", POLL_AFTER);
	free(url);
}

/* A time member of the payload: absent is 0. */
static int time_member(struct acme_call *c, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(c->payload, key);

	*out = 0;
	if (v == NULL || rfc3339_parse(json_string_value(v), out) == 0)
		return 0;
	acme_reply_problem(c, 400, "malformed", "%s is not an RFC 3339 time",
			   key);
	return -1;
}

/* Creates the order asked for and answers it. */
static void order_create(struct acme_call *c, struct acme_order_request *in)
{
	struct store_acme_order o;
	struct engine_error err = {0};

	if (acme_order_create(&c->svc->engine, &c->account, in, c->now, &o,
			      &err) != ENGINE_OK) {
		acme_reply_engine(c, &err);
		return;
	}
	order_reply(c, 201, &o);
	store_acme_order_free(&o);
}

void acme_serve_new_order(struct http_request *req, struct http_response *resp)
{
	struct acme_call c;
	struct acme_order_request in = {0};
	const json_t *replaces;

	if (acme_call_open(&c, req, resp, ACME_KEY_KID) != 0) {
		acme_call_close(&c);
		return;
	}
	replaces = json_object_get(c.payload, "replaces");
	in.identifiers = json_object_get(c.payload, "identifiers");
	in.replaces = json_string_value(replaces);
	if (c.payload == NULL)
		acme_reply_problem(&c, 400, "malformed",
				   "newOrder needs a payload");
	else if (replaces != NULL && in.replaces == NULL)
		acme_reply_problem(&c, 400, "malformed",
				   "replaces is a certificate id string");
	else if (time_member(&c, "notBefore", &in.not_before) == 0 &&
		 time_member(&c, "notAfter", &in.not_after) == 0)
		order_create(&c, &in);
	acme_call_close(&c);
}

void acme_serve_order(struct http_request *req, struct http_response *resp)
{
	struct acme_call c;
	struct store_acme_order o;
	struct engine_error err = {0};

	if (acme_call_open(&c, req, resp, ACME_KEY_KID) != 0) {
		acme_call_close(&c);
		return;
	}
	if (acme_order_get(&c.svc->engine, &c.account, req->params[0], c.now,
			   &o, &err) != ENGINE_OK) {
		acme_reply_engine(&c, &err);
	} else {
		order_reply(&c, 200, &o);
		store_acme_order_free(&o);
	}
	acme_call_close(&c);
}

void acme_serve_finalize(struct http_request *req, struct http_response *resp)
{
	struct acme_call c;
	struct store_acme_order o;
	struct engine_error err = {0};
	const char *csr;
	uint8_t *der = NULL;
	size_t len = 0;

	if (acme_call_open(&c, req, resp, ACME_KEY_KID) != 0) {
		acme_call_close(&c);
		return;
	}
	csr = json_string_value(json_object_get(c.payload, "csr"));
	if (csr == NULL || base64url_decode(csr, strlen(csr), &der, &len) != 0)
		acme_reply_problem(&c, 400, "badCSR",
				   "csr is the CSR's DER in base64url");
	else if (acme_order_finalize(&c.svc->engine, &c.account, req->params[0],
				     der, len, req->address, c.now, &o,
				     &err) != ENGINE_OK)
		acme_reply_engine(&c, &err);
	else {
		order_reply(&c, 200, &o);
		store_acme_order_free(&o);
	}
	free(der);
	acme_call_close(&c);
}

void acme_serve_authz(struct http_request *req, struct http_response *resp)
{
	struct acme_call c;
	struct store_acme_order o;
	struct engine_error err = {0};
	long i = index_param(req->params[1]);
	const char *status;
	enum engine_result res;

	if (acme_call_open(&c, req, resp, ACME_KEY_KID) != 0) {
		acme_call_close(&c);
		return;
	}
	status = json_string_value(json_object_get(c.payload, "status"));
	if (c.payload != NULL &&
	    (status == NULL || strcmp(status, "deactivated") != 0)) {
		acme_reply_problem(&c, 400, "malformed",
				   "an authorization's status can only be set "
				   "to \"deactivated\"");
		acme_call_close(&c);
		return;
	}
	res = i < 0 ? engine_fail_typed(&err, ENGINE_NOT_FOUND, "malformed",
					"no such authorization")
	      : status != NULL
		  ? acme_authz_deactivate(&c.svc->engine, &c.account,
					  req->params[0], (size_t)i, c.now, &o,
					  &err)
		  : acme_order_get(&c.svc->engine, &c.account, req->params[0],
				   c.now, &o, &err);
	if (res == ENGINE_OK) {
		json_t *body = acme_render_authz(&c, &o, (size_t)i);
		if (body == NULL)
			acme_reply_problem(&c, 404, "malformed",
					   "no such authorization");
		else
			acme_reply_json(&c, 200, body, NULL);
		store_acme_order_free(&o);
	} else {
		acme_reply_engine(&c, &err);
	}
	acme_call_close(&c);
}

void acme_serve_challenge(struct http_request *req, struct http_response *resp)
{
	struct acme_call c;
	struct store_acme_order o;
	struct engine_error err = {0};
	long i = index_param(req->params[1]), j = index_param(req->params[2]);
	enum engine_result res;
	json_t *body;

	if (acme_call_open(&c, req, resp, ACME_KEY_KID) != 0) {
		acme_call_close(&c);
		return;
	}
	res = i < 0 || j < 0
		  ? engine_fail_typed(&err, ENGINE_NOT_FOUND, "malformed",
				      "no such challenge")
	      : c.payload != NULL
		  ? acme_challenge_ready(&c.svc->engine, &c.account,
					 req->params[0], (size_t)i, (size_t)j,
					 c.now, &o, &err)
		  : acme_order_get(&c.svc->engine, &c.account, req->params[0],
				   c.now, &o, &err);
	if (res != ENGINE_OK) {
		acme_reply_engine(&c, &err);
		acme_call_close(&c);
		return;
	}
	body = acme_render_challenge(&c, &o, (size_t)i, (size_t)j);
	if (body == NULL) {
		acme_reply_problem(&c, 404, "malformed", "no such challenge");
	} else {
		char *up = acme_url(&c, "/acme/authz/%s/%ld", o.id, i);
		char link[ACME_BASE_MAX + 128];
		int processing =
		    strcmp(json_string_value(json_object_get(body, "status")),
			   "processing") == 0;
		acme_reply_json(&c, 200, body, NULL);
		snprintf(link, sizeof(link), "<%s>;rel=\"up\"", up);
		http_header_add(resp, "Link", link);
		if (processing)
			http_header_add(resp, "Retry-After", POLL_AFTER);
		free(up);
	}
	store_acme_order_free(&o);
	acme_call_close(&c);
}

void acme_serve_certificate(struct http_request *req,
			    struct http_response *resp)
{
	struct acme_call c;
	struct engine_error err = {0};
	uint8_t *pem = NULL;
	size_t len = 0;

	if (acme_call_open(&c, req, resp, ACME_KEY_KID) != 0) {
		acme_call_close(&c);
		return;
	}
	if (acme_certificate_pem(&c.svc->engine, &c.account, req->params[0],
				 &pem, &len, &err) != ENGINE_OK) {
		acme_reply_engine(&c, &err);
	} else {
		acme_reply_empty(&c, 200);
		http_respond(resp, 200, PEM_CHAIN_TYPE, (char *)pem, len);
	}
	acme_call_close(&c);
}
