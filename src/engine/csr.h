/* Reading certificate requests (PKCS#10) and override values. */
#ifndef PKIAAS_CSR_H
#define PKIAAS_CSR_H

#include <openssl/x509v3.h>
#include <stddef.h>

#include "engine/result.h"

/* The largest CSR taken. */
#define CSR_MAX (64 * 1024)

/*
 * Parses a CSR in PEM or DER: one request, nothing after it, its
 * signature verified with its own key (proof of possession).
 */
X509_REQ *csr_parse(const uint8_t *data, size_t len, struct engine_error *err);
/* The SANs a CSR asks for (its extensionRequest), or NULL. */
GENERAL_NAMES *csr_sans(X509_REQ *req);
/* A subject from "CN=x" strings; NULL with err naming field. */
X509_NAME *csr_subject_from_text(const char *const *parts, size_t n,
				 const char *field, struct engine_error *err);
/* SANs from "DNS:a", "IP:b", "email:c", "URI:d" strings. */
GENERAL_NAMES *csr_sans_from_text(const char *const *parts, size_t n,
				  const char *field, struct engine_error *err);
/* RFC 2253 text of a name, and "DNS:a, IP:b" of SANs: new strings. */
char *csr_name_text(const X509_NAME *name);
char *csr_sans_text(const GENERAL_NAMES *sans);

#endif
