#include "api/api_json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"

/* Longest decimal integer accepted in a query argument: INT64_MAX. */
#define API_INT_DIGITS 19

/* A decimal integer of digits only, from 0 to INT64_MAX. 0 or -1. */
static int decimal_parse(const char *s, size_t len, int64_t *out)
{
	char buf[API_INT_DIGITS + 1], *end;
	long long v;

	if (len == 0 || len > API_INT_DIGITS)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

int api_query_int(const struct http_request *req, const char *name,
		  int64_t *value, struct http_response *resp)
{
	const char *s = http_request_query(req, name);

	if (s == NULL)
		return 0;
	if (decimal_parse(s, strlen(s), value) != 0) {
		http_respond_problem_field(resp, 400, name,
					   "query argument \"%s\" must be a "
					   "whole number from 0 to %lld",
					   name, (long long)INT64_MAX);
		return -1;
	}
	return 0;
}

static int limit_parse(const struct http_request *req, struct api_page *page,
		       struct http_response *resp)
{
	const char *s = http_request_query(req, "limit");
	int64_t v = 0;

	page->limit = API_LIMIT_DEFAULT;
	if (s == NULL)
		return 0;
	if (decimal_parse(s, strlen(s), &v) != 0 || v < 1 ||
	    v > API_LIMIT_MAX) {
		http_respond_problem_field(resp, 400, "limit",
					   "query argument \"limit\" must be "
					   "a number from 1 to %d",
					   API_LIMIT_MAX);
		return -1;
	}
	page->limit = (size_t)v;
	return 0;
}

/*
 * Decodes the cursor argument into page->after, which then holds only
 * lowercase letters and digits (an id or a seq). 0, or -1 when it does
 * not decode; *present says whether there was one.
 */
static int cursor_decode(const struct http_request *req, struct api_page *page,
			 int *present)
{
	const char *s = http_request_query(req, "cursor");
	uint8_t *raw = NULL;
	size_t n = 0;
	int rc = -1;

	*present = s != NULL;
	if (s == NULL)
		return 0;
	if (strlen(s) > API_CURSOR_MAX ||
	    base64url_decode(s, strlen(s), &raw, &n) != 0)
		return -1;
	if (n == 0 || n >= sizeof(page->after))
		goto out;
	for (size_t i = 0; i < n; i++)
		if (!((raw[i] >= 'a' && raw[i] <= 'z') ||
		      (raw[i] >= '0' && raw[i] <= '9')))
			goto out;
	memcpy(page->after, raw, n);
	page->after[n] = '\0';
	rc = 0;
out:
	free(raw);
	return rc;
}

static void cursor_refuse(struct http_response *resp)
{
	http_respond_problem_field(resp, 400, "cursor",
				   "query argument \"cursor\" is not one this "
				   "server gave; pass next_cursor back "
				   "unchanged, or leave it out to start");
}

int api_page_parse(const struct http_request *req, struct api_page *page,
		   struct http_response *resp)
{
	int present;

	memset(page, 0, sizeof(*page));
	if (limit_parse(req, page, resp) != 0)
		return -1;
	if (cursor_decode(req, page, &present) != 0) {
		cursor_refuse(resp);
		return -1;
	}
	return 0;
}

int api_page_parse_seq(const struct http_request *req, struct api_page *page,
		       struct http_response *resp)
{
	int present;

	memset(page, 0, sizeof(*page));
	if (limit_parse(req, page, resp) != 0)
		return -1;
	if (cursor_decode(req, page, &present) != 0 ||
	    (present && (decimal_parse(page->after, strlen(page->after),
				       &page->before_seq) != 0 ||
			 page->before_seq < 1))) {
		cursor_refuse(resp);
		return -1;
	}
	page->after[0] = '\0';
	return 0;
}

static void page_respond(struct http_response *resp, json_t *items,
			 const char *last)
{
	char *cursor = NULL;
	json_t *next;

	if (last != NULL) {
		cursor = base64url_encode((const uint8_t *)last, strlen(last));
		if (cursor == NULL) {
			json_decref(items);
			http_respond_problem(resp, 500, "out of memory");
			return;
		}
	}
	next = cursor != NULL ? json_string(cursor) : json_null();
	free(cursor);
	api_respond_json(
	    resp, 200,
	    items != NULL && next != NULL
		? json_pack("{s:o, s:o}", "items", items, "next_cursor", next)
		: NULL);
	if (items == NULL || next == NULL) {
		json_decref(items);
		json_decref(next);
	}
}

void api_page_respond(struct http_response *resp, json_t *items, int has_more,
		      const char *last_id)
{
	page_respond(resp, items, has_more ? last_id : NULL);
}

void api_page_respond_seq(struct http_response *resp, json_t *items,
			  int has_more, int64_t last_seq)
{
	char seq[API_INT_DIGITS + 2];

	snprintf(seq, sizeof(seq), "%lld", (long long)last_seq);
	page_respond(resp, items, has_more ? seq : NULL);
}

const char *api_body_string(const json_t *body, const char *name)
{
	return json_string_value(json_object_get(body, name));
}

void api_respond_json(struct http_response *resp, int status, json_t *json)
{
	if (json == NULL) {
		http_respond_problem(resp, 500, "out of memory");
		return;
	}
	http_respond_json(resp, status, json);
}

json_t *api_json_time(int64_t t)
{
	return t != 0 ? json_integer((json_int_t)t) : json_null();
}

json_t *api_json_user_ref(const char *id, const char *username)
{
	return json_pack("{s:s?, s:s?}", "id", id, "username", username);
}

json_t *api_json_token(const struct store_token *t)
{
	return json_pack("{s:s, s:s?, s:s?, s:o, s:o, s:o, s:o, s:o}", "id",
			 t->id, "name", t->name, "role", t->role, "user",
			 api_json_user_ref(t->user_id, t->username),
			 "created_at", api_json_time(t->created_at),
			 "expires_at", api_json_time(t->expires_at),
			 "last_used_at", api_json_time(t->last_used_at),
			 "revoked_at", api_json_time(t->revoked_at));
}

json_t *api_json_user(const struct store_user *u)
{
	return json_pack("{s:s, s:s?, s:s?, s:b, s:o}", "id", u->id, "username",
			 u->username, "role", u->role, "disabled",
			 u->disabled != 0, "created_at",
			 api_json_time(u->created_at));
}

json_t *api_json_invitation(const struct store_invitation *inv)
{
	return json_pack(
	    "{s:s, s:s?, s:s?, s:s?, s:o, s:o, s:o, s:s?, s:o}", "id", inv->id,
	    "role", inv->role, "note", inv->note, "created_by", inv->created_by,
	    "created_at", api_json_time(inv->created_at), "expires_at",
	    api_json_time(inv->expires_at), "accepted_at",
	    api_json_time(inv->accepted_at), "accepted_by", inv->accepted_by,
	    "revoked_at", api_json_time(inv->revoked_at));
}

json_t *api_json_tenant(const struct store_tenant *t)
{
	return json_pack("{s:s, s:s?, s:s?}", "id", t->id, "name", t->name,
			 "role", t->role);
}

json_t *api_json_audit(const struct store_audit_entry *e)
{
	json_t *actor = e->actor_id != NULL
			    ? api_json_user_ref(e->actor_id, e->actor_name)
			    : json_null();

	return json_pack("{s:s, s:I, s:o, s:o, s:s?, s:s?, s:s?, s:s?, s:s?, "
			 "s:s?}",
			 "id", e->id, "seq", (json_int_t)e->seq, "at",
			 api_json_time(e->at), "actor", actor, "action",
			 e->action, "object_type", e->object_type, "object_id",
			 e->object_id, "address", e->address, "outcome",
			 e->outcome, "detail", e->detail);
}
