/* What the accounts files share; only src/engine/accounts*.c include it. */
#ifndef PKIAAS_ACCOUNTS_COMMON_H
#define PKIAAS_ACCOUNTS_COMMON_H

#include "engine/accounts.h"

/* An audit record of who doing action on an object, at now, succeeded. */
struct store_audit accounts_audit(const struct principal *who,
				  const char *action, const char *object_type,
				  const char *object_id, int64_t now);
/*
 * Records that who was refused action (outcome "denied", err's detail)
 * and returns err->code. Used when the refusal itself is worth keeping.
 */
enum engine_result accounts_denied(struct store *st,
				   const struct principal *who,
				   const char *action, const char *object_type,
				   const char *object_id, int64_t now,
				   const struct engine_error *err);
/* A new random secret, 32 bytes in base64url, into out (size >= 44). */
int accounts_secret_new(char *out, size_t size);
/* Checks a username: 1 to 64 of letters, digits and "._@-". */
enum engine_result accounts_username_check(const char *username,
					   struct engine_error *err);
/* Checks a new password's length, naming field. */
enum engine_result accounts_password_check(const char *password,
					   const char *field,
					   struct engine_error *err);
/* Clamps a page size: 0 or too large gives the largest. */
size_t accounts_limit(size_t limit);

#endif
