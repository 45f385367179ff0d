/*
 * Which server, root and token a command uses: the global options beat
 * the environment, which beats the stored configuration. The stored token
 * and root are used only with the stored server.
 */
#ifndef PKIAAS_PKIAAS_CONTEXT_H
#define PKIAAS_PKIAAS_CONTEXT_H

#include "cmd/pkiaas_cli.h"
#include "cmd/pkiaas_client.h"
#include "cmd/pkiaas_config.h"
#include "cmd/pkiaas_table.h"

/* What a command needs. */
enum context_need {
	NEED_SERVER, /* a server; no token is sent */
	NEED_TOKEN,  /* a server and a token */
	NEED_PLAIN,  /* a server, which may be plain http:// (status) */
	NEED_LOGIN,  /* a server; a damaged configuration is replaced */
};

/* A command's connection to its server. */
struct context {
	struct cli_config cfg; /* the stored configuration */
	const char *server;    /* the server in use */
	const char *cacert;    /* the root in use, or NULL */
	const char *token;     /* the token in use (NEED_TOKEN), or NULL */
	int token_stored;      /* token is cfg.token */
	int server_stored;     /* server is cfg.server */
	struct client *client; /* a client of server */
};

/*
 * Fills ctx for a command that needs what need says, with g's options.
 * 0, or an exit code (printed: 4 when not logged in). Call context_close
 * in any case.
 */
int context_open(struct context *ctx, const struct cli_globals *g,
		 enum context_need need);
/* Releases what ctx holds. */
void context_close(struct context *ctx);

/*
 * GETs the collection at path (every page when all is set) and prints it
 * as a table of cols, or as JSON when as_json is set. 0 or an exit code.
 */
int context_print_list(struct context *ctx, const char *path, int all,
		       int as_json, const struct column *cols, size_t ncols);
/*
 * Sends method path with body (NULL: none) and prints the answer as a
 * record of lines, or as JSON when as_json is set. 0 or an exit code.
 */
int context_print_call(struct context *ctx, const char *method,
		       const char *path, json_t *body, int as_json,
		       const struct column *lines, size_t nlines);

#endif
