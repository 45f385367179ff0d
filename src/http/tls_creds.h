/*
 * The HTTPS port's certificate chain and key, handed to each TLS
 * handshake by a GnuTLS callback. Replacing them changes what the next
 * handshake presents: the daemon, its listening socket and its open
 * connections stay as they are. One set per process, for its one HTTPS
 * port.
 */
#ifndef PKIAAS_HTTP_TLS_CREDS_H
#define PKIAAS_HTTP_TLS_CREDS_H

#include <gnutls/abstract.h>

/*
 * Makes chain_pem (leaf first) and key_pem the credentials of the next
 * handshakes. 0, or -1 with the cause logged and the previous ones kept:
 * unreadable PEM, a chain longer than 8, or a key that is not the
 * leaf's.
 */
int tls_creds_set(const char *chain_pem, const char *key_pem);
/* The MHD_OPTION_HTTPS_CERT_CALLBACK function: the current credentials. */
int tls_creds_retrieve(gnutls_session_t session, const gnutls_datum_t *ca,
		       int n_ca, const gnutls_pk_algorithm_t *algos,
		       int n_algos, gnutls_pcert_st **chain, unsigned *n_chain,
		       gnutls_privkey_t *key);
/* Frees every set ever made; no handshake may be running any more. */
void tls_creds_clear(void);

#endif
