/* Login passwords: Argon2id (RFC 9106) through OpenSSL's KDF. */
#ifndef PKIAAS_PASSWORD_H
#define PKIAAS_PASSWORD_H

#include <stddef.h>

/*
 * Hashes password with a fresh 16-byte salt into a new PHC string
 * "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" (unpadded base64). 0 or -1.
 */
int password_hash(const char *password, char **phc);
/*
 * 1 when password matches phc, 0 when it does not, -1 when phc is not a
 * well-formed Argon2id string within our parameter limits. Constant time
 * in the comparison.
 */
int password_verify(const char *password, const char *phc);
/* Writes a random password of len characters (len + 1 bytes). 0 or -1. */
int password_generate(char *out, size_t len);

#endif
