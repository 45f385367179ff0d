/*
 * Local administration without a running server: pkiaasd user ... and
 * pkiaasd tenant ..., on the database the server options name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/pkiaasd_cmds.h"
#include "engine/accounts.h"
#include "engine/install.h"
#include "engine/password.h"
#include "lib/clock.h"

#define ARGS_MAX	   64
#define GENERATED_PASSWORD 20

/* A command line split into its own words and the server's options. */
struct local_args {
	const char *words[4];
	int n_words;
	const char *tenant, *role;
	int password_stdin;
	char *server[ARGS_MAX];
	int n_server;
};

static int local_args_parse(int argc, char **argv, struct local_args *a)
{
	memset(a, 0, sizeof(*a));
	a->tenant = INSTALL_TENANT;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		int has_value = i + 1 < argc;

		if (strcmp(arg, "--password-stdin") == 0) {
			a->password_stdin = 1;
		} else if (strcmp(arg, "--tenant") == 0 && has_value) {
			a->tenant = argv[++i];
		} else if (strcmp(arg, "--role") == 0 && has_value) {
			a->role = argv[++i];
		} else if (strncmp(arg, "--", 2) == 0) {
			if (a->n_server + 2 > ARGS_MAX)
				return -1;
			a->server[a->n_server++] = argv[i];
			if (strchr(arg, '=') == NULL && has_value &&
			    strcmp(arg, "--help") != 0)
				a->server[a->n_server++] = argv[++i];
		} else if (a->n_words < 4) {
			a->words[a->n_words++] = arg;
		} else {
			return -1;
		}
	}
	return 0;
}

/* A password from one line of standard input, or a generated one. */
static int password_obtain(int from_stdin, char *out, size_t size,
			   int *generated)
{
	size_t n;

	*generated = !from_stdin;
	if (!from_stdin)
		return password_generate(out, GENERATED_PASSWORD);
	if (fgets(out, (int)size, stdin) == NULL)
		return -1;
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	return 0;
}

static int local_fail(const struct engine_error *err)
{
	fprintf(stderr, "pkiaasd: %s\n", err->detail);
	return err->code == ENGINE_UNAVAILABLE ? EXIT_STORE : 1;
}

/* The local admin principal of the tenant named name. */
static int tenant_principal(struct store *st, const char *name,
			    struct principal *who)
{
	struct store_tenant t;
	enum store_result rc = store_tenant_get_by_name(st, name, &t);

	if (rc != STORE_OK) {
		fprintf(stderr, "pkiaasd: no tenant named %s%s\n", name,
			rc == STORE_NOT_FOUND ? " (pkiaasd tenant list)" : "");
		return rc == STORE_NOT_FOUND ? 1 : EXIT_STORE;
	}
	accounts_local_principal(who, t.id);
	store_tenant_free(&t);
	return 0;
}

static int user_add(struct store *st, const struct local_args *a,
		    const struct principal *who)
{
	char password[ACCOUNTS_PASSWORD_MAX + 2];
	struct engine_error err = {0};
	struct store_user u;
	int generated;

	if (a->n_words != 2 || a->role == NULL) {
		fprintf(stderr, "usage: pkiaasd user add USERNAME --role ROLE "
				"[--tenant NAME] [--password-stdin]\n");
		return EXIT_USAGE;
	}
	if (password_obtain(a->password_stdin, password, sizeof(password),
			    &generated) != 0) {
		fprintf(stderr, "pkiaasd: no password on standard input\n");
		return EXIT_USAGE;
	}
	if (accounts_user_create(st, who, a->words[1], password, a->role,
				 clock_now(), &u, &err) != ENGINE_OK)
		return local_fail(&err);
	printf("user %s (%s) added to tenant %s as %s\n", u.username, u.id,
	       a->tenant, u.role);
	if (generated)
		printf("password: %s  (shown once: keep it now)\n", password);
	store_user_free(&u);
	return 0;
}

static int user_list(struct store *st, const struct principal *who)
{
	struct engine_error err = {0};
	struct store_user_list list;
	char *after = NULL;
	int more = 1;

	printf("%-24s %-9s %-8s %s\n", "USERNAME", "ROLE", "STATUS", "ID");
	while (more) {
		if (accounts_user_list(st, who, after, 0, &list, &err) !=
		    ENGINE_OK) {
			free(after);
			return local_fail(&err);
		}
		for (size_t i = 0; i < list.n; i++)
			printf("%-24s %-9s %-8s %s\n", list.items[i].username,
			       list.items[i].role,
			       list.items[i].disabled ? "disabled" : "active",
			       list.items[i].id);
		more = list.has_more && list.n > 0;
		free(after);
		after = more ? strdup(list.items[list.n - 1].id) : NULL;
		store_user_list_free(&list);
		if (more && after == NULL)
			return 1;
	}
	return 0;
}

