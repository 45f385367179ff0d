/* CRLs on the plain HTTP port: /crl/ID.crl (DER) and /crl/ID.pem. */
#ifndef PKIAAS_API_CRL_H
#define PKIAAS_API_CRL_H

#include "http/http.h"

/* GET /crl/{file}: the CA's current CRL. */
void api_crl_get(struct http_request *req, struct http_response *resp);

#endif
