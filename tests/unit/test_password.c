/* Argon2id password hashes in PHC form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "engine/password.h"

static void test_hash_verifies_and_wrong_password_does_not(void **state)
{
	char *phc = NULL;

	(void)state;
	assert_int_equal(password_hash("correct horse", &phc), 0);
	assert_non_null(strstr(phc, "$argon2id$v=19$m=19456,t=2,p=1$"));
	assert_int_equal(password_verify("correct horse", phc), 1);
	assert_int_equal(password_verify("correct horsE", phc), 0);
	assert_int_equal(password_verify("", phc), 0);
	free(phc);
}

static void test_same_password_gets_a_new_salt(void **state)
{
	char *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(password_hash("pw", &a), 0);
	assert_int_equal(password_hash("pw", &b), 0);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

/* The reference test vector of the argon2 command-line tool:
 * echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -l 32. */
static void test_known_vector(void **state)
{
	const char *phc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
			  "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";

	(void)state;
	assert_int_equal(password_verify("password", phc), 1);
	assert_int_equal(password_verify("passwore", phc), 0);
}

static void test_malformed_hashes_are_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "plain",
	    "$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$"
	    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	    "$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$"
	    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	    /* memory beyond the limit: a stored hash must not exhaust RAM */
	    "$argon2id$v=19$m=99999999,t=2,p=1$c29tZXNhbHQ$"
	    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	    "$argon2id$v=19$m=65536,t=999,p=1$c29tZXNhbHQ$"
	    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	    "$argon2id$v=19$m=65536,t=0,p=1$c29tZXNhbHQ$"
	    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	    "$argon2id$v=19$m=-1,t=2,p=1$c29tZXNhbHQ$"
	    "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
	    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ",
	    "$argon2id$v=19$m=65536,t=2,p=1$$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8",
	    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$!!!!",
	    "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFh$extra",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(password_verify("password", bad[i]), -1);
}

static void test_generated_passwords(void **state)
{
	char a[21], b[21];

	(void)state;
	assert_int_equal(password_generate(a, 20), 0);
	assert_int_equal(password_generate(b, 20), 0);
	assert_int_equal(strlen(a), 20);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hash_verifies_and_wrong_password_does_not),
	    cmocka_unit_test(test_same_password_gets_a_new_salt),
	    cmocka_unit_test(test_known_vector),
	    cmocka_unit_test(test_malformed_hashes_are_refused),
	    cmocka_unit_test(test_generated_passwords),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
