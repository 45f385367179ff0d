/* Building and signing a certificate from a template's settings. */
#ifndef PKIAAS_BUILD_H
#define PKIAAS_BUILD_H

#include <openssl/x509v3.h>
#include <stdint.h>

#include "engine/issue.h"

/*
 * A new certificate for key with subject and sans, valid from not_before
 * to not_after, with the template's extensions, signed by signer (self-
 * signed when signer->cert is NULL). spki, when not NULL, is key as its
 * CSR encodes it, and is copied as it is. NULL with err set.
 */
X509 *build_certificate(const struct issue_signer *signer,
			const struct template_settings *tpl,
			const X509_NAME *subject, const GENERAL_NAMES *sans,
			EVP_PKEY *key, const X509_PUBKEY *spki,
			int64_t not_before, int64_t not_after,
			struct engine_error *err);
/* Signs cert with key as the CA's hash and pss ask. 0 or -1. */
int build_sign(X509 *cert, EVP_PKEY *key, const char *hash, int pss);

#endif
