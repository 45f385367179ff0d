/*
 * The HTTPS credentials (http/tls_creds.h): a handshake gets the newest
 * set; a refused set (a key that is not the certificate's, a chain that
 * is not PEM) leaves the previous one in place.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "http/tls_creds.h"

struct pair {
	char *cert_pem, *key_pem;
	unsigned char *cert_der;
	int der_len;
};

static char *bio_text(BIO *b)
{
	char *data, *out;
	long n = BIO_get_mem_data(b, &data);

	out = calloc(1, (size_t)n + 1);
	assert_non_null(out);
	memcpy(out, data, (size_t)n);
	BIO_free(b);
	return out;
}

/* A self-signed P-256 certificate for name, with its key. */
static struct pair pair_make(const char *name)
{
	struct pair p = {0};
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());

	assert_non_null(key);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)name, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, key);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509(cb, x), 1);
	assert_int_equal(
	    PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL), 1);
	p.cert_pem = bio_text(cb);
	p.key_pem = bio_text(kb);
	p.der_len = i2d_X509(x, &p.cert_der);
	assert_true(p.der_len > 0);
	X509_free(x);
	EVP_PKEY_free(key);
	return p;
}

static void pair_free(struct pair *p)
{
	free(p->cert_pem);
	free(p->key_pem);
	OPENSSL_free(p->cert_der);
}

/* The leaf a handshake would be given now matches p's certificate. */
static void assert_presents(const struct pair *p)
{
	gnutls_pcert_st *chain = NULL;
	gnutls_privkey_t key = NULL;
	unsigned n = 0;

	assert_int_equal(
	    tls_creds_retrieve(NULL, NULL, 0, NULL, 0, &chain, &n, &key), 0);
	assert_int_equal(n, 1);
	assert_non_null(key);
	assert_int_equal(chain[0].cert.size, (unsigned)p->der_len);
	assert_memory_equal(chain[0].cert.data, p->cert_der,
			    (size_t)p->der_len);
}

static void test_newest_set_and_refusals(void **state)
{
	struct pair a = pair_make("a.example"), b = pair_make("b.example");
	gnutls_pcert_st *chain = NULL;
	gnutls_privkey_t key = NULL;
	unsigned n = 0;

	(void)state;
	assert_int_equal(
	    tls_creds_retrieve(NULL, NULL, 0, NULL, 0, &chain, &n, &key), -1);
	assert_int_equal(tls_creds_set(a.cert_pem, a.key_pem), 0);
	assert_presents(&a);

	assert_int_equal(tls_creds_set(b.cert_pem, a.key_pem), -1);
	assert_int_equal(tls_creds_set("not a certificate", a.key_pem), -1);
	assert_int_equal(tls_creds_set(a.cert_pem, "not a key"), -1);
	assert_int_equal(tls_creds_set("", ""), -1);
	assert_presents(&a);

	assert_int_equal(tls_creds_set(b.cert_pem, b.key_pem), 0);
	assert_presents(&b);

	tls_creds_clear();
	assert_int_equal(
	    tls_creds_retrieve(NULL, NULL, 0, NULL, 0, &chain, &n, &key), -1);
	pair_free(&a);
	pair_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_newest_set_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
