/*
 * The OCSP responder on the plain HTTP port (RFC 6960 appendix A, RFC
 * 5019 section 5): POST /ocsp/ID with the DER request, or GET with the
 * base64 request as the rest of the path.
 */
#ifndef PKIAAS_API_OCSP_H
#define PKIAAS_API_OCSP_H

#include "http/http.h"

void api_ocsp_post(struct http_request *req, struct http_response *resp);
void api_ocsp_get(struct http_request *req, struct http_response *resp);

#endif
