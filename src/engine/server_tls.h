/*
 * The certificate of the HTTPS port. The bootstrap root and the current
 * server certificate live in the store (keys sealed by the KEK), so every
 * node presents the same ones and a renewal on one node reaches all.
 */
#ifndef PKIAAS_SERVER_TLS_H
#define PKIAAS_SERVER_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "signer/kek.h"
#include "store/store.h"

struct server_tls {
	char *chain_pem; /* server certificate, then the root */
	char *key_pem;	 /* PKCS#8; wiped by server_tls_free */
	char *root_pem;
	int64_t not_after; /* of the server certificate */
};

/*
 * Makes the bootstrap root when the store has none, and a server
 * certificate for names when the stored one is missing, does not cover a
 * name or expires within BOOTSTRAP_RENEW_DAYS of now. Writes the root to
 * DATA_DIR/tls/root.pem. 0, or -1 with the cause logged.
 */
int server_tls_ensure(struct store *st, const struct kek *kek,
		      const char *data_dir, const char *const *names,
		      size_t n_names, int64_t now, struct server_tls *out);
void server_tls_free(struct server_tls *tls);

#endif
