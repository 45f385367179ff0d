/*
 * pkiaas request submit, list, show, approve, decline, preapprove and
 * claim: certificate requests and the operator's decisions on them.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_pki.h"

#define REQUESTS     "/api/v1/requests"
#define REQ_DAYS_MAX 36500

static const struct column request_cols[] = {
    {"ID", "id"},
    {"STATUS", "status"},
    {"SUBJECT", "subject"},
    {"TEMPLATE", "template_id"},
    {"CREATED", "created_at"},
    {"CERTIFICATE", "certificate_id"},
};

static const struct column request_lines[] = {
    {"id", "id"},
    {"status", "status"},
    {"template", "template_id"},
    {"subject", "subject"},
    {"sans", "sans"},
    {"key type", "key_type"},
    {"key bits", "key_bits"},
    {"extensions", "extensions"},
    {"would start", "would_not_before"},
    {"would end", "would_not_after"},
    {"overrides", "overrides"},
    {"requested by", "requested_by"},
    {"created", "created_at"},
    {"decided", "decided_at"},
    {"decided by", "decided_by"},
    {"decline reason", "decline_reason"},
    {"certificate", "certificate_id"},
};

/* The lines of a new request: the decoded ones are not in its answer. */
static const struct column submitted_lines[] = {
    {"id", "id"},
    {"status", "status"},
    {"template", "template_id"},
    {"subject", "subject"},
    {"certificate", "certificate_id"},
};

static const struct column cert_lines[] = {
    {"id", "id"},
    {"serial", "serial"},
    {"subject", "subject"},
    {"sans", "sans"},
    {"key type", "key_type"},
    {"not before", "not_before"},
    {"not after", "not_after"},
    {"status", "status"},
};

static const struct column result_cols[] = {
    {"ID", "id"},
    {"STATUS", "status"},
    {"CERTIFICATE", "certificate_id"},
    {"ERROR", "error"},
};

/*
 * The options of approve and preapprove that override what the CSR
 * asks, first in both tables. --subject and --san may repeat.
 */
enum {
	O_CN,
	O_SUBJECT,
	O_SAN,
	O_DAYS,
	O_NOT_BEFORE,
	O_NOT_AFTER,
	O_NOVERRIDE,
	P_TEMPLATE = O_NOVERRIDE,
	P_CA,
	P_NOPTS
};
static const struct args_opt preapprove_opts[P_NOPTS] = {
    [O_CN] = {"cn", 1},
    [O_SUBJECT] = {"subject", 1},
    [O_SAN] = {"san", 1},
    [O_DAYS] = {"days", 1},
    [O_NOT_BEFORE] = {"not-before", 1},
    [O_NOT_AFTER] = {"not-after", 1},
    [P_TEMPLATE] = {"template", 1},
    [P_CA] = {"ca", 1},
};
#define approve_opts preapprove_opts

