/* The API token endpoints under /api/v1/tokens. */
#ifndef PKIAAS_API_TOKENS_H
#define PKIAAS_API_TOKENS_H

#include "http/http.h"

/* GET /api/v1/tokens: the caller's tokens, or the tenant's (admin). */
void api_token_list(struct http_request *req, struct http_response *resp);
/* POST /api/v1/tokens: 201 with the secret, shown this once. */
void api_token_create(struct http_request *req, struct http_response *resp);
/* GET /api/v1/tokens/{id} */
void api_token_get(struct http_request *req, struct http_response *resp);
/* DELETE /api/v1/tokens/{id}: revokes it. */
void api_token_revoke(struct http_request *req, struct http_response *resp);

#endif
