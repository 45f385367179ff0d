/* The template endpoints under /api/v1/templates. */
#ifndef PKIAAS_API_TEMPLATES_H
#define PKIAAS_API_TEMPLATES_H

#include "http/http.h"

/* GET /api/v1/templates, of one CA with ?ca_id= */
void api_template_list(struct http_request *req, struct http_response *resp);
/* POST /api/v1/templates: from a starter, with settings over it. */
void api_template_create(struct http_request *req, struct http_response *resp);
/* GET /api/v1/templates/starters: each starter's name and settings. */
void api_template_starters(struct http_request *req,
			   struct http_response *resp);
/* GET /api/v1/templates/{id} */
void api_template_get(struct http_request *req, struct http_response *resp);
/* PATCH /api/v1/templates/{id}: renames and applies settings. */
void api_template_update(struct http_request *req, struct http_response *resp);
/* DELETE /api/v1/templates/{id}: 204, when no certificate is active. */
void api_template_delete(struct http_request *req, struct http_response *resp);

#endif
