/* The key-encryption key: loading, file mode, sealing and opening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "signer/kek.h"
#include "testutil.h"

static const char secret[] = "-----BEGIN PRIVATE KEY-----\nnot really";

static char *fresh_dir(const char *name)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", testutil_tmpdir(), name);
	assert_int_equal(mkdir(path, 0700), 0);
	return path;
}

static void test_file_is_created_once_with_mode_0600(void **state)
{
	const char *dir = fresh_dir("create");
	struct kek *a = NULL, *b = NULL;
	uint8_t *sealed = NULL, *plain = NULL;
	size_t sealed_len, plain_len;
	char path[600];
	struct stat sb;
	int created = -1;

	(void)state;
	assert_int_equal(kek_load(dir, NULL, &a, &created), 0);
	assert_int_equal(created, 1);
	snprintf(path, sizeof(path), "%s/kek", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	assert_int_equal(kek_load(dir, "", &b, &created), 0);
	assert_int_equal(created, 0);
	assert_int_equal(kek_seal(a, "tls/root", (const uint8_t *)secret,
				  strlen(secret), &sealed, &sealed_len),
			 0);
	assert_int_equal(
	    kek_open(b, "tls/root", sealed, sealed_len, &plain, &plain_len), 0);
	assert_int_equal(plain_len, strlen(secret));
	assert_memory_equal(plain, secret, plain_len);
	OPENSSL_clear_free(plain, plain_len);
	free(sealed);
	kek_free(a);
	kek_free(b);
}

static void test_file_readable_by_others_is_refused(void **state)
{
	const char *dir = fresh_dir("mode");
	struct kek *k = NULL;
	char path[600];

	(void)state;
	assert_int_equal(kek_load(dir, NULL, &k, NULL), 0);
	kek_free(k);
	snprintf(path, sizeof(path), "%s/kek", dir);
	assert_int_equal(chmod(path, 0644), 0);
	k = NULL;
	assert_int_equal(kek_load(dir, NULL, &k, NULL), -1);
	assert_null(k);
}

static void test_bad_environment_value_is_refused(void **state)
{
	const char *dir = fresh_dir("env");
	struct kek *k = NULL;
	char path[600];
	struct stat sb;

	(void)state;
	assert_int_equal(kek_load(dir, "c2hvcnQ=", &k, NULL), -1);
	assert_int_equal(kek_load(dir, "not base64!", &k, NULL), -1);
	/* A key from the environment writes no file. */
	assert_int_equal(
	    kek_load(dir, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", &k,
		     NULL),
	    0);
	snprintf(path, sizeof(path), "%s/kek", dir);
	assert_int_not_equal(stat(path, &sb), 0);
	kek_free(k);
}

static void test_altered_or_misused_blob_does_not_open(void **state)
{
	struct kek *k = NULL, *other = NULL;
	uint8_t *sealed = NULL, *plain = NULL;
	size_t len, plain_len;

	(void)state;
	assert_int_equal(
	    kek_load("/nonexistent",
		     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", &k, NULL),
	    0);
	assert_int_equal(
	    kek_load("/nonexistent",
		     "HwECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", &other,
		     NULL),
	    0);
	assert_int_equal(kek_seal(k, "a", (const uint8_t *)secret,
				  sizeof(secret), &sealed, &len),
			 0);
	assert_int_equal(len, sizeof(secret) + 29);
	assert_int_equal(kek_open(k, "b", sealed, len, &plain, &plain_len), -1);
	assert_int_equal(kek_open(other, "a", sealed, len, &plain, &plain_len),
			 -1);
	for (size_t i = 0; i < len; i++) {
		sealed[i] ^= 0x01;
		assert_int_equal(
		    kek_open(k, "a", sealed, len, &plain, &plain_len), -1);
		sealed[i] ^= 0x01;
	}
	assert_int_equal(kek_open(k, "a", sealed, len - 1, &plain, &plain_len),
			 -1);
	assert_int_equal(kek_open(k, "a", sealed, 5, &plain, &plain_len), -1);
	assert_int_equal(kek_open(k, "a", sealed, len, &plain, &plain_len), 0);
	OPENSSL_clear_free(plain, plain_len);
	free(sealed);
	kek_free(k);
	kek_free(other);
}

static void test_two_seals_differ(void **state)
{
	struct kek *k = NULL;
	uint8_t *s1 = NULL, *s2 = NULL;
	size_t l1, l2;

	(void)state;
	assert_int_equal(
	    kek_load("/nonexistent",
		     "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", &k, NULL),
	    0);
	assert_int_equal(kek_seal(k, "a", (const uint8_t *)"x", 1, &s1, &l1),
			 0);
	assert_int_equal(kek_seal(k, "a", (const uint8_t *)"x", 1, &s2, &l2),
			 0);
	assert_int_equal(l1, l2);
	assert_memory_not_equal(s1, s2, l1);
	free(s1);
	free(s2);
	kek_free(k);
	kek_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_is_created_once_with_mode_0600),
	    cmocka_unit_test(test_file_readable_by_others_is_refused),
	    cmocka_unit_test(test_bad_environment_value_is_refused),
	    cmocka_unit_test(test_altered_or_misused_blob_does_not_open),
	    cmocka_unit_test(test_two_seals_differ),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
