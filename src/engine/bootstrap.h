/*
 * The bootstrap CA: a root of the server's own that issues the certificate
 * of the HTTPS port, so that a fresh install serves TLS that a browser can
 * trust after importing one root. (The engine issue moves both onto the
 * one issuance path.) ECDSA P-256, 16-byte random positive serials.
 */
#ifndef PKIAAS_BOOTSTRAP_H
#define PKIAAS_BOOTSTRAP_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#define BOOTSTRAP_ROOT_DAYS   3650
#define BOOTSTRAP_SERVER_DAYS 90
/* A server certificate is renewed when fewer days than this remain. */
#define BOOTSTRAP_RENEW_DAYS 30
/* Certificates start this long before now, for clients with slow clocks. */
#define BOOTSTRAP_BACKDATE_SECONDS 300

/* A new self-signed root CA: CN "pkiaas bootstrap root <id>". 0 or -1. */
int bootstrap_root_make(int64_t now, EVP_PKEY **key, X509 **cert);
/*
 * A new server certificate signed by the root, for the DNS names and IP
 * addresses in names (each string is one or the other): EKU serverAuth,
 * CA:FALSE, SAN, SKI/AKI. 0 or -1.
 */
int bootstrap_server_make(EVP_PKEY *root_key, X509 *root,
			  const char *const *names, size_t n_names, int64_t now,
			  EVP_PKEY **key, X509 **cert);
/*
 * 1 when cert is valid at now, stays valid for more than renew_seconds,
 * and covers every name; 0 otherwise.
 */
int bootstrap_server_is_current(X509 *cert, const char *const *names,
				size_t n_names, int64_t now,
				int64_t renew_seconds);

#endif
