#include "api/routes.h"

#include "acme/handlers.h"
#include "api/acme_admin.h"
#include "api/aia.h"
#include "api/audit.h"
#include "api/cas.h"
#include "api/certificates.h"
#include "api/crl.h"
#include "api/invitations.h"
#include "api/ocsp.h"
#include "api/openapi.h"
#include "api/ops.h"
#include "api/requests.h"
#include "api/session.h"
#include "api/templates.h"
#include "api/tenants.h"
#include "api/tokens.h"
#include "api/users.h"

#define ROUTES(table) table, sizeof(table) / sizeof(*table)

/*
 * One line per route, {"METHOD", "/pattern", handler, "name", 0}:
 * tests/integration/test_openapi.py reads this table to check that
 * docs/openapi.json describes each route. A literal segment comes before
 * a {param} one at the same place.
 */
static struct route https_table[] = {
    {"GET", "/", ops_index, "index", 0},
    {"GET", "/healthz", ops_healthz, "healthz", 0},
    {"GET", "/readyz", ops_readyz, "readyz", 0},
    {"GET", "/metrics", ops_metrics, "metrics", 0},
    {"GET", "/api/v1/openapi.json", api_openapi_get, "openapi", 0},
    {"POST", "/api/v1/auth/login", api_session_login, "login", 0},
    {"POST", "/api/v1/auth/logout", api_session_logout, "logout", 0},
    {"GET", "/api/v1/me", api_me_get, "me", 0},
    {"POST", "/api/v1/me/password", api_me_password, "me_password", 0},
    {"GET", "/api/v1/tokens", api_token_list, "token_list", 0},
    {"POST", "/api/v1/tokens", api_token_create, "token_create", 0},
    {"GET", "/api/v1/tokens/{id}", api_token_get, "token_get", 0},
    {"DELETE", "/api/v1/tokens/{id}", api_token_revoke, "token_revoke", 0},
    {"GET", "/api/v1/users", api_user_list, "user_list", 0},
    {"POST", "/api/v1/users", api_user_create, "user_create", 0},
    {"GET", "/api/v1/users/{id}", api_user_get, "user_get", 0},
    {"PATCH", "/api/v1/users/{id}", api_user_update, "user_update", 0},
    {"DELETE", "/api/v1/users/{id}", api_user_remove, "user_remove", 0},
    {"GET", "/api/v1/invitations", api_invitation_list, "invitation_list", 0},
    {"POST", "/api/v1/invitations", api_invitation_create, "invitation_create",
     0},
    {"POST", "/api/v1/invitations/accept", api_invitation_accept,
     "invitation_accept", 0},
    {"DELETE", "/api/v1/invitations/{id}", api_invitation_revoke,
     "invitation_revoke", 0},
    {"GET", "/api/v1/audit", api_audit_list, "audit_list", 0},
    {"GET", "/api/v1/audit/{id}", api_audit_get, "audit_get", 0},
    {"GET", "/api/v1/tenants", api_tenant_list, "tenant_list", 0},
    {"GET", "/api/v1/cas", api_ca_list, "ca_list", 0},
    {"POST", "/api/v1/cas", api_ca_create, "ca_create", 0},
    {"GET", "/api/v1/cas/{id}", api_ca_get, "ca_get", 0},
    {"PATCH", "/api/v1/cas/{id}", api_ca_update, "ca_update", 0},
    {"DELETE", "/api/v1/cas/{id}", api_ca_delete, "ca_delete", 0},
    {"GET", "/api/v1/acme/policies", api_acme_policy_list, "acme_policy_list",
     0},
    {"POST", "/api/v1/acme/policies", api_acme_policy_create,
     "acme_policy_create", 0},
    {"GET", "/api/v1/acme/policies/{id}", api_acme_policy_get,
     "acme_policy_get", 0},
    {"PATCH", "/api/v1/acme/policies/{id}", api_acme_policy_update,
     "acme_policy_update", 0},
    {"DELETE", "/api/v1/acme/policies/{id}", api_acme_policy_delete,
     "acme_policy_delete", 0},
    {"GET", "/api/v1/acme/policies/{id}/eabs", api_acme_eab_list,
     "acme_eab_list", 0},
    {"POST", "/api/v1/acme/policies/{id}/eabs", api_acme_eab_create,
     "acme_eab_create", 0},
    {"DELETE", "/api/v1/acme/eabs/{id}", api_acme_eab_delete, "acme_eab_delete",
     0},
    {"GET", "/api/v1/acme/accounts", api_acme_account_list, "acme_account_list",
     0},
    {"GET", "/api/v1/acme/accounts/{id}", api_acme_account_get,
     "acme_account_get", 0},
    {"POST", "/api/v1/acme/accounts/{id}/deactivate",
     api_acme_account_deactivate, "acme_account_deactivate", 0},
    {"GET", "/api/v1/acme/accounts/{id}/orders", api_acme_order_list,
     "acme_order_list", 0},
    {"POST", "/api/v1/cas/{id}/certificate", api_ca_certificate_import,
     "ca_certificate_import", 0},
    {"GET", "/api/v1/cas/{id}/csr", api_ca_csr, "ca_csr", 0},
    {"GET", "/api/v1/cas/{id}/chain", api_ca_chain, "ca_chain", 0},
    {"GET", "/api/v1/templates", api_template_list, "template_list", 0},
    {"POST", "/api/v1/templates", api_template_create, "template_create", 0},
    {"GET", "/api/v1/templates/starters", api_template_starters,
     "template_starters", 0},
    {"GET", "/api/v1/templates/{id}", api_template_get, "template_get", 0},
    {"PATCH", "/api/v1/templates/{id}", api_template_update, "template_update",
     0},
    {"DELETE", "/api/v1/templates/{id}", api_template_delete, "template_delete",
     0},
    {"GET", "/api/v1/requests", api_request_list, "request_list", 0},
    {"POST", "/api/v1/requests", api_request_submit, "request_submit", 0},
    {"POST", "/api/v1/requests/approve", api_request_approve_bulk,
     "request_approve_bulk", 0},
    {"POST", "/api/v1/requests/decline", api_request_decline_bulk,
     "request_decline_bulk", 0},
    {"POST", "/api/v1/requests/preapprove", api_request_preapprove,
     "request_preapprove", 0},
    {"POST", "/api/v1/requests/claim", api_request_claim, "request_claim", 0},
    {"GET", "/api/v1/requests/{id}", api_request_get, "request_get", 0},
    {"POST", "/api/v1/requests/{id}/approve", api_request_approve,
     "request_approve", 0},
    {"POST", "/api/v1/requests/{id}/decline", api_request_decline,
     "request_decline", 0},
    {"POST", "/api/v1/certificates/renew", api_request_renew,
     "certificate_renew", 0},
    {"GET", "/api/v1/certificates", api_certificate_list, "certificate_list",
     0},
    {"GET", "/api/v1/certificates/{id}", api_certificate_get, "certificate_get",
     0},
    {"GET", "/api/v1/certificates/{id}/download", api_certificate_download,
     "certificate_download", 0},
    {"POST", "/api/v1/certificates/{id}/revoke", api_certificate_revoke,
     "certificate_revoke", 0},
    {"POST", "/api/v1/certificates/{id}/release", api_certificate_release,
     "certificate_release", 0},
    {"GET", "/acme/directory", acme_serve_directory, "acme_directory", 0},
    {"GET", "/acme/new-nonce", acme_serve_new_nonce, "acme_new_nonce", 0},
    {"POST", "/acme/new-account", acme_serve_new_account, "acme_new_account",
     0},
    {"POST", "/acme/account/{id}", acme_serve_account, "acme_account", 0},
    {"POST", "/acme/account/{id}/orders", acme_serve_account_orders,
     "acme_account_orders", 0},
    {"POST", "/acme/key-change", acme_serve_key_change, "acme_key_change", 0},
    {"POST", "/acme/new-order", acme_serve_new_order, "acme_new_order", 0},
    {"POST", "/acme/order/{id}", acme_serve_order, "acme_order", 0},
    {"POST", "/acme/order/{id}/finalize", acme_serve_finalize, "acme_finalize",
     0},
    {"POST", "/acme/authz/{order}/{i}", acme_serve_authz, "acme_authz", 0},
    {"POST", "/acme/chall/{order}/{i}/{j}", acme_serve_challenge,
     "acme_challenge", 0},
    {"POST", "/acme/cert/{id}", acme_serve_certificate, "acme_certificate", 0},
    {"POST", "/acme/revoke-cert", acme_serve_revoke_cert, "acme_revoke_cert",
     0},
    {"GET", "/acme/renewal-info/{id}", acme_serve_renewal_info,
     "acme_renewal_info", 0},
};

static struct route http_table[] = {
    {"GET", "/healthz", ops_healthz, "healthz", 0},
    {"GET", "/ca/{file}", api_aia_get, "aia", 0},
    {"GET", "/crl/{file}", api_crl_get, "crl", 0},
    {"POST", "/ocsp/{id}", api_ocsp_post, "ocsp_post", 0},
    {"GET", "/ocsp/{id}/{request*}", api_ocsp_get, "ocsp_get", 0},
};

static struct router https_router = {"https", ROUTES(https_table)};
static struct router http_router = {"http", ROUTES(http_table)};

struct router *routes_https(void)
{
	return &https_router;
}

struct router *routes_http(void)
{
	return &http_router;
}
