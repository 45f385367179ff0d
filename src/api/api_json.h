/*
 * What the REST handlers share: the JSON of each stored record as
 * docs/api.md shows it, cursor pagination and strict query arguments.
 * The record encoders never emit a secret or a hash; an unset time (0)
 * is null. They return a new reference, or NULL when out of memory.
 */
#ifndef PKIAAS_API_JSON_H
#define PKIAAS_API_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/access.h"
#include "engine/ca.h"
#include "http/http.h"
#include "store/store.h"

/* Page sizes of GET on a collection (docs/api.md, "Conventions"). */
#define API_LIMIT_DEFAULT 50
#define API_LIMIT_MAX	  200
/* The number of entries of a field table. */
#define API_N(table) (sizeof(table) / sizeof(*(table)))
/* Longest cursor accepted, before decoding. */
#define API_CURSOR_MAX 128

/* One page's position, from the limit and cursor query arguments. */
struct api_page {
	size_t limit;
	char after[API_CURSOR_MAX]; /* the last id seen, "" for the start */
	int64_t before_seq;	    /* audit: the last seq seen, 0 for none */
};

/*
 * Reads limit and a cursor holding an id. 0, or -1 after filling resp
 * with a 400 naming "limit" or "cursor".
 */
int api_page_parse(const struct http_request *req, struct api_page *page,
		   struct http_response *resp);
/* As api_page_parse, for a cursor holding an audit seq. */
int api_page_parse_seq(const struct http_request *req, struct api_page *page,
		       struct http_response *resp);
/*
 * Answers 200 {"items": items, "next_cursor": ...}: the cursor of
 * last_id when has_more, else null. Takes the reference to items.
 */
void api_page_respond(struct http_response *resp, json_t *items, int has_more,
		      const char *last_id);
/* As api_page_respond, with the cursor of an audit seq. */
void api_page_respond_seq(struct http_response *resp, json_t *items,
			  int has_more, int64_t last_seq);

/*
 * A query argument that, when present, must be a decimal integer from
 * 0 to INT64_MAX. *value is untouched when absent. 0, or -1 after
 * filling resp with a 400 naming the argument.
 */
int api_query_int(const struct http_request *req, const char *name,
		  int64_t *value, struct http_response *resp);

/* The string member name of a parsed body, or NULL when absent. */
const char *api_body_string(const json_t *body, const char *name);

/* Answers status with json (taking the reference); 500 when NULL. */
void api_respond_json(struct http_response *resp, int status, json_t *json);

/* A time: the integer, or null for 0. */
json_t *api_json_time(int64_t t);
/* {"id", "username"} of a user. */
json_t *api_json_user_ref(const char *id, const char *username);
json_t *api_json_token(const struct store_token *t);
json_t *api_json_user(const struct store_user *u);
json_t *api_json_invitation(const struct store_invitation *inv);
/* {"id", "name", "role"} of a tenant of the caller. */
json_t *api_json_tenant(const struct store_tenant *t);
json_t *api_json_audit(const struct store_audit_entry *e);

/* The PKI's records (docs/api.md). */
struct request_view;

/* What the PKI engine needs beside the caller: the app's store and KEK. */
struct ca_context api_ca_context(const struct http_request *req);

/*
 * New PEM text of der under label ("CERTIFICATE"), from malloc; NULL
 * when out of memory.
 */
char *api_pem_encode(const char *label, const uint8_t *der, size_t len);
/* A stored JSON text as a value; null when absent or not JSON. */
json_t *api_json_parsed(const char *text);
/* A CA: never its sealed key; "certificate" is PEM, or null. */
json_t *api_json_ca(const struct store_ca *ca, const char *base_url);
json_t *api_json_template(const struct store_template *t);
/*
 * A request, never its claim hash; with with_csr, "csr" is its PEM (or
 * null). Lists leave the CSR out: a post-quantum one is large.
 */
json_t *api_json_request(const struct store_request *r, int with_csr);
/* A request decoded: the request and what it asks for and would get. */
json_t *api_json_request_view(const struct request_view *v);
/*
 * A certificate decoded, with "status" (valid, revoked or expired at
 * now) and, with with_pem, its PEM (lists leave it out).
 */
json_t *api_json_certificate(const struct store_certificate *c, int64_t now,
			     int with_pem);

/*
 * Checks that obj's members are strings without NUL, each named in
 * names (NULL-terminated). 0, or -1 after filling resp with a 400
 * naming "field.member".
 */
int api_object_strings(const json_t *obj, const char *field,
		       const char *const *names, struct http_response *resp);
/*
 * The items of a JSON array of strings as a new array of pointers into
 * it (free only the array). *n receives the count. NULL after filling
 * resp with a 400 naming "field[i]" when an item is not a string
 * without NUL (or with a 500 when out of memory); an empty array gives
 * a non-NULL result.
 */
const char **api_string_array(const json_t *arr, const char *field, size_t *n,
			      struct http_response *resp);
/*
 * The integer member name of a parsed body as an int, clamped to the
 * range of int; absent when it is missing. A present 0 gives zero, so
 * that callers can keep 0 for "absent" yet refuse an explicit 0.
 */
int api_body_int(const json_t *body, const char *name, int absent, int zero);
/* A time member (epoch seconds): 0 when absent, -1 for a present 0. */
int64_t api_body_time(const json_t *body, const char *name);

#endif
