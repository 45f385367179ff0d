#include "lib/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fsutil.h"

/* A config file larger than this is refused. */
#define CONFIG_FILE_MAX (64 * 1024)

enum option_type { OPT_STRING, OPT_LONG };

struct option {
	const char *key;
	enum option_type type;
	size_t offset;
	const char *def;
	long min, max;
	const char *help;
};

#define STR(k, d, h)                                                           \
	{                                                                      \
#k, OPT_STRING, offsetof(struct config, k), d, 0, 0, h         \
	}
#define NUM(k, d, lo, hi, h)                                                   \
	{                                                                      \
#k, OPT_LONG, offsetof(struct config, k), d, lo, hi, h         \
	}

static const struct option options[] = {
    STR(data, "./var", "data folder: database, key-encryption key, tls/"),
    STR(listen_https, "0.0.0.0:8443", "HTTPS: console, API, ACME"),
    STR(listen_http, "0.0.0.0:8080", "plain HTTP: OCSP, CRL, AIA, SCEP"),
    STR(database, "", "empty for SQLite in the data folder, or postgres://"),
    STR(log_level, "info", "debug, info, warn or error"),
    STR(log_file, "", "file to append log lines to; empty for stderr"),
    STR(tls_names, "",
	"names of the HTTPS certificate, comma-separated "
	"(empty: localhost, 127.0.0.1, ::1, the host name)"),
    STR(public_url, "",
	"http://HOST:PORT at which relying parties reach the plain HTTP "
	"port, written into certificates (empty: http://localhost:PORT of "
	"listen_http)"),
    NUM(threads, "0", 0, 256,
	"HTTP threads a port; 0: 8 a core (HTTPS), one a core (HTTP)"),
    NUM(db_pool, "0", 0, 512,
	"database connections; 0: one a thread, plus two"),
    NUM(max_body, "1048576", 1024, 64L * 1024 * 1024,
	"largest request body in bytes (413 past it)"),
    NUM(request_timeout, "30", 1, 3600,
	"seconds an idle or slow connection is kept"),
    NUM(max_connections, "1024", 16, 65536, "open connections a port"),
    NUM(shutdown_grace, "10", 0, 600,
	"seconds SIGTERM waits for requests in flight"),
    NUM(session_idle, "1800", 1, 86400,
	"seconds a console login may go unused before it ends"),
    NUM(session_max, "43200", 1, 30L * 86400,
	"seconds a console login lasts at most"),
    NUM(crl_validity, "2592000", 3600, 366L * 86400,
	"seconds from a CRL's thisUpdate to its nextUpdate"),
    NUM(crl_refresh, "86400", 60, 183L * 86400,
	"a CRL this many seconds from its nextUpdate is signed anew (at "
	"most half of crl_validity)"),
    NUM(ocsp_validity, "3600", 60, 7L * 86400,
	"seconds from an OCSP response's thisUpdate to its nextUpdate"),
    NUM(ocsp_cache_mb, "64", 0, 65536,
	"MiB of signed OCSP responses kept in memory (0: none)"),
    NUM(ocsp_cache_check_ms, "1000", 0, 60000,
	"ms after which a CA's revocation status is read again for OCSP, "
	"the most a revocation on another node takes to show (0: always)"),
    NUM(acme_http_port, "80", 1, 65535, "port ACME http-01 is checked on"),
    NUM(acme_tls_port, "443", 1, 65535, "port ACME tls-alpn-01 is checked on"),
    STR(acme_dns_resolver, "",
	"IP or IP:PORT of the DNS resolver ACME validation asks (empty: "
	"the first nameserver of /etc/resolv.conf)"),
    NUM(acme_workers, "2", 1, 64, "ACME challenge validation threads"),
    NUM(acme_validation_timeout, "10", 1, 120,
	"seconds one ACME challenge check may take"),
    STR(acme_terms_url, "",
	"terms of service ACME accounts must agree to (empty: none)"),
    STR(acme_website, "", "website the ACME directory names (empty: none)"),
};

#define N_OPTIONS (sizeof(options) / sizeof(*options))

static const struct option *option_find(const char *key, size_t len)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (strlen(options[i].key) == len &&
		    strncmp(options[i].key, key, len) == 0)
			return &options[i];
	return NULL;
}

