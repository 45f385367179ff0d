/*
 * pkiaas cert list, show, download, revoke and release: the issued
 * certificates. C is a certificate's id or its serial (hex).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_pki.h"
#include "lib/rand.h"

#define CERTS	      "/api/v1/certificates"
#define CERT_DAYS_MAX 36500

static const struct column cert_cols[] = {
    {"ID", "id"},	    {"SERIAL", "serial"},
    {"STATUS", "status"},   {"NOT AFTER", "not_after"},
    {"SUBJECT", "subject"}, {"SANS", "sans"},
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
    {"revoked", "revoked_at"},
    {"reason", "revocation_reason"},
    {"invalidity date", "invalidity_date"},
    {"ca", "ca_id"},
    {"template", "template_id"},
    {"request", "request_id"},
    {"created", "created_at"},
};

/* The one certificate whose serial is serial; see cert_resolve. */
static int serial_search(struct client *c, const char *serial, json_t **cert)
{
	json_t *page = NULL, *items;
	char *path = strdup(CERTS);
	int rc = CLI_REFUSED;

	if (path != NULL && client_query_add(&path, "serial", serial) == 0)
		rc = client_list(c, path, 1, &page);
	free(path);
	if (rc != 0)
		return rc;
	items = json_object_get(page, "items");
	if (json_array_size(items) == 1) {
		*cert = json_incref(json_array_get(items, 0));
	} else if (json_array_size(items) == 0) {
		fprintf(stderr, "pkiaas: no certificate %s\n", serial);
		rc = CLI_NOT_FOUND;
	} else {
		fprintf(stderr,
			"pkiaas: CAs have issued %zu certificates with serial "
			"%s: pass the id\n",
			json_array_size(items), serial);
		rc = CLI_REFUSED;
	}
	json_decref(page);
	return rc;
}

/* Whether s may be a serial: hex digits and colons. */
static int serial_shaped(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789abcdefABCDEF:") == strlen(s);
}

/* The certificate arg names: by id, else by serial. 0 or an exit code. */
static int cert_resolve(struct client *c, const char *arg, json_t **cert)
{
	struct reply r = {0};
	char *path;
	int rc;

	*cert = NULL;
	if (strlen(arg) != RAND_ID_LEN)
		return serial_search(c, arg, cert);
	path = client_path(CERTS, arg);
	if (path == NULL)
		return CLI_REFUSED;
	rc = client_send(c, "GET", path, NULL, &r);
	free(path);
	if (rc == 0 && r.status == 404 && serial_shaped(arg))
		rc = serial_search(c, arg, cert);
	else if (rc == 0 && (rc = client_check(&r)) == 0 &&
		 json_is_object(r.body))
		*cert = json_incref(r.body);
	else if (rc == 0)
		rc = CLI_REFUSED;
	reply_clear(&r);
	return rc;
}

enum { L_STATUS, L_CA, L_TEMPLATE, L_SEARCH, L_SERIAL, L_EXPIRING, L_NOPTS };
static const struct args_opt list_opts[L_NOPTS] = {
    [L_STATUS] = {"status", 1},	    [L_CA] = {"ca", 1},
    [L_TEMPLATE] = {"template", 1}, [L_SEARCH] = {"search", 1},
    [L_SERIAL] = {"serial", 1},	    [L_EXPIRING] = {"expiring-within-days", 1},
};

/* Adds the ids of --ca and --template to *path; 0 or an exit code. */
static int ids_add(struct client *c, const struct args *a, char **path)
{
	json_t *ca = NULL, *t = NULL;
	int rc = 0;

	if (a->value[L_CA] != NULL)
		rc = pki_ca_resolve(c, a->value[L_CA], &ca);
	if (rc == 0 && ca != NULL &&
	    client_query_add(path, "ca_id", pki_id(ca)) != 0)
		rc = CLI_REFUSED;
	if (rc == 0 && a->value[L_TEMPLATE] != NULL)
		rc = pki_template_resolve(c, pki_id(ca), a->value[L_TEMPLATE],
					  &t);
	if (rc == 0 && t != NULL &&
	    client_query_add(path, "template_id", pki_id(t)) != 0)
		rc = CLI_REFUSED;
	json_decref(ca);
	json_decref(t);
	return rc;
}

/* Adds the other filters to *path; 0 or an exit code. */
static int filters_add(const struct args *a, char **path)
{
	static const struct {
		int opt;
		const char *key;
	} plain[] = {{L_STATUS, "status"},
		     {L_SEARCH, "q"},
		     {L_SERIAL, "serial"},
		     {L_EXPIRING, "expiring_within_days"}};
	long long days;

	if (a->value[L_EXPIRING] != NULL &&
	    args_int("--expiring-within-days", a->value[L_EXPIRING], 0,
		     CERT_DAYS_MAX, &days) != 0)
		return CLI_USAGE;
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++) {
		const char *v = a->value[plain[i].opt];

		if (v != NULL && client_query_add(path, plain[i].key, v) != 0)
			return CLI_REFUSED;
	}
	return 0;
}

