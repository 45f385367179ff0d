/*
 * HTTP caching of published objects (RFC 9111, and RFC 5019 section 6
 * for OCSP): Cache-Control, Expires, Last-Modified and a strong ETag on
 * a response, and If-None-Match on a request.
 */
#ifndef PKIAAS_CACHING_H
#define PKIAAS_CACHING_H

#include <stdint.h>

#include "http/http.h"

/* What a cacheable response says about itself; 0 leaves a header out. */
struct http_cache {
	int64_t now;
	int64_t last_modified; /* Last-Modified */
	int64_t expires;       /* Expires, and max-age as expires - now */
	int64_t max_age;       /* max-age when expires is 0, else a cap */
};

/*
 * Adds the caching headers and an ETag of the response body to resp,
 * which holds the body already. Returns 1 when the request's
 * If-None-Match names that ETag: the caller may answer 304 then.
 */
int http_cache_headers(const struct http_request *req,
		       struct http_response *resp, const struct http_cache *c);
/* Marks resp as one no cache may keep. */
void http_cache_none(struct http_response *resp);
/* An IMF-fixdate (RFC 9110 5.6.7) of t into out. */
#define HTTP_DATE_MAX 32
void http_date(int64_t t, char out[HTTP_DATE_MAX]);

#endif
