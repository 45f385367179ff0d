/* The audit log endpoints under /api/v1/audit. */
#ifndef PKIAAS_API_AUDIT_H
#define PKIAAS_API_AUDIT_H

#include "http/http.h"

/* GET /api/v1/audit: entries newest first, filtered by query arguments. */
void api_audit_list(struct http_request *req, struct http_response *resp);
/* GET /api/v1/audit/{id} */
void api_audit_get(struct http_request *req, struct http_response *resp);

#endif
