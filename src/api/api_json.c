#include "api/api_json.h"

#include <errno.h>
#include <limits.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/request.h"
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

struct ca_context api_ca_context(const struct http_request *req)
{
	struct ca_context ctx = {req->app->store, req->app->kek,
				 req->app->base_url, req->app->issuers};

	return ctx;
}

char *api_pem_encode(const char *label, const uint8_t *der, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *pem = NULL;
	long n;

	if (bio == NULL || len > LONG_MAX ||
	    PEM_write_bio(bio, label, "", der, (long)len) <= 0)
		goto out;
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0 || (pem = malloc((size_t)n + 1)) == NULL)
		goto out;
	memcpy(pem, data, (size_t)n);
	pem[n] = '\0';
out:
	BIO_free(bio);
	return pem;
}

json_t *api_json_parsed(const char *text)
{
	json_t *v = text != NULL ? json_loads(text, 0, NULL) : NULL;

	return v != NULL ? v : json_null();
}

/* A PEM string of der, or null when there is none or no memory. */
static json_t *pem_value(const char *label, const uint8_t *der, size_t len)
{
	char *pem = der != NULL ? api_pem_encode(label, der, len) : NULL;
	json_t *v = pem != NULL ? json_string(pem) : json_null();

	free(pem);
	return v;
}

/* The public URL of a CA's object: base + "/" + kind + "/" + id + suffix. */
static json_t *ca_url(const char *base, const char *kind, const char *id,
		      const char *suffix)
{
	char url[512];

	if (base == NULL || snprintf(url, sizeof(url), "%s/%s/%s%s", base, kind,
				     id, suffix) >= (int)sizeof(url))
		return json_null();
	return json_string(url);
}

json_t *api_json_ca(const struct store_ca *ca, const char *base_url)
{
	return json_pack(
	    "{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:o, s:s?, "
	    "s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", ca->id, "name", ca->name, "description", ca->description,
	    "kind", ca->kind, "status", ca->status, "key_type", ca->key_type,
	    "subject", ca->subject, "serial", ca->serial, "not_before",
	    api_json_time(ca->not_before), "not_after",
	    api_json_time(ca->not_after), "parent_id", ca->parent_id,
	    "settings", api_json_parsed(ca->settings), "certificate",
	    pem_value("CERTIFICATE", ca->cert_der, ca->cert_len), "created_at",
	    api_json_time(ca->created_at), "certificate_url",
	    ca_url(base_url, "ca", ca->id, ".crt"), "crl_url",
	    ca_url(base_url, "crl", ca->id, ".crl"), "ocsp_url",
	    ca_url(base_url, "ocsp", ca->id, ""));
}

json_t *api_json_template(const struct store_template *t)
{
	return json_pack("{s:s, s:s?, s:s?, s:o, s:o, s:o}", "id", t->id,
			 "ca_id", t->ca_id, "name", t->name, "settings",
			 api_json_parsed(t->settings), "created_at",
			 api_json_time(t->created_at), "updated_at",
			 api_json_time(t->updated_at));
}

