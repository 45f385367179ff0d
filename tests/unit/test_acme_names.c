/*
 * DNS names as ACME orders and policies take them: what a valid name
 * is, and which names a policy's pre-approved domains cover.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/acme_names.h"

static void test_valid_names(void **state)
{
	static const char *const good[] = {
	    "example.com", "a.b.c.example.com", "xn--bcher-kva.example",
	    "intranet",	   "a-b.example",	"1.example.com",
	    "host.123abc"};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
		assert_true(acme_name_valid(good[i], 0));
}

static void test_invalid_names(void **state)
{
	char long_label[80], long_name[300];
	static const char *const bad[] = {"",
					  "Example.com",
					  "-a.example",
					  "a-.example",
					  "a..example",
					  ".example",
					  "example.",
					  "a_b.example",
					  "192.168.1.1",
					  "10.0.0.1",
					  "a b.example",
					  "a.*.example",
					  "*example.com",
					  "é.example"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_false(acme_name_valid(bad[i], 1));
	memset(long_label, 'a', 64);
	strcpy(long_label + 64, ".example");
	assert_false(acme_name_valid(long_label, 0));
	memset(long_name, 0, sizeof(long_name));
	for (size_t i = 0; i < 127; i++)
		memcpy(long_name + 2 * i, "a.", 2);
	long_name[254] = 'a';
	assert_int_equal(strlen(long_name), 255);
	assert_false(acme_name_valid(long_name, 0));
}

static void test_wildcards(void **state)
{
	(void)state;
	assert_true(acme_name_valid("*.example.com", 1));
	assert_false(acme_name_valid("*.example.com", 0));
	assert_false(acme_name_valid("*.", 1));
	assert_false(acme_name_valid("*.*.example.com", 1));
}

static void test_domains_cover(void **state)
{
	const char *domains = "[\"*.example.com\", \"exact.test\"]";

	(void)state;
	assert_true(acme_domains_cover(domains, "example.com"));
	assert_true(acme_domains_cover(domains, "www.example.com"));
	assert_true(acme_domains_cover(domains, "a.b.example.com"));
	assert_true(acme_domains_cover(domains, "*.example.com"));
	assert_true(acme_domains_cover(domains, "*.a.example.com"));
	assert_true(acme_domains_cover(domains, "exact.test"));
	assert_false(acme_domains_cover(domains, "www.exact.test"));
	assert_false(acme_domains_cover(domains, "*.exact.test"));
	assert_false(acme_domains_cover(domains, "badexample.com"));
	assert_false(acme_domains_cover(domains, "example.com.evil"));
	assert_false(acme_domains_cover("[]", "example.com"));
	assert_false(acme_domains_cover("not json", "example.com"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_valid_names),
	    cmocka_unit_test(test_invalid_names),
	    cmocka_unit_test(test_wildcards),
	    cmocka_unit_test(test_domains_cover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