/* Sets one option from text; source names where it came from. */
static int option_set(struct config *cfg, const struct option *o,
		      const char *value, const char *source, FILE *err)
{
	char *field = (char *)cfg + o->offset;
	char *end;
	long v;

	if (o->type == OPT_STRING) {
		char *copy = strdup(value);

		if (copy == NULL)
			return -1;
		free(*(char **)field);
		*(char **)field = copy;
		return 0;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || !(isdigit((unsigned char)*value) || *value == '-') ||
	    *end != '\0' || v < o->min || v > o->max) {
		fprintf(err,
			"%s: %s must be a whole number from %ld to %ld, "
			"not \"%s\"\n",
			source, o->key, o->min, o->max, value);
		return -1;
	}
	*(long *)field = v;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One "key = value" line of the file; blank lines and # comments pass. */
static int config_file_line(struct config *cfg, char *line, const char *path,
			    int lineno, FILE *err)
{
	char source[PATH_MAX + 32];
	const struct option *o;
	char *eq, *key;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	snprintf(source, sizeof(source), "%s:%d", path, lineno);
	eq = strchr(line, '=');
	if (eq == NULL) {
		fprintf(err, "%s: expected \"key = value\"\n", source);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	o = option_find(key, strlen(key));
	if (o == NULL) {
		fprintf(err,
			"%s: unknown key \"%s\" (see pkiaasd serve "
			"--help)\n",
			source, key);
		return -1;
	}
	return option_set(cfg, o, trim(eq + 1), source, err);
}

static int config_file_read(struct config *cfg, const char *path, FILE *err)
{
	char *data, *line, *next;
	size_t len;
	int lineno = 0, rc = 0;

	if (fs_read_all(path, CONFIG_FILE_MAX, &data, &len) != 0) {
		fprintf(err, "%s: cannot read config file: %s\n", path,
			errno == EFBIG ? "larger than 64 KiB"
				       : strerror(errno));
		return -1;
	}
	/* the lines are C strings: past a NUL they would go unread */
	if (memchr(data, '\0', len) != NULL) {
		fprintf(err, "%s: holds a NUL byte; a config file is text\n",
			path);
		free(data);
		return -1;
	}
	for (line = data; line != NULL && rc == 0; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		rc = config_file_line(cfg, line, path, ++lineno, err);
	}
	free(data);
	return rc;
}

/* PKIAAS_<KEY> in upper case. */
static int config_env_apply(struct config *cfg, FILE *err)
{
	char name[64], *p;
	const char *value;

	for (size_t i = 0; i < N_OPTIONS; i++) {
		snprintf(name, sizeof(name), "PKIAAS_%s", options[i].key);
		for (p = name; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		value = getenv(name);
		if (value != NULL &&
		    option_set(cfg, &options[i], value, name, err) != 0)
			return -1;
	}
	return 0;
}

/* Copies a flag's name into key with underscores for dashes. */
static int flag_key(const char *name, size_t len, char *key, size_t size)
{
	if (len == 0 || len >= size)
		return -1;
	for (size_t i = 0; i < len; i++)
		key[i] = name[i] == '-' ? '_' : name[i];
	key[len] = '\0';
	return 0;
}

/*
 * Applies flags and finds --config. "--key value" and "--key=value" are
 * both accepted.
 */
static int config_flags_apply(struct config *cfg, int argc, char **argv,
			      const char **file, FILE *err)
{
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *name, *value, *eq;
		const struct option *o;
		size_t name_len;
		char key[64];

		if (strncmp(arg, "--", 2) != 0) {
			fprintf(err, "unexpected argument \"%s\"\n", arg);
			return -1;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		name_len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if (flag_key(name, name_len, key, sizeof(key)) != 0) {
			fprintf(err, "unexpected argument \"%s\"\n", arg);
			return -1;
		}
		value = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
		if (value == NULL) {
			fprintf(err, "%s needs a value\n", arg);
			return -1;
		}
		if (strcmp(key, "config") == 0) {
			*file = value;
			continue;
		}
		o = option_find(key, strlen(key));
		if (o == NULL) {
			fprintf(err, "unknown option --%.*s (see --help)\n",
				(int)name_len, name);
			return -1;
		}
		if (option_set(cfg, o, value, arg, err) != 0)
			return -1;
	}
	return 0;
}

static int config_defaults(struct config *cfg, FILE *err)
{
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (option_set(cfg, &options[i], options[i].def, "default",
			       err) != 0)
			return -1;
	return 0;
}

static int wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	return 0;
}

/*
 * The file is --config, else PKIAAS_CONFIG, else pkiaas.conf in the data
 * folder (written into path) when it exists there. The data folder may
 * itself come from the environment or a flag, so those are applied once
 * before the file.
 */
static const char *config_file_pick(struct config *cfg, const char *flag,
				    char *path, size_t size)
{
	const char *env = getenv("PKIAAS_CONFIG");

	if (flag != NULL)
		return flag;
	if (env != NULL && *env != '\0')
		return env;
	snprintf(path, size, "%s/pkiaas.conf", cfg->data);
	return access(path, F_OK) == 0 ? path : NULL;
}

int config_load(struct config *cfg, int argc, char **argv, FILE *out, FILE *err)
{
	char path[PATH_MAX];
	const char *file = NULL;

	memset(cfg, 0, sizeof(*cfg));
	if (wants_help(argc, argv)) {
		config_usage(out);
		return 1;
	}
	if (config_defaults(cfg, err) != 0 || config_env_apply(cfg, err) != 0 ||
	    config_flags_apply(cfg, argc, argv, &file, err) != 0)
		return -1;
	file = config_file_pick(cfg, file, path, sizeof(path));
	if (file == NULL)
		return 0;
	cfg->config_file = strdup(file);
	if (cfg->config_file == NULL || config_file_read(cfg, file, err) != 0 ||
	    config_env_apply(cfg, err) != 0 ||
	    config_flags_apply(cfg, argc, argv, &file, err) != 0)
		return -1;
	return 0;
}

void config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	for (size_t i = 0; i < N_OPTIONS; i++)
		if (options[i].type == OPT_STRING)
			free(*(char **)((char *)cfg + options[i].offset));
	free(cfg->config_file);
	memset(cfg, 0, sizeof(*cfg));
}

void config_usage(FILE *out)
{
	fprintf(out, "Options (flag, environment variable, default):\n"
		     "  --config FILE  PKIAAS_CONFIG  (DATA/pkiaas.conf)\n");
	for (size_t i = 0; i < N_OPTIONS; i++) {
		char flag[64], env[64];

		flag_key(options[i].key, strlen(options[i].key), flag,
			 sizeof(flag));
		for (char *p = flag; *p != '\0'; p++)
			*p = *p == '_' ? '-' : *p;
		snprintf(env, sizeof(env), "PKIAAS_%s", options[i].key);
		for (char *p = env; *p != '\0'; p++)
			*p = (char)toupper((unsigned char)*p);
		fprintf(out, "  --%-17s %-24s %s\n      %s\n", flag, env,
			*options[i].def ? options[i].def : "\"\"",
			options[i].help);
	}
}
