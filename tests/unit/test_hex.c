/* Hex digits (lib/hex.h): both cases, and everything else refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "lib/hex.h"

static void test_digits_and_refusals(void **state)
{
	const char *digits = "0123456789abcdef";

	(void)state;
	for (int i = 0; i < 16; i++) {
		assert_int_equal(hex_digit(digits[i]), i);
		if (i >= 10)
			assert_int_equal(hex_digit((char)(digits[i] - 32)), i);
	}
	assert_int_equal(hex_digit('g'), -1);
	assert_int_equal(hex_digit('G'), -1);
	assert_int_equal(hex_digit('/'), -1);
	assert_int_equal(hex_digit(':'), -1);
	assert_int_equal(hex_digit('\0'), -1);
	assert_int_equal(hex_digit('%'), -1);
	assert_int_equal(hex_digit((char)0xe9), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_digits_and_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
