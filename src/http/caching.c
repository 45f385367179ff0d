#include "http/caching.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/digest.h"

/* The ETag is the first half of the body's SHA-256: long enough. */
#define ETAG_HEX 32

static const char *const days[] = {"Sun", "Mon", "Tue", "Wed",
				   "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void http_date(int64_t t, char out[HTTP_DATE_MAX])
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* By hand, not strftime: the names must not follow the locale. */
	if (gmtime_r(&tt, &tm) == NULL) {
		snprintf(out, HTTP_DATE_MAX, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(out, HTTP_DATE_MAX, "%s, %02u %s %04u %02u:%02u:%02u GMT",
		 days[(unsigned)tm.tm_wday % 7u], (unsigned)tm.tm_mday % 100u,
		 months[(unsigned)tm.tm_mon % 12u],
		 (unsigned)(tm.tm_year + 1900) % 10000u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		 (unsigned)tm.tm_sec % 100u);
}

/* Whether an If-None-Match list holds etag (or is "*"). */
static int etag_listed(const char *list, const char *etag)
{
	size_t n = strlen(etag);

	for (const char *p = list; p != NULL && *p != '\0';) {
		p += strspn(p, " \t,");
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '*' || (strncmp(p, etag, n) == 0 &&
				  (p[n] == '\0' || p[n] == ',' || p[n] == ' ')))
			return 1;
		p = strchr(p, ',');
	}
	return 0;
}

int http_cache_headers(const struct http_request *req,
		       struct http_response *resp, const struct http_cache *c)
{
	char value[96], hex[DIGEST_HEX_LEN + 1], etag[ETAG_HEX + 3];
	int64_t max_age = c->expires != 0 ? c->expires - c->now : c->max_age;

	if (c->expires != 0 && c->max_age != 0 && c->max_age < max_age)
		max_age = c->max_age;
	if (max_age < 0)
		max_age = 0;
	snprintf(value, sizeof(value),
		 "public, max-age=%lld, no-transform, must-revalidate",
		 (long long)max_age);
	http_header_add(resp, "Cache-Control", value);
	if (c->last_modified != 0) {
		http_date(c->last_modified, value);
		http_header_add(resp, "Last-Modified", value);
	}
	if (c->expires != 0) {
		http_date(c->expires, value);
		http_header_add(resp, "Expires", value);
	}
	if (resp->body == NULL ||
	    digest_sha256_hex(resp->body, resp->len, hex) != 0)
		return 0;
	snprintf(etag, sizeof(etag), "\"%.*s\"", ETAG_HEX, hex);
	http_header_add(resp, "ETag", etag);
	return etag_listed(http_request_header(req, "If-None-Match"), etag);
}

void http_cache_none(struct http_response *resp)
{
	http_header_add(resp, "Cache-Control", "no-store");
}
