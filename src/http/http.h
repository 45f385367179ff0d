/*
 * Requests and responses as handlers see them. A handler reads a
 * struct http_request and fills a struct http_response; the server sends
 * it, logs the access line and counts it.
 */
#ifndef PKIAAS_HTTP_H
#define PKIAAS_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/accounts.h"
#include "engine/crl.h"
#include "engine/ocsp.h"
#include "lib/rand.h"
#include "signer/kek.h"
#include "store/store.h"

struct MHD_Connection;
struct route;
struct acme_service;
struct issuer_cache;

/* What every handler may use: set up by pkiaasd serve. */
struct app {
	struct store *store;
	int64_t started_at; /* clock_now() at start */
	struct accounts_policy policy;
	const struct kek *kek;	   /* seals and opens CA keys */
	const char *base_url;	   /* http://HOST:PORT relying parties reach */
	struct crl_options crl;	   /* CRL windows; zero: the defaults */
	struct ocsp_options ocsp;  /* OCSP window; zero: the default */
	struct acme_service *acme; /* NULL: ACME is not served */
	struct issuer_cache *issuers; /* opened CAs and templates */
};

#define HTTP_PARAMS_MAX	 4
#define HTTP_HEADERS_MAX 12

struct http_request {
	struct MHD_Connection *conn;
	struct app *app;
	const char *method;
	const char *path;
	const struct route *route; /* NULL when nothing matched */
	char id[RAND_ID_LEN + 1];  /* request id, in logs and X-Request-Id */
	char address[64];	   /* the client's IP address */
	/* {name} segments of the route's pattern, in order, NUL-terminated */
	char *params[HTTP_PARAMS_MAX];
	size_t n_params;
	uint8_t *body; /* NUL-terminated; body_len excludes the NUL */
	size_t body_len;
	size_t body_max;
	int body_too_large;
	char refused[160]; /* why its header fields were refused, or "" */
	int64_t started_us;
};

struct http_header {
	char *name;
	char *value;
};

struct http_response {
	int status;
	const char *content_type; /* static string */
	char *body;		  /* owned; may be NULL */
	size_t len;
	struct http_header headers[HTTP_HEADERS_MAX];
	size_t n_headers;
};

/* Value of a request header, or NULL. */
const char *http_request_header(const struct http_request *req,
				const char *name);
/* Value of a query string argument, or NULL. */
const char *http_request_query(const struct http_request *req,
			       const char *name);
/* Value of a cookie, or NULL. */
const char *http_request_cookie(const struct http_request *req,
				const char *name);

/* Takes ownership of body (from malloc). */
void http_respond(struct http_response *resp, int status,
		  const char *content_type, char *body, size_t len);
/* Serialises json (and releases the reference) as application/json. */
void http_respond_json(struct http_response *resp, int status, json_t *json);
/*
 * An RFC 9457 problem document: type about:blank, the status's title, and
 * detail made from fmt. The same detail goes to the log.
 */
void http_respond_problem(struct http_response *resp, int status,
			  const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with type instead of about:blank (NULL: about:blank). */
void http_respond_problem_typed(struct http_response *resp, int status,
				const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The same with a "field" member naming the input at fault (or NULL). */
void http_respond_problem_field(struct http_response *resp, int status,
				const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 503 when the store is unreachable, 500 otherwise. */
void http_respond_store_error(struct http_response *resp, enum store_result rc);
/* Adds a response header (copied); 0 or -1 when full. */
int http_header_add(struct http_response *resp, const char *name,
		    const char *value);
/* Frees what a response owns, for reuse or disposal. */
void http_response_clear(struct http_response *resp);

/* The reason phrase of a status code ("Not Found"). */
const char *http_status_title(int status);

#endif
