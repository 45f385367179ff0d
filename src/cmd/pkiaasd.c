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
		"  user add|list|passwd|disable USERNAME [--tenant NAME] "
		"[--role ROLE]\n"
		"            [--password-stdin]   manage users without a "
		"running server\n"
		"  tenant add NAME | tenant list\n"
		"  audit verify\n"
		"            check the audit log's hash chain (exit 6 when "
		"broken)\n"
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
	if (strcmp(cmd, "user") == 0)
		return pkiaasd_user(argc - 2, argv + 2);
	if (strcmp(cmd, "tenant") == 0)
		return pkiaasd_tenant(argc - 2, argv + 2);
	if (strcmp(cmd, "audit") == 0)
		return pkiaasd_audit(argc - 2, argv + 2);
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
