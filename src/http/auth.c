#include "http/auth.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/digest.h"
#include "lib/log.h"

static int method_changes_state(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	       strcmp(method, "OPTIONS") != 0;
}

/* The token of "Authorization: Bearer TOKEN", or NULL. */
static const char *bearer_token(const struct http_request *req)
{
	const char *h = http_request_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	return h;
}

static int csrf_ok(const struct http_request *req, const struct principal *who)
{
	const char *sent = http_request_header(req, "X-CSRF-Token");

	return !method_changes_state(req->method) ||
	       (sent != NULL && digest_equal(sent, who->csrf));
}

int http_auth_optional(struct http_request *req, struct principal *who,
		       int *present, struct http_response *resp)
{
	const char *token = bearer_token(req);
	const char *cookie = http_request_cookie(req, AUTH_COOKIE);
	struct engine_error err = {0};
	enum engine_result res;

	*present = token != NULL || cookie != NULL;
	if (!*present)
		return 0;
	if (token != NULL)
		res = accounts_token_check(req->app->store, token, req->address,
					   clock_now(), who, &err);
	else
		res = accounts_session_check(req->app->store, &req->app->policy,
					     cookie, req->address, clock_now(),
					     who, &err);
	if (res != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		if (res == ENGINE_UNAUTHENTICATED)
			http_header_add(resp, "WWW-Authenticate",
					"Bearer realm=\"pkiaas\"");
		return -1;
	}
	if (who->kind == PRINCIPAL_SESSION && !csrf_ok(req, who)) {
		http_respond_problem(resp, 403,
				     "a request made with a login session "
				     "must carry its CSRF token in "
				     "X-CSRF-Token");
		return -1;
	}
	log_event(LOG_DEBUG, "http.auth", "user=%s tenant=%s kind=%s",
		  who->username, who->tenant_id,
		  who->kind == PRINCIPAL_TOKEN ? "token" : "session");
	return 0;
}

int http_auth(struct http_request *req, struct principal *who,
	      struct http_response *resp)
{
	int present = 0;

	if (http_auth_optional(req, who, &present, resp) != 0)
		return -1;
	if (!present) {
		http_respond_problem(resp, 401,
				     "log in, or send an API token in "
				     "\"Authorization: Bearer\"");
		http_header_add(resp, "WWW-Authenticate",
				"Bearer realm=\"pkiaas\"");
		return -1;
	}
	return 0;
}

void http_auth_cookie_set(struct http_response *resp, const char *secret,
			  int64_t max_age)
{
	char value[256];

	snprintf(value, sizeof(value),
		 "%s=%s; Path=/; Max-Age=%lld; HttpOnly; Secure; "
		 "SameSite=Strict",
		 AUTH_COOKIE, secret != NULL ? secret : "",
		 (long long)(secret != NULL ? max_age : 0));
	http_header_add(resp, "Set-Cookie", value);
}

int http_engine_status(enum engine_result code)
{
	switch (code) {
	case ENGINE_OK: return 200;
	case ENGINE_INVALID: return 400;
	case ENGINE_UNAUTHENTICATED: return 401;
	case ENGINE_FORBIDDEN: return 403;
	case ENGINE_NOT_FOUND: return 404;
	case ENGINE_CONFLICT: return 409;
	case ENGINE_RATE_LIMITED: return 429;
	case ENGINE_UNAVAILABLE: return 503;
	case ENGINE_ERROR: break;
	}
	return 500;
}

void http_respond_engine_error(struct http_response *resp,
			       const struct engine_error *err)
{
	int status = http_engine_status(err->code);
	char retry[24];

	http_respond_problem_field(
	    resp, status, err->field, "%s",
	    err->detail[0] != '\0' ? err->detail : http_status_title(status));
	if (err->code == ENGINE_RATE_LIMITED) {
		snprintf(retry, sizeof(retry), "%lld",
			 (long long)err->retry_after);
		http_header_add(resp, "Retry-After", retry);
	}
}
