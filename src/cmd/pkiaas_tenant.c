/* pkiaas tenant list: the tenants the caller belongs to. */
#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"

static const struct column tenant_cols[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {"ROLE", "role"},
};

int cmd_tenant_list(const struct cli_command *cmd, struct cli_globals *g,
		    int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = context_print_list(&ctx, "/api/v1/tenants", 1, g->json,
					tenant_cols, NCOLS(tenant_cols));
	context_close(&ctx);
	return rc;
}
