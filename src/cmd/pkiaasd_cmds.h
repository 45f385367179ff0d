/* The subcommands of pkiaasd; each returns the process's exit code. */
#ifndef PKIAAS_PKIAASD_CMDS_H
#define PKIAAS_PKIAASD_CMDS_H

#include "lib/config.h"
#include "store/store.h"

/* Exit codes, documented in docs/operations.md. */
#define EXIT_USAGE  2 /* a bad option or value */
#define EXIT_SETUP  3 /* data folder, key-encryption key or TLS */
#define EXIT_STORE  4 /* the database cannot be opened or migrated */
#define EXIT_LISTEN 5 /* a port cannot be bound */
#define EXIT_AUDIT  6 /* audit verify found the chain broken */

int pkiaasd_serve(int argc, char **argv);
int pkiaasd_migrate(int argc, char **argv);
/* "add|list|passwd|disable ...": local administration of users. */
int pkiaasd_user(int argc, char **argv);
/* "add NAME | list": local administration of tenants. */
int pkiaasd_tenant(int argc, char **argv);
/* "verify [OPTIONS]": checks the audit log's hash chain. */
int pkiaasd_audit(int argc, char **argv);

/*
 * Shared start of the commands: reads the configuration, sets up logging
 * and the clock, creates the data folder, opens the store and migrates
 * it. Returns 0, 1 after --help, or an exit code.
 */
int pkiaasd_setup(int argc, char **argv, struct config *cfg, struct store **st);

/* The HTTP threads of the HTTPS (tls set) or the plain port. */
unsigned pkiaasd_port_threads(const struct config *cfg, int tls);

#endif
