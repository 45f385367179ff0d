/* The certificate request endpoints under /api/v1/requests. */
#ifndef PKIAAS_API_REQUESTS_H
#define PKIAAS_API_REQUESTS_H

#include "http/http.h"

/* GET /api/v1/requests, ?status= */
void api_request_list(struct http_request *req, struct http_response *resp);
/* POST /api/v1/requests: a CSR for a template; 201. */
void api_request_submit(struct http_request *req, struct http_response *resp);
/* GET /api/v1/requests/{id}: decoded. */
void api_request_get(struct http_request *req, struct http_response *resp);
/* POST /api/v1/requests/{id}/approve: the certificate. */
void api_request_approve(struct http_request *req, struct http_response *resp);
/* POST /api/v1/requests/{id}/decline: the request. */
void api_request_decline(struct http_request *req, struct http_response *resp);
/* POST /api/v1/requests/approve: each of ids, independently. */
void api_request_approve_bulk(struct http_request *req,
			      struct http_response *resp);
/* POST /api/v1/requests/decline: each of ids, independently. */
void api_request_decline_bulk(struct http_request *req,
			      struct http_response *resp);
/* POST /api/v1/requests/preapprove: 201 with the claim, shown once. */
void api_request_preapprove(struct http_request *req,
			    struct http_response *resp);
/* POST /api/v1/requests/claim: no login; the claim is the authority. */
void api_request_claim(struct http_request *req, struct http_response *resp);

/*
 * POST /api/v1/certificates/renew, without a login: {certificate, csr or
 * csr_der, signature} where signature is base64 of the old key's
 * signature over the CSR's DER. 201 with the new certificate.
 */
void api_request_renew(struct http_request *req, struct http_response *resp);

#endif
