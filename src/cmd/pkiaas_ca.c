/*
 * pkiaas ca create, list, show, csr, import, chain, update and delete:
 * the tenant's certificate authorities. CA is an id or a name.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_pki.h"
#include "cmd/pkiaas_prompt.h"

#define CAS	       "/api/v1/cas"
#define CA_DAYS_MAX    36500
#define CA_PATH_MAX    16
#define KEY_PASSWORD_V "PKIAAS_KEY_PASSWORD"

static const struct column ca_cols[] = {
    {"ID", "id"},
    {"NAME", "name"},
    {"KIND", "kind"},
    {"STATUS", "status"},
    {"KEY TYPE", "key_type"},
    {"NOT AFTER", "not_after"},
    {"SUBJECT", "subject"},
};

static const struct column ca_lines[] = {
    {"id", "id"},
    {"name", "name"},
    {"description", "description"},
    {"kind", "kind"},
    {"status", "status"},
    {"key type", "key_type"},
    {"subject", "subject"},
    {"serial", "serial"},
    {"not before", "not_before"},
    {"not after", "not_after"},
    {"parent", "parent_id"},
    {"certificate url", "certificate_url"},
    {"crl url", "crl_url"},
    {"ocsp url", "ocsp_url"},
    {"issuance blocked by", "issuance_blocked_by"},
    {"settings", "settings"},
    {"created", "created_at"},
};

enum {
	C_ROOT,
	C_INTERMEDIATE,
	C_KEY_TYPE,
	C_CN,
	C_O,
	C_OU,
	C_C,
	C_HASH,
	C_PSS,
	C_DAYS,
	C_PATH_LENGTH,
	C_PARENT,
	C_PARENT_TEMPLATE,
	C_KEY_FILE,
	C_DESCRIPTION,
	C_CPS_URL,
	C_CERT_SETTINGS,
	C_NOPTS
};
static const struct args_opt create_opts[C_NOPTS] = {
    [C_ROOT] = {"root", 0},
    [C_INTERMEDIATE] = {"intermediate", 0},
    [C_KEY_TYPE] = {"key-type", 1},
    [C_CN] = {"cn", 1},
    [C_O] = {"o", 1},
    [C_OU] = {"ou", 1},
    [C_C] = {"c", 1},
    [C_HASH] = {"hash", 1},
    [C_PSS] = {"pss", 0},
    [C_DAYS] = {"days", 1},
    [C_PATH_LENGTH] = {"path-length", 1},
    [C_PARENT] = {"parent", 1},
    [C_PARENT_TEMPLATE] = {"parent-template", 1},
    [C_KEY_FILE] = {"key-file", 1},
    [C_DESCRIPTION] = {"description", 1},
    [C_CPS_URL] = {"cps-url", 1},
    [C_CERT_SETTINGS] = {"certificate-settings", 1},
};

/* {"CN", "O", "OU", "C"} from the options; CN defaults to the name. */
static json_t *subject_body(const struct args *a)
{
	const char *cn = a->value[C_CN] ? a->value[C_CN] : a->pos[0];

	return json_pack("{s:s, s:s*, s:s*, s:s*}", "CN", cn, "O",
			 a->value[C_O], "OU", a->value[C_OU], "C",
			 a->value[C_C]);
}

/* Adds the numbers of --days and --path-length; 0 or CLI_USAGE. */
static int numbers_add(const struct args *a, json_t *body)
{
	long long days, path_length;

	if (a->value[C_DAYS] != NULL &&
	    (args_int("--days", a->value[C_DAYS], 1, CA_DAYS_MAX, &days) != 0 ||
	     pki_set(body, "validity_days", json_integer(days)) != 0))
		return CLI_USAGE;
	if (a->value[C_PATH_LENGTH] != NULL &&
	    (args_int("--path-length", a->value[C_PATH_LENGTH], 0, CA_PATH_MAX,
		      &path_length) != 0 ||
	     pki_set(body, "path_length", json_integer(path_length)) != 0))
		return CLI_USAGE;
	return 0;
}

