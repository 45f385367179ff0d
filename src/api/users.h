/* The user endpoints under /api/v1/users: members of the tenant. */
#ifndef PKIAAS_API_USERS_H
#define PKIAAS_API_USERS_H

#include "http/http.h"

/* GET /api/v1/users */
void api_user_list(struct http_request *req, struct http_response *resp);
/* POST /api/v1/users: 201 with the new member. */
void api_user_create(struct http_request *req, struct http_response *resp);
/* GET /api/v1/users/{id} */
void api_user_get(struct http_request *req, struct http_response *resp);
/* PATCH /api/v1/users/{id}: role and disabled. */
void api_user_update(struct http_request *req, struct http_response *resp);
/* DELETE /api/v1/users/{id}: removes the member from the tenant. */
void api_user_remove(struct http_request *req, struct http_response *resp);

#endif
