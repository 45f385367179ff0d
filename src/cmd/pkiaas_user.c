/*
 * pkiaas user list, add, show, update, remove and passwd: the members of
 * the tenant, and one's own password. USER is an id or a username.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_prompt.h"
#include "engine/password.h"
#include "lib/rand.h"

#define USER_PASSWORD_LEN 20 /* characters of a made-up password */

static const struct column user_cols[] = {
    {"ID", "id"},
    {"USERNAME", "username"},
    {"ROLE", "role"},
    {"DISABLED", "disabled"},
    {"CREATED", "created_at"},
};

/* The last line, the password, is printed only by user add. */
static const struct column user_lines[] = {
    {"id", "id"},
    {"username", "username"},
    {"role", "role"},
    {"disabled", "disabled"},
    {"created", "created_at"},
    {"password", "password"},
};

#define USER_LINES_SHOWN (NCOLS(user_lines) - 1)

/* Whether s has the shape of an id: 16 characters of the id alphabet. */
static int id_shaped(const char *s)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";

	return strlen(s) == RAND_ID_LEN && strspn(s, alphabet) == RAND_ID_LEN;
}

/* Finds the member whose username is name in the whole list. */
static int user_search(struct client *c, const char *name, json_t **user)
{
	json_t *list = NULL, *item;
	size_t i;
	int rc = client_list(c, "/api/v1/users", 1, &list);

	if (rc != 0)
		return rc;
	json_array_foreach (json_object_get(list, "items"), i, item) {
		const char *u =
		    json_string_value(json_object_get(item, "username"));

		if (u != NULL && strcmp(u, name) == 0) {
			*user = json_incref(item);
			break;
		}
	}
	json_decref(list);
	if (*user == NULL) {
		fprintf(stderr, "pkiaas: no user '%s' in this tenant\n", name);
		return CLI_NOT_FOUND;
	}
	return 0;
}

/*
 * Finds the member named by user (an id, else a username) into *found,
 * which the caller releases. 0, or an exit code (printed; 5 when there is
 * no such member).
 */
static int user_resolve(struct client *c, const char *user, json_t **found)
{
	struct reply r = {0};
	char *path = NULL;
	int rc;

	*found = NULL;
	if (!id_shaped(user))
		return user_search(c, user, found);
	path = client_path("/api/v1/users", user);
	if (path == NULL)
		return CLI_REFUSED;
	rc = client_send(c, "GET", path, NULL, &r);
	free(path);
	if (rc == 0 && r.status == 404)
		rc = user_search(c, user, found);
	else if (rc == 0 && (rc = client_check(&r)) == 0 &&
		 json_is_object(r.body))
		*found = json_incref(r.body);
	else if (rc == 0)
		rc = CLI_REFUSED;
	reply_clear(&r);
	return rc;
}

/* The path of the resolved member's object; NULL (printed) on failure. */
static char *user_path(const json_t *user)
{
	const char *id = json_string_value(json_object_get(user, "id"));

	if (id == NULL) {
		fprintf(stderr, "pkiaas: the server's user has no id\n");
		return NULL;
	}
	return client_path("/api/v1/users", id);
}

int cmd_user_list(const struct cli_command *cmd, struct cli_globals *g,
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
		rc = context_print_list(&ctx, "/api/v1/users", 1, g->json,
					user_cols, NCOLS(user_cols));
	context_close(&ctx);
	return rc;
}

enum { A_ROLE, A_PASSWORD_STDIN, A_NOPTS };
static const struct args_opt add_opts[A_NOPTS] = {
    [A_ROLE] = {"role", 1},
    [A_PASSWORD_STDIN] = {"password-stdin", 0},
};

/* The new user's password: a line of stdin, or made up (*made set). */
static int add_password(const struct args *a, char *buf, size_t n, int *made)
{
	*made = a->value[A_PASSWORD_STDIN] == NULL;
	if (!*made)
		return prompt_stdin("password", buf, n);
	if (n <= USER_PASSWORD_LEN ||
	    password_generate(buf, USER_PASSWORD_LEN) != 0) {
		fprintf(stderr, "pkiaas: cannot make a random password\n");
		return CLI_REFUSED;
	}
	return 0;
}

/* POST /users and prints the user, with the password when made up. */
static int add_run(struct context *ctx, json_t *body, const char *password,
		   int as_json)
{
	json_t *user = NULL;
	int rc = client_call(ctx->client, "POST", "/api/v1/users", body, &user);

	if (rc != 0)
		goto out;
	if (password != NULL &&
	    json_object_set_new(user, "password", json_string(password)) != 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		rc = CLI_REFUSED;
		goto out;
	}
	if (as_json) {
		rc = table_json(user);
		goto out;
	}
	table_record(stdout, user, user_lines, NCOLS(user_lines));
	if (password != NULL)
		fprintf(stderr, "pkiaas: the password is shown only this "
				"once\n");
out:
	json_decref(user);
	return rc;
}

