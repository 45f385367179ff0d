/*
 * pkiaas login, logout and whoami: who the client acts as. login trades a
 * password for a session, the session for an API token, and stores the
 * token; logout revokes it.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_prompt.h"
#include "cmd/pkiaas_table.h"
#include "lib/fsutil.h"

#define CA_MAX_SIZE (1u << 20) /* a root certificate file, at most */

enum { L_USERNAME, L_TENANT, L_PASSWORD_STDIN, L_TOKEN_NAME, L_NOPTS };
static const struct args_opt login_opts[L_NOPTS] = {
    [L_USERNAME] = {"username", 1},
    [L_TENANT] = {"tenant", 1},
    [L_PASSWORD_STDIN] = {"password-stdin", 0},
    [L_TOKEN_NAME] = {"token-name", 1},
};

/* What login gathers on the way. */
struct login {
	char username[PROMPT_MAX];
	char password[PROMPT_MAX];
	char token_name[PROMPT_MAX];
	char *pem;	 /* the root to store, or NULL */
	char *old_token; /* the token stored before for this server, or NULL */
	size_t pem_len;
	json_t *session; /* the answer of POST /auth/login */
	json_t *token;	 /* the answer of POST /tokens, with the secret */
};

/*
 * Reads the root certificate file into l->pem after checking that it
 * holds a PEM certificate. 0, or CLI_USAGE (printed).
 */
static int login_read_ca(struct login *l, const char *path)
{
	BIO *bio = NULL;
	X509 *x = NULL;

	if (fs_read_all(path, CA_MAX_SIZE, &l->pem, &l->pem_len) != 0) {
		fprintf(stderr, "pkiaas: cannot read %s: %s\n", path,
			strerror(errno));
		return CLI_USAGE;
	}
	bio = BIO_new_mem_buf(l->pem, (int)l->pem_len);
	if (bio != NULL)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (x == NULL) {
		fprintf(stderr, "pkiaas: %s holds no PEM certificate\n", path);
		return CLI_USAGE;
	}
	X509_free(x);
	return 0;
}

/* Fills the username and password from the options or by asking. */
static int login_credentials(struct login *l, const struct args *a)
{
	const char *name = a->value[L_USERNAME];
	int rc;

	if (name != NULL) {
		if (strlen(name) >= sizeof(l->username)) {
			fprintf(stderr, "pkiaas: --username is too long\n");
			return CLI_USAGE;
		}
		snprintf(l->username, sizeof(l->username), "%s", name);
	} else if (a->value[L_PASSWORD_STDIN] != NULL) {
		fprintf(stderr, "pkiaas: --password-stdin needs --username\n");
		return CLI_USAGE;
	} else {
		rc = prompt_tty("Username: ", 0, l->username,
				sizeof(l->username));
		if (rc != 0)
			return rc;
	}
	if (a->value[L_PASSWORD_STDIN] != NULL)
		return prompt_stdin("password", l->password,
				    sizeof(l->password));
	return prompt_tty("Password: ", 1, l->password, sizeof(l->password));
}

/* The token's name: --token-name, else "pkiaas CLI on HOST". */
static int login_token_name(struct login *l, const struct args *a)
{
	char host[256];

	if (a->value[L_TOKEN_NAME] != NULL) {
		if (*a->value[L_TOKEN_NAME] == '\0') {
			fprintf(stderr, "pkiaas: --token-name is empty\n");
			return CLI_USAGE;
		}
		snprintf(l->token_name, sizeof(l->token_name), "%s",
			 a->value[L_TOKEN_NAME]);
		return 0;
	}
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown host");
	host[sizeof(host) - 1] = '\0';
	snprintf(l->token_name, sizeof(l->token_name), "pkiaas CLI on %s",
		 host);
	return 0;
}

/* POST /auth/login, then uses the session; 0 or an exit code. */
static int session_open(struct client *c, struct login *l, const char *tenant)
{
	json_t *body = json_pack("{s:s,s:s,s:s*}", "username", l->username,
				 "password", l->password, "tenant", tenant);
	const char *csrf;
	int rc = CLI_REFUSED;

	if (body == NULL) {
		fprintf(stderr, "pkiaas: the username or the password is not "
				"UTF-8\n");
		return CLI_USAGE;
	}
	rc = client_call(c, "POST", "/api/v1/auth/login", body, &l->session);
	json_decref(body);
	if (rc != 0)
		return rc;
	csrf = json_string_value(json_object_get(l->session, "csrf_token"));
	if (client_use_session(c, csrf) != 0) {
		fprintf(stderr, "pkiaas: the server's login answer has no "
				"session cookie or csrf_token\n");
		return CLI_REFUSED;
	}
	return 0;
}

