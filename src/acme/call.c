#include "acme/call.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/auth.h"
#include "lib/clock.h"
#include "lib/log.h"

#define JOSE_TYPE    "application/jose+json"
#define PROBLEM_TYPE "application/problem+json"
#define ERROR_PREFIX "urn:ietf:params:acme:error:"
#define ACCOUNT_PATH "/acme/account/"

/* Headers every ACME reply carries (RFC 8555 6.5, 7.1). */
static void common_headers(struct acme_call *c)
{
	char nonce[ACME_NONCE_MAX], link[ACME_BASE_MAX + 40];

	acme_nonce_make(&c->svc->engine, c->now, nonce);
	http_header_add(c->resp, "Replay-Nonce", nonce);
	snprintf(link, sizeof(link), "<%s/acme/directory>;rel=\"index\"",
		 c->base);
	http_header_add(c->resp, "Link", link);
	http_header_add(c->resp, "Cache-Control", "no-store");
}

void acme_reply_json(struct acme_call *c, int status, json_t *body,
		     const char *location)
{
	http_respond_json(c->resp, status, body);
	common_headers(c);
	if (location != NULL)
		http_header_add(c->resp, "Location", location);
}

void acme_reply_empty(struct acme_call *c, int status)
{
	http_respond(c->resp, status, NULL, NULL, 0);
	common_headers(c);
}

static void problem_send(struct acme_call *c, int status, const char *type,
			 const char *fmt, va_list ap)
{
	char detail[256], urn[96];
	json_t *doc;
	char *text;

	vsnprintf(detail, sizeof(detail), fmt, ap);
	snprintf(urn, sizeof(urn), ERROR_PREFIX "%s", type);
	log_event(status >= 500 ? LOG_WARN : LOG_INFO, "acme.problem",
		  "status=%d type=%s path=%s", status, type, c->req->path);
	doc = json_pack("{s:s,s:s,s:i}", "type", urn, "detail", detail,
			"status", status);
	text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	http_respond(c->resp, status, PROBLEM_TYPE, text,
		     text != NULL ? strlen(text) : 0);
	common_headers(c);
}

void acme_reply_problem(struct acme_call *c, int status, const char *type,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem_send(c, status, type, fmt, ap);
	va_end(ap);
}

/* ACME's type for an engine result that named none. */
static const char *default_type(enum engine_result code)
{
	switch (code) {
	case ENGINE_UNAUTHENTICATED:
	case ENGINE_FORBIDDEN: return "unauthorized";
	case ENGINE_RATE_LIMITED: return "rateLimited";
	case ENGINE_UNAVAILABLE:
	case ENGINE_ERROR: return "serverInternal";
	default: return "malformed";
	}
}

void acme_reply_engine(struct acme_call *c, const struct engine_error *err)
{
	int status = http_engine_status(err->code);

	acme_reply_problem(
	    c, status, err->type != NULL ? err->type : default_type(err->code),
	    "%s", err->detail);
	if (err->code == ENGINE_UNAVAILABLE)
		http_header_add(c->resp, "Retry-After", "5");
}

char *acme_url(const struct acme_call *c, const char *fmt, ...)
{
	char path[512];
	char *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (asprintf(&out, "%s%s", c->base, path) < 0)
		return NULL;
	return out;
}

/* The base URL from Host: only a plain host[:port] is taken. */
static int base_set(struct acme_call *c)
{
	const char *host = http_request_header(c->req, "Host");

	if (host == NULL || *host == '\0' ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789.-:[]") != strlen(host) ||
	    strlen(host) > ACME_BASE_MAX - 16)
		return -1;
	snprintf(c->base, sizeof(c->base), "https://%s", host);
	return 0;
}

static int call_start(struct acme_call *c, struct http_request *req,
		      struct http_response *resp)
{
	memset(c, 0, sizeof(*c));
	c->req = req;
	c->resp = resp;
	c->svc = req->app->acme;
	c->now = clock_now();
	if (c->svc == NULL) {
		http_respond_problem(resp, 404, "ACME is not served here");
		return -1;
	}
	if (base_set(c) != 0) {
		snprintf(c->base, sizeof(c->base), "https://localhost");
		acme_reply_problem(c, 400, "malformed",
				   "the request needs a Host header of a "
				   "host name and port");
		return -1;
	}
	return 0;
}

int acme_call_open_get(struct acme_call *c, struct http_request *req,
		       struct http_response *resp)
{
	return call_start(c, req, resp);
}

