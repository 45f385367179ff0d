/* pkiaasd audit verify: checks the hash chain of the audit log. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/pkiaasd_cmds.h"

static void audit_usage(FILE *out)
{
	fprintf(out, "usage: pkiaasd audit verify [OPTIONS]\n\n"
		     "Checks that no row of the audit log was changed, "
		     "inserted or deleted,\n"
		     "and prints the newest row's number and hash. OPTIONS "
		     "are those of\n"
		     "pkiaasd serve (--data, --database, ...); see "
		     "docs/operations.md.\n\n");
}

/*
 * Opens the store as serve would, walks the chain and prints the verdict:
 * 0 when intact, EXIT_AUDIT when a row breaks it, another exit code when
 * the store cannot be read.
 */
static int audit_verify(int argc, char **argv)
{
	struct config cfg;
	struct store *st = NULL;
	struct store_audit_check check;
	int rc;

	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			audit_usage(stdout);
	rc = pkiaasd_setup(argc, argv, &cfg, &st);
	if (rc != 0)
		goto out;
	if (store_audit_verify(st, &check) != STORE_OK) {
		fprintf(stderr, "cannot read the audit log: the database "
				"failed (the log says why)\n");
		rc = EXIT_STORE;
	} else if (check.bad_seq != 0) {
		printf("audit log broken at row %" PRId64 ": %s\n",
		       check.bad_seq, check.reason);
		rc = EXIT_AUDIT;
	} else {
		printf("audit log intact: %" PRId64 " rows, head %" PRId64
		       " %s\n",
		       check.rows, check.head_seq, check.head_hash);
	}
out:
	store_close(st);
	config_free(&cfg);
	return rc == 1 ? 0 : rc;
}

int pkiaasd_audit(int argc, char **argv)
{
	const char *sub = argc > 0 ? argv[0] : "";

	if (strcmp(sub, "verify") == 0)
		return audit_verify(argc - 1, argv + 1);
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
	    strcmp(sub, "help") == 0) {
		audit_usage(stdout);
		return 0;
	}
	audit_usage(stderr);
	return EXIT_USAGE;
}
