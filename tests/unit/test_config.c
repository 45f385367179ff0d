/*
 * config: defaults, file < environment < flag, both flag forms, and error
 * messages that name the key, the source and the allowed range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/config.h"
#include "testutil.h"

extern char **environ;

/* One config_load call: its result, what it printed, its arguments. */
struct run {
	struct config cfg;
	int rc;
	char *out, *err;
	size_t out_len, err_len;
	int argc;
	char *argv[32];
};

/* Unsets every PKIAAS_ variable, ctest's included. */
static void env_clean(void)
{
	char name[256];

	for (;;) {
		char **e = environ;
		const char *eq;

		while (*e != NULL && strncmp(*e, "PKIAAS_", 7) != 0)
			e++;
		if (*e == NULL)
			return;
		eq = strchr(*e, '=');
		assert_non_null(eq);
		assert_true((size_t)(eq - *e) < sizeof(name));
		memcpy(name, *e, (size_t)(eq - *e));
		name[eq - *e] = '\0';
		assert_int_equal(unsetenv(name), 0);
	}
}

/* Each test runs in a new empty folder with a clean environment. */
static int setup(void **state)
{
	static int n;
	char path[PATH_MAX];

	(void)state;
	env_clean();
	snprintf(path, sizeof(path), "%s/t%d", testutil_tmpdir(), ++n);
	if (mkdir(path, 0700) != 0 || chdir(path) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	env_clean();
	return 0;
}

static void file_put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/*
 * Runs config_load on the NULL-terminated flags, each copied to a buffer
 * of its exact size so that ASan sees any read past one.
 */
static int load(struct run *r, ...)
{
	FILE *out, *err;
	const char *arg;
	va_list ap;

	memset(r, 0, sizeof(*r));
	va_start(ap, r);
	while ((arg = va_arg(ap, const char *)) != NULL) {
		assert_true(r->argc < 32);
		r->argv[r->argc] = strdup(arg);
		assert_non_null(r->argv[r->argc]);
		r->argc++;
	}
	va_end(ap);
	out = open_memstream(&r->out, &r->out_len);
	err = open_memstream(&r->err, &r->err_len);
	assert_non_null(out);
	assert_non_null(err);
	r->rc = config_load(&r->cfg, r->argc, r->argv, out, err);
	assert_int_equal(fclose(out), 0);
	assert_int_equal(fclose(err), 0);
	return r->rc;
}

static void run_free(struct run *r)
{
	config_free(&r->cfg);
	for (int i = 0; i < r->argc; i++)
		free(r->argv[i]);
	free(r->out);
	free(r->err);
}

/* Fails unless err holds every one of the NULL-terminated strings. */
static void err_has(const struct run *r, ...)
{
	const char *want, *missing = NULL;
	va_list ap;

	va_start(ap, r);
	while ((want = va_arg(ap, const char *)) != NULL)
		if (missing == NULL && strstr(r->err, want) == NULL)
			missing = want;
	va_end(ap);
	if (missing != NULL)
		fail_msg("\"%s\" not in the message \"%s\"", missing, r->err);
}

/* Loading with these flags fails; the test then checks the message. */
#define LOAD_FAILS(r, ...)                                                     \
	do {                                                                   \
		assert_int_equal(load(r, __VA_ARGS__), -1);                    \
	} while (0)

static void test_defaults(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(load(&r, NULL), 0);
	assert_null(r.cfg.config_file);
	assert_string_equal(r.cfg.data, "./var");
	assert_string_equal(r.cfg.listen_https, "0.0.0.0:8443");
	assert_string_equal(r.cfg.listen_http, "0.0.0.0:8080");
	assert_string_equal(r.cfg.database, "");
	assert_string_equal(r.cfg.log_level, "info");
	assert_string_equal(r.cfg.log_file, "");
	assert_string_equal(r.cfg.tls_names, "");
	assert_int_equal(r.cfg.max_body, 1048576);
	assert_int_equal(r.cfg.threads, 0);
	assert_int_equal(r.cfg.db_pool, 0);
	assert_int_equal(r.cfg.request_timeout, 30);
	assert_int_equal(r.cfg.max_connections, 1024);
	assert_int_equal(r.cfg.shutdown_grace, 10);
	assert_int_equal(r.err_len, 0);
	assert_int_equal(r.out_len, 0);
	run_free(&r);
}

/* flag > PKIAAS_MAX_BODY > file > default, for a number and a string. */
static void test_precedence(void **state)
{
	struct run r;

	(void)state;
	file_put("c.conf", "max_body = 2048\nlisten_https = 10.0.0.1:1\n");

	assert_int_equal(load(&r, "--config", "c.conf", NULL), 0);
	assert_string_equal(r.cfg.config_file, "c.conf");
	assert_int_equal(r.cfg.max_body, 2048);
	assert_string_equal(r.cfg.listen_https, "10.0.0.1:1");
	assert_string_equal(r.cfg.data, "./var");
	run_free(&r);

	assert_int_equal(setenv("PKIAAS_MAX_BODY", "4096", 1), 0);
	assert_int_equal(setenv("PKIAAS_LISTEN_HTTPS", "10.0.0.2:2", 1), 0);
	assert_int_equal(load(&r, "--config", "c.conf", NULL), 0);
	assert_int_equal(r.cfg.max_body, 4096);
	assert_string_equal(r.cfg.listen_https, "10.0.0.2:2");
	run_free(&r);

	assert_int_equal(load(&r, "--max-body", "8192", "--config", "c.conf",
			      "--listen-https=10.0.0.3:3", NULL),
			 0);
	assert_int_equal(r.cfg.max_body, 8192);
	assert_string_equal(r.cfg.listen_https, "10.0.0.3:3");
	run_free(&r);

	/* Without the environment the flag still beats the file. */
	assert_int_equal(unsetenv("PKIAAS_MAX_BODY"), 0);
	assert_int_equal(load(&r, "--config=c.conf", "--max-body=16384", NULL),
			 0);
	assert_int_equal(r.cfg.max_body, 16384);
	assert_string_equal(r.cfg.listen_https, "10.0.0.2:2");
	run_free(&r);

	/* The environment alone beats the default. */
	assert_int_equal(setenv("PKIAAS_MAX_BODY", "3000", 1), 0);
	assert_int_equal(load(&r, NULL), 0);
	assert_int_equal(r.cfg.max_body, 3000);
	run_free(&r);

	/* The last of two flags wins. */
	assert_int_equal(
	    load(&r, "--max-body", "5000", "--max-body=6000", NULL), 0);
	assert_int_equal(r.cfg.max_body, 6000);
	run_free(&r);
}

/* The file: --config, else PKIAAS_CONFIG, else DATA/pkiaas.conf. */
static void test_file_location(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(mkdir("var", 0700), 0);
	file_put("var/pkiaas.conf", "max_body = 2000\n");
	assert_int_equal(mkdir("other", 0700), 0);
	file_put("other/pkiaas.conf", "max_body = 3000\n");
	file_put("env.conf", "max_body = 4000\n");
	file_put("flag.conf", "max_body = 5000\n");

	/* The default data folder's file. */
	assert_int_equal(load(&r, NULL), 0);
	assert_string_equal(r.cfg.config_file, "./var/pkiaas.conf");
	assert_int_equal(r.cfg.max_body, 2000);
	run_free(&r);

	/* A data folder given by flag, then by environment. */
	assert_int_equal(load(&r, "--data", "other", NULL), 0);
	assert_string_equal(r.cfg.config_file, "other/pkiaas.conf");
	assert_int_equal(r.cfg.max_body, 3000);
	run_free(&r);
	assert_int_equal(setenv("PKIAAS_DATA", "other", 1), 0);
	assert_int_equal(load(&r, NULL), 0);
	assert_string_equal(r.cfg.data, "other");
	assert_int_equal(r.cfg.max_body, 3000);
	run_free(&r);

	/* PKIAAS_CONFIG beats the data folder, --config beats both. */
	assert_int_equal(setenv("PKIAAS_CONFIG", "env.conf", 1), 0);
	assert_int_equal(load(&r, NULL), 0);
	assert_string_equal(r.cfg.config_file, "env.conf");
	assert_int_equal(r.cfg.max_body, 4000);
	run_free(&r);
	assert_int_equal(load(&r, "--config", "flag.conf", NULL), 0);
	assert_string_equal(r.cfg.config_file, "flag.conf");
	assert_int_equal(r.cfg.max_body, 5000);
	run_free(&r);

	/* A data folder without the file: no file, no error. */
	assert_int_equal(unsetenv("PKIAAS_CONFIG"), 0);
	assert_int_equal(setenv("PKIAAS_DATA", "nowhere", 1), 0);
	assert_int_equal(load(&r, NULL), 0);
	assert_null(r.cfg.config_file);
	assert_int_equal(r.cfg.max_body, 1048576);
	run_free(&r);
}

static void test_flag_forms(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(load(&r, "--listen-https=1.2.3.4:5", "--data", "d",
			      "--max-body=2048", "--threads", "4", NULL),
			 0);
	assert_string_equal(r.cfg.listen_https, "1.2.3.4:5");
	assert_string_equal(r.cfg.data, "d");
	assert_int_equal(r.cfg.max_body, 2048);
	assert_int_equal(r.cfg.threads, 4);
	run_free(&r);

	/* Only the first '=' splits; a value may be empty. */
	assert_int_equal(load(&r,
			      "--database=postgres://u@h/db?sslmode=require",
			      "--tls-names=", NULL),
			 0);
	assert_string_equal(r.cfg.database,
			    "postgres://u@h/db?sslmode=require");
	assert_string_equal(r.cfg.tls_names, "");
	run_free(&r);
}

static void test_flag_dashes(void **state)
{
	struct run r;

	(void)state;
	assert_int_equal(load(&r, "--listen-http", "127.0.0.1:80",
			      "--log-level", "debug", "--log-file",
			      "pkiaas.log", "--tls-names",
			      "a.example,b.example", "--db-pool", "3",
			      "--request-timeout", "5", "--max-connections",
			      "100", "--shutdown-grace", "0", NULL),
			 0);
	assert_string_equal(r.cfg.listen_http, "127.0.0.1:80");
	assert_string_equal(r.cfg.log_level, "debug");
	assert_string_equal(r.cfg.log_file, "pkiaas.log");
	assert_string_equal(r.cfg.tls_names, "a.example,b.example");
	assert_int_equal(r.cfg.db_pool, 3);
	assert_int_equal(r.cfg.request_timeout, 5);
	assert_int_equal(r.cfg.max_connections, 100);
	assert_int_equal(r.cfg.shutdown_grace, 0);
	run_free(&r);
}

static void test_unknown_flag(void **state)
{
	struct run r;

	(void)state;
	LOAD_FAILS(&r, "--bogus", "1", NULL);
	err_has(&r, "--bogus", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "--max-bodyy=5000", NULL);
	err_has(&r, "max-bodyy", NULL);
	run_free(&r);

	/* A word that is not a flag at all, however short. */
	LOAD_FAILS(&r, "serve", NULL);
	err_has(&r, "\"serve\"", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "-x", NULL);
	err_has(&r, "\"-x\"", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "--", NULL);
	err_has(&r, "\"--\"", NULL);
	run_free(&r);
}

/*
 * Arguments shorter than "--" must be refused without reading past their
 * end (ASan reports the read). Last in the list, since ASan aborts.
 */
static void test_short_argument(void **state)
{
	struct run r;

	(void)state;
	LOAD_FAILS(&r, "x", NULL);
	err_has(&r, "\"x\"", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "-", NULL);
	err_has(&r, "\"-\"", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "", NULL);
	err_has(&r, "\"\"", NULL);
	run_free(&r);
}

static void test_flag_needs_value(void **state)
{
	struct run r;

	(void)state;
	LOAD_FAILS(&r, "--data", NULL);
	err_has(&r, "--data", "value", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "--threads", "2", "--max-body", NULL);
	err_has(&r, "--max-body", "value", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "--config", NULL);
	err_has(&r, "--config", "value", NULL);
	run_free(&r);
}

static void test_number_range(void **state)
{
	static const char *const bad[] = {
	    "1023",
	    "67108865",
	    "-1",
	    "abc",
	    "",
	    "4x",
	    "0x800",
	    "2048 ",
	    "99999999999999999999999",
	    "-99999999999999999999999",
	    "1e6",
	};
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		LOAD_FAILS(&r, "--max-body", bad[i], NULL);
		err_has(&r, "max_body", "1024", "67108864", NULL);
		if (*bad[i] != '\0' && strstr(r.err, bad[i]) == NULL)
			fail_msg("value \"%s\" not in \"%s\"", bad[i], r.err);
		run_free(&r);
	}

	/* The bounds themselves are in range. */
	assert_int_equal(load(&r, "--max-body", "1024", NULL), 0);
	assert_int_equal(r.cfg.max_body, 1024);
	run_free(&r);
	assert_int_equal(load(&r, "--max-body", "67108864", NULL), 0);
	assert_int_equal(r.cfg.max_body, 67108864);
	run_free(&r);

	LOAD_FAILS(&r, "--threads=257", NULL);
	err_has(&r, "threads", "0", "256", "257", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "--shutdown-grace", "-1", NULL);
	err_has(&r, "shutdown_grace", "600", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "--request-timeout", "0", NULL);
	err_has(&r, "request_timeout", "3600", NULL);
	run_free(&r);

	/* From the environment: the variable and the key. */
	assert_int_equal(setenv("PKIAAS_MAX_BODY", "lots", 1), 0);
	LOAD_FAILS(&r, NULL);
	err_has(&r, "PKIAAS_MAX_BODY", "max_body", "1024", "67108864", "lots",
		NULL);
	run_free(&r);

	assert_int_equal(unsetenv("PKIAAS_MAX_BODY"), 0);

	/* From the file: file:line and the key. */
	file_put("c.conf", "# numbers\nthreads = 4\nmax_connections = 8\n");
	LOAD_FAILS(&r, "--config", "c.conf", NULL);
	err_has(&r, "c.conf:3", "max_connections", "16", "65536", "\"8\"",
		NULL);
	run_free(&r);
}