/* Adds a root's "certificate_settings" from --certificate-settings. */
static int certificate_settings_add(const struct args *a, json_t *body)
{
	const char *arg = a->value[C_CERT_SETTINGS];
	json_t *settings;

	if (arg == NULL)
		return 0;
	settings = pki_settings("--certificate-settings", arg);
	return settings != NULL &&
		       pki_set(body, "certificate_settings", settings) == 0
		   ? 0
		   : CLI_USAGE;
}

/* The body of POST /cas from the options; NULL (printed) on a bad one. */
static json_t *create_body(const struct args *a)
{
	int root = a->value[C_ROOT] != NULL;
	json_t *body;

	if (root == (a->value[C_INTERMEDIATE] != NULL)) {
		fprintf(stderr, "pkiaas: ca create needs --root or "
				"--intermediate\n");
		return NULL;
	}
	body = json_pack("{s:s, s:s, s:o, s:s*, s:s*, s:s*, s:s*}", "name",
			 a->pos[0], "kind", root ? "root" : "intermediate",
			 "subject", subject_body(a), "key_type",
			 a->value[C_KEY_TYPE], "hash", a->value[C_HASH],
			 "description", a->value[C_DESCRIPTION], "cps_url",
			 a->value[C_CPS_URL]);
	if (body == NULL) {
		fprintf(stderr, "pkiaas: an option's value is not UTF-8\n");
		return NULL;
	}
	if ((a->value[C_PSS] != NULL &&
	     pki_set(body, "rsa_pss", json_true()) != 0) ||
	    numbers_add(a, body) != 0 ||
	    certificate_settings_add(a, body) != 0) {
		json_decref(body);
		return NULL;
	}
	return body;
}

/* The password of an encrypted key: $PKIAAS_KEY_PASSWORD, or asked. */
static int key_password(char *buf, size_t n)
{
	const char *env = getenv(KEY_PASSWORD_V);

	if (env == NULL)
		return prompt_tty("Password of the key: ", 1, buf, n);
	if (strlen(env) >= n) {
		fprintf(stderr, "pkiaas: %s is too long\n", KEY_PASSWORD_V);
		return CLI_USAGE;
	}
	memcpy(buf, env, strlen(env) + 1);
	return 0;
}

/* Adds "key_pem" (and "key_password" for an encrypted key) from --key-file. */
static int key_add(const char *path, json_t *body)
{
	char password[PROMPT_MAX] = "";
	char *pem = NULL;
	size_t len = 0;
	int rc = pki_file_read("the key", path, &pem, &len);

	if (rc != 0)
		return rc;
	if (strstr(pem, "ENCRYPTED") != NULL)
		rc = key_password(password, sizeof(password));
	if (rc == 0 && pki_set(body, "key_pem", json_stringn(pem, len)) != 0)
		rc = CLI_USAGE;
	if (rc == 0 && password[0] != '\0' &&
	    pki_set(body, "key_password", json_string(password)) != 0)
		rc = CLI_USAGE;
	OPENSSL_cleanse(password, sizeof(password));
	OPENSSL_clear_free(pem, len);
	return rc;
}

/* Wipes the key in a body before it is released. */
static void key_wipe(json_t *body)
{
	static const char *const secrets[] = {"key_pem", "key_password"};

	for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++) {
		json_t *v = json_object_get(body, secrets[i]);

		if (json_is_string(v))
			OPENSSL_cleanse((char *)json_string_value(v),
					json_string_length(v));
	}
}

/*
 * Adds "parent_id" and "parent_template_id" from --parent and
 * --parent-template, which name a CA and a template of it.
 */
