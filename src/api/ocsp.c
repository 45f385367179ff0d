#include "api/ocsp.h"

#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "engine/ocsp.h"
#include "http/auth.h"
#include "http/caching.h"
#include "lib/base64.h"
#include "lib/clock.h"
#include "lib/hex.h"
#include "lib/log.h"

#define OCSP_TYPE "application/ocsp-response"

/*
 * Undoes percent-encoding in place. The server decodes the path once;
 * a client that encoded twice (or a proxy that did) is decoded here,
 * since '%' is not in the base64 alphabet. -1 for a bad escape.
 */
static int percent_decode(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		int hi, lo;

		if (*s != '%') {
			*out++ = *s;
			continue;
		}
		hi = hex_digit(s[1]);
		lo = hi >= 0 ? hex_digit(s[2]) : -1;
		if (lo < 0)
			return -1;
		*out++ = (char)(hi * 16 + lo);
		s += 2;
	}
	*out = '\0';
	return 0;
}

/* Sends the engine's answer, with RFC 5019 6.2 headers when cacheable. */
static void ocsp_send(struct http_request *req, struct http_response *resp,
		      const char *ca_id, const uint8_t *der, size_t len,
		      int get)
{
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err = {0};
	struct ocsp_answer a;
	struct http_cache cache = {.now = clock_now()};

	if (ocsp_respond(&ctx, ca_id, der, len, &req->app->ocsp, cache.now, &a,
			 &err) != ENGINE_OK) {
		http_respond_engine_error(resp, &err);
		return;
	}
	log_event(LOG_DEBUG, "ocsp.answer", "ca=%s status=%s cacheable=%d",
		  ca_id, a.status, a.cacheable);
	http_respond(resp, 200, OCSP_TYPE, (char *)a.der, a.len);
	a.der = NULL;
	if (!get || !a.cacheable || a.next_update == 0) {
		http_cache_none(resp);
	} else {
		cache.last_modified = a.this_update;
		cache.expires = a.next_update;
		if (http_cache_headers(req, resp, &cache))
			http_respond(resp, 304, NULL, NULL, 0);
	}
	ocsp_answer_free(&a);
}

void api_ocsp_post(struct http_request *req, struct http_response *resp)
{
	const char *type = http_request_header(req, "Content-Type");

	if (type != NULL && strncmp(type, "application/ocsp-request",
				    strlen("application/ocsp-request")) != 0) {
		http_respond_problem(resp, 415,
				     "an OCSP request is sent as "
				     "application/ocsp-request, not %s "
				     "(RFC 6960 A.1)",
				     type);
		return;
	}
	ocsp_send(req, resp, req->params[0], req->body, req->body_len, 0);
}

void api_ocsp_get(struct http_request *req, struct http_response *resp)
{
	char *text = req->params[1];
	uint8_t *der = NULL;
	size_t len = 0;

	/* What does not decode is answered malformedRequest, as the
	 * engine answers an empty request. */
	if (percent_decode(text) != 0 ||
	    base64_decode(text, strlen(text), &der, &len) != 0) {
		der = NULL;
		len = 0;
	}
	ocsp_send(req, resp, req->params[0], der, len, 1);
	free(der);
}