static void test_file_errors(void **state)
{
	struct run r;

	(void)state;
	file_put("unknown.conf", "# ok\n\nmax_body = 2048\nbogus = 1\n");
	LOAD_FAILS(&r, "--config", "unknown.conf", NULL);
	err_has(&r, "unknown.conf:4", "bogus", NULL);
	run_free(&r);

	file_put("noeq.conf", "max_body = 2048\nlisten_https 0.0.0.0:1\n");
	LOAD_FAILS(&r, "--config", "noeq.conf", NULL);
	err_has(&r, "noeq.conf:2", NULL);
	run_free(&r);

	/* --config is a flag, not a key of the file. */
	file_put("nested.conf", "config = other.conf\n");
	LOAD_FAILS(&r, "--config", "nested.conf", NULL);
	err_has(&r, "nested.conf:1", "\"config\"", NULL);
	run_free(&r);

	file_put("nokey.conf", "= 5\n");
	LOAD_FAILS(&r, "--config", "nokey.conf", NULL);
	err_has(&r, "nokey.conf:1", NULL);
	run_free(&r);

	/* A file that was asked for must exist. */
	LOAD_FAILS(&r, "--config", "missing.conf", NULL);
	err_has(&r, "missing.conf", NULL);
	run_free(&r);
	assert_int_equal(setenv("PKIAAS_CONFIG", "missing-env.conf", 1), 0);
	LOAD_FAILS(&r, NULL);
	err_has(&r, "missing-env.conf", NULL);
	run_free(&r);
}