static int parent_add(struct client *c, const struct args *a, json_t *body)
{
	json_t *parent = NULL, *tpl = NULL;
	const char *id;
	int rc;

	if (a->value[C_PARENT] == NULL) {
		if (a->value[C_PARENT_TEMPLATE] == NULL)
			return 0;
		fprintf(stderr, "pkiaas: --parent-template needs --parent\n");
		return CLI_USAGE;
	}
	rc = pki_ca_resolve(c, a->value[C_PARENT], &parent);
	id = pki_id(parent);
	if (rc == 0 &&
	    (id == NULL || pki_set(body, "parent_id", json_string(id)) != 0))
		rc = CLI_REFUSED;
	if (rc == 0 && a->value[C_PARENT_TEMPLATE] != NULL)
		rc = pki_template_resolve(c, id, a->value[C_PARENT_TEMPLATE],
					  &tpl);
	if (rc == 0 && tpl != NULL &&
	    pki_set(body, "parent_template_id", json_string(pki_id(tpl))) != 0)
		rc = CLI_REFUSED;
	json_decref(tpl);
	json_decref(parent);
	return rc;
}

int cmd_ca_create(const struct cli_command *cmd, struct cli_globals *g,
		  int argc, char **argv)
{
	struct context ctx = {0};
	json_t *body = NULL;
	enum args_result ar;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, create_opts, C_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	body = create_body(&a);
	if (body == NULL)
		goto out;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0 && a.value[C_KEY_FILE] != NULL)
		rc = key_add(a.value[C_KEY_FILE], body);
	if (rc == 0)
		rc = parent_add(ctx.client, &a, body);
	if (rc == 0)
		rc = context_print_call(&ctx, "POST", CAS, body, g->json,
					ca_lines, NCOLS(ca_lines));
out:
	key_wipe(body);
	json_decref(body);
	context_close(&ctx);
	return rc;
}

int cmd_ca_list(const struct cli_command *cmd, struct cli_globals *g, int argc,
		char **argv)
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
		rc = context_print_list(&ctx, CAS, 1, g->json, ca_cols,
					NCOLS(ca_cols));
	context_close(&ctx);
	return rc;
}

int cmd_ca_show(const struct cli_command *cmd, struct cli_globals *g, int argc,
		char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *ca = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_ca_resolve(ctx.client, a.pos[0], &ca);
	if (rc == 0 && g->json)
		rc = table_json(ca);
	else if (rc == 0)
		table_record(stdout, ca, ca_lines, NCOLS(ca_lines));
	json_decref(ca);
	context_close(&ctx);
	return rc;
}

enum { O_OUT, O_NOPTS };
static const struct args_opt out_opts[O_NOPTS] = {
    [O_OUT] = {"out", 1},
};

