/*
 * The pkiaas client's shared pieces: exit codes (docs/cli.md), the global
 * options and the shape of a command.
 */
#ifndef PKIAAS_PKIAAS_CLI_H
#define PKIAAS_PKIAAS_CLI_H

/* Exit codes, as documented in docs/cli.md. */
enum cli_exit {
	CLI_OK = 0,
	CLI_REFUSED = 1,     /* the server refused the request */
	CLI_USAGE = 2,	     /* a bad command, option or value */
	CLI_UNREACHABLE = 3, /* no answer: refused, TLS not trusted, timeout */
	CLI_DENIED = 4,	     /* not logged in, token invalid (401), 403 */
	CLI_NOT_FOUND = 5,   /* 404 */
};

/* The global options as given on the command line; NULL when absent. */
struct cli_globals {
	const char *server; /* --server URL */
	const char *token;  /* --token TOKEN */
	const char *cacert; /* --cacert FILE */
	int json;	    /* --json: print the server's JSON */
};

struct cli_command;

/* Runs a command on its arguments (after its name); returns an exit code. */
typedef int cli_run_fn(const struct cli_command *cmd, struct cli_globals *g,
		       int argc, char **argv);

/* One command of the table in pkiaas.c. */
struct cli_command {
	const char *group;   /* "token", or NULL for a top-level command */
	const char *name;    /* "create" */
	const char *usage;   /* what follows the name, for --help */
	const char *summary; /* one line */
	cli_run_fn *run;
};

#endif
