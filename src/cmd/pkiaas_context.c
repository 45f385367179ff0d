/* The server, root and token a command uses; see pkiaas_context.h. */
#include "cmd/pkiaas_context.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The option's value, else the variable's when set and not empty. */
static const char *pick(const char *option, const char *variable)
{
	const char *env;

	if (option != NULL)
		return option;
	env = getenv(variable);
	return env != NULL && *env != '\0' ? env : NULL;
}

/* Whether a and b name the same URL, give or take trailing slashes. */
static int same_server(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 0 && a[la - 1] == '/')
		la--;
	while (lb > 0 && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

/* 0 when url may be used for need; else CLI_USAGE (printed). */
static int server_check(const char *url, enum context_need need)
{
	if (strncmp(url, "https://", 8) == 0 && url[8] != '\0' && url[8] != '/')
		return 0;
	if (need == NEED_PLAIN && strncmp(url, "http://", 7) == 0 &&
	    url[7] != '\0' && url[7] != '/')
		return 0;
	fprintf(stderr,
		"pkiaas: the server must be an https:// URL such as "
		"https://localhost:8443, not '%s'\n",
		url);
	return CLI_USAGE;
}

/* Chooses ctx->server and whether the stored token and root go with it. */
static int server_pick(struct context *ctx, const struct cli_globals *g,
		       enum context_need need, int *stored)
{
	const char *saved = ctx->cfg.server;

	ctx->server = pick(g->server, "PKIAAS_SERVER");
	*stored = saved != NULL &&
		  (ctx->server == NULL || same_server(ctx->server, saved));
	if (ctx->server == NULL)
		ctx->server = saved;
	if (ctx->server == NULL && need == NEED_TOKEN) {
		fprintf(stderr, "pkiaas: not logged in: run pkiaas login "
				"--server URL\n");
		return CLI_DENIED;
	}
	if (ctx->server == NULL) {
		fprintf(stderr, "pkiaas: no server: pass --server URL, or run "
				"pkiaas login --server URL\n");
		return CLI_USAGE;
	}
	return server_check(ctx->server, need);
}

/* Chooses the root to trust; 0, or CLI_USAGE when it cannot be read. */
static int cacert_pick(struct context *ctx, const struct cli_globals *g)
{
	ctx->cacert = pick(g->cacert, "PKIAAS_CACERT");
	if (ctx->cacert == NULL && ctx->server_stored)
		ctx->cacert = ctx->cfg.cacert;
	if (ctx->cacert != NULL && access(ctx->cacert, R_OK) != 0) {
		fprintf(stderr, "pkiaas: cannot read the root %s: %s\n",
			ctx->cacert, strerror(errno));
		return CLI_USAGE;
	}
	return 0;
}

/* Chooses the token; 0, or CLI_DENIED when there is none (printed). */
static int token_pick(struct context *ctx, const struct cli_globals *g)
{
	ctx->token = pick(g->token, "PKIAAS_TOKEN");
	if (ctx->token == NULL && ctx->server_stored &&
	    ctx->cfg.token != NULL) {
		ctx->token = ctx->cfg.token;
		ctx->token_stored = 1;
	}
	if (ctx->token == NULL) {
		fprintf(stderr, "pkiaas: not logged in: run pkiaas login, or "
				"pass --token\n");
		return CLI_DENIED;
	}
	return 0;
}

int context_open(struct context *ctx, const struct cli_globals *g,
		 enum context_need need)
{
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	rc = cli_config_load(&ctx->cfg, need == NEED_LOGIN);
	if (rc == 0)
		rc = server_pick(ctx, g, need, &ctx->server_stored);
	if (rc == 0)
		rc = cacert_pick(ctx, g);
	if (rc == 0 && need == NEED_TOKEN)
		rc = token_pick(ctx, g);
	if (rc != 0)
		return rc;
	ctx->client = client_new(ctx->server, ctx->cacert, ctx->token);
	return ctx->client != NULL ? 0 : CLI_REFUSED;
}

void context_close(struct context *ctx)
{
	client_free(ctx->client);
	cli_config_free(&ctx->cfg);
	memset(ctx, 0, sizeof(*ctx));
}

int context_print_list(struct context *ctx, const char *path, int all,
		       int as_json, const struct column *cols, size_t ncols)
{
	json_t *list = NULL;
	int rc = client_list(ctx->client, path, all, &list);

	if (rc == 0 && as_json)
		rc = table_json(list);
	else if (rc == 0)
		rc = table_print(stdout, json_object_get(list, "items"), cols,
				 ncols);
	json_decref(list);
	return rc;
}

int context_print_call(struct context *ctx, const char *method,
		       const char *path, json_t *body, int as_json,
		       const struct column *lines, size_t nlines)
{
	json_t *answer = NULL;
	int rc = client_call(ctx->client, method, path, body, &answer);

	if (rc == 0 && as_json)
		rc = table_json(answer);
	else if (rc == 0)
		table_record(stdout, answer, lines, nlines);
	json_decref(answer);
	return rc;
}
