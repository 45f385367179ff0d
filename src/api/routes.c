#include "api/routes.h"

#include "api/ops.h"

#define ROUTES(table) table, sizeof(table) / sizeof(*table)

static struct route https_table[] = {
    {"GET", "/", ops_index, "index", 0},
    {"GET", "/healthz", ops_healthz, "healthz", 0},
    {"GET", "/readyz", ops_readyz, "readyz", 0},
    {"GET", "/metrics", ops_metrics, "metrics", 0},
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
