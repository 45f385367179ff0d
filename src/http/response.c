#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "lib/log.h"

/* Longest detail of a problem document. */
#define PROBLEM_DETAIL_MAX 1024

const char *http_request_header(const struct http_request *req,
				const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_request_query(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

const char *http_request_cookie(const struct http_request *req,
				const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

void http_response_clear(struct http_response *resp)
{
	free(resp->body);
	for (size_t i = 0; i < resp->n_headers; i++) {
		free(resp->headers[i].name);
		free(resp->headers[i].value);
	}
	memset(resp, 0, sizeof(*resp));
}

void http_respond(struct http_response *resp, int status,
		  const char *content_type, char *body, size_t len)
{
	free(resp->body);
	resp->status = status;
	resp->content_type = content_type;
	resp->body = body;
	resp->len = body != NULL ? len : 0;
}

void http_respond_json(struct http_response *resp, int status, json_t *json)
{
	char *text = json != NULL ? json_dumps(json, JSON_COMPACT) : NULL;

	json_decref(json);
	if (text == NULL) {
		http_respond(resp, 500, "text/plain", NULL, 0);
		return;
	}
	http_respond(resp, status, "application/json", text, strlen(text));
}

/* Turns every byte past ASCII in s into '?': a detail that echoes input
 * (a path, an id) may hold bytes that are not UTF-8, which JSON cannot. */
static void ascii_scrub(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			*s = '?';
}

static void problem_send(struct http_response *resp, int status,
			 const char *type, const char *field, const char *fmt,
			 va_list ap)
{
	char detail[PROBLEM_DETAIL_MAX], quoted[PROBLEM_DETAIL_MAX + 8];
	json_t *doc;
	char *text;

	vsnprintf(detail, sizeof(detail), fmt, ap);
	log_event(status >= 500 ? LOG_WARN : LOG_INFO, "http.problem",
		  "status=%d detail=%s", status,
		  log_quote(detail, quoted, sizeof(quoted)));
	if (type == NULL)
		type = "about:blank";
	doc = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title",
			http_status_title(status), "status", status, "detail",
			detail);
	if (doc == NULL) {
		ascii_scrub(detail);
		doc = json_pack("{s:s, s:s, s:i, s:s}", "type", type, "title",
				http_status_title(status), "status", status,
				"detail", detail);
	}
	if (doc != NULL && field != NULL)
		json_object_set_new(doc, "field", json_string(field));
	text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	http_respond(resp, status, "application/problem+json", text,
		     text != NULL ? strlen(text) : 0);
}

void http_respond_problem(struct http_response *resp, int status,
			  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem_send(resp, status, NULL, NULL, fmt, ap);
	va_end(ap);
}

void http_respond_problem_typed(struct http_response *resp, int status,
				const char *type, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem_send(resp, status, type, NULL, fmt, ap);
	va_end(ap);
}

void http_respond_problem_field(struct http_response *resp, int status,
				const char *field, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	problem_send(resp, status, NULL, field, fmt, ap);
	va_end(ap);
}

void http_respond_store_error(struct http_response *resp, enum store_result rc)
{
	if (rc == STORE_UNAVAILABLE)
		http_respond_problem(resp, 503,
				     "the database cannot be reached; "
				     "try again shortly");
	else
		http_respond_problem(resp, 500,
				     "the database failed to answer; the "
				     "server log has the cause");
}

int http_header_add(struct http_response *resp, const char *name,
		    const char *value)
{
	struct http_header *h;

	if (resp->n_headers == HTTP_HEADERS_MAX)
		return -1;
	h = &resp->headers[resp->n_headers];
	h->name = strdup(name);
	h->value = strdup(value);
	if (h->name == NULL || h->value == NULL) {
		free(h->name);
		free(h->value);
		return -1;
	}
	resp->n_headers++;
	return 0;
}

const char *http_status_title(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return status < 500 ? "Client Error" : "Server Error";
	}
}
