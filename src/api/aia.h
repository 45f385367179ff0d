/* CA certificates on the plain HTTP port: /ca/ID.crt, .pem and .p7c. */
#ifndef PKIAAS_API_AIA_H
#define PKIAAS_API_AIA_H

#include "http/http.h"

/* GET /ca/{file}: the CA's certificate (DER or PEM) or its chain. */
void api_aia_get(struct http_request *req, struct http_response *resp);

#endif
