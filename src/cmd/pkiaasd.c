/* pkiaasd: the server, and the local administration commands. */
#include <malloc.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* malloc arenas a core; glibc's own default is 8. */
#define ARENAS_PER_CORE 2

/* Whether the environment already sets glibc's arena count. */
static int arena_max_given(void)
{
	const char *tunables = getenv("GLIBC_TUNABLES");

	return getenv("MALLOC_ARENA_MAX") != NULL ||
	       (tunables != NULL && strstr(tunables, "arena_max") != NULL);
}

/*
 * Process-wide settings, made while the process has one thread and
 * before any library runs; docs/performance.md gives the figures.
 */
static void process_init(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int arenas = (cores > 1 ? (int)cores : 1) * ARENAS_PER_CORE;

	/*
	 * glibc gives each new thread an arena of its own, up to 8 a core,
	 * and every arena keeps freed memory. Threads past ARENAS_PER_CORE
	 * a core share arenas instead: no more than one thread a core runs
	 * at once, so they seldom wait for one.
	 */
	if (!arena_max_given())
		mallopt(M_ARENA_MAX, arenas);
	/*
	 * libpq's default, gssencmode=prefer, starts Kerberos on every
	 * PostgreSQL connection to look for a ticket (about 550 KB resident
	 * for the process's life, and a slower connect). GSSAPI encryption
	 * stays one setting away: gssencmode=prefer or require in the
	 * database URL, or PGGSSENCMODE, which this leaves as it is.
	 */
	setenv("PGGSSENCMODE", "disable", 0);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	process_init();

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