/* GET CA's suffix (csr, chain) and writes it to --out or stdout. */
static int ca_fetch(const struct cli_command *cmd, struct cli_globals *g,
		    int argc, char **argv, const char *suffix)
{
	struct context ctx = {0};
	struct reply r = {0};
	enum args_result ar;
	json_t *ca = NULL;
	char *path = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, out_opts, O_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_ca_resolve(ctx.client, a.pos[0], &ca);
	if (rc == 0 && (path = pki_path(CAS, ca, suffix)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = pki_get_raw(ctx.client, path, &r);
	if (rc == 0)
		rc = pki_output(a.value[O_OUT], r.text, r.len);
	reply_clear(&r);
	free(path);
	json_decref(ca);
	context_close(&ctx);
	return rc;
}

int cmd_ca_csr(const struct cli_command *cmd, struct cli_globals *g, int argc,
	       char **argv)
{
	return ca_fetch(cmd, g, argc, argv, "csr");
}

int cmd_ca_chain(const struct cli_command *cmd, struct cli_globals *g, int argc,
		 char **argv)
{
	return ca_fetch(cmd, g, argc, argv, "chain");
}

enum { I_CERT, I_NOPTS };
static const struct args_opt import_opts[I_NOPTS] = {
    [I_CERT] = {"cert", 1},
};

int cmd_ca_import(const struct cli_command *cmd, struct cli_globals *g,
		  int argc, char **argv)
{
	json_t *ca = NULL, *body = NULL;
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL, *pem = NULL;
	struct args a;
	size_t len = 0;
	int rc;

	ar = args_parse(cmd, argc, argv, import_opts, I_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[I_CERT] == NULL) {
		fprintf(stderr, "pkiaas: ca import needs --cert FILE\n");
		return CLI_USAGE;
	}
	rc = pki_file_read("the certificate", a.value[I_CERT], &pem, &len);
	if (rc == 0 &&
	    (body = json_pack("{s:s%}", "certificate", pem, len)) == NULL) {
		fprintf(stderr, "pkiaas: the certificate is not PEM text\n");
		rc = CLI_USAGE;
	}
	if (rc == 0)
		rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_ca_resolve(ctx.client, a.pos[0], &ca);
	if (rc == 0 && (path = pki_path(CAS, ca, "certificate")) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_call(&ctx, "POST", path, body, g->json,
					ca_lines, NCOLS(ca_lines));
	free(path);
	free(pem);
	json_decref(body);
	json_decref(ca);
	context_close(&ctx);
	return rc;
}

enum { U_DESCRIPTION, U_CPS_URL, U_SERVICE_KEY_TYPE, U_SERVICE_HASH, U_NOPTS };
static const struct args_opt update_opts[U_NOPTS] = {
    [U_DESCRIPTION] = {"description", 1},
    [U_CPS_URL] = {"cps-url", 1},
    [U_SERVICE_KEY_TYPE] = {"service-key-type", 1},
    [U_SERVICE_HASH] = {"service-hash", 1},
};

int cmd_ca_update(const struct cli_command *cmd, struct cli_globals *g,
		  int argc, char **argv)
{
	json_t *ca = NULL, *body = NULL;
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, update_opts, U_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	body = json_pack("{s:s*, s:s*, s:s*, s:s*}", "description",
			 a.value[U_DESCRIPTION], "cps_url", a.value[U_CPS_URL],
			 "service_key_type", a.value[U_SERVICE_KEY_TYPE],
			 "service_hash", a.value[U_SERVICE_HASH]);
	if (body == NULL || json_object_size(body) == 0) {
		fprintf(stderr, "pkiaas: ca update needs --description, "
				"--cps-url, --service-key-type or "
				"--service-hash\n");
		goto out;
	}
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_ca_resolve(ctx.client, a.pos[0], &ca);
	if (rc == 0 && (path = pki_path(CAS, ca, NULL)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_call(&ctx, "PATCH", path, body, g->json,
					ca_lines, NCOLS(ca_lines));
out:
	free(path);
	json_decref(body);
	json_decref(ca);
	context_close(&ctx);
	return rc;
}

enum { D_CONFIRM, D_NOPTS };
static const struct args_opt delete_opts[D_NOPTS] = {
    [D_CONFIRM] = {"confirm", 1},
};

int cmd_ca_delete(const struct cli_command *cmd, struct cli_globals *g,
		  int argc, char **argv)
{
	json_t *ca = NULL, *body = NULL;
	struct context ctx = {0};
	enum args_result ar;
	char *path = NULL;
	struct args a;
	int rc = CLI_USAGE;

	ar = args_parse(cmd, argc, argv, delete_opts, D_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[D_CONFIRM] == NULL) {
		fprintf(stderr, "pkiaas: ca delete needs --confirm NAME, the "
				"CA's name: it deletes the CA, its templates "
				"and its certificates for good\n");
		goto out;
	}
	body = json_pack("{s:s}", "confirm", a.value[D_CONFIRM]);
	if (body == NULL) {
		fprintf(stderr, "pkiaas: --confirm is not UTF-8\n");
		goto out;
	}
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = pki_ca_resolve(ctx.client, a.pos[0], &ca);
	if (rc == 0 && (path = pki_path(CAS, ca, NULL)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "DELETE", path, body, NULL);
	if (rc == 0 && !g->json)
		printf("Deleted CA %s.\n", a.pos[0]);
out:
	free(path);
	json_decref(body);
	json_decref(ca);
	context_close(&ctx);
	return rc;
}