/* POST /auth/logout; a failure is only a warning: the session expires. */
static void session_close(struct client *c)
{
	if (client_call(c, "POST", "/api/v1/auth/logout", NULL, NULL) != 0)
		fprintf(stderr, "pkiaas: warning: the login session could not "
				"be ended; it expires by itself\n");
}

/* POST /tokens in the session; 0 or an exit code. */
static int token_make(struct client *c, struct login *l)
{
	json_t *body = json_pack("{s:s}", "name", l->token_name);
	int rc;

	if (body == NULL) {
		fprintf(stderr, "pkiaas: --token-name is not UTF-8\n");
		return CLI_USAGE;
	}
	rc = client_call(c, "POST", "/api/v1/tokens", body, &l->token);
	json_decref(body);
	if (rc == 0 && !json_is_string(json_object_get(l->token, "token"))) {
		fprintf(stderr, "pkiaas: the server made a token but did not "
				"send its secret\n");
		rc = CLI_REFUSED;
	}
	return rc;
}

/* The id of the token in use, from GET /me; 0 or an exit code. */
static int token_in_use(struct client *c, char **id)
{
	json_t *me = NULL;
	const char *s;
	int rc = client_call(c, "GET", "/api/v1/me", NULL, &me);

	if (rc == 0) {
		s = json_string_value(
		    json_object_get(json_object_get(me, "token"), "id"));
		*id = s ? strdup(s) : NULL;
		if (*id == NULL) {
			fprintf(stderr, "pkiaas: the server did not say which "
					"token is in use\n");
			rc = CLI_REFUSED;
		}
	}
	json_decref(me);
	return rc;
}

/*
 * Revokes the token stored before, which the new one replaces (best
 * effort; one the server no longer accepts is left alone, quietly).
 */
static void token_replace(struct context *ctx, const char *old)
{
	struct client *c = client_new(ctx->server, ctx->cacert, old);
	struct reply r = {0};
	const char *id = NULL;
	char *path = NULL;
	int rc = c ? client_send(c, "GET", "/api/v1/me", NULL, &r) : -1;

	if (rc == 0 && r.status == 401)
		goto out;
	if (rc == 0 && r.status == 200)
		id = json_string_value(
		    json_object_get(json_object_get(r.body, "token"), "id"));
	if (id == NULL || (path = client_path("/api/v1/tokens", id)) == NULL ||
	    client_call(c, "DELETE", path, NULL, NULL) != 0)
		fprintf(stderr,
			"pkiaas: warning: the token stored before "
			"could not be revoked; see pkiaas token list\n");
out:
	reply_clear(&r);
	free(path);
	client_free(c);
}

/* Revokes the new token after it could not be stored (best effort). */
static void token_discard(struct context *ctx, const struct login *l)
{
	const char *secret =
	    json_string_value(json_object_get(l->token, "token"));
	const char *id = json_string_value(json_object_get(l->token, "id"));
	struct client *c = client_new(ctx->server, ctx->cacert, secret);
	char *path = id ? client_path("/api/v1/tokens", id) : NULL;

	if (c == NULL || path == NULL ||
	    client_call(c, "DELETE", path, NULL, NULL) != 0)
		fprintf(stderr,
			"pkiaas: warning: revoke the unused token "
			"'%s' with pkiaas token revoke\n",
			l->token_name);
	free(path);
	client_free(c);
}

/* Stores the server, the token and the root; 0 or an exit code. */
static int login_store(struct context *ctx, const struct login *l)
{
	const char *secret =
	    json_string_value(json_object_get(l->token, "token"));
	struct cli_config *cfg = &ctx->cfg;
	int rc = cli_config_store_ca(cfg, l->pem, l->pem_len);

	if (rc != 0)
		return rc;
	if (cli_config_set(&cfg->server, client_server(ctx->client)) != 0 ||
	    cli_config_set(&cfg->token, secret) != 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		return CLI_REFUSED;
	}
	return cli_config_save(cfg);
}

/* The name in member key of obj: a string, or an object's name/username. */
static const char *name_of(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);

	if (s == NULL)
		s = json_string_value(json_object_get(v, "name"));
	if (s == NULL)
		s = json_string_value(json_object_get(v, "username"));
	return s ? s : "-";
}

/* Says who is logged in where; --json: the same as an object. */
static int login_report(const struct context *ctx, const struct login *l,
			int as_json)
{
	char user[256], tenant[256], role[64];
	json_t *doc;
	int rc;

	table_text_clean(name_of(l->session, "user"), user, sizeof(user));
	table_text_clean(name_of(l->session, "tenant"), tenant, sizeof(tenant));
	table_text_clean(name_of(l->session, "role"), role, sizeof(role));
	if (!as_json) {
		printf("Logged in to %s as %s (tenant %s, role %s).\n"
		       "The token '%s' is stored in %s/config.json.\n",
		       client_server(ctx->client), user, tenant, role,
		       l->token_name, ctx->cfg.dir);
		return 0;
	}
	doc = json_pack("{s:s,s:s,s:s,s:s,s:O?}", "server",
			client_server(ctx->client), "user", user, "tenant",
			tenant, "role", role, "token_id",
			json_object_get(l->token, "id"));
	rc = doc ? table_json(doc) : CLI_REFUSED;
	json_decref(doc);
	return rc;
}