/* A new array of --cn (as "CN=...") and every --subject; NULL printed. */
static json_t *subject_array(int argc, char **argv, const struct args *a)
{
	const char *values[PKI_MANY_MAX];
	size_t n = pki_values(argc, argv, "subject", values, PKI_MANY_MAX);
	json_t *arr = json_array();
	char *cn = NULL;

	if (arr != NULL && a->value[O_CN] != NULL &&
	    (asprintf(&cn, "CN=%s", a->value[O_CN]) < 0 ||
	     json_array_append_new(arr, json_string(cn)) != 0)) {
		json_decref(arr);
		arr = NULL;
	}
	free(cn);
	for (size_t i = 0; arr != NULL && i < n; i++)
		if (json_array_append_new(arr, json_string(values[i])) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	if (arr == NULL)
		fprintf(stderr, "pkiaas: --cn or --subject is not UTF-8\n");
	return arr;
}

/* A new array of every --san; NULL printed. */
static json_t *san_array(int argc, char **argv)
{
	const char *values[PKI_MANY_MAX];
	size_t n = pki_values(argc, argv, "san", values, PKI_MANY_MAX);
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		if (json_array_append_new(arr, json_string(values[i])) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	if (arr == NULL)
		fprintf(stderr, "pkiaas: --san is not UTF-8\n");
	return arr;
}

/* Adds --days, --not-before and --not-after to body; 0 or CLI_USAGE. */
static int validity_add(const struct args *a, json_t *body)
{
	long long days, t;

	if (a->value[O_DAYS] != NULL &&
	    (args_int("--days", a->value[O_DAYS], 1, REQ_DAYS_MAX, &days) !=
		 0 ||
	     pki_set(body, "validity_days", json_integer(days)) != 0))
		return CLI_USAGE;
	if (a->value[O_NOT_BEFORE] != NULL &&
	    (pki_time("--not-before", a->value[O_NOT_BEFORE], &t) != 0 ||
	     pki_set(body, "not_before", json_integer(t)) != 0))
		return CLI_USAGE;
	if (a->value[O_NOT_AFTER] != NULL &&
	    (pki_time("--not-after", a->value[O_NOT_AFTER], &t) != 0 ||
	     pki_set(body, "not_after", json_integer(t)) != 0))
		return CLI_USAGE;
	return 0;
}

/*
 * The overrides given (argv is the command's, for repeated options) as
 * a new object, {} when none. With sans_always, "sans" is always set.
 * NULL printed.
 */
static json_t *overrides_body(int argc, char **argv, const struct args *a,
			      int sans_always)
{
	json_t *body = json_object(), *subject, *sans;

	if (body == NULL)
		return NULL;
	subject = subject_array(argc, argv, a);
	sans = san_array(argc, argv);
	if (subject == NULL || sans == NULL ||
	    (json_array_size(subject) > 0 &&
	     pki_set(body, "subject", json_incref(subject)) != 0) ||
	    ((sans_always || json_array_size(sans) > 0) &&
	     pki_set(body, "sans", json_incref(sans)) != 0) ||
	    validity_add(a, body) != 0) {
		json_decref(body);
		body = NULL;
	}
	json_decref(subject);
	json_decref(sans);
	return body;
}

/* Adds "csr" from the file at path. 0, or an exit code (printed). */
static int csr_add(const char *path, json_t *body)
{
	char *csr = NULL;
	size_t len = 0;
	int rc = pki_file_read("the CSR", path, &csr, &len);

	if (rc == 0 && strstr(csr, "-----BEGIN") != NULL)
		rc = pki_set(body, "csr", json_stringn(csr, len)) ? CLI_USAGE
								  : 0;
	else if (rc == 0) {
		fprintf(stderr,
			"pkiaas: %s is not a PEM CSR; convert a DER "
			"one with openssl req -inform der\n",
			path);
		rc = CLI_USAGE;
	}
	free(csr);
	return rc;
}

enum { S_TEMPLATE, S_CA, S_CSR, S_NOPTS };
static const struct args_opt submit_opts[S_NOPTS] = {
    [S_TEMPLATE] = {"template", 1},
    [S_CA] = {"ca", 1},
    [S_CSR] = {"csr", 1},
};

/* Adds "template_id" of --template (of --ca); 0 or an exit code. */
static int template_add(struct client *c, const char *ca, const char *arg,
			json_t *body)
{
	json_t *t = NULL;
	int rc = pki_template_find(c, ca, arg, &t);

	if (rc == 0 && pki_set(body, "template_id", json_string(pki_id(t))))
		rc = CLI_REFUSED;
	json_decref(t);
	return rc;
}

int cmd_request_submit(const struct cli_command *cmd, struct cli_globals *g,
		       int argc, char **argv)
{
	struct context ctx = {0};
	json_t *body = NULL;
	enum args_result ar;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, submit_opts, S_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[S_TEMPLATE] == NULL || a.value[S_CSR] == NULL) {
		fprintf(stderr, "pkiaas: request submit needs --template T "
				"and --csr FILE\n");
		return CLI_USAGE;
	}
	if ((body = json_object()) == NULL ||
	    (rc = csr_add(a.value[S_CSR], body)) != 0)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = template_add(ctx.client, a.value[S_CA],
				  a.value[S_TEMPLATE], body);
	if (rc == 0)
		rc =
		    context_print_call(&ctx, "POST", REQUESTS, body, g->json,
				       submitted_lines, NCOLS(submitted_lines));
out:
	json_decref(body);
	context_close(&ctx);
	return rc;
}

enum { L_STATUS, L_NOPTS };
static const struct args_opt list_opts[L_NOPTS] = {
    [L_STATUS] = {"status", 1},
};

int cmd_request_list(const struct cli_command *cmd, struct cli_globals *g,
		     int argc, char **argv)
{
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL;
	struct args a;
	int rc = CLI_REFUSED;

	ar = args_parse(cmd, argc, argv, list_opts, L_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	path = strdup(REQUESTS);
	if (path == NULL ||
	    (a.value[L_STATUS] != NULL &&
	     client_query_add(&path, "status", a.value[L_STATUS]) != 0))
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = context_print_list(&ctx, path, 1, g->json, request_cols,
					NCOLS(request_cols));
out:
	free(path);
	context_close(&ctx);
	return rc;
}

int cmd_request_show(const struct cli_command *cmd, struct cli_globals *g,
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
	if (rc == 0 && (path = client_path(REQUESTS, a.pos[0])) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_call(&ctx, "GET", path, NULL, g->json,
					request_lines, NCOLS(request_lines));
	free(path);
	context_close(&ctx);
	return rc;
}

/*
 * Posts body to REQUESTS/ID/verb for each id, printing each answer
 * (lines) in turn. 0, or the exit code of the last failure.
 */
static int each_post(struct context *ctx, char **ids, size_t n,
		     const char *verb, json_t *body, int as_json,
		     const struct column *lines, size_t nlines)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		char *base = client_path(REQUESTS, ids[i]), *path = NULL;
		int one = CLI_REFUSED;

		if (base != NULL && asprintf(&path, "%s/%s", base, verb) >= 0)
			one = context_print_call(ctx, "POST", path, body,
						 as_json, lines, nlines);
		else
			path = NULL;
		if (one != 0)
			rc = one;
		else if (!as_json && i + 1 < n)
			printf("\n");
		free(base);
		free(path);
	}
	return rc;
}

/* A new array of the ids; NULL printed. */
static json_t *ids_array(char **ids, size_t n)
{
	json_t *list = json_array();

	for (size_t i = 0; list != NULL && i < n; i++)
		if (json_array_append_new(list, json_string(ids[i])) != 0) {
			json_decref(list);
			list = NULL;
		}
	if (list == NULL)
		fprintf(stderr, "pkiaas: an id is not UTF-8\n");
	return list;
}

/*
 * Posts {"ids", ...body} to REQUESTS/verb and prints each result. 0, or
 * CLI_REFUSED when one of them failed, or an exit code.
 */
static int bulk_post(struct context *ctx, char **ids, size_t n,
		     const char *verb, json_t *body, int as_json)
{
	json_t *answer = NULL, *results, *item;
	char *path = NULL;
	size_t i;
	int rc;

	if (pki_set(body, "ids", ids_array(ids, n)) != 0)
		return CLI_REFUSED;
	if (asprintf(&path, "%s/%s", REQUESTS, verb) < 0)
		return CLI_REFUSED;
	rc = client_call(ctx->client, "POST", path, body, &answer);
	free(path);
	if (rc != 0)
		return rc;
	results = json_object_get(answer, "results");
	rc = as_json ? table_json(answer)
		     : table_print(stdout, results, result_cols,
				   NCOLS(result_cols));
	json_array_foreach (results, i, item)
		if (rc == 0 && json_object_get(item, "error") != NULL)
			rc = CLI_REFUSED;
	json_decref(answer);
	return rc;
}

/* Splits approve's and decline's arguments; ids into pos. */
static enum args_result many_parse(const struct cli_command *cmd, int argc,
				   char **argv, const struct args_opt *spec,
				   size_t nspec, struct cli_globals *g,
				   struct args *a, char **rest, char **pos,
				   size_t *npos)
{
	int nrest = 0;
	enum args_result ar;

	if (pki_split(argc, argv, spec, nspec, rest, &nrest, pos, npos) != 0)
		return ARGS_BAD;
	ar = args_parse(cmd, nrest, rest, spec, nspec, 0, 0, g, a);
	if (ar == ARGS_RUN && *npos == 0) {
		fprintf(stderr, "pkiaas: missing argument: a request id\n");
		args_usage(cmd, stderr);
		ar = ARGS_BAD;
	}
	return ar;
}

int cmd_request_approve(const struct cli_command *cmd, struct cli_globals *g,
			int argc, char **argv)
{
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	char **ids = calloc((size_t)argc + 1, sizeof(*ids));
	struct context ctx = {0};
	json_t *body = NULL;
	enum args_result ar;
	struct args a;
	size_t n = 0;
	int rc = CLI_USAGE;

	if (rest == NULL || ids == NULL) {
		rc = CLI_REFUSED;
		goto out;
	}
	ar = many_parse(cmd, argc, argv, approve_opts, O_NOVERRIDE, g, &a, rest,
			ids, &n);
	if (ar != ARGS_RUN) {
		rc = args_exit(ar);
		goto out;
	}
	body = overrides_body(argc, argv, &a, 0);
	if (body == NULL)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0 && (n == 1 || json_object_size(body) > 0))
		rc = each_post(&ctx, ids, n, "approve", body, g->json,
			       cert_lines, NCOLS(cert_lines));
	else if (rc == 0)
		rc = bulk_post(&ctx, ids, n, "approve", body, g->json);
out:
	json_decref(body);
	context_close(&ctx);
	free(rest);
	free(ids);
	return rc;
}

