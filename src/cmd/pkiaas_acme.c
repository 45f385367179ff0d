/*
 * pkiaas acme policy, eab, account and order: the administration of
 * ACME (docs/acme.md). A policy P is named by its id or its name; EABs,
 * accounts and orders by their ids.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_pki.h"

#define POLICIES     "/api/v1/acme/policies"
#define EABS	     "/api/v1/acme/eabs"
#define ACCOUNTS     "/api/v1/acme/accounts"
#define EAB_USES_MAX 1000000
#define EAB_DAYS_MAX 3650

static const struct column policy_cols[] = {
    {"ID", "id"},	    {"NAME", "name"},
    {"CA", "ca_id"},	    {"TEMPLATE", "template_id"},
    {"DOMAINS", "domains"}, {"CREATED", "created_at"},
};

static const struct column policy_lines[] = {
    {"id", "id"},
    {"name", "name"},
    {"ca", "ca_id"},
    {"template", "template_id"},
    {"created", "created_at"},
};

static const struct column eab_cols[] = {
    {"KEY ID", "id"},	       {"NAME", "name"},
    {"USES", "uses"},	       {"ALLOWED", "uses_allowed"},
    {"STATUS", "status"},      {"EXPIRES", "expires_at"},
    {"CREATED", "created_at"},
};

static const struct column eab_created_lines[] = {
    {"key id", "key_id"},	    {"name", "name"},
    {"policy", "policy_id"},	    {"uses allowed", "uses_allowed"},
    {"expires", "expires_at"},	    {"hmac key", "hmac_key"},
    {"directory", "directory_url"},
};

static const struct column account_cols[] = {
    {"ID", "id"},	    {"POLICY", "policy_id"},   {"STATUS", "status"},
    {"CONTACT", "contact"}, {"CREATED", "created_at"},
};

static const struct column account_lines[] = {
    {"id", "id"},
    {"policy", "policy_id"},
    {"eab", "eab_id"},
    {"status", "status"},
    {"contact", "contact"},
    {"key type", "jwk.kty"},
    {"thumbprint", "thumbprint"},
    {"created", "created_at"},
};

static const struct column order_cols[] = {
    {"ID", "id"},
    {"STATUS", "status"},
    {"NAMES", "names"},
    {"EXPIRES", "expires_at"},
    {"CERTIFICATE", "certificate_id"},
    {"CREATED", "created_at"},
};

/* The policy arg names (an id or a name). */
static int policy_resolve(struct client *c, const char *arg, json_t **p)
{
	return pki_resolve(c, POLICIES, POLICIES, "ACME policy", arg, p);
}

/* Prints a policy: its lines, then its domains one a line. */
static int policy_print(const json_t *p, int as_json)
{
	const json_t *domains = json_object_get(p, "domains");
	char buf[512];
	json_t *v;
	size_t i;

	if (as_json)
		return table_json(p);
	table_record(stdout, p, policy_lines, NCOLS(policy_lines));
	if (json_array_size(domains) == 0) {
		printf("domains   -\n");
		return 0;
	}
	printf("domains\n");
	json_array_foreach (domains, i, v) {
		table_text_clean(json_string_value(v) ? json_string_value(v)
						      : "?",
				 buf, sizeof(buf));
		printf("  %s\n", buf);
	}
	return 0;
}

/* Appends name, lowercased, to arr; 0 or -1 (printed). */
static int domain_add(json_t *arr, const char *name, size_t len)
{
	char *low = strndup(name, len);

	for (size_t i = 0; low != NULL && i < len; i++)
		low[i] = (char)tolower((unsigned char)low[i]);
	if (low == NULL || json_array_append_new(arr, json_string(low)) != 0) {
		free(low);
		fprintf(stderr, "pkiaas: a domain is not UTF-8, or out of "
				"memory\n");
		return -1;
	}
	free(low);
	return 0;
}

/* Appends each of the names in text, split at commas, spaces and line
 * ends ("#" starts a comment to the end of its line). 0 or -1. */
