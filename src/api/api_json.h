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

#endif
