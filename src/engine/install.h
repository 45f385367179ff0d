/* What a new installation sets up once: the KEK record, the first admin. */
#ifndef PKIAAS_INSTALL_H
#define PKIAAS_INSTALL_H

#include <stddef.h>
#include <stdint.h>

#include "signer/kek.h"
#include "store/store.h"

#define INSTALL_TENANT	     "default"
#define INSTALL_ADMIN	     "admin"
#define INSTALL_PASSWORD_LEN 20
/* The actor named in the audit log for what the server does itself. */
#define INSTALL_ACTOR "pkiaasd"

/*
 * Checks that kek is the key this database's secrets were sealed with,
 * recording a check value on first use. 0, or -1 with a log line that
 * says what to fix.
 */
int install_kek_check(struct store *st, const struct kek *kek);

/*
 * On a store without tenants, creates the tenant "default" and its user
 * "admin" (role admin) with a new random password, written to password
 * (size at least INSTALL_PASSWORD_LEN + 1). Returns 1 when it created
 * them, 0 when the store already had a tenant, -1 on failure.
 */
int install_first_admin(struct store *st, int64_t now, char *password,
			size_t size);

#endif
