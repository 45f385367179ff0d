#include "engine/server_tls.h"

#include <limits.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bootstrap.h"
#include "lib/fsutil.h"
#include "lib/log.h"

#define AAD_ROOT   "tls/root"
#define AAD_SERVER "tls/server"
/* Rounds of reading back after losing a race with another node. */
#define RACE_ROUNDS 3

struct pair {
	EVP_PKEY *key;
	X509 *cert;
	int64_t not_after;
};

static void pair_clear(struct pair *p)
{
	EVP_PKEY_free(p->key);
	X509_free(p->cert);
	memset(p, 0, sizeof(*p));
}

/* PEM of a certificate or a private key as a new string. */
static char *pem_string(X509 *cert, EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long len;
	int ok;

	if (bio == NULL)
		return NULL;
	ok = cert != NULL ? PEM_write_bio_X509(bio, cert)
			  : PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
						     NULL, NULL);
	len = BIO_get_mem_data(bio, &data);
	if (ok && len > 0 && (out = malloc((size_t)len + 1)) != NULL) {
		memcpy(out, data, (size_t)len);
		out[len] = '\0';
	}
	BIO_free(bio);
	return out;
}

static int64_t cert_not_after(X509 *cert)
{
	struct tm tm;

	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

/* Seals pair's key and stores the pair in slot. */
static enum store_result pair_put(struct store *st, const struct kek *kek,
				  const char *slot, const char *aad,
				  const struct pair *p, int64_t expect)
{
	struct store_tls row = {0};
	char *key_pem = pem_string(NULL, p->key);
	unsigned char *der = NULL;
	int der_len = i2d_X509(p->cert, &der);
	enum store_result rc = STORE_ERROR;

	if (key_pem != NULL && der_len > 0 &&
	    kek_seal(kek, aad, (const uint8_t *)key_pem, strlen(key_pem),
		     &row.key_sealed, &row.key_len) == 0) {
		row.cert_der = der;
		row.cert_len = (size_t)der_len;
		row.not_after = p->not_after;
		rc = store_tls_put(st, slot, &row, expect);
	}
	if (key_pem != NULL)
		OPENSSL_clear_free(key_pem, strlen(key_pem));
	OPENSSL_free(der);
	free(row.key_sealed);
	return rc;
}

/* Reads slot and opens its key. STORE_ERROR when it does not open. */
static enum store_result pair_get(struct store *st, const struct kek *kek,
				  const char *slot, const char *aad,
				  struct pair *p)
{
	struct store_tls row = {0};
	const unsigned char *der;
	uint8_t *pem = NULL;
	size_t pem_len = 0;
	enum store_result rc = store_tls_get(st, slot, &row);
	BIO *bio;

	if (rc != STORE_OK)
		return rc;
	rc = STORE_ERROR;
	der = row.cert_der;
	p->cert = d2i_X509(NULL, &der, (long)row.cert_len);
	if (p->cert == NULL || kek_open(kek, aad, row.key_sealed, row.key_len,
					&pem, &pem_len) != 0) {
		log_event(LOG_ERROR, "tls.load",
			  "slot=%s error=\"stored TLS material does not open "
			  "under this key-encryption key\"",
			  slot);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	p->key =
	    bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	p->not_after = row.not_after;
	if (p->key != NULL)
		rc = STORE_OK;
out:
	if (rc != STORE_OK)
		pair_clear(p);
	OPENSSL_clear_free(pem, pem_len);
	store_tls_free(&row);
	return rc;
}

/* The stored root, made first when the store has none. */
static int root_ensure(struct store *st, const struct kek *kek, int64_t now,
		       struct pair *root)
{
	for (int round = 0; round < RACE_ROUNDS; round++) {
		enum store_result rc =
		    pair_get(st, kek, "root", AAD_ROOT, root);

		if (rc == STORE_OK)
			return 0;
		if (rc != STORE_NOT_FOUND)
			return -1;
		if (bootstrap_root_make(now, &root->key, &root->cert) != 0)
			return -1;
		root->not_after = cert_not_after(root->cert);
		rc = pair_put(st, kek, "root", AAD_ROOT, root, 0);
		if (rc == STORE_OK) {
			log_event(LOG_INFO, "tls.root_created", NULL);
			return 0;
		}
		pair_clear(root);
		if (rc != STORE_CONFLICT)
			return -1;
	}
	return -1;
}

static int server_usable(const struct pair *server, const struct pair *root,
			 const char *const *names, size_t n_names, int64_t now)
{
	return X509_check_issued(root->cert, server->cert) == X509_V_OK &&
	       bootstrap_server_is_current(server->cert, names, n_names, now,
					   (int64_t)BOOTSTRAP_RENEW_DAYS *
					       86400);
}

/*
 * The stored server certificate when it is usable, else a new one; of
 * several nodes renewing at once, the first to store wins.
 */
static int server_ensure(struct store *st, const struct kek *kek,
			 const struct pair *root, const char *const *names,
			 size_t n_names, int64_t now, struct pair *server)
{
	for (int round = 0; round < RACE_ROUNDS; round++) {
		enum store_result rc =
		    pair_get(st, kek, "server", AAD_SERVER, server);
		int64_t expect = rc == STORE_OK ? server->not_after : 0;

		if (rc != STORE_OK && rc != STORE_NOT_FOUND)
			return -1;
		if (rc == STORE_OK &&
		    server_usable(server, root, names, n_names, now))
			return 0;
		pair_clear(server);
		if (bootstrap_server_make(root->key, root->cert, names, n_names,
					  now, &server->key,
					  &server->cert) != 0)
			return -1;
		server->not_after = cert_not_after(server->cert);
		rc = pair_put(st, kek, "server", AAD_SERVER, server, expect);
		if (rc == STORE_OK) {
			log_event(LOG_INFO, "tls.server_issued",
				  "not_after=%lld",
				  (long long)server->not_after);
			return 0;
		}
		pair_clear(server);
		if (rc != STORE_CONFLICT)
			return -1;
	}
	return -1;
}

/* DATA_DIR/tls/root.pem, rewritten only when it differs. */
static int root_publish(const char *data_dir, const char *root_pem)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	char *old = NULL;
	size_t old_len;
	int same;

	snprintf(dir, sizeof(dir), "%s/tls", data_dir);
	snprintf(path, sizeof(path), "%s/root.pem", dir);
	same = fs_read_all(path, 65536, &old, &old_len) == 0 &&
	       strcmp(old, root_pem) == 0;
	free(old);
	if (same)
		return 0;
	if (fs_mkdir_p(dir, 0755) != 0 ||
	    fs_write_atomic(path, root_pem, strlen(root_pem), 0644) != 0) {
		log_event(LOG_ERROR, "tls.root_write", "path=%s error=%m",
			  path);
		return -1;
	}
	return 0;
}

int server_tls_ensure(struct store *st, const struct kek *kek,
		      const char *data_dir, const char *const *names,
		      size_t n_names, int64_t now, struct server_tls *out)
{
	struct pair root = {0}, server = {0};
	char *server_pem = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (root_ensure(st, kek, now, &root) != 0 ||
	    server_ensure(st, kek, &root, names, n_names, now, &server) != 0)
		goto out;
	out->root_pem = pem_string(root.cert, NULL);
	server_pem = pem_string(server.cert, NULL);
	out->key_pem = pem_string(NULL, server.key);
	out->not_after = server.not_after;
	if (out->root_pem == NULL || server_pem == NULL ||
	    out->key_pem == NULL ||
	    asprintf(&out->chain_pem, "%s%s", server_pem, out->root_pem) < 0) {
		out->chain_pem = NULL;
		goto out;
	}
	rc = root_publish(data_dir, out->root_pem);
out:
	if (rc != 0)
		server_tls_free(out);
	free(server_pem);
	pair_clear(&root);
	pair_clear(&server);
	return rc;
}

void server_tls_free(struct server_tls *tls)
{
	if (tls == NULL)
		return;
	free(tls->chain_pem);
	free(tls->root_pem);
	if (tls->key_pem != NULL)
		OPENSSL_clear_free(tls->key_pem, strlen(tls->key_pem));
	memset(tls, 0, sizeof(*tls));
}
