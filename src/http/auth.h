/*
 * Who is calling: an API token in "Authorization: Bearer", or the login
 * session's cookie, whose CSRF token must come in X-CSRF-Token with
 * every POST, PUT, PATCH and DELETE. The checks themselves are the
 * engine's (engine/accounts.h); this file reads them off the request.
 */
#ifndef PKIAAS_HTTP_AUTH_H
#define PKIAAS_HTTP_AUTH_H

#include "engine/access.h"
#include "engine/accounts.h"
#include "http/http.h"

#define AUTH_COOKIE "pkiaas_session"

/*
 * Fills who for req. On failure fills resp (401, or 403 for a missing or
 * wrong CSRF token) and returns -1; 0 on success.
 */
int http_auth(struct http_request *req, struct principal *who,
	      struct http_response *resp);
/*
 * As http_auth, but a request that presents neither a token nor a
 * session cookie is fine: *present is 0 and who is untouched.
 */
int http_auth_optional(struct http_request *req, struct principal *who,
		       int *present, struct http_response *resp);
/* Adds the Set-Cookie header of a new session (or of none, to clear). */
void http_auth_cookie_set(struct http_response *resp, const char *secret,
			  int64_t max_age);

/*
 * Answers an engine refusal: the status of err->code, a problem document
 * with err->detail and, when set, "field"; Retry-After for 429.
 */
/* The HTTP status of an engine result. */
int http_engine_status(enum engine_result code);
void http_respond_engine_error(struct http_response *resp,
			       const struct engine_error *err);

#endif
