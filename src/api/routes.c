#include "api/routes.h"

#include "api/audit.h"
#include "api/invitations.h"
#include "api/openapi.h"
#include "api/ops.h"
#include "api/session.h"
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
};

static struct route http_table[] = {
    {"GET", "/healthz", ops_healthz, "healthz", 0},
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
