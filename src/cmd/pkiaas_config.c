/* The pkiaas client's stored configuration; see pkiaas_config.h. */
#include "cmd/pkiaas_config.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/pkiaas_cli.h"
#include "lib/fsutil.h"

#define CONFIG_FILE	"config.json"
#define CONFIG_CA_FILE	"ca.pem"
#define CONFIG_MAX_SIZE (64u << 10) /* larger is not ours */

int cli_config_set(char **field, const char *value)
{
	char *copy = NULL;

	if (value != NULL && (copy = strdup(value)) == NULL)
		return -1;
	if (*field != NULL)
		OPENSSL_cleanse(*field, strlen(*field));
	free(*field);
	*field = copy;
	return 0;
}

void cli_config_free(struct cli_config *cfg)
{
	cli_config_set(&cfg->dir, NULL);
	cli_config_set(&cfg->server, NULL);
	cli_config_set(&cfg->token, NULL);
	cli_config_set(&cfg->cacert, NULL);
}

/* The folder's path into cfg->dir; 0, or an exit code (printed). */
static int cli_config_dir_find(struct cli_config *cfg)
{
	const char *env = getenv("PKIAAS_CONFIG_DIR");
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	struct passwd *pw;
	int n = -1;

	if (env != NULL && *env != '\0') {
		cfg->dir = strdup(env);
		n = cfg->dir ? 0 : -1;
	} else if (xdg != NULL && xdg[0] == '/') {
		n = asprintf(&cfg->dir, "%s/pkiaas", xdg);
	} else {
		if (home == NULL || *home == '\0') {
			pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : NULL;
		}
		if (home == NULL) {
			fprintf(stderr,
				"pkiaas: no home folder for the "
				"configuration: set PKIAAS_CONFIG_DIR\n");
			return CLI_USAGE;
		}
		n = asprintf(&cfg->dir, "%s/.config/pkiaas", home);
	}
	if (n < 0) {
		cfg->dir = NULL;
		fprintf(stderr, "pkiaas: out of memory\n");
		return CLI_REFUSED;
	}
	return 0;
}

/* A new "DIR/NAME", or NULL (printed). */
static char *cli_config_path(const struct cli_config *cfg, const char *name)
{
	char *path;

	if (asprintf(&path, "%s/%s", cfg->dir, name) < 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		return NULL;
	}
	return path;
}

/* Copies member key of doc, a string or null, into *field; 0 or -1. */
static int member_take(json_t *doc, const char *key, char **field)
{
	json_t *v = json_object_get(doc, key);

	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -1;
	return cli_config_set(field, json_string_value(v));
}

/* Warns when path can be read by others than its owner. */
static void mode_warn(const char *path, int is_dir)
{
	struct stat sb;

	if (stat(path, &sb) == 0 && (sb.st_mode & 077) != 0)
		fprintf(stderr,
			"pkiaas: warning: %s can be read by others; "
			"run chmod %s %s\n",
			path, is_dir ? "700" : "600", path);
}

