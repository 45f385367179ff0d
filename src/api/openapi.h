/* GET /api/v1/openapi.json: docs/openapi.json, built into the binary. */
#ifndef PKIAAS_API_OPENAPI_H
#define PKIAAS_API_OPENAPI_H

#include <stddef.h>

#include "http/http.h"

/* docs/openapi.json, NUL-terminated; written by scripts/embed_file.cmake. */
extern const char openapi_json[];
extern const size_t openapi_json_len; /* without the NUL */

/* Serves the document as application/json. */
void api_openapi_get(struct http_request *req, struct http_response *resp);

#endif
