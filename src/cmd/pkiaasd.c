/* pkiaasd: the server, and the local administration commands. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cmd/pkiaasd_cmds.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pkiaasd COMMAND [OPTIONS]\n\n"
		"commands:\n"
		"  serve     run the server (pkiaasd serve --help lists the "
		"options)\n"
		"  migrate   bring the database schema up to date and exit\n"
		"  version   print the versions of pkiaasd and OpenSSL\n\n"
		"Documentation: docs/configuration.md, docs/operations.md\n");
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (strcmp(cmd, "serve") == 0)
		return pkiaasd_serve(argc - 2, argv + 2);
	if (strcmp(cmd, "migrate") == 0)
		return pkiaasd_migrate(argc - 2, argv + 2);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("pkiaasd %s\n%s\n", PKIAAS_VERSION,
		       OpenSSL_version(OPENSSL_VERSION));
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
