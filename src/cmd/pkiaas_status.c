/* pkiaas status and version: is the server up, and what is this build. */
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"

/*
 * GETs path and prints "path: BODY". The HTTP status, or -1 when the
 * server could not be reached (printed).
 */
static long status_fetch(struct client *c, const char *path)
{
	struct reply r;
	long status = -1;

	printf("%s: ", path + 1);
	fflush(stdout);
	if (client_send(c, "GET", path, NULL, &r) == 0) {
		status = r.status;
		if (r.text != NULL)
			fwrite(r.text, 1, r.len, stdout);
	}
	printf("\n");
	reply_clear(&r);
	return status;
}

int cmd_status(const struct cli_command *cmd, struct cli_globals *g, int argc,
	       char **argv)
{
	struct context ctx;
	enum args_result ar;
	struct args a;
	long health, ready;
	int rc;

	ar = args_parse(cmd, argc, argv, NULL, 0, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	rc = context_open(&ctx, g, NEED_PLAIN);
	if (rc != 0)
		goto out;
	health = status_fetch(ctx.client, "/healthz");
	if (health < 0) {
		rc = CLI_UNREACHABLE;
		goto out;
	}
	ready = status_fetch(ctx.client, "/readyz");
	rc = health == 200 && ready == 200 ? CLI_OK : CLI_REFUSED;
out:
	context_close(&ctx);
	return rc;
}

int cmd_version(const struct cli_command *cmd, struct cli_globals *g, int argc,
		char **argv)
{
	struct args a;
	enum args_result ar;

	ar = args_parse(cmd, argc, argv, NULL, 0, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	printf("pkiaas %s\n%s\n%s\n", PKIAAS_VERSION,
	       OpenSSL_version(OPENSSL_VERSION), curl_version());
	return CLI_OK;
}
