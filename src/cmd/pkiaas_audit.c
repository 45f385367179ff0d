/* pkiaas audit list and show: the tenant's audit log, newest first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_pki.h"

#define AUDIT_MAX_LIMIT 200 /* the API's largest page */

static const struct column entry_cols[] = {
    {"SEQ", "seq"},	    {"AT", "at"},	    {"ACTOR", "actor.username"},
    {"ACTION", "action"},   {"OUTCOME", "outcome"}, {"OBJECT", "object_id"},
    {"ADDRESS", "address"}, {"ID", "id"},
};

static const struct column entry_lines[] = {
    {"id", "id"},
    {"seq", "seq"},
    {"at", "at"},
    {"actor", "actor.username"},
    {"actor id", "actor.id"},
    {"action", "action"},
    {"object type", "object_type"},
    {"object", "object_id"},
    {"address", "address"},
    {"outcome", "outcome"},
    {"detail", "detail"},
};

enum {
	F_ACTION,
	F_ACTOR,
	F_OBJECT,
	F_OUTCOME,
	F_SINCE,
	F_UNTIL,
	F_LIMIT,
	F_ALL,
	F_NOPTS
};
static const struct args_opt list_opts[F_NOPTS] = {
    [F_ACTION] = {"action", 1}, [F_ACTOR] = {"actor", 1},
    [F_OBJECT] = {"object", 1}, [F_OUTCOME] = {"outcome", 1},
    [F_SINCE] = {"since", 1},	[F_UNTIL] = {"until", 1},
    [F_LIMIT] = {"limit", 1},	[F_ALL] = {"all", 0},
};

/* TIME (as pki_time reads it) as decimal epoch seconds in out (size n). */
static int time_parse(const char *option, const char *s, char *out, size_t n)
{
	long long t;

	if (pki_time(option, s, &t) != 0)
		return -1;
	snprintf(out, n, "%lld", t);
	return 0;
}

/* Checks --outcome and --limit; 0 or -1 (printed). */
static int filters_check(const struct args *a)
{
	const char *o = a->value[F_OUTCOME];
	long long limit;

	if (o != NULL && strcmp(o, "success") != 0 &&
	    strcmp(o, "denied") != 0 && strcmp(o, "failed") != 0) {
		fprintf(stderr,
			"pkiaas: --outcome must be success, denied or "
			"failed, not '%s'\n",
			o);
		return -1;
	}
	if (a->value[F_LIMIT] != NULL &&
	    args_int("--limit", a->value[F_LIMIT], 1, AUDIT_MAX_LIMIT,
		     &limit) != 0)
		return -1;
	return 0;
}

/* Adds the filters given to *path; 0, or CLI_USAGE/CLI_REFUSED. */
static int filters_add(const struct args *a, char **path)
{
	static const struct {
		int opt;
		const char *key;
	} plain[] = {{F_ACTION, "action"},
		     {F_ACTOR, "actor"},
		     {F_OBJECT, "object_id"},
		     {F_OUTCOME, "outcome"},
		     {F_LIMIT, "limit"}};
	char since[32], until[32];

	if (filters_check(a) != 0 ||
	    (a->value[F_SINCE] &&
	     time_parse("--since", a->value[F_SINCE], since, sizeof(since))) ||
	    (a->value[F_UNTIL] &&
	     time_parse("--until", a->value[F_UNTIL], until, sizeof(until))))
		return CLI_USAGE;
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
		const char *v = a->value[plain[i].opt];

		if (v != NULL && client_query_add(path, plain[i].key, v) != 0)
			return CLI_REFUSED;
	}
	if (a->value[F_SINCE] && client_query_add(path, "since", since) != 0)
		return CLI_REFUSED;
	if (a->value[F_UNTIL] && client_query_add(path, "until", until) != 0)
		return CLI_REFUSED;
	return 0;
}

/* Prints one page or all, with a note when more pages are left. */
static int list_print(struct context *ctx, const char *path, int all,
		      int as_json)
{
	json_t *list = NULL;
	int rc = client_list(ctx->client, path, all, &list);

	if (rc == 0 && as_json)
		rc = table_json(list);
	else if (rc == 0)
		rc = table_print(stdout, json_object_get(list, "items"),
				 entry_cols, NCOLS(entry_cols));
	if (rc == 0 && !as_json &&
	    json_is_string(json_object_get(list, "next_cursor")))
		fprintf(stderr,
			"pkiaas: more entries are older: pass --all, "
			"or --limit up to %d\n",
			AUDIT_MAX_LIMIT);
	json_decref(list);
	return rc;
}

int cmd_audit_list(const struct cli_command *cmd, struct cli_globals *g,
		   int argc, char **argv)
{
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL;
	struct args a;
	int rc = CLI_REFUSED;

	ar = args_parse(cmd, argc, argv, list_opts, F_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	path = strdup("/api/v1/audit");
	if (path == NULL) {
		fprintf(stderr, "pkiaas: out of memory\n");
		goto out;
	}
	rc = filters_add(&a, &path);
	if (rc == 0)
		rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = list_print(&ctx, path, a.value[F_ALL] != NULL, g->json);
out:
	free(path);
	context_close(&ctx);
	return rc;
}

int cmd_audit_show(const struct cli_command *cmd, struct cli_globals *g,
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
	if (rc == 0 && (path = client_path("/api/v1/audit", a.pos[0])) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_call(&ctx, "GET", path, NULL, g->json,
					entry_lines, NCOLS(entry_lines));
	free(path);
	context_close(&ctx);
	return rc;
}