/* The account key of a kid URL, with the account. */
static int kid_key(struct acme_call *c, struct acme_jwk *key)
{
	size_t prefix = strlen(c->base) + strlen(ACCOUNT_PATH);
	const char *kid = c->jws.kid;
	struct engine_error err = {0};

	if (strncmp(kid, c->base, strlen(c->base)) != 0 ||
	    strncmp(kid + strlen(c->base), ACCOUNT_PATH,
		    strlen(ACCOUNT_PATH)) != 0 ||
	    strchr(kid + prefix, '/') != NULL) {
		acme_reply_problem(c, 400, "malformed",
				   "kid is not an account URL of this server");
		return -1;
	}
	if (acme_account_of_id(&c->svc->engine, kid + prefix, &c->account,
			       &err) != ENGINE_OK) {
		acme_reply_engine(c, &err);
		return -1;
	}
	c->has_account = 1;
	if (acme_jwk_load(c->account.jwk, key) != 0) {
		acme_reply_problem(c, 500, "serverInternal",
				   "the account's stored key cannot be read");
		return -1;
	}
	return 0;
}

/* The signature, by the key the request must be signed with. */
static int signature_check(struct acme_call *c, enum acme_key want)
{
	struct acme_jwk account_key = {0};
	struct acme_jws_error jerr = {0};
	int kid = c->jws.kid != NULL, rc;

	if ((want == ACME_KEY_KID && !kid) || (want == ACME_KEY_JWK && kid)) {
		acme_reply_problem(
		    c, 400, "malformed", "this request is signed with %s",
		    want == ACME_KEY_KID ? "the account key, named by \"kid\""
					 : "a key given as \"jwk\"");
		return -1;
	}
	if (kid && kid_key(c, &account_key) != 0) {
		acme_jwk_free(&account_key);
		return -1;
	}
	rc = acme_jws_verify(&c->jws, kid ? account_key.key : c->jws.jwk.key,
			     &jerr);
	acme_jwk_free(&account_key);
	if (rc != 0) {
		acme_reply_problem(c, 400, jerr.type, "%s", jerr.detail);
		return -1;
	}
	return 0;
}

/* The payload: empty (POST-as-GET) or one JSON object. */
static int payload_read(struct acme_call *c)
{
	struct acme_jws_error jerr = {0};

	if (c->jws.payload_len == 0)
		return 0;
	c->payload = acme_json_load(c->jws.payload, c->jws.payload_len,
				    "the payload", &jerr);
	if (c->payload == NULL) {
		acme_reply_problem(c, 400, jerr.type, "%s", jerr.detail);
		return -1;
	}
	return 0;
}

/* Whether the content type is JOSE's, parameters aside. */
static int jose_type(const char *type)
{
	size_t n = strlen(JOSE_TYPE);

	return type != NULL && strncasecmp(type, JOSE_TYPE, n) == 0 &&
	       (type[n] == '\0' || type[n] == ';');
}

int acme_call_open(struct acme_call *c, struct http_request *req,
		   struct http_response *resp, enum acme_key key)
{
	const char *type = http_request_header(req, "Content-Type");
	struct acme_jws_error jerr = {0};
	struct engine_error err = {0};
	const char *cursor;
	char *url;
	int same;

	if (call_start(c, req, resp) != 0)
		return -1;
	if (!jose_type(type)) {
		acme_reply_problem(c, 415, "malformed",
				   "the body must be sent as " JOSE_TYPE);
		return -1;
	}
	if (req->body_too_large || req->body_len > ACME_JWS_MAX) {
		acme_reply_problem(c, 413, "malformed",
				   "the body is larger than %d bytes",
				   ACME_JWS_MAX);
		return -1;
	}
	if (acme_jws_parse(req->body, req->body_len, &c->jws, &jerr) != 0) {
		acme_reply_problem(c, 400, jerr.type, "%s", jerr.detail);
		return -1;
	}
	cursor = http_request_query(req, "cursor");
	url = cursor != NULL ? acme_url(c, "%s?cursor=%s", req->path, cursor)
			     : acme_url(c, "%s", req->path);
	same =
	    url != NULL && c->jws.url != NULL && strcmp(url, c->jws.url) == 0;
	free(url);
	if (!same) {
		acme_reply_problem(c, 401, "unauthorized",
				   "the JWS's \"url\" is not the URL this "
				   "request was sent to");
		return -1;
	}
	if (signature_check(c, key) != 0)
		return -1;
	if (c->jws.nonce == NULL) {
		acme_reply_problem(c, 400, "badNonce",
				   "the JWS has no \"nonce\"");
		return -1;
	}
	if (acme_nonce_use(&c->svc->engine, c->jws.nonce, c->now, &err) !=
	    ENGINE_OK) {
		acme_reply_engine(c, &err);
		return -1;
	}
	return payload_read(c);
}

void acme_call_close(struct acme_call *c)
{
	acme_jws_free(&c->jws);
	if (c->has_account)
		store_acme_account_free(&c->account);
	json_decref(c->payload);
	c->payload = NULL;
}