static int domains_split(json_t *arr, const char *text)
{
	const char *sep = ", \t\r\n";

	while (*text != '\0') {
		size_t len;

		text += strspn(text, sep);
		if (*text == '#') {
			text += strcspn(text, "\n");
			continue;
		}
		len = strcspn(text, sep);
		if (len > 0 && domain_add(arr, text, len) != 0)
			return -1;
		text += len;
	}
	return 0;
}

/*
 * The domains of every --domain and of --domains-file (file, or NULL)
 * as a new array, or NULL (printed). *given says whether there was one.
 */
static json_t *domains_of(int argc, char **argv, const char *file, int *given)
{
	const char **values = calloc((size_t)argc + 1, sizeof(*values));
	size_t n = values != NULL
		       ? pki_values(argc, argv, "domain", values, (size_t)argc)
		       : 0;
	json_t *arr = json_array();
	char *text = NULL;
	size_t len;
	int rc = values != NULL && arr != NULL ? 0 : -1;

	*given = n > 0 || file != NULL;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = domains_split(arr, values[i]);
	if (rc == 0 && file != NULL) {
		rc = pki_file_read("--domains-file", file, &text, &len) == 0
			 ? domains_split(arr, text)
			 : -1;
		free(text);
	}
	free(values);
	if (rc != 0) {
		if (values == NULL || arr == NULL)
			fprintf(stderr, "pkiaas: out of memory\n");
		json_decref(arr);
		return NULL;
	}
	return arr;
}

enum { PC_TEMPLATE, PC_CA, PC_DOMAIN, PC_FILE, PC_NOPTS };
static const struct args_opt policy_create_opts[PC_NOPTS] = {
    [PC_TEMPLATE] = {"template", 1},
    [PC_CA] = {"ca", 1},
    [PC_DOMAIN] = {"domain", 1},
    [PC_FILE] = {"domains-file", 1},
};

int cmd_acme_policy_create(const struct cli_command *cmd, struct cli_globals *g,
			   int argc, char **argv)
{
	json_t *domains = NULL, *tpl = NULL, *body = NULL, *p = NULL;
	struct context ctx = {0};
	enum args_result ar;
	struct args a;
	int given, rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, policy_create_opts, PC_NOPTS, 1, 1, g,
			&a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[PC_TEMPLATE] == NULL) {
		fprintf(stderr, "pkiaas: acme policy create needs --template "
				"T\n");
		goto out;
	}
	domains = domains_of(argc, argv, a.value[PC_FILE], &given);
	if (domains == NULL)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_template_find(ctx.client, a.value[PC_CA],
				       a.value[PC_TEMPLATE], &tpl);
	if (rc == 0 && (body = json_pack("{s:s, s:s, s:O}", "name", a.pos[0],
					 "template_id", pki_id(tpl), "domains",
					 domains)) == NULL) {
		fprintf(stderr, "pkiaas: the name is not UTF-8\n");
		rc = CLI_USAGE;
	}
	if (rc == 0)
		rc = client_call(ctx.client, "POST", POLICIES, body, &p);
	if (rc == 0)
		rc = policy_print(p, g->json);
out:
	json_decref(p);
	json_decref(body);
	json_decref(tpl);
	json_decref(domains);
	context_close(&ctx);
	return rc;
}

enum { PL_CA, PL_NOPTS };
static const struct args_opt policy_list_opts[PL_NOPTS] = {
    [PL_CA] = {"ca", 1},
};

int cmd_acme_policy_list(const struct cli_command *cmd, struct cli_globals *g,
			 int argc, char **argv)
{
	struct context ctx = {0};
	enum args_result ar;
	json_t *ca = NULL;
	char *path = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, policy_list_opts, PL_NOPTS, 0, 0, g,
			&a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0 && a.value[PL_CA] != NULL)
		rc = pki_ca_resolve(ctx.client, a.value[PL_CA], &ca);
	if (rc == 0 && (path = strdup(POLICIES)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0 && ca != NULL &&
	    client_query_add(&path, "ca_id", pki_id(ca)) != 0)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_list(&ctx, path, 1, g->json, policy_cols,
					NCOLS(policy_cols));
	free(path);
	json_decref(ca);
	context_close(&ctx);
	return rc;
}

