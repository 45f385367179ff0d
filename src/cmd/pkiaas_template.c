/*
 * pkiaas template starters, create, list, show, update and delete: the
 * templates of the tenant's CAs. T is an id or a name (with --ca when
 * several CAs have a template of that name).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_pki.h"

#define TEMPLATES "/api/v1/templates"

static const struct column template_cols[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {"CA", "ca_id"},
    {"ENABLED", "settings.enabled"},
    {"DAYS", "settings.validity_days"},
    {"UPDATED", "updated_at"},
};

static const struct column template_lines[] = {
    {"id", "id"},
    {"name", "name"},
    {"ca", "ca_id"},
    {"created", "created_at"},
    {"updated", "updated_at"},
};

static const struct column starter_cols[] = {
    {"NAME", "name"},
    {"DAYS", "settings.validity_days"},
    {"EKU", "settings.extended_key_usage"},
};

/* Prints a template: its lines, then its settings as indented JSON. */
static int template_print(const json_t *t, int as_json)
{
	if (as_json)
		return table_json(t);
	table_record(stdout, t, template_lines, NCOLS(template_lines));
	printf("settings\n");
	return table_json(json_object_get(t, "settings"));
}

int cmd_template_starters(const struct cli_command *cmd, struct cli_globals *g,
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
		rc = context_print_list(&ctx, TEMPLATES "/starters", 1, g->json,
					starter_cols, NCOLS(starter_cols));
	context_close(&ctx);
	return rc;
}

enum { C_CA, C_STARTER, C_SETTINGS, C_NOPTS };
static const struct args_opt create_opts[C_NOPTS] = {
    [C_CA] = {"ca", 1},
    [C_STARTER] = {"starter", 1},
    [C_SETTINGS] = {"settings", 1},
};

/* The body of POST /templates but ca_id; NULL (printed) on a bad one. */
static json_t *create_body(const struct args *a)
{
	json_t *body, *settings = NULL;

	if (a->value[C_SETTINGS] != NULL &&
	    (settings = pki_settings("--settings", a->value[C_SETTINGS])) ==
		NULL)
		return NULL;
	body = json_pack("{s:s, s:s*, s:o*}", "name", a->pos[0], "starter",
			 a->value[C_STARTER], "settings", settings);
	if (body == NULL)
		fprintf(stderr, "pkiaas: the name is not UTF-8\n");
	return body;
}

int cmd_template_create(const struct cli_command *cmd, struct cli_globals *g,
			int argc, char **argv)
{
	json_t *ca = NULL, *body = NULL, *t = NULL;
	struct context ctx = {0};
	enum args_result ar;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, create_opts, C_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[C_CA] == NULL) {
		fprintf(stderr, "pkiaas: template create needs --ca CA\n");
		goto out;
	}
	body = create_body(&a);
	if (body == NULL)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_ca_resolve(ctx.client, a.value[C_CA], &ca);
	if (rc == 0 && pki_set(body, "ca_id", json_string(pki_id(ca))) != 0)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "POST", TEMPLATES, body, &t);
	if (rc == 0)
		rc = template_print(t, g->json);
out:
	json_decref(t);
	json_decref(ca);
	json_decref(body);
	context_close(&ctx);
	return rc;
}

enum { L_CA, L_NOPTS };
static const struct args_opt ca_opts[L_NOPTS] = {
    [L_CA] = {"ca", 1},
};

int cmd_template_list(const struct cli_command *cmd, struct cli_globals *g,
		      int argc, char **argv)
{
	struct context ctx = {0};
	enum args_result ar;
	json_t *ca = NULL;
	char *path = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, ca_opts, L_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0 && a.value[L_CA] != NULL)
		rc = pki_ca_resolve(ctx.client, a.value[L_CA], &ca);
	if (rc == 0 && (path = strdup(TEMPLATES)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0 && ca != NULL &&
	    client_query_add(&path, "ca_id", pki_id(ca)) != 0)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_list(&ctx, path, 1, g->json, template_cols,
					NCOLS(template_cols));
	free(path);
	json_decref(ca);
	context_close(&ctx);
	return rc;
}

int cmd_template_show(const struct cli_command *cmd, struct cli_globals *g,
		      int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *t = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, ca_opts, L_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_template_find(ctx.client, a.value[L_CA], a.pos[0], &t);
	if (rc == 0)
		rc = template_print(t, g->json);
	json_decref(t);
	context_close(&ctx);
	return rc;
}

enum { U_CA, U_NAME, U_SETTINGS, U_NOPTS };
static const struct args_opt update_opts[U_NOPTS] = {
    [U_CA] = {"ca", 1},
    [U_NAME] = {"name", 1},
    [U_SETTINGS] = {"settings", 1},
};

/* The body of PATCH /templates/{id}; NULL (printed) on a bad one. */
static json_t *update_body(const struct args *a)
{
	json_t *body, *settings = NULL;

	if (a->value[U_NAME] == NULL && a->value[U_SETTINGS] == NULL) {
		fprintf(stderr, "pkiaas: template update needs --name or "
				"--settings\n");
		return NULL;
	}
	if (a->value[U_SETTINGS] != NULL &&
	    (settings = pki_settings("--settings", a->value[U_SETTINGS])) ==
		NULL)
		return NULL;
	body = json_pack("{s:s*, s:o*}", "name", a->value[U_NAME], "settings",
			 settings);
	if (body == NULL)
		fprintf(stderr, "pkiaas: --name is not UTF-8\n");
	return body;
}

int cmd_template_update(const struct cli_command *cmd, struct cli_globals *g,
			int argc, char **argv)
{
	json_t *t = NULL, *body = NULL, *changed = NULL;
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, update_opts, U_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	body = update_body(&a);
	if (body == NULL)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_template_find(ctx.client, a.value[U_CA], a.pos[0], &t);
	if (rc == 0 && (path = pki_path(TEMPLATES, t, NULL)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "PATCH", path, body, &changed);
	if (rc == 0)
		rc = template_print(changed, g->json);
out:
	free(path);
	json_decref(changed);
	json_decref(t);
	json_decref(body);
	context_close(&ctx);
	return rc;
}

int cmd_template_delete(const struct cli_command *cmd, struct cli_globals *g,
			int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *t = NULL;
	char *path = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, ca_opts, L_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_template_find(ctx.client, a.value[L_CA], a.pos[0], &t);
	if (rc == 0 && (path = pki_path(TEMPLATES, t, NULL)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "DELETE", path, NULL, NULL);
	if (rc == 0 && !g->json)
		printf("Deleted template %s.\n", a.pos[0]);
	free(path);
	json_decref(t);
	context_close(&ctx);
	return rc;
}