/* passwd and disable: the user named words[1] in the tenant. */
static int user_change(struct store *st, const struct local_args *a,
		       const struct principal *who)
{
	char password[ACCOUNTS_PASSWORD_MAX + 2];
	struct engine_error err = {0};
	struct store_user u, changed = {0};
	int generated = 0, rc;
	enum engine_result res;

	if (a->n_words != 2) {
		fprintf(stderr,
			"usage: pkiaasd user %s USERNAME [--tenant "
			"NAME]%s\n",
			a->words[0],
			strcmp(a->words[0], "passwd") == 0
			    ? " [--password-stdin]"
			    : "");
		return EXIT_USAGE;
	}
	if (store_user_get_by_name(st, who->tenant_id, a->words[1], &u) !=
	    STORE_OK) {
		fprintf(stderr, "pkiaasd: no user %s in tenant %s\n",
			a->words[1], a->tenant);
		return 1;
	}
	if (strcmp(a->words[0], "disable") == 0) {
		res = accounts_user_update(st, who, u.id, NULL, 1, clock_now(),
					   &changed, &err);
		store_user_free(&u);
		store_user_free(&changed);
		if (res != ENGINE_OK)
			return local_fail(&err);
		printf("user %s disabled\n", a->words[1]);
		return 0;
	}
	rc = password_obtain(a->password_stdin, password, sizeof(password),
			     &generated);
	res = rc == 0 ? accounts_password_set(st, who, u.id, password,
					      clock_now(), &err)
		      : engine_fail(&err, ENGINE_INVALID, NULL,
				    "no password on standard input");
	store_user_free(&u);
	if (res != ENGINE_OK)
		return local_fail(&err);
	printf("password of %s changed; their sessions ended\n", a->words[1]);
	if (generated)
		printf("password: %s  (shown once: keep it now)\n", password);
	return 0;
}

int pkiaasd_user(int argc, char **argv)
{
	struct local_args a;
	struct config cfg;
	struct store *st = NULL;
	struct principal who;
	int rc;

	if (local_args_parse(argc, argv, &a) != 0 || a.n_words == 0) {
		fprintf(stderr, "usage: pkiaasd user add|list|passwd|disable "
				"... [--tenant NAME] [server options]\n");
		return EXIT_USAGE;
	}
	rc = pkiaasd_setup(a.n_server, a.server, &cfg, &st);
	if (rc == 0)
		rc = tenant_principal(st, a.tenant, &who);
	if (rc == 0) {
		if (strcmp(a.words[0], "add") == 0)
			rc = user_add(st, &a, &who);
		else if (strcmp(a.words[0], "list") == 0)
			rc = user_list(st, &who);
		else if (strcmp(a.words[0], "passwd") == 0 ||
			 strcmp(a.words[0], "disable") == 0)
			rc = user_change(st, &a, &who);
		else
			rc = EXIT_USAGE;
		if (rc == EXIT_USAGE)
			fprintf(stderr, "pkiaasd user: add, list, passwd or "
					"disable\n");
	}
	store_close(st);
	config_free(&cfg);
	return rc == 1 && a.n_words == 0 ? 0 : rc;
}

static int tenant_list(struct store *st)
{
	struct store_tenant_list list;
	char when[32];

	if (store_tenant_list(st, &list) != STORE_OK) {
		fprintf(stderr, "pkiaasd: the tenants could not be read\n");
		return EXIT_STORE;
	}
	printf("%-24s %-17s %s\n", "NAME", "ID", "CREATED");
	for (size_t i = 0; i < list.n; i++) {
		time_t t = (time_t)list.items[i].created_at;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		printf("%-24s %-17s %s\n", list.items[i].name, list.items[i].id,
		       when);
	}
	store_tenant_list_free(&list);
	return 0;
}

static int tenant_add(struct store *st, const struct local_args *a)
{
	struct engine_error err = {0};
	struct store_tenant t;

	if (a->n_words != 2) {
		fprintf(stderr, "usage: pkiaasd tenant add NAME\n");
		return EXIT_USAGE;
	}
	if (accounts_tenant_create(st, a->words[1], clock_now(), &t, &err) !=
	    ENGINE_OK)
		return local_fail(&err);
	printf("tenant %s (%s) added; add its first admin with: pkiaasd "
	       "user add NAME --role admin --tenant %s\n",
	       t.name, t.id, t.name);
	store_tenant_free(&t);
	return 0;
}

int pkiaasd_tenant(int argc, char **argv)
{
	struct local_args a;
	struct config cfg;
	struct store *st = NULL;
	int rc;

	if (local_args_parse(argc, argv, &a) != 0 || a.n_words == 0 ||
	    (strcmp(a.words[0], "add") != 0 &&
	     strcmp(a.words[0], "list") != 0)) {
		fprintf(stderr, "usage: pkiaasd tenant add NAME | tenant list "
				"[server options]\n");
		return EXIT_USAGE;
	}
	rc = pkiaasd_setup(a.n_server, a.server, &cfg, &st);
	if (rc == 0)
		rc = strcmp(a.words[0], "add") == 0 ? tenant_add(st, &a)
						    : tenant_list(st);
	store_close(st);
	config_free(&cfg);
	return rc;
}
