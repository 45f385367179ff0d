/* Command-line options of the pkiaas client's commands. */
#ifndef PKIAAS_PKIAAS_ARGS_H
#define PKIAAS_PKIAAS_ARGS_H

#include <stddef.h>
#include <stdio.h>

#include "cmd/pkiaas_cli.h"

#define ARGS_MAX_OPTS 24 /* options of one command */
#define ARGS_MAX_POS  4	 /* positional arguments of one command */

/* One option of a command, "--name" or "--name VALUE". */
struct args_opt {
	const char *name; /* without the leading "--" */
	int has_value;
};

/* What args_parse found. */
struct args {
	const char *value[ARGS_MAX_OPTS]; /* by spec index: the value, "" for a
					     flag, NULL when absent */
	char *pos[ARGS_MAX_POS];	  /* positional arguments */
	size_t npos;
};

/* What args_parse tells the command to do. */
enum args_result {
	ARGS_RUN,  /* go on */
	ARGS_HELP, /* --help was given and its text printed: exit 0 */
	ARGS_BAD,  /* a usage error was printed: exit 2 */
};

/*
 * Parses a command's arguments against spec (nspec entries), also taking
 * the global options anywhere (into g) and --help. Requires between
 * min_pos and max_pos positional arguments. Prints the command's usage on
 * --help (stdout) or on an error (stderr).
 */
enum args_result args_parse(const struct cli_command *cmd, int argc,
			    char **argv, const struct args_opt *spec,
			    size_t nspec, size_t min_pos, size_t max_pos,
			    struct cli_globals *g, struct args *a);
/* The exit code for a result other than ARGS_RUN. */
int args_exit(enum args_result r);

/*
 * Takes one global option at argv[*i] (with its value), advancing *i.
 * 1 when taken, 0 when argv[*i] is not a global option, -1 when its value
 * is missing (printed).
 */
int args_global(int argc, char **argv, int *i, struct cli_globals *g);

/* Says that arg is no option, without a value glued to it (a secret?). */
void args_unknown(const char *arg);
/* Prints "usage: pkiaas GROUP NAME USAGE" and the summary to out. */
void args_usage(const struct cli_command *cmd, FILE *out);

/*
 * Parses s as a decimal integer in [min, max] into *out. 0, or -1 with a
 * message naming what (an option) on stderr.
 */
int args_int(const char *what, const char *s, long long min, long long max,
	     long long *out);
/* 0 when s is admin, operator or auditor; else -1 with a message. */
int args_role(const char *s);

#endif