int cmd_acme_policy_show(const struct cli_command *cmd, struct cli_globals *g,
			 int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *p = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = policy_resolve(ctx.client, a.pos[0], &p);
	if (rc == 0)
		rc = policy_print(p, g->json);
	json_decref(p);
	context_close(&ctx);
	return rc;
}

enum {
	PU_NAME,
	PU_TEMPLATE,
	PU_CA,
	PU_DOMAIN,
	PU_FILE,
	PU_ADD,
	PU_REMOVE,
	PU_NONE,
	PU_NOPTS
};
static const struct args_opt policy_update_opts[PU_NOPTS] = {
    [PU_NAME] = {"name", 1},
    [PU_TEMPLATE] = {"template", 1},
    [PU_CA] = {"ca", 1},
    [PU_DOMAIN] = {"domain", 1},
    [PU_FILE] = {"domains-file", 1},
    [PU_ADD] = {"add-domain", 1},
    [PU_REMOVE] = {"remove-domain", 1},
    [PU_NONE] = {"no-domains", 0},
};

/* The index of name in arr (an array of strings), or -1. */
static long domain_index(const json_t *arr, const char *name)
{
	json_t *v;
	size_t i;

	json_array_foreach (arr, i, v)
		if (json_string_value(v) != NULL &&
		    strcmp(json_string_value(v), name) == 0)
			return (long)i;
	return -1;
}

/*
 * Applies every --add-domain and --remove-domain to arr. 0, CLI_USAGE
 * for a bad value or CLI_REFUSED for a domain to remove that the
 * policy does not list (printed).
 */
static int domains_edit(int argc, char **argv, json_t *arr)
{
	const char **values = calloc((size_t)argc + 1, sizeof(*values));
	json_t *add = json_array(), *remove = json_array(), *v;
	size_t n, i;
	int rc =
	    values != NULL && add != NULL && remove != NULL ? 0 : CLI_USAGE;

	n = rc == 0 ? pki_values(argc, argv, "add-domain", values, (size_t)argc)
		    : 0;
	for (i = 0; rc == 0 && i < n; i++)
		rc = domains_split(add, values[i]) == 0 ? 0 : CLI_USAGE;
	n = rc == 0
		? pki_values(argc, argv, "remove-domain", values, (size_t)argc)
		: 0;
	for (i = 0; rc == 0 && i < n; i++)
		rc = domains_split(remove, values[i]) == 0 ? 0 : CLI_USAGE;
	json_array_foreach (remove, i, v) {
		long k = rc == 0 ? domain_index(arr, json_string_value(v)) : 0;

		if (k < 0) {
			fprintf(stderr, "pkiaas: the policy does not list %s\n",
				json_string_value(v));
			rc = CLI_REFUSED;
		} else if (rc == 0) {
			json_array_remove(arr, (size_t)k);
		}
	}
	json_array_foreach (add, i, v)
		if (rc == 0 && domain_index(arr, json_string_value(v)) < 0 &&
		    json_array_append(arr, v) != 0)
			rc = CLI_REFUSED;
	free(values);
	json_decref(add);
	json_decref(remove);
	return rc;
}

/* Whether any of the domain options of update is given. */
static int domains_changed(const struct args *a)
{
	return a->value[PU_DOMAIN] != NULL || a->value[PU_FILE] != NULL ||
	       a->value[PU_ADD] != NULL || a->value[PU_REMOVE] != NULL ||
	       a->value[PU_NONE] != NULL;
}

/*
 * The body of PATCH /acme/policies/{id} for the stored policy p; NULL
 * (printed, *rc set) on a bad option.
 */
