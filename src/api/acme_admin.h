/*
 * The ACME administration endpoints under /api/v1/acme: policies, their
 * external account bindings (EABs), and the accounts and orders bound
 * to them. The ACME protocol itself is served under /acme.
 */
#ifndef PKIAAS_API_ACME_ADMIN_H
#define PKIAAS_API_ACME_ADMIN_H

#include "http/http.h"

/* GET /api/v1/acme/policies, of one CA with ?ca_id= */
void api_acme_policy_list(struct http_request *req, struct http_response *resp);
/* POST /api/v1/acme/policies */
void api_acme_policy_create(struct http_request *req,
			    struct http_response *resp);
/* GET /api/v1/acme/policies/{id} */
void api_acme_policy_get(struct http_request *req, struct http_response *resp);
/* PATCH /api/v1/acme/policies/{id}: name, template and domains. */
void api_acme_policy_update(struct http_request *req,
			    struct http_response *resp);
/* DELETE /api/v1/acme/policies/{id}: 204, or 409 while accounts are bound. */
void api_acme_policy_delete(struct http_request *req,
			    struct http_response *resp);
/* GET /api/v1/acme/policies/{id}/eabs: never a key. */
void api_acme_eab_list(struct http_request *req, struct http_response *resp);
/* POST /api/v1/acme/policies/{id}/eabs: 201 with the key, shown once. */
void api_acme_eab_create(struct http_request *req, struct http_response *resp);
/* DELETE /api/v1/acme/eabs/{id}: its accounts stay bound. */
void api_acme_eab_delete(struct http_request *req, struct http_response *resp);
/* GET /api/v1/acme/accounts, of one policy with ?policy_id= */
void api_acme_account_list(struct http_request *req,
			   struct http_response *resp);
/* GET /api/v1/acme/accounts/{id} */
void api_acme_account_get(struct http_request *req, struct http_response *resp);
/* POST /api/v1/acme/accounts/{id}/deactivate: 200, the account. */
void api_acme_account_deactivate(struct http_request *req,
				 struct http_response *resp);
/* GET /api/v1/acme/accounts/{id}/orders */
void api_acme_order_list(struct http_request *req, struct http_response *resp);

#endif
