/* pkiaas token create, list and revoke: API tokens. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_table.h"

#define TOKEN_MAX_DAYS 3650

enum { T_NAME, T_ROLE, T_EXPIRES, T_NOPTS };
static const struct args_opt create_opts[T_NOPTS] = {
    [T_NAME] = {"name", 1},
    [T_ROLE] = {"role", 1},
    [T_EXPIRES] = {"expires-in-days", 1},
};

static const struct column token_cols[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {"ROLE", "role"},
    {"USER", "user.username"},
    {"CREATED", "created_at"},
    {"EXPIRES", "expires_at"},
    {"LAST USED", "last_used_at"},
    {"REVOKED", "revoked_at"},
};

static const struct column created_lines[] = {
    {"id", "id"},
    {"name", "name"},
    {"role", "role"},
    {"user", "user.username"},
    {"expires", "expires_at"},
    {"token", "token"},
};

/* The body of POST /tokens from the options; NULL on a bad value. */
static json_t *create_body(const struct args *a)
{
	const char *role = a->value[T_ROLE];
	long long days = 0;
	json_t *body;

	if (a->value[T_NAME] == NULL || *a->value[T_NAME] == '\0') {
		fprintf(stderr, "pkiaas: token create needs --name NAME\n");
		return NULL;
	}
	if (role != NULL && args_role(role) != 0)
		return NULL;
	if (a->value[T_EXPIRES] != NULL &&
	    args_int("--expires-in-days", a->value[T_EXPIRES], 1,
		     TOKEN_MAX_DAYS, &days) != 0)
		return NULL;
	body = json_pack("{s:s,s:s*}", "name", a->value[T_NAME], "role", role);
	if (body == NULL) {
		fprintf(stderr, "pkiaas: --name is not UTF-8\n");
		return NULL;
	}
	if (days > 0 && json_object_set_new(body, "expires_in_days",
					    json_integer(days)) != 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		json_decref(body);
		return NULL;
	}
	return body;
}

int cmd_token_create(const struct cli_command *cmd, struct cli_globals *g,
		     int argc, char **argv)
{
	struct context ctx = {0};
	json_t *body = NULL, *token = NULL;
	enum args_result ar;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, create_opts, T_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	body = create_body(&a);
	if (body == NULL)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = client_call(ctx.client, "POST", "/api/v1/tokens", body,
				 &token);
	if (rc == 0 && g->json) {
		rc = table_json(token);
	} else if (rc == 0) {
		table_record(stdout, token, created_lines,
			     NCOLS(created_lines));
		fprintf(stderr, "pkiaas: the token is shown only this once; "
				"keep it secret\n");
	}
out:
	json_decref(body);
	json_decref(token);
	context_close(&ctx);
	return rc;
}

int cmd_token_list(const struct cli_command *cmd, struct cli_globals *g,
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
		rc = context_print_list(&ctx, "/api/v1/tokens", 1, g->json,
					token_cols, NCOLS(token_cols));
	context_close(&ctx);
	return rc;
}

int cmd_token_revoke(const struct cli_command *cmd, struct cli_globals *g,
		     int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	char *path = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0 && (path = client_path("/api/v1/tokens", a.pos[0])) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "DELETE", path, NULL, NULL);
	if (rc == 0 && !g->json)
		printf("Revoked token %s.\n", a.pos[0]);
	free(path);
	context_close(&ctx);
	return rc;
}
