/* The bootstrap root and the HTTPS certificate it issues. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <openssl/x509v3.h>
#include <time.h>

#include "engine/bootstrap.h"
#include "engine/serial.h"

#define DAY 86400

static const char *const names[] = {"localhost", "127.0.0.1", "::1",
				    "pki.example.test"};
#define N_NAMES (sizeof(names) / sizeof(*names))

struct pki {
	EVP_PKEY *root_key, *key;
	X509 *root, *cert;
	int64_t now;
};

static int setup(void **state)
{
	static struct pki p;

	p.now = (int64_t)time(NULL);
	if (bootstrap_root_make(p.now, &p.root_key, &p.root) != 0 ||
	    bootstrap_server_make(p.root_key, p.root, names, N_NAMES, p.now,
				  &p.key, &p.cert) != 0)
		return -1;
	*state = &p;
	return 0;
}

static int teardown(void **state)
{
	struct pki *p = *state;

	EVP_PKEY_free(p->root_key);
	EVP_PKEY_free(p->key);
	X509_free(p->root);
	X509_free(p->cert);
	return 0;
}

/* Verifies cert against root as a TLS server certificate at time t. */
static int verify_at(X509 *root, X509 *cert, int64_t t)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok;

	X509_STORE_add_cert(store, root);
	X509_STORE_CTX_init(ctx, store, cert, NULL);
	X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER);
	X509_STORE_CTX_set_time(ctx, 0, (time_t)t);
	ok = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static void test_root_is_a_self_signed_ca(void **state)
{
	struct pki *p = *state;

	assert_int_equal(X509_check_ca(p->root), 1);
	assert_int_equal(X509_check_issued(p->root, p->root), X509_V_OK);
	assert_int_equal(X509_verify(p->root, p->root_key), 1);
	assert_true(X509_get_key_usage(p->root) & KU_KEY_CERT_SIGN);
}

static void test_server_chains_to_root_for_every_name(void **state)
{
	struct pki *p = *state;

	assert_int_equal(verify_at(p->root, p->cert, p->now), 1);
	assert_int_equal(X509_check_ca(p->cert), 0);
	assert_int_equal(X509_check_host(p->cert, "localhost", 0, 0, NULL), 1);
	assert_int_equal(
	    X509_check_host(p->cert, "pki.example.test", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(p->cert, "127.0.0.1", 0), 1);
	assert_int_equal(X509_check_ip_asc(p->cert, "::1", 0), 1);
	assert_int_not_equal(
	    X509_check_host(p->cert, "other.example.test", 0, 0, NULL), 1);
	/* Not before the backdated start, not after 90 days. */
	assert_int_equal(verify_at(p->root, p->cert,
				   p->now - BOOTSTRAP_BACKDATE_SECONDS - 60),
			 0);
	assert_int_equal(verify_at(p->root, p->cert,
				   p->now + BOOTSTRAP_SERVER_DAYS * DAY + 60),
			 0);
}

static void test_serials_are_16_positive_bytes(void **state)
{
	struct pki *p = *state;
	const ASN1_INTEGER *a = X509_get0_serialNumber(p->root);
	const ASN1_INTEGER *b = X509_get0_serialNumber(p->cert);

	assert_int_equal(ASN1_STRING_length(a), SERIAL_LEN);
	assert_int_equal(ASN1_STRING_length(b), SERIAL_LEN);
	assert_int_equal(ASN1_STRING_type(a), V_ASN1_INTEGER);
	assert_int_not_equal(ASN1_INTEGER_cmp(a, b), 0);
}

static void test_renewal_is_due_near_expiry_or_for_a_new_name(void **state)
{
	struct pki *p = *state;
	int64_t renew = BOOTSTRAP_RENEW_DAYS * DAY;
	const char *more[] = {"localhost", "new.example.test"};

	assert_int_equal(
	    bootstrap_server_is_current(p->cert, names, N_NAMES, p->now, renew),
	    1);
	assert_int_equal(bootstrap_server_is_current(p->cert, names, N_NAMES,
						     p->now + 59 * DAY, renew),
			 1);
	assert_int_equal(bootstrap_server_is_current(p->cert, names, N_NAMES,
						     p->now + 61 * DAY, renew),
			 0);
	assert_int_equal(
	    bootstrap_server_is_current(p->cert, more, 2, p->now, renew), 0);
	assert_int_equal(bootstrap_server_is_current(p->cert, names, N_NAMES,
						     p->now - DAY, renew),
			 0);
}

static void test_no_names_is_refused(void **state)
{
	struct pki *p = *state;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;

	assert_int_equal(bootstrap_server_make(p->root_key, p->root, names, 0,
					       p->now, &key, &cert),
			 -1);
	assert_null(key);
	assert_null(cert);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_root_is_a_self_signed_ca),
	    cmocka_unit_test(test_server_chains_to_root_for_every_name),
	    cmocka_unit_test(test_serials_are_16_positive_bytes),
	    cmocka_unit_test(test_renewal_is_due_near_expiry_or_for_a_new_name),
	    cmocka_unit_test(test_no_names_is_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