/* Parses config.json's text into cfg; 0, or an exit code (printed). */
static int cli_config_parse(struct cli_config *cfg, const char *path,
			    const char *text, size_t len)
{
	json_error_t err;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	int rc = CLI_USAGE;

	if (!json_is_object(doc)) {
		fprintf(stderr,
			"pkiaas: %s is not a JSON object (line %d); "
			"remove it and log in again\n",
			path, err.line);
		goto out;
	}
	if (member_take(doc, "server", &cfg->server) != 0 ||
	    member_take(doc, "token", &cfg->token) != 0 ||
	    member_take(doc, "cacert", &cfg->cacert) != 0) {
		fprintf(stderr,
			"pkiaas: %s: server, token and cacert must be "
			"strings; remove it and log in again\n",
			path);
		goto out;
	}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

int cli_config_load(struct cli_config *cfg, int replace)
{
	char *path = NULL, *text = NULL;
	size_t len = 0;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = cli_config_dir_find(cfg);
	if (rc != 0)
		goto out;
	rc = CLI_REFUSED;
	path = cli_config_path(cfg, CONFIG_FILE);
	if (path == NULL)
		goto out;
	if (fs_read_all(path, CONFIG_MAX_SIZE, &text, &len) != 0) {
		rc = errno == ENOENT ? 0 : CLI_USAGE;
		if (rc != 0)
			fprintf(stderr, "pkiaas: cannot read %s: %s\n", path,
				strerror(errno));
		goto out;
	}
	mode_warn(path, 0);
	rc = cli_config_parse(cfg, path, text, len);
	if (rc != 0 && replace) {
		fprintf(stderr, "pkiaas: warning: %s is replaced\n", path);
		cli_config_set(&cfg->server, NULL);
		cli_config_set(&cfg->token, NULL);
		cli_config_set(&cfg->cacert, NULL);
		rc = 0;
	}
out:
	if (text != NULL)
		OPENSSL_cleanse(text, len);
	free(text);
	free(path);
	return rc;
}

/* Creates the folder with mode 0700; 0, or an exit code (printed). */
static int cli_config_dir_make(const struct cli_config *cfg)
{
	if (fs_mkdir_p(cfg->dir, 0700) != 0) {
		fprintf(stderr, "pkiaas: cannot create %s: %s\n", cfg->dir,
			strerror(errno));
		return CLI_USAGE;
	}
	mode_warn(cfg->dir, 1);
	return 0;
}

/* Writes data to DIR/name atomically with mode 0600; 0 or an exit code. */
static int cli_config_write(const struct cli_config *cfg, const char *name,
			    const char *data, size_t len)
{
	char *path = cli_config_path(cfg, name);
	int rc = CLI_REFUSED;

	if (path == NULL)
		return rc;
	rc = cli_config_dir_make(cfg);
	if (rc == 0 && fs_write_atomic(path, data, len, 0600) != 0) {
		fprintf(stderr, "pkiaas: cannot write %s: %s\n", path,
			strerror(errno));
		rc = CLI_USAGE;
	}
	free(path);
	return rc;
}

int cli_config_save(const struct cli_config *cfg)
{
	json_t *doc = json_pack("{s:s*,s:s*,s:s*}", "server", cfg->server,
				"token", cfg->token, "cacert", cfg->cacert);
	char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
	char *line = NULL;
	int rc = CLI_REFUSED;
	int n = 0;

	if (text == NULL || (n = asprintf(&line, "%s\n", text)) < 0) {
		line = NULL;
		fprintf(stderr, "pkiaas: out of memory\n");
		goto out;
	}
	rc = cli_config_write(cfg, CONFIG_FILE, line, (size_t)n);
out:
	if (text != NULL)
		OPENSSL_cleanse(text, strlen(text));
	if (line != NULL)
		OPENSSL_cleanse(line, strlen(line));
	free(text);
	free(line);
	json_decref(doc);
	return rc;
}

int cli_config_store_ca(struct cli_config *cfg, const char *pem, size_t len)
{
	char *path = cli_config_path(cfg, CONFIG_CA_FILE);
	int rc = CLI_REFUSED;

	if (path == NULL)
		return rc;
	if (pem == NULL) {
		if (unlink(path) != 0 && errno != ENOENT) {
			fprintf(stderr, "pkiaas: cannot remove %s: %s\n", path,
				strerror(errno));
			rc = CLI_USAGE;
			goto out;
		}
		cli_config_set(&cfg->cacert, NULL);
		rc = 0;
		goto out;
	}
	rc = cli_config_write(cfg, CONFIG_CA_FILE, pem, len);
	if (rc == 0 && cli_config_set(&cfg->cacert, path) != 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		rc = CLI_REFUSED;
	}
out:
	free(path);
	return rc;
}
