/* The ACME endpoints (RFC 8555 7.1.1) on the HTTPS port, under /acme. */
#ifndef PKIAAS_ACME_HANDLERS_H
#define PKIAAS_ACME_HANDLERS_H

#include "http/http.h"

/* GET /acme/directory */
void acme_serve_directory(struct http_request *req, struct http_response *resp);
/* HEAD and GET /acme/new-nonce */
void acme_serve_new_nonce(struct http_request *req, struct http_response *resp);
/* POST /acme/new-account */
void acme_serve_new_account(struct http_request *req,
			    struct http_response *resp);
/* POST /acme/account/{id}: read, update contact, deactivate */
void acme_serve_account(struct http_request *req, struct http_response *resp);
/* POST /acme/account/{id}/orders */
void acme_serve_account_orders(struct http_request *req,
			       struct http_response *resp);
/* POST /acme/key-change */
void acme_serve_key_change(struct http_request *req,
			   struct http_response *resp);
/* POST /acme/new-order */
void acme_serve_new_order(struct http_request *req, struct http_response *resp);
/* POST /acme/order/{id} */
void acme_serve_order(struct http_request *req, struct http_response *resp);
/* POST /acme/order/{id}/finalize */
void acme_serve_finalize(struct http_request *req, struct http_response *resp);
/* POST /acme/authz/{order}/{i} */
void acme_serve_authz(struct http_request *req, struct http_response *resp);
/* POST /acme/chall/{order}/{i}/{j} */
void acme_serve_challenge(struct http_request *req, struct http_response *resp);
/* POST /acme/cert/{id} */
void acme_serve_certificate(struct http_request *req,
			    struct http_response *resp);
/* POST /acme/revoke-cert */
void acme_serve_revoke_cert(struct http_request *req,
			    struct http_response *resp);
/* GET /acme/renewal-info/{id} (RFC 9773) */
void acme_serve_renewal_info(struct http_request *req,
			     struct http_response *resp);

#endif