static json_t *policy_update_body(struct client *c, int argc, char **argv,
				  const struct args *a, const json_t *p,
				  int *rc)
{
	json_t *body = json_object(), *domains = NULL, *tpl = NULL;
	int given = 0;

	*rc = body != NULL ? 0 : CLI_REFUSED;
	if (*rc == 0 && a->value[PU_NAME] != NULL &&
	    pki_set(body, "name", json_string(a->value[PU_NAME])) != 0)
		*rc = CLI_USAGE;
	if (*rc == 0 && a->value[PU_TEMPLATE] != NULL &&
	    (*rc = pki_template_find(c, a->value[PU_CA], a->value[PU_TEMPLATE],
				     &tpl)) == 0 &&
	    pki_set(body, "template_id", json_string(pki_id(tpl))) != 0)
		*rc = CLI_REFUSED;
	if (*rc == 0 && domains_changed(a)) {
		domains =
		    a->value[PU_NONE] != NULL
			? json_array()
			: domains_of(argc, argv, a->value[PU_FILE], &given);
		if (domains != NULL && !given && a->value[PU_NONE] == NULL)
			json_array_extend(domains,
					  json_object_get(p, "domains"));
		*rc = domains != NULL ? domains_edit(argc, argv, domains)
				      : CLI_USAGE;
	}
	if (*rc == 0 && domains != NULL &&
	    pki_set(body, "domains", json_incref(domains)) != 0)
		*rc = CLI_REFUSED;
	json_decref(domains);
	json_decref(tpl);
	if (*rc != 0) {
		json_decref(body);
		return NULL;
	}
	return body;
}

int cmd_acme_policy_update(const struct cli_command *cmd, struct cli_globals *g,
			   int argc, char **argv)
{
	json_t *p = NULL, *body = NULL, *changed = NULL;
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, policy_update_opts, PU_NOPTS, 1, 1, g,
			&a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[PU_NAME] == NULL && a.value[PU_TEMPLATE] == NULL &&
	    !domains_changed(&a)) {
		fprintf(stderr, "pkiaas: acme policy update needs --name, "
				"--template or a domain option\n");
		goto out;
	}
	if (a.value[PU_NONE] != NULL &&
	    (a.value[PU_DOMAIN] != NULL || a.value[PU_FILE] != NULL)) {
		fprintf(stderr, "pkiaas: --no-domains goes without --domain "
				"and --domains-file\n");
		goto out;
	}
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = policy_resolve(ctx.client, a.pos[0], &p);
	if (rc == 0)
		body = policy_update_body(ctx.client, argc, argv, &a, p, &rc);
	if (rc == 0 && (path = pki_path(POLICIES, p, NULL)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "PATCH", path, body, &changed);
	if (rc == 0)
		rc = policy_print(changed, g->json);
out:
	free(path);
	json_decref(changed);
	json_decref(body);
	json_decref(p);
	context_close(&ctx);
	return rc;
}