enum { D_REASON, D_NOPTS };
static const struct args_opt decline_opts[D_NOPTS] = {
    [D_REASON] = {"reason", 1},
};

static const struct column declined_lines[] = {
    {"id", "id"},
    {"status", "status"},
    {"reason", "decline_reason"},
};

int cmd_request_decline(const struct cli_command *cmd, struct cli_globals *g,
			int argc, char **argv)
{
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	char **ids = calloc((size_t)argc + 1, sizeof(*ids));
	struct context ctx = {0};
	json_t *body = NULL;
	enum args_result ar;
	struct args a;
	size_t n = 0;
	int rc = CLI_USAGE;

	if (rest == NULL || ids == NULL) {
		rc = CLI_REFUSED;
		goto out;
	}
	ar = many_parse(cmd, argc, argv, decline_opts, D_NOPTS, g, &a, rest,
			ids, &n);
	if (ar != ARGS_RUN) {
		rc = args_exit(ar);
		goto out;
	}
	if (a.value[D_REASON] == NULL) {
		fprintf(stderr, "pkiaas: request decline needs --reason "
				"TEXT\n");
		goto out;
	}
	body = json_pack("{s:s}", "reason", a.value[D_REASON]);
	if (body == NULL) {
		fprintf(stderr, "pkiaas: --reason is not UTF-8\n");
		goto out;
	}
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0 && n == 1)
		rc = each_post(&ctx, ids, n, "decline", body, g->json,
			       declined_lines, NCOLS(declined_lines));
	else if (rc == 0)
		rc = bulk_post(&ctx, ids, n, "decline", body, g->json);