int cmd_cert_list(const struct cli_command *cmd, struct cli_globals *g,
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
	path = strdup(CERTS);
	if (path == NULL || (rc = filters_add(&a, &path)) != 0)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = ids_add(ctx.client, &a, &path);
	if (rc == 0)
		rc = context_print_list(&ctx, path, 1, g->json, cert_cols,
					NCOLS(cert_cols));
out:
	free(path);
	context_close(&ctx);
	return rc;
}

int cmd_cert_show(const struct cli_command *cmd, struct cli_globals *g,
		  int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *cert = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = cert_resolve(ctx.client, a.pos[0], &cert);
	if (rc == 0 && g->json)
		rc = table_json(cert);
	else if (rc == 0)
		table_record(stdout, cert, cert_lines, NCOLS(cert_lines));
	json_decref(cert);
	context_close(&ctx);
	return rc;
}

enum { W_FORMAT, W_OUT, W_NOPTS };
static const struct args_opt download_opts[W_NOPTS] = {
    [W_FORMAT] = {"format", 1},
    [W_OUT] = {"out", 1},
};

/* 0 when format is one the server gives; else CLI_USAGE (printed). */
static int format_check(const char *format)
{
	static const char *const formats[] = {"pem", "der", "pem-chain",
					      "pkcs7"};

	for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++)
		if (strcmp(format, formats[i]) == 0)
			return 0;
	fprintf(stderr,
		"pkiaas: --format must be pem, der, pem-chain or pkcs7, not "
		"'%s'\n",
		format);
	return CLI_USAGE;
}

int cmd_cert_download(const struct cli_command *cmd, struct cli_globals *g,
		      int argc, char **argv)
{
	const char *format;
	struct context ctx = {0};
	struct reply r = {0};
	enum args_result ar;
	json_t *cert = NULL;
	char *path = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, download_opts, W_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	format = a.value[W_FORMAT] != NULL ? a.value[W_FORMAT] : "pem";
	if (format_check(format) != 0)
		return CLI_USAGE;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = cert_resolve(ctx.client, a.pos[0], &cert);
	if (rc == 0 && ((path = pki_path(CERTS, cert, "download")) == NULL ||
			client_query_add(&path, "format", format) != 0))
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = pki_get_raw(ctx.client, path, &r);
	if (rc == 0)
		rc = pki_output(a.value[W_OUT], r.text, r.len);
	reply_clear(&r);
	free(path);
	json_decref(cert);
	context_close(&ctx);
	return rc;
}

enum { R_REASON, R_INVALIDITY, R_NOPTS };
static const struct args_opt revoke_opts[R_NOPTS] = {
    [R_REASON] = {"reason", 1},
    [R_INVALIDITY] = {"invalidity-date", 1},
};

/* The body of POST .../revoke; NULL (printed) on a bad option. */
static json_t *revoke_body(const struct args *a)
{
	json_t *body = json_pack("{s:s*}", "reason", a->value[R_REASON]);
	long long t;

	if (body == NULL) {
		fprintf(stderr, "pkiaas: --reason is not UTF-8\n");
		return NULL;
	}
	if (a->value[R_INVALIDITY] != NULL &&
	    (pki_time("--invalidity-date", a->value[R_INVALIDITY], &t) != 0 ||
	     pki_set(body, "invalidity_date", json_integer(t)) != 0)) {
		json_decref(body);
		return NULL;
	}
	return body;
}

/* POSTs body to C's verb (revoke, release) and prints the certificate. */
static int cert_post(struct context *ctx, const char *arg, const char *verb,
		     json_t *body, int as_json)
{
	json_t *cert = NULL;
	char *path = NULL;
	int rc = cert_resolve(ctx->client, arg, &cert);

	if (rc == 0 && (path = pki_path(CERTS, cert, verb)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_call(ctx, "POST", path, body, as_json,
					cert_lines, NCOLS(cert_lines));
	free(path);
	json_decref(cert);
	return rc;
}

int cmd_cert_revoke(const struct cli_command *cmd, struct cli_globals *g,
		    int argc, char **argv)
{
	struct context ctx = {0};
	json_t *body = NULL;
	enum args_result ar;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, revoke_opts, R_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	body = revoke_body(&a);
	if (body == NULL)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = cert_post(&ctx, a.pos[0], "revoke", body, g->json);
out:
	json_decref(body);
	context_close(&ctx);
	return rc;
}

int cmd_cert_release(const struct cli_command *cmd, struct cli_globals *g,
		     int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = cert_post(&ctx, a.pos[0], "release", NULL, g->json);
	context_close(&ctx);
	return rc;
}