int cmd_user_add(const struct cli_command *cmd, struct cli_globals *g, int argc,
		 char **argv)
{
	char password[PROMPT_MAX];
	struct context ctx = {0};
	json_t *body = NULL;
	enum args_result ar;
	struct args a;
	int rc, made = 0;

	ar = args_parse(cmd, argc, argv, add_opts, A_NOPTS, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[A_ROLE] == NULL) {
		fprintf(stderr, "pkiaas: user add needs --role ROLE\n");
		return CLI_USAGE;
	}
	if (args_role(a.value[A_ROLE]) != 0)
		return CLI_USAGE;
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = add_password(&a, password, sizeof(password), &made);
	if (rc == 0 &&
	    (body = json_pack("{s:s,s:s,s:s}", "username", a.pos[0], "password",
			      password, "role", a.value[A_ROLE])) == NULL) {
		fprintf(stderr, "pkiaas: the username or the password is not "
				"UTF-8\n");
		rc = CLI_USAGE;
	}
	if (rc == 0)
		rc = add_run(&ctx, body, made ? password : NULL, g->json);
	OPENSSL_cleanse(password, sizeof(password));
	json_decref(body);
	context_close(&ctx);
	return rc;
}

int cmd_user_show(const struct cli_command *cmd, struct cli_globals *g,
		  int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *user = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = user_resolve(ctx.client, a.pos[0], &user);
	if (rc == 0 && g->json)
		rc = table_json(user);
	else if (rc == 0)
		table_record(stdout, user, user_lines, USER_LINES_SHOWN);
	json_decref(user);
	context_close(&ctx);
	return rc;
}

enum { U_ROLE, U_DISABLE, U_ENABLE, U_NOPTS };
static const struct args_opt update_opts[U_NOPTS] = {
    [U_ROLE] = {"role", 1},
    [U_DISABLE] = {"disable", 0},
    [U_ENABLE] = {"enable", 0},
};

/* The body of PATCH /users/{id}; NULL on a bad combination (printed). */
static json_t *update_body(const struct args *a)
{
	const char *role = a->value[U_ROLE];
	int disable = a->value[U_DISABLE] != NULL;
	int enable = a->value[U_ENABLE] != NULL;
	json_t *body;

	if (disable && enable) {
		fprintf(stderr, "pkiaas: --disable and --enable exclude each "
				"other\n");
		return NULL;
	}
	if (role == NULL && !disable && !enable) {
		fprintf(stderr, "pkiaas: user update needs --role, --disable "
				"or --enable\n");
		return NULL;
	}
	if (role != NULL && args_role(role) != 0)
		return NULL;
	body = json_pack("{s:s*}", "role", role);
	if (body != NULL && (disable || enable) &&
	    json_object_set_new(body, "disabled", json_boolean(disable)) != 0) {
		json_decref(body);
		body = NULL;
	}
	if (body == NULL)
		fprintf(stderr, "pkiaas: out of memory\n");
	return body;
}

int cmd_user_update(const struct cli_command *cmd, struct cli_globals *g,
		    int argc, char **argv)
{
	json_t *body = NULL, *user = NULL;
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
		rc = user_resolve(ctx.client, a.pos[0], &user);
	if (rc == 0 && (path = user_path(user)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = context_print_call(&ctx, "PATCH", path, body, g->json,
					user_lines, USER_LINES_SHOWN);
out:
	free(path);
	json_decref(user);
	json_decref(body);
	context_close(&ctx);
	return rc;
}

int cmd_user_remove(const struct cli_command *cmd, struct cli_globals *g,
		    int argc, char **argv)
{
	struct context ctx;
	enum args_result ar;
	json_t *user = NULL;
	char *path = NULL;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 1, 1, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = user_resolve(ctx.client, a.pos[0], &user);
	if (rc == 0 && (path = user_path(user)) == NULL)
		rc = CLI_REFUSED;
	if (rc == 0)
		rc = client_call(ctx.client, "DELETE", path, NULL, NULL);
	if (rc == 0 && !g->json)
		printf("Removed user %s from the tenant.\n", a.pos[0]);
	free(path);
	json_decref(user);
	context_close(&ctx);
	return rc;
}

enum { P_PASSWORD_STDIN, P_NOPTS };
static const struct args_opt passwd_opts[P_NOPTS] = {
    [P_PASSWORD_STDIN] = {"password-stdin", 0},
};

/* Reads the current and the new password, from stdin or the terminal. */
static int passwd_read(int from_stdin, char *current, char *fresh, size_t n)
{
	int rc;

	if (from_stdin) {
		rc = prompt_stdin("current password", current, n);
		return rc ? rc : prompt_stdin("new password", fresh, n);
	}
	rc = prompt_tty("Current password: ", 1, current, n);
	return rc ? rc : prompt_new_secret("password", fresh, n);
}

int cmd_user_passwd(const struct cli_command *cmd, struct cli_globals *g,
		    int argc, char **argv)
{
	char current[PROMPT_MAX], fresh[PROMPT_MAX];
	struct context ctx;
	json_t *body = NULL;
	enum args_result ar;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, passwd_opts, P_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_TOKEN);
	if (rc == 0)
		rc = passwd_read(a.value[P_PASSWORD_STDIN] != NULL, current,
				 fresh, sizeof(current));
	if (rc == 0 &&
	    (body = json_pack("{s:s,s:s}", "current_password", current,
			      "new_password", fresh)) == NULL) {
		fprintf(stderr, "pkiaas: the password is not UTF-8\n");
		rc = CLI_USAGE;
	}
	if (rc == 0)
		rc = client_call(ctx.client, "POST", "/api/v1/me/password",
				 body, NULL);
	if (rc == 0 && !g->json)
		printf("Password changed.\n");
	OPENSSL_cleanse(current, sizeof(current));
	OPENSSL_cleanse(fresh, sizeof(fresh));
	json_decref(body);
	context_close(&ctx);
	return rc;
}
