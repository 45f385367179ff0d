/*
 * Strict JSON request bodies: an object whose members are checked against
 * a table of the fields a route takes. An unknown member, a member of the
 * wrong type, a missing required one or a duplicate key is refused with a
 * 400 problem document that names the field.
 */
#ifndef PKIAAS_JSON_BODY_H
#define PKIAAS_JSON_BODY_H

#include <jansson.h>
#include <stddef.h>

#include "http/http.h"

/* Deepest nesting a request body may have. */
#define JSON_BODY_DEPTH_MAX 16

enum json_field_type {
	JSON_FIELD_STRING,
	JSON_FIELD_INTEGER,
	JSON_FIELD_BOOLEAN,
	JSON_FIELD_OBJECT,
	JSON_FIELD_ARRAY,
};

struct json_field {
	const char *name;
	enum json_field_type type;
	int required;
	size_t max_len; /* strings: bytes; arrays: items; 0 for no limit */
};

/*
 * Parses req's body. Returns the object (the caller releases it), or
 * NULL after filling resp with a 400 (or 415 for another media type).
 * An empty body counts as {} when no field is required.
 */
json_t *json_body_parse(const struct http_request *req,
			const struct json_field *fields, size_t n_fields,
			struct http_response *resp);

#endif