int cmd_acme_policy_delete(const struct cli_command *cmd, struct cli_globals *g,
			   int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *p = NULL;
	char *path = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = policy_resolve(ctx.client, a.pos[0], &p);
	if (rc == 0 && (path = pki_path(POLICIES, p, NULL)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "DELETE", path, NULL, NULL);
	if (rc == 0 && !g->json)
		printf("Deleted ACME policy %s and its EABs.\n", a.pos[0]);
	free(path);
	json_decref(p);
	context_close(&ctx);
	return rc;
}

enum { EC_POLICY, EC_NAME, EC_USES, EC_EXPIRES, EC_DAYS, EC_NOPTS };
static const struct args_opt eab_create_opts[EC_NOPTS] = {
    [EC_POLICY] = {"policy", 1}, [EC_NAME] = {"name", 1},
    [EC_USES] = {"uses", 1},	 [EC_EXPIRES] = {"expires", 1},
    [EC_DAYS] = {"days", 1},
};

/* The body of POST .../eabs from the options; NULL (printed) if bad. */
static json_t *eab_body(const struct args *a)
{
	long long uses = 1, days = 0, expires = 0;
	json_t *body;

	if (a->value[EC_POLICY] == NULL || a->value[EC_NAME] == NULL) {
		fprintf(stderr, "pkiaas: acme eab create needs --policy P and "
				"--name NAME\n");
		return NULL;
	}
	if (a->value[EC_EXPIRES] != NULL && a->value[EC_DAYS] != NULL) {
		fprintf(stderr, "pkiaas: give --expires or --days, not both\n");
		return NULL;
	}
	if ((a->value[EC_USES] != NULL &&
	     args_int("--uses", a->value[EC_USES], 1, EAB_USES_MAX, &uses) !=
		 0) ||
	    (a->value[EC_DAYS] != NULL &&
	     args_int("--days", a->value[EC_DAYS], 1, EAB_DAYS_MAX, &days) !=
		 0) ||
	    (a->value[EC_EXPIRES] != NULL &&
	     pki_time("--expires", a->value[EC_EXPIRES], &expires) != 0))
		return NULL;
	/* --days counts from this machine's clock. */
	if (days > 0)
		expires = (long long)time(NULL) + days * 86400;
	body = json_pack("{s:s, s:I}", "name", a->value[EC_NAME],
			 "uses_allowed", (json_int_t)uses);
	if (body == NULL) {
		fprintf(stderr, "pkiaas: --name is not UTF-8\n");
		return NULL;
	}
	if (expires > 0 && pki_set(body, "expires_at",
				   json_integer((json_int_t)expires)) != 0) {
		json_decref(body);
		return NULL;
	}
	return body;
}

/* Prints a new EAB: its lines, the commands that use it, a reminder. */
static void eab_created_print(const json_t *e)
{
	const json_t *cmds = json_object_get(e, "commands");
	const char *certbot =
	    json_string_value(json_object_get(cmds, "certbot"));
	const char *lego = json_string_value(json_object_get(cmds, "lego"));
	char buf[1024];

	table_record(stdout, e, eab_created_lines, NCOLS(eab_created_lines));
	if (certbot != NULL) {
		table_text_clean(certbot, buf, sizeof(buf));
		printf("\nRegister with certbot (put in your address and "
		       "names):\n  %s\n",
		       buf);
	}
	if (lego != NULL) {
		table_text_clean(lego, buf, sizeof(buf));
		printf("\nor with lego:\n  %s\n", buf);
	}
	fprintf(stderr, "pkiaas: the HMAC key is shown only this once; keep "
			"it secret\n");
}

int cmd_acme_eab_create(const struct cli_command *cmd, struct cli_globals *g,
			int argc, char **argv)
{
	json_t *body = NULL, *p = NULL, *e = NULL;
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL;
	struct args a;
	int rc = CLI_USAGE;

	ar =
	    args_parse(cmd, argc, argv, eab_create_opts, EC_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	body = eab_body(&a);
	if (body == NULL)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = policy_resolve(ctx.client, a.value[EC_POLICY], &p);
	if (rc == 0 && (path = pki_path(POLICIES, p, "eabs")) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "POST", path, body, &e);
	if (rc == 0 && g->json)
		rc = table_json(e);
	else if (rc == 0)
		eab_created_print(e);
out:
	free(path);
	json_decref(e);
	json_decref(p);
	json_decref(body);
	context_close(&ctx);
	return rc;
}

enum { EL_POLICY, EL_NOPTS };
static const struct args_opt eab_list_opts[EL_NOPTS] = {
    [EL_POLICY] = {"policy", 1},
};

int cmd_acme_eab_list(const struct cli_command *cmd, struct cli_globals *g,
		      int argc, char **argv)
{
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL;
	json_t *p = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, eab_list_opts, EL_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[EL_POLICY] == NULL) {
		fprintf(stderr, "pkiaas: acme eab list needs --policy P\n");
		return CLI_USAGE;
	}
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = policy_resolve(ctx.client, a.value[EL_POLICY], &p);
	if (rc == 0 && (path = pki_path(POLICIES, p, "eabs")) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_list(&ctx, path, 1, g->json, eab_cols,
					NCOLS(eab_cols));
	free(path);
	json_decref(p);
	context_close(&ctx);
	return rc;
}

/* Sends method to collection/ID[/suffix]; prints done unless --json. */
static int id_call(const struct cli_command *cmd, struct cli_globals *g,
		   int argc, char **argv, const char *method,
		   const char *collection, const char *suffix, const char *done)
{
	struct context ctx;
	enum args_result ar;
	char *path = NULL, *full = NULL;
	json_t *answer = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0 && (path = client_path(collection, a.pos[0])) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0 && suffix != NULL &&
	    asprintf(&full, "%s/%s", path, suffix) < 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		full = NULL;
		rc = CLI_REFUSED;
	}
	if (rc == 0)
		rc = client_call(ctx.client, method, full ? full : path, NULL,
				 &answer);
	if (rc == 0 && g->json && answer != NULL)
		rc = table_json(answer);
	else if (rc == 0 && !g->json)
		printf("%s %s.\n", done, a.pos[0]);
	json_decref(answer);
	free(full);
	free(path);
	context_close(&ctx);
	return rc;
}

int cmd_acme_eab_delete(const struct cli_command *cmd, struct cli_globals *g,
			int argc, char **argv)
{
	return id_call(cmd, g, argc, argv, "DELETE", EABS, NULL,
		       "Deleted EAB (accounts registered with it stay bound)");
}

enum { AL_POLICY, AL_NOPTS };
static const struct args_opt account_list_opts[AL_NOPTS] = {
    [AL_POLICY] = {"policy", 1},
};

int cmd_acme_account_list(const struct cli_command *cmd, struct cli_globals *g,
			  int argc, char **argv)
{
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL;
	json_t *p = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, account_list_opts, AL_NOPTS, 0, 0, g,
			&a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0 && a.value[AL_POLICY] != NULL)
		rc = policy_resolve(ctx.client, a.value[AL_POLICY], &p);
	if (rc == 0 && (path = strdup(ACCOUNTS)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0 && p != NULL &&
	    client_query_add(&path, "policy_id", pki_id(p)) != 0)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_list(&ctx, path, 1, g->json, account_cols,
					NCOLS(account_cols));
	free(path);
	json_decref(p);
	context_close(&ctx);
	return rc;
}

int cmd_acme_account_show(const struct cli_command *cmd, struct cli_globals *g,
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
	if (rc == 0 && (path = client_path(ACCOUNTS, a.pos[0])) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_call(&ctx, "GET", path, NULL, g->json,
					account_lines, NCOLS(account_lines));
	free(path);
	context_close(&ctx);
	return rc;
}

int cmd_acme_account_deactivate(const struct cli_command *cmd,
				struct cli_globals *g, int argc, char **argv)
{
	return id_call(cmd, g, argc, argv, "POST", ACCOUNTS, "deactivate",
		       "Deactivated ACME account");
}

/* Adds "names", the values of an order's identifiers, for the table. */
static void order_names_add(json_t *items)
{
	json_t *o, *id;
	size_t i, k;

	json_array_foreach (items, i, o) {
		char names[512] = "";
		size_t len = 0;

		json_array_foreach (json_object_get(o, "identifiers"), k, id) {
			const char *v =
			    json_string_value(json_object_get(id, "value"));
			int n =
			    snprintf(names + len, sizeof(names) - len, "%s%s",
				     len > 0 ? ", " : "", v != NULL ? v : "?");

			if (n < 0 || (size_t)n >= sizeof(names) - len)
				break;
			len += (size_t)n;
		}
		json_object_set_new(o, "names", json_string(names));
	}
}

int cmd_acme_order_list(const struct cli_command *cmd, struct cli_globals *g,
			int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *list = NULL;
	char *path = NULL, *full = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0 && (path = client_path(ACCOUNTS, a.pos[0])) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0 && asprintf(&full, "%s/orders", path) < 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		full = NULL;
		rc = CLI_REFUSED;
	}
	if (rc == 0)
		rc = client_list(ctx.client, full, 1, &list);
	if (rc == 0 && g->json) {
		rc = table_json(list);
	} else if (rc == 0) {
		order_names_add(json_object_get(list, "items"));
		rc = table_print(stdout, json_object_get(list, "items"),
				 order_cols, NCOLS(order_cols));
	}
	json_decref(list);
	free(full);
	free(path);
	context_close(&ctx);
	return rc;
}
