/*
 * The built-in lint: checks every certificate after it is signed and
 * before it is stored. The rules are listed in docs/lint.md.
 */
#ifndef PKIAAS_LINT_H
#define PKIAAS_LINT_H

#include <openssl/x509.h>
#include <stddef.h>

/*
 * 0 when cert passes every rule; -1 with the first broken rule written
 * to why. issuer is the signing CA's certificate, or NULL for a
 * self-signed one.
 */
int lint_certificate(X509 *cert, X509 *issuer, char *why, size_t size);

#endif
