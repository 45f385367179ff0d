/* Option parsing for the pkiaas client: "--name VALUE", "--name=VALUE". */
#include "cmd/pkiaas_args.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The global options, accepted before the command and among its options. */
static const struct args_opt globals[] = {
    {"server", 1},
    {"token", 1},
    {"cacert", 1},
    {"json", 0},
};

void args_usage(const struct cli_command *cmd, FILE *out)
{
	fprintf(out, "usage: pkiaas %s%s%s%s%s\n  %s\n",
		cmd->group ? cmd->group : "", cmd->group ? " " : "", cmd->name,
		*cmd->usage ? " " : "", cmd->usage, cmd->summary);
	fprintf(out, "global options: --server URL --token TOKEN "
		     "--cacert FILE --json (docs/cli.md)\n");
}

void args_unknown(const char *arg)
{
	int len = strncmp(arg, "--", 2) == 0 ? (int)strcspn(arg, "=") : 2;

	fprintf(stderr, "pkiaas: unknown option %.*s\n", len, arg);
}

/*
 * Finds the option named by arg ("--name" or "--name=VALUE") in spec;
 * its index, or -1. *inline_value points after '=' when there is one.
 */
static int opt_find(const struct args_opt *spec, size_t n, const char *arg,
		    const char **inline_value)
{
	const char *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);

	*inline_value = eq ? eq + 1 : NULL;
	for (size_t i = 0; i < n; i++) {
		if (strlen(spec[i].name) == len &&
		    strncmp(spec[i].name, name, len) == 0)
			return (int)i;
	}
	return -1;
}

/*
 * Takes the value of option spec at argv[*i]: inline, or the next
 * argument. NULL when it is missing.
 */
static const char *opt_value(int argc, char **argv, int *i,
			     const char *inline_value)
{
	if (inline_value != NULL)
		return inline_value;
	if (*i + 1 >= argc)
		return NULL;
	*i += 1;
	return argv[*i];
}

int args_global(int argc, char **argv, int *i, struct cli_globals *g)
{
	const char *inline_value, *v;
	int k;

	if (strncmp(argv[*i], "--", 2) != 0)
		return 0;
	k = opt_find(globals, sizeof(globals) / sizeof(*globals), argv[*i],
		     &inline_value);
	if (k < 0)
		return 0;
	if (!globals[k].has_value) {
		if (inline_value != NULL) {
			fprintf(stderr, "pkiaas: %s takes no value\n",
				argv[*i]);
			return -1;
		}
		g->json = 1;
		return 1;
	}
	v = opt_value(argc, argv, i, inline_value);
	if (v == NULL) {
		fprintf(stderr, "pkiaas: %s needs a value\n", argv[*i]);
		return -1;
	}
	if (k == 0)
		g->server = v;
	else if (k == 1)
		g->token = v;
	else
		g->cacert = v;
	return 1;
}

/* Takes the command's own option at argv[*i]; 0, or -1 (printed). */
static int opt_take(int argc, char **argv, int *i, const struct args_opt *spec,
		    size_t nspec, struct args *a)
{
	const char *inline_value, *v;
	const char *arg = argv[*i];
	int k = opt_find(spec, nspec, arg, &inline_value);

	if (k < 0) {
		args_unknown(arg);
		return -1;
	}
	if (!spec[k].has_value) {
		if (inline_value != NULL) {
			fprintf(stderr, "pkiaas: --%s takes no value\n",
				spec[k].name);
			return -1;
		}
		a->value[k] = "";
		return 0;
	}
	v = opt_value(argc, argv, i, inline_value);
	if (v == NULL) {
		fprintf(stderr, "pkiaas: --%s needs a value\n", spec[k].name);
		return -1;
	}
	a->value[k] = v;
	return 0;
}

/* Takes a positional argument; 0, or -1 (printed) when there are too many. */
static int pos_take(struct args *a, char *arg, size_t max_pos)
{
	/* Not echoed: it may be the secret of a misspelled option. */
	if (a->npos >= max_pos || a->npos >= ARGS_MAX_POS) {
		fprintf(stderr, "pkiaas: too many arguments\n");
		return -1;
	}
	a->pos[a->npos++] = arg;
	return 0;
}

/*
 * One step of args_parse at argv[*i]; 0, or -1 on an error (printed).
 * *help is set by --help, *rest once "--" ends the options.
 */
static int args_step(int argc, char **argv, int *i, const struct args_opt *spec,
		     size_t nspec, size_t max_pos, struct cli_globals *g,
		     struct args *a, int *help, int *rest)
{
	char *arg = argv[*i];
	int taken;

	if (*rest || strncmp(arg, "--", 2) != 0) {
		if (!*rest && strcmp(arg, "-h") == 0) {
			*help = 1;
			return 0;
		}
		/* Other words, "-x" too: a token may start with '-'. */
		return pos_take(a, arg, max_pos);
	}
	if (strcmp(arg, "--") == 0) {
		*rest = 1;
		return 0;
	}
	if (strcmp(arg, "--help") == 0) {
		*help = 1;
		return 0;
	}
	taken = args_global(argc, argv, i, g);
	if (taken != 0)
		return taken < 0 ? -1 : 0;
	if (opt_take(argc, argv, i, spec, nspec, a) == 0)
		return 0;
	if (max_pos > 0)
		fprintf(stderr, "pkiaas: an argument that starts with '--' "
				"goes after --\n");
	return -1;
}

enum args_result args_parse(const struct cli_command *cmd, int argc,
			    char **argv, const struct args_opt *spec,
			    size_t nspec, size_t min_pos, size_t max_pos,
			    struct cli_globals *g, struct args *a)
{
	int help = 0, rest = 0, bad = 0;

	memset(a, 0, sizeof(*a));
	if (nspec > ARGS_MAX_OPTS) {
		/* A command of more options than args holds: a bug here,
		 * said rather than options dropped. */
		fprintf(stderr,
			"pkiaas: %s %s has %zu options, more than %d; raise "
			"ARGS_MAX_OPTS\n",
			cmd->group != NULL ? cmd->group : "", cmd->name, nspec,
			ARGS_MAX_OPTS);
		return ARGS_BAD;
	}
	for (int i = 0; i < argc; i++) {
		/* Keep looking for --help after an error: it always wins. */
		if (args_step(argc, argv, &i, spec, nspec, max_pos, g, a, &help,
			      &rest) != 0)
			bad = 1;
	}
	if (help) {
		args_usage(cmd, stdout);
		return ARGS_HELP;
	}
	if (!bad && a->npos < min_pos) {
		fprintf(stderr, "pkiaas: missing argument\n");
		bad = 1;
	}
	if (bad) {
		args_usage(cmd, stderr);
		return ARGS_BAD;
	}
	return ARGS_RUN;
}

int args_exit(enum args_result r)
{
	return r == ARGS_HELP ? CLI_OK : CLI_USAGE;
}

int args_int(const char *what, const char *s, long long min, long long max,
	     long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!isdigit((unsigned char)s[s[0] == '-']) || *end != '\0' ||
	    errno != 0 || v < min || v > max) {
		fprintf(stderr,
			"pkiaas: %s must be a number from %lld to "
			"%lld, not '%s'\n",
			what, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

int args_role(const char *s)
{
	if (strcmp(s, "admin") == 0 || strcmp(s, "operator") == 0 ||
	    strcmp(s, "auditor") == 0)
		return 0;
	fprintf(stderr,
		"pkiaas: --role must be admin, operator or auditor, not '%s'\n",
		s);
	return -1;
}