static void login_free(struct login *l)
{
	free(l->pem);
	if (l->old_token != NULL)
		OPENSSL_cleanse(l->old_token, strlen(l->old_token));
	free(l->old_token);
	json_decref(l->session);
	json_decref(l->token);
	OPENSSL_cleanse(l, sizeof(*l));
}

/* Logs in with the session, makes the token and stores it. */
static int login_run(struct context *ctx, struct login *l, const struct args *a)
{
	int rc = session_open(ctx->client, l, a->value[L_TENANT]);

	OPENSSL_cleanse(l->password, sizeof(l->password));
	if (rc != 0)
		return rc;
	rc = token_make(ctx->client, l);
	session_close(ctx->client);
	if (rc != 0)
		return rc;
	if (ctx->server_stored && ctx->cfg.token != NULL &&
	    (l->old_token = strdup(ctx->cfg.token)) == NULL) {
		fprintf(stderr, "pkiaas: out of memory\n");
		rc = CLI_REFUSED;
	}
	if (rc == 0)
		rc = login_store(ctx, l);
	if (rc != 0)
		token_discard(ctx, l);
	else if (l->old_token != NULL)
		token_replace(ctx, l->old_token);
	return rc;
}

int cmd_login(const struct cli_command *cmd, struct cli_globals *g, int argc,
	      char **argv)
{
	struct login l = {0};
	struct context ctx;
	enum args_result ar;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, login_opts, L_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_LOGIN);
	if (rc == 0 && ctx.cacert != NULL)
		rc = login_read_ca(&l, ctx.cacert);
	if (rc == 0)
		rc = login_token_name(&l, &a);
	if (rc == 0)
		rc = login_credentials(&l, &a);
	if (rc == 0)
		rc = login_run(&ctx, &l, &a);
	if (rc == 0)
		rc = login_report(&ctx, &l, g->json);
	login_free(&l);
	context_close(&ctx);
	return rc;
}

/* Forgets the stored token, keeping the server and the root. */
static int token_forget(struct context *ctx)
{
	cli_config_set(&ctx->cfg.token, NULL);
	return cli_config_save(&ctx->cfg);
}

int cmd_logout(const struct cli_command *cmd, struct cli_globals *g, int argc,
	       char **argv)
{
	char *id = NULL, *path = NULL;
	struct context ctx;
	enum args_result ar;
	char shown[64];
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = token_in_use(ctx.client, &id);
	if (rc == CLI_DENIED && ctx.token_stored) {
		fprintf(stderr, "pkiaas: the stored token no longer works; "
				"forgetting it\n");
		rc = token_forget(&ctx);
		goto out;
	}
	if (rc == 0 && (path = client_path("/api/v1/tokens", id)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "DELETE", path, NULL, NULL);
	if (rc == 0 && ctx.token_stored)
		rc = token_forget(&ctx);
	if (rc == 0 && !g->json) {
		table_text_clean(id, shown, sizeof(shown));
		printf("Logged out: token %s is revoked.\n", shown);
	}
out:
	free(path);
	free(id);
	context_close(&ctx);
	return rc;
}

static const struct column me_lines[] = {
    {"user", "user.username"},
    {"user id", "user.id"},
    {"tenant", "tenant.name"},
    {"tenant id", "tenant.id"},
    {"role", "role"},
    {"auth", "auth"},
    {"token", "token.name"},
    {"token id", "token.id"},
    {"token role", "token.role"},
    {"expires", "token.expires_at"},
    {"server", "_server"},
};

static const struct column tenant_cols[] = {
    {"TENANT", "name"},
    {"ROLE", "role"},
    {"ID", "id"},
};

int cmd_whoami(const struct cli_command *cmd, struct cli_globals *g, int argc,
	       char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *me = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = client_call(ctx.client, "GET", "/api/v1/me", NULL, &me);
	if (rc == 0 && g->json) {
		rc = table_json(me);
	} else if (rc == 0) {
		/* Not the server's: where this client sent the request. */
		json_object_set_new(me, "_server",
				    json_string(client_server(ctx.client)));
		table_record(stdout, me, me_lines, NCOLS(me_lines));
		printf("\n");
		rc = table_print(stdout, json_object_get(me, "tenants"),
				 tenant_cols, NCOLS(tenant_cols));
	}
	json_decref(me);
	context_close(&ctx);
	return rc;
}
