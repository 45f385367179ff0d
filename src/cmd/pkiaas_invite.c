/*
 * pkiaas invite create, list, revoke and accept: invitations to join a
 * tenant, accepted by a logged-in user or by a new one.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_prompt.h"

static const struct column invite_cols[] = {
    {"ID", "id"},
    {"ROLE", "role"},
    {"NOTE", "note"},
    {"CREATED", "created_at"},
    {"EXPIRES", "expires_at"},
    {"ACCEPTED", "accepted_at"},
    {"REVOKED", "revoked_at"},
};

static const struct column created_lines[] = {
    {"id", "id"},	{"role", "role"},
    {"note", "note"},	{"expires", "expires_at"},
    {"token", "token"},
};

enum { C_ROLE, C_NOTE, C_NOPTS };
static const struct args_opt create_opts[C_NOPTS] = {
    [C_ROLE] = {"role", 1},
    [C_NOTE] = {"note", 1},
};

int cmd_invite_create(const struct cli_command *cmd, struct cli_globals *g,
		      int argc, char **argv)
{
	struct context ctx = {0};
	json_t *body = NULL;
	enum args_result ar;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, create_opts, C_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[C_ROLE] == NULL) {
		fprintf(stderr, "pkiaas: invite create needs --role ROLE\n");
		goto out;
	}
	if (args_role(a.value[C_ROLE]) != 0)
		goto out;
	body = json_pack("{s:s,s:s*}", "role", a.value[C_ROLE], "note",
			 a.value[C_NOTE]);
	if (body == NULL) {
		fprintf(stderr, "pkiaas: --note is not UTF-8\n");
		goto out;
	}
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = context_print_call(&ctx, "POST", "/api/v1/invitations",
					body, g->json, created_lines,
					NCOLS(created_lines));
	if (rc == 0 && !g->json)
		fprintf(stderr, "pkiaas: the invitation's token is shown only "
				"this once\n");
out:
	json_decref(body);
	context_close(&ctx);
	return rc;
}

int cmd_invite_list(const struct cli_command *cmd, struct cli_globals *g,
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
		rc = context_print_list(&ctx, "/api/v1/invitations", 1, g->json,
					invite_cols, NCOLS(invite_cols));
	context_close(&ctx);
	return rc;
}

int cmd_invite_revoke(const struct cli_command *cmd, struct cli_globals *g,
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
	if (rc == 0 &&
	    (path = client_path("/api/v1/invitations", a.pos[0])) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "DELETE", path, NULL, NULL);
	if (rc == 0 && !g->json)
		printf("Withdrew invitation %s.\n", a.pos[0]);
	free(path);
	context_close(&ctx);
	return rc;
}

enum { J_USERNAME, J_PASSWORD_STDIN, J_NOPTS };
static const struct args_opt accept_opts[J_NOPTS] = {
    [J_USERNAME] = {"username", 1},
    [J_PASSWORD_STDIN] = {"password-stdin", 0},
};

/*
 * The body of POST /invitations/accept: {"token"} for the logged-in user,
 * with "username" and "password" for a new user. NULL on an error
 * (printed, *rc set).
 */
static json_t *accept_body(const struct args *a, int *rc)
{
	const char *username = a->value[J_USERNAME];
	char password[PROMPT_MAX];
	json_t *body = NULL;

	if (username == NULL) {
		body = json_pack("{s:s}", "token", a->pos[0]);
		goto out;
	}
	*rc = a->value[J_PASSWORD_STDIN] != NULL
		  ? prompt_stdin("password", password, sizeof(password))
		  : prompt_new_secret("password", password, sizeof(password));
	if (*rc != 0)
		return NULL;
	body = json_pack("{s:s,s:s,s:s}", "token", a->pos[0], "username",
			 username, "password", password);
	OPENSSL_cleanse(password, sizeof(password));
out:
	if (body == NULL) {
		fprintf(stderr, "pkiaas: the token, the username or the "
				"password is not UTF-8\n");
		*rc = CLI_USAGE;
	}
	return body;
}

/* Says which tenant was joined (the answer names it by id). */
static void accept_report(const json_t *answer, const char *username)
{
	char tenant[128];
	const char *path =
	    json_object_get(json_object_get(answer, "tenant"), "name")
		? "tenant.name"
		: "tenant.id";

	table_cell(answer, path, tenant, sizeof(tenant));
	if (username == NULL) {
		printf("Joined tenant %s.\n", tenant);
		return;
	}
	printf("User %s joined tenant %s; log in with: pkiaas login "
	       "--username %s\n",
	       username, tenant, username);
}

/* POST /invitations/accept and reports; 0 or an exit code. */
static int accept_run(struct context *ctx, json_t *body, const char *username,
		      int as_json)
{
	json_t *answer = NULL;
	int rc = client_call(ctx->client, "POST", "/api/v1/invitations/accept",
			     body, &answer);

	if (rc == 0 && as_json)
		rc = table_json(answer);
	else if (rc == 0)
		accept_report(answer, username);
	json_decref(answer);
	return rc;
}

int cmd_invite_accept(const struct cli_command *cmd, struct cli_globals *g,
		      int argc, char **argv)
{
	struct context ctx = {0};
	json_t *body = NULL;
	enum args_result ar;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, accept_opts, J_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[J_PASSWORD_STDIN] != NULL && a.value[J_USERNAME] == NULL) {
		fprintf(stderr, "pkiaas: --password-stdin goes with "
				"--username\n");
		return CLI_USAGE;
	}
	/* A new user has no token yet: none is sent. */
	rc = context_open(&ctx, g,
			  a.value[J_USERNAME] ? NEED_SERVER : NEED_TOKEN);
	if (rc == 0)
		body = accept_body(&a, &rc);
	if (rc == 0)
		rc = accept_run(&ctx, body, a.value[J_USERNAME], g->json);
	json_decref(body);
	context_close(&ctx);
	return rc;
}
