/* The issued certificate endpoints under /api/v1/certificates. */
#ifndef PKIAAS_API_CERTIFICATES_H
#define PKIAAS_API_CERTIFICATES_H

#include "http/http.h"

/*
 * GET /api/v1/certificates: ?status=, ca_id, template_id, q (text in
 * subject or SANs), serial, expiring_within_days.
 */
void api_certificate_list(struct http_request *req, struct http_response *resp);
/* GET /api/v1/certificates/{id}: decoded, with its PEM. */
void api_certificate_get(struct http_request *req, struct http_response *resp);
/* GET /api/v1/certificates/{id}/download?format=pem|der|pem-chain|pkcs7 */
void api_certificate_download(struct http_request *req,
			      struct http_response *resp);
/* POST /api/v1/certificates/{id}/revoke: the certificate as revoked. */
void api_certificate_revoke(struct http_request *req,
			    struct http_response *resp);
/* POST /api/v1/certificates/{id}/release: out of certificateHold. */
void api_certificate_release(struct http_request *req,
			     struct http_response *resp);

#endif
