#include "http/json_body.h"

#include <string.h>

static const char *type_name(enum json_field_type type)
{
	switch (type) {
	case JSON_FIELD_STRING: return "a string";
	case JSON_FIELD_INTEGER: return "an integer";
	case JSON_FIELD_BOOLEAN: return "true or false";
	case JSON_FIELD_OBJECT: return "an object";
	case JSON_FIELD_ARRAY: return "an array";
	}
	return "?";
}

static int type_matches(const json_t *v, enum json_field_type type)
{
	switch (type) {
	case JSON_FIELD_STRING: return json_is_string(v);
	case JSON_FIELD_INTEGER: return json_is_integer(v);
	case JSON_FIELD_BOOLEAN: return json_is_boolean(v);
	case JSON_FIELD_OBJECT: return json_is_object(v);
	case JSON_FIELD_ARRAY: return json_is_array(v);
	}
	return 0;
}

static int depth_within(const json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;

	if (depth > JSON_BODY_DEPTH_MAX)
		return 0;
	if (json_is_object(v)) {
		json_object_foreach ((json_t *)v, key, item) {
			if (!depth_within(item, depth + 1))
				return 0;
		}
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, item) {
			if (!depth_within(item, depth + 1))
				return 0;
		}
	}
	return 1;
}

static const struct json_field *field_find(const struct json_field *fields,
					   size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(fields[i].name, name) == 0)
			return &fields[i];
	return NULL;
}

/* 0 when v fits f; otherwise fills resp and returns -1. */
static int field_check(const struct json_field *f, const json_t *v,
		       struct http_response *resp)
{
	size_t len = 0;

	if (!type_matches(v, f->type)) {
		http_respond_problem_field(resp, 400, f->name,
					   "field \"%s\" must be %s", f->name,
					   type_name(f->type));
		return -1;
	}
	if (json_is_string(v))
		len = json_string_length(v);
	else if (json_is_array(v))
		len = json_array_size(v);
	if (f->max_len != 0 && len > f->max_len) {
		http_respond_problem_field(
		    resp, 400, f->name, "field \"%s\" is longer than %zu %s",
		    f->name, f->max_len, json_is_string(v) ? "bytes" : "items");
		return -1;
	}
	if (json_is_string(v) && strlen(json_string_value(v)) != len) {
		http_respond_problem_field(resp, 400, f->name,
					   "field \"%s\" holds a NUL character",
					   f->name);
		return -1;
	}
	return 0;
}

static int members_check(const json_t *obj, const struct json_field *fields,
			 size_t n, struct http_response *resp)
{
	const char *key;
	json_t *value;

	json_object_foreach ((json_t *)obj, key, value) {
		const struct json_field *f = field_find(fields, n, key);

		if (f == NULL) {
			http_respond_problem_field(resp, 400, key,
						   "unknown field \"%s\"", key);
			return -1;
		}
		if (field_check(f, value, resp) != 0)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (fields[i].required &&
		    json_object_get(obj, fields[i].name) == NULL) {
			http_respond_problem_field(resp, 400, fields[i].name,
						   "field \"%s\" is required",
						   fields[i].name);
			return -1;
		}
	return 0;
}

static int media_type_is_json(const char *ct)
{
	size_t n = strlen("application/json");

	return ct != NULL && strncasecmp(ct, "application/json", n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

json_t *json_body_parse(const struct http_request *req,
			const struct json_field *fields, size_t n_fields,
			struct http_response *resp)
{
	json_error_t error;
	json_t *obj;

	if (req->body_len == 0) {
		obj = json_object();
	} else if (!media_type_is_json(
		       http_request_header(req, "Content-Type"))) {
		http_respond_problem(resp, 415,
				     "the body must be application/json");
		return NULL;
	} else {
		obj = json_loadb((const char *)req->body, req->body_len,
				 JSON_REJECT_DUPLICATES, &error);
		if (obj == NULL) {
			http_respond_problem(resp, 400,
					     "the body is not valid JSON: %s "
					     "(line %d, column %d)",
					     error.text, error.line,
					     error.column);
			return NULL;
		}
	}
	if (!json_is_object(obj) || !depth_within(obj, 0)) {
		http_respond_problem(resp, 400,
				     "the body must be a JSON object nested "
				     "at most %d deep",
				     JSON_BODY_DEPTH_MAX);
		json_decref(obj);
		return NULL;
	}
	if (members_check(obj, fields, n_fields, resp) != 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}
