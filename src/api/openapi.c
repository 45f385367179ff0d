#include "api/openapi.h"

#include <stdlib.h>
#include <string.h>

void api_openapi_get(struct http_request *req, struct http_response *resp)
{
	char *body = malloc(openapi_json_len + 1);

	(void)req;
	if (body == NULL) {
		http_respond_problem(resp, 500, "out of memory");
		return;
	}
	memcpy(body, openapi_json, openapi_json_len + 1);
	http_respond(resp, 200, "application/json", body, openapi_json_len);
	http_header_add(resp, "Cache-Control", "public, max-age=300");
}