json_t *api_json_request(const struct store_request *r, int with_csr)
{
	json_t *doc = json_pack(
	    "{s:s, s:s?, s:s?, s:s?, s:o, s:s?, s:o, s:o, s:s?, s:s?, s:s?}",
	    "id", r->id, "template_id", r->template_id, "status", r->status,
	    "subject", r->subject, "overrides", api_json_parsed(r->overrides),
	    "requested_by", r->requested_by, "created_at",
	    api_json_time(r->created_at), "decided_at",
	    api_json_time(r->decided_at), "decided_by", r->decided_by,
	    "decline_reason", r->decline_reason, "certificate_id",
	    r->certificate_id);

	if (doc != NULL && with_csr &&
	    json_object_set_new(doc, "csr",
				pem_value("CERTIFICATE REQUEST", r->csr_der,
					  r->csr_len)) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/* The lines of text as an array of strings; empty lines left out. */
static json_t *lines_array(const char *text)
{
	json_t *arr = json_array();

	while (arr != NULL && text != NULL && *text != '\0') {
		size_t n = strcspn(text, "\n");

		if (n > 0 &&
		    json_array_append_new(arr, json_stringn(text, n)) != 0) {
			json_decref(arr);
			return NULL;
		}
		text += n;
		text += *text == '\n';
	}
	return arr;
}

json_t *api_json_request_view(const struct request_view *v)
{
	json_t *doc = api_json_request(&v->request, 1);
	json_t *more = json_pack(
	    "{s:s?, s:s?, s:s?, s:i, s:o?, s:o, s:o}", "subject", v->subject,
	    "sans", v->sans, "key_type", v->key_type, "key_bits", v->key_bits,
	    "extensions", lines_array(v->extensions), "would_not_before",
	    api_json_time(v->would_not_before), "would_not_after",
	    api_json_time(v->would_not_after));

	if (doc == NULL || more == NULL || json_object_update(doc, more) != 0) {
		json_decref(doc);
		doc = NULL;
	}
	json_decref(more);
	return doc;
}

/* What a certificate is at now, as the list's status filter reads it. */
static const char *certificate_status(const struct store_certificate *c,
				      int64_t now)
{
	if (c->revoked_at != 0)
		return "revoked";
	return c->not_after < now ? "expired" : "valid";
}

json_t *api_json_certificate(const struct store_certificate *c, int64_t now,
			     int with_pem)
{
	json_t *doc = json_pack(
	    "{s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:o, s:o, s:s, "
	    "s:o, s:s?, s:o, s:o}",
	    "id", c->id, "ca_id", c->ca_id, "template_id", c->template_id,
	    "request_id", c->request_id, "serial", c->serial, "subject",
	    c->subject, "sans", c->sans, "key_type", c->key_type, "not_before",
	    api_json_time(c->not_before), "not_after",
	    api_json_time(c->not_after), "status", certificate_status(c, now),
	    "revoked_at", api_json_time(c->revoked_at), "revocation_reason",
	    c->revocation_reason, "invalidity_date",
	    api_json_time(c->invalidity_date), "created_at",
	    api_json_time(c->created_at));

	if (doc != NULL && with_pem &&
	    json_object_set_new(doc, "pem",
				pem_value("CERTIFICATE", c->der, c->der_len)) !=
		0) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/* Whether v is a string without a NUL in it. */
static int plain_string(const json_t *v)
{
	return json_is_string(v) &&
	       strlen(json_string_value(v)) == json_string_length(v);
}

int api_object_strings(const json_t *obj, const char *field,
		       const char *const *names, struct http_response *resp)
{
	char path[128];
	const char *key;
	json_t *v;

	json_object_foreach ((json_t *)obj, key, v) {
		size_t i = 0;

		while (names[i] != NULL && strcmp(names[i], key) != 0)
			i++;
		snprintf(path, sizeof(path), "%s.%s", field, key);
		if (names[i] == NULL) {
			http_respond_problem_field(
			    resp, 400, path, "unknown field \"%s\"", path);
			return -1;
		}
		if (!plain_string(v)) {
			http_respond_problem_field(
			    resp, 400, path,
			    "field \"%s\" must be a string without NUL", path);
			return -1;
		}
	}
	return 0;
}

const char **api_string_array(const json_t *arr, const char *field, size_t *n,
			      struct http_response *resp)
{
	size_t count = json_array_size(arr);
	const char **items = calloc(count + 1, sizeof(*items));
	char path[128];
	json_t *v;
	size_t i;

	if (items == NULL) {
		http_respond_problem(resp, 500, "out of memory");
		return NULL;
	}
	json_array_foreach (arr, i, v) {
		if (!plain_string(v)) {
			snprintf(path, sizeof(path), "%s[%zu]", field, i);
			http_respond_problem_field(
			    resp, 400, path,
			    "field \"%s\" must be a string without NUL", path);
			free(items);
			return NULL;
		}
		items[i] = json_string_value(v);
	}
	*n = count;
	return items;
}

int api_body_int(const json_t *body, const char *name, int absent, int zero)
{
	const json_t *v = json_object_get(body, name);
	json_int_t x;

	if (v == NULL)
		return absent;
	x = json_integer_value(v);
	if (x == 0)
		return zero;
	if (x > INT_MAX)
		return INT_MAX;
	return x < INT_MIN ? INT_MIN : (int)x;
}

int64_t api_body_time(const json_t *body, const char *name)
{
	const json_t *v = json_object_get(body, name);

	if (v == NULL)
		return 0;
	return json_integer_value(v) != 0 ? (int64_t)json_integer_value(v) : -1;
}
