/* The certificate authority endpoints under /api/v1/cas. */
#ifndef PKIAAS_API_CAS_H
#define PKIAAS_API_CAS_H

#include "http/http.h"

/* GET /api/v1/cas */
void api_ca_list(struct http_request *req, struct http_response *resp);
/* POST /api/v1/cas: a root, or an intermediate (signed, or a CSR). */
void api_ca_create(struct http_request *req, struct http_response *resp);
/* GET /api/v1/cas/{id} */
void api_ca_get(struct http_request *req, struct http_response *resp);
/* PATCH /api/v1/cas/{id}: description, CPS URL, service settings. */
void api_ca_update(struct http_request *req, struct http_response *resp);
/* DELETE /api/v1/cas/{id} with {"confirm": NAME}: 204. */
void api_ca_delete(struct http_request *req, struct http_response *resp);
/* POST /api/v1/cas/{id}/certificate: activates a pending intermediate. */
void api_ca_certificate_import(struct http_request *req,
			       struct http_response *resp);
/* GET /api/v1/cas/{id}/csr: a pending intermediate's CSR, PEM. */
void api_ca_csr(struct http_request *req, struct http_response *resp);
/* GET /api/v1/cas/{id}/chain: the CA's certificate and issuers, PEM. */
void api_ca_chain(struct http_request *req, struct http_response *resp);

#endif