out:
	json_decref(body);
	context_close(&ctx);
	free(rest);
	free(ids);
	return rc;
}

static const struct column preapproved_lines[] = {
    {"id", "id"},
    {"status", "status"},
    {"template", "template_id"},
    {"overrides", "overrides"},
    {"claim", "claim"},
};

int cmd_request_preapprove(const struct cli_command *cmd, struct cli_globals *g,
			   int argc, char **argv)
{
	struct context ctx = {0};
	json_t *body = NULL, *answer = NULL;
	enum args_result ar;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, preapprove_opts, P_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[P_TEMPLATE] == NULL) {
		fprintf(stderr, "pkiaas: request preapprove needs --template "
				"T\n");
		return CLI_USAGE;
	}
	body = overrides_body(argc, argv, &a, 1);
	if (body == NULL)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = template_add(ctx.client, a.value[P_CA],
				  a.value[P_TEMPLATE], body);
	if (rc == 0)
		rc = client_call(ctx.client, "POST", REQUESTS "/preapprove",
				 body, &answer);
	if (rc == 0 && g->json) {
		rc = table_json(answer);
	} else if (rc == 0) {
		table_record(stdout, answer, preapproved_lines,
			     NCOLS(preapproved_lines));
		fprintf(stderr, "pkiaas: the claim is shown only this once; "
				"give it to the holder of the key\n");
	}
out:
	json_decref(body);
	json_decref(answer);
	context_close(&ctx);
	return rc;
}

enum { K_CLAIM, K_CSR, K_OUT, K_NOPTS };
static const struct args_opt claim_opts[K_NOPTS] = {
    [K_CLAIM] = {"claim", 1},
    [K_CSR] = {"csr", 1},
    [K_OUT] = {"out", 1},
};

/*
 * Writes the claimed certificate's PEM to --out, or to stdout without
 * it; with --json, prints the server's JSON instead of stdout's PEM.
 */
static int claimed_print(const json_t *cert, const char *out, int as_json)
{
	const char *pem = json_string_value(json_object_get(cert, "pem"));
	int rc = 0;

	if (pem == NULL) {
		fprintf(stderr, "pkiaas: the answer holds no certificate\n");
		return CLI_REFUSED;
	}
	if (out != NULL || !as_json)
		rc = pki_output(out, pem, strlen(pem));
	if (rc == 0 && as_json)
		rc = table_json(cert);
	return rc;
}

int cmd_request_claim(const struct cli_command *cmd, struct cli_globals *g,
		      int argc, char **argv)
{
	struct context ctx = {0};
	json_t *body = NULL, *cert = NULL;
	enum args_result ar;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, claim_opts, K_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[K_CLAIM] == NULL || a.value[K_CSR] == NULL) {
		fprintf(stderr, "pkiaas: request claim needs --claim TOKEN "
				"and --csr FILE\n");
		return CLI_USAGE;
	}
	body = json_pack("{s:s}", "claim", a.value[K_CLAIM]);
	if (body == NULL) {
		fprintf(stderr, "pkiaas: --claim is not UTF-8\n");
		return CLI_USAGE;
	}
	rc = csr_add(a.value[K_CSR], body);
	if (rc != 0)
		goto out;
	rc = context_open(&ctx, g, NEED_SERVER);
	if (rc == 0)
		rc = client_call(ctx.client, "POST", REQUESTS "/claim", body,
				 &cert);
	if (rc == 0)
		rc = claimed_print(cert, a.value[K_OUT], g->json);
out:
	json_decref(body);
	json_decref(cert);
	context_close(&ctx);
	return rc;
}