static void test_file_comments(void **state)
{
	struct run r;

	(void)state;
	file_put("c.conf", "# pkiaas\n"
			   "\n"
			   "   \n"
			   "\t# indented comment\n"
			   "  listen_https   =   127.0.0.1:9443  \n"
			   "max_body=4096\r\n"
			   "database =\n"
			   "log_level = warn");
	assert_int_equal(load(&r, "--config", "c.conf", NULL), 0);
	assert_string_equal(r.cfg.listen_https, "127.0.0.1:9443");
	assert_int_equal(r.cfg.max_body, 4096);
	assert_string_equal(r.cfg.database, "");
	assert_string_equal(r.cfg.log_level, "warn");
	assert_int_equal(r.err_len, 0);
	run_free(&r);

	file_put("empty.conf", "");
	assert_int_equal(load(&r, "--config", "empty.conf", NULL), 0);
	assert_int_equal(r.cfg.max_body, 1048576);
	run_free(&r);
}

static void test_help(void **state)
{
	static const char *const want[] = {
	    "--config",		"PKIAAS_CONFIG",
	    "--data",		"./var",
	    "--listen-https",	"PKIAAS_LISTEN_HTTPS",
	    "0.0.0.0:8443",	"--max-body",
	    "PKIAAS_MAX_BODY",	"1048576",
	    "--shutdown-grace", "--request-timeout",
	    "--db-pool",	"PKIAAS_MAX_CONNECTIONS",
	};
	struct run r;

	(void)state;
	assert_int_equal(load(&r, "--help", NULL), 1);
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++)
		if (strstr(r.out, want[i]) == NULL)
			fail_msg("\"%s\" not in --help", want[i]);
	assert_null(strstr(r.out, "--max_body"));
	assert_int_equal(r.err_len, 0);
	run_free(&r);

	/* Help wins over flags around it, even bad ones. */
	assert_int_equal(load(&r, "--data", "d", "-h", "--bogus", NULL), 1);
	assert_non_null(strstr(r.out, "--max-body"));
	run_free(&r);
}

