#include "http/tls_creds.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "lib/log.h"

/* Certificates in a chain, leaf included. */
#define TLS_CHAIN_MAX 8

/*
 * One chain and key. A set that was replaced is kept until
 * tls_creds_clear: GnuTLS uses the pointers it was handed for the rest
 * of that handshake and never says when it is done with them. Sets are
 * replaced only when the certificate changes (a renewal), a few KB each.
 */
struct tls_set {
	struct tls_set *older;
	gnutls_pcert_st chain[TLS_CHAIN_MAX];
	unsigned n;
	gnutls_privkey_t key;
};

static pthread_mutex_t creds_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_set *creds_current; /* newest; ->older the replaced */

static gnutls_datum_t datum(const char *pem)
{
	return (gnutls_datum_t){(unsigned char *)(uintptr_t)pem,
				(unsigned)strlen(pem)};
}

static void set_free(struct tls_set *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < s->n; i++)
		gnutls_pcert_deinit(&s->chain[i]);
	gnutls_privkey_deinit(s->key);
	free(s);
}

/* GnuTLS's own check that the key is the leaf's: 0 or its error. */
static int key_matches(const gnutls_datum_t *chain, const gnutls_datum_t *key)
{
	gnutls_certificate_credentials_t probe;
	int rc = gnutls_certificate_allocate_credentials(&probe);

	if (rc < 0)
		return rc;
	rc = gnutls_certificate_set_x509_key_mem(probe, chain, key,
						 GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(probe);
	return rc < 0 ? rc : 0;
}

/* The parsed set, or NULL with *rc the GnuTLS error. */
static struct tls_set *set_parse(const char *chain_pem, const char *key_pem,
				 int *rc)
{
	gnutls_datum_t chain = datum(chain_pem), key = datum(key_pem);
	struct tls_set *s = calloc(1, sizeof(*s));

	*rc = GNUTLS_E_MEMORY_ERROR;
	if (s == NULL)
		return NULL;
	s->n = TLS_CHAIN_MAX;
	*rc = gnutls_pcert_list_import_x509_raw(s->chain, &s->n, &chain,
						GNUTLS_X509_FMT_PEM, 0);
	if (*rc < 0) {
		s->n = 0;
		goto fail;
	}
	*rc = gnutls_privkey_init(&s->key);
	if (*rc < 0)
		goto fail;
	*rc = gnutls_privkey_import_x509_raw(s->key, &key, GNUTLS_X509_FMT_PEM,
					     NULL, 0);
	if (*rc < 0)
		goto fail;
	*rc = key_matches(&chain, &key);
	if (*rc < 0)
		goto fail;
	return s;
fail:
	set_free(s);
	return NULL;
}

int tls_creds_set(const char *chain_pem, const char *key_pem)
{
	int rc;
	struct tls_set *s = set_parse(chain_pem, key_pem, &rc);

	if (s == NULL) {
		log_event(LOG_ERROR, "http.tls_credentials",
			  "error=\"the HTTPS certificate or key was refused: "
			  "%s\"",
			  gnutls_strerror(rc));
		return -1;
	}
	pthread_mutex_lock(&creds_lock);
	s->older = creds_current;
	creds_current = s;
	pthread_mutex_unlock(&creds_lock);
	return 0;
}

int tls_creds_retrieve(gnutls_session_t session, const gnutls_datum_t *ca,
		       int n_ca, const gnutls_pk_algorithm_t *algos,
		       int n_algos, gnutls_pcert_st **chain, unsigned *n_chain,
		       gnutls_privkey_t *key)
{
	struct tls_set *s;

	(void)session, (void)ca, (void)n_ca, (void)algos, (void)n_algos;
	pthread_mutex_lock(&creds_lock);
	s = creds_current;
	pthread_mutex_unlock(&creds_lock);
	if (s == NULL)
		return -1;
	*chain = s->chain;
	*n_chain = s->n;
	*key = s->key;
	return 0;
}

void tls_creds_clear(void)
{
	struct tls_set *s;

	pthread_mutex_lock(&creds_lock);
	s = creds_current;
	creds_current = NULL;
	pthread_mutex_unlock(&creds_lock);
	while (s != NULL) {
		struct tls_set *older = s->older;

		set_free(s);
		s = older;
	}
}
