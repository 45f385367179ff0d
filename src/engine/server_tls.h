/*
 * The certificate of the HTTPS port. The bootstrap CA is a root CA of
 * the system tenant, made through the engine like any other; the HTTPS
 * certificate is issued by it through the one issuance path, with its
 * key sealed in the store, so every node presents the same one and a
 * renewal on one node reaches all.
 */
#ifndef PKIAAS_SERVER_TLS_H
#define PKIAAS_SERVER_TLS_H

#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/ca.h"

/* The tenant that holds what the server needs for itself. */
#define SERVER_TLS_TENANT "system"
/* The name of its bootstrap CA. */
#define SERVER_TLS_CA	"bootstrap"
#define SERVER_TLS_DAYS 90
/* The HTTPS certificate is renewed when fewer days than this remain. */
#define SERVER_TLS_RENEW_DAYS 30

struct server_tls {
	char *chain_pem; /* server certificate, then the root */
	char *key_pem;	 /* PKCS#8; wiped by server_tls_free */
	char *root_pem;
	int64_t not_after; /* of the server certificate */
};

/*
 * Makes the system tenant and its bootstrap CA when the store has none,
 * and an HTTPS certificate for names when the stored one is missing, not
 * the bootstrap CA's, does not cover a name or expires within
 * SERVER_TLS_RENEW_DAYS of now. Writes the root to DATA_DIR/tls/root.pem.
 * 0, or -1 with the cause logged.
 */
int server_tls_ensure(const struct ca_context *ctx, const char *data_dir,
		      const char *const *names, size_t n_names, int64_t now,
		      struct server_tls *out);
/* 1 when cert is valid at now for longer than renew_seconds and covers
 * every name; 0 otherwise. */
int server_tls_current(X509 *cert, const char *const *names, size_t n_names,
		       int64_t now, int64_t renew_seconds);
void server_tls_free(struct server_tls *tls);

#endif