/* Run under ASan: every path must leave nothing behind after free. */
static void test_release(void **state)
{
	struct run r;

	(void)state;
	file_put("c.conf", "data = from-file\nlog_file = x.log\n"
			   "max_body = 4096\n");
	assert_int_equal(setenv("PKIAAS_TLS_NAMES", "env.example", 1), 0);
	assert_int_equal(load(&r, "--config", "c.conf", "--log-level=debug",
			      "--data", "from-flag", NULL),
			 0);
	assert_string_equal(r.cfg.data, "from-flag");
	assert_string_equal(r.cfg.log_file, "x.log");
	assert_string_equal(r.cfg.tls_names, "env.example");
	config_free(&r.cfg);
	assert_null(r.cfg.data);
	assert_null(r.cfg.config_file);
	config_free(&r.cfg);
	run_free(&r);

	/* A failure half-way through leaves a config that frees. */
	file_put("bad.conf", "data = x\nlisten_http = y\nthreads = many\n");
	LOAD_FAILS(&r, "--config", "bad.conf", NULL);
	run_free(&r);
	LOAD_FAILS(&r, "--data", "d", "--bogus", NULL);
	run_free(&r);

	config_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_location, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_flag_forms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flag_dashes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_flag, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flag_needs_value, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_number_range, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_file_comments, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_help, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_short_argument, setup,
					    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
