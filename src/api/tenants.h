/* The tenant endpoint: GET /api/v1/tenants. */
#ifndef PKIAAS_API_TENANTS_H
#define PKIAAS_API_TENANTS_H

#include "http/http.h"

/* The tenants the caller belongs to, with the role in each. */
void api_tenant_list(struct http_request *req, struct http_response *resp);

#endif
