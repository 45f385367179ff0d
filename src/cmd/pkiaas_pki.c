/* Shared pieces of the PKI commands; see pkiaas_pki.h. */
#include "cmd/pkiaas_pki.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/pkiaas_cli.h"
#include "lib/fsutil.h"
#include "lib/rand.h"

#define PKI_TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

/* Whether s has the shape of an id: 16 characters of the id alphabet. */
static int id_shaped(const char *s)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";

	return strlen(s) == RAND_ID_LEN && strspn(s, alphabet) == RAND_ID_LEN;
}

/* The one item of list whose name is name; see pki_resolve. */
static int name_search(struct client *c, const char *list, const char *what,
		       const char *name, json_t **found)
{
	json_t *page = NULL, *item;
	size_t i, matches = 0;
	int rc = client_list(c, list, 1, &page);

	if (rc != 0)
		return rc;
	json_array_foreach (json_object_get(page, "items"), i, item) {
		const char *n =
		    json_string_value(json_object_get(item, "name"));

		if (n == NULL || strcmp(n, name) != 0)
			continue;
		if (matches++ == 0)
			*found = json_incref(item);
	}
	json_decref(page);
	if (matches == 0) {
		fprintf(stderr, "pkiaas: no %s '%s'\n", what, name);
		return CLI_NOT_FOUND;
	}
	if (matches > 1) {
		fprintf(stderr,
			"pkiaas: %zu %ss are named '%s': pass the id, or "
			"--ca to pick the CA\n",
			matches, what, name);
		json_decref(*found);
		*found = NULL;
		return CLI_REFUSED;
	}
	return 0;
}

int pki_resolve(struct client *c, const char *collection, const char *list,
		const char *what, const char *arg, json_t **found)
{
	struct reply r = {0};
	char *path;
	int rc;

	*found = NULL;
	if (!id_shaped(arg))
		return name_search(c, list, what, arg, found);
	path = client_path(collection, arg);
	if (path == NULL)
		return CLI_REFUSED;
	rc = client_send(c, "GET", path, NULL, &r);
	free(path);
	if (rc == 0 && r.status == 404)
		rc = name_search(c, list, what, arg, found);
	else if (rc == 0 && (rc = client_check(&r)) == 0 &&
		 json_is_object(r.body))
		*found = json_incref(r.body);
	else if (rc == 0)
		rc = CLI_REFUSED;
	reply_clear(&r);
	return rc;
}

int pki_ca_resolve(struct client *c, const char *arg, json_t **ca)
{
	return pki_resolve(c, "/api/v1/cas", "/api/v1/cas", "CA", arg, ca);
}

int pki_template_resolve(struct client *c, const char *ca_id, const char *arg,
			 json_t **tpl)
{
	char *list = strdup("/api/v1/templates");
	int rc = CLI_REFUSED;

	*tpl = NULL;
	if (list == NULL)
		fprintf(stderr, "pkiaas: out of memory\n");
	else if (ca_id == NULL || client_query_add(&list, "ca_id", ca_id) == 0)
		rc = pki_resolve(c, "/api/v1/templates", list, "template", arg,
				 tpl);
	free(list);
	return rc;
}

int pki_template_find(struct client *c, const char *ca_arg, const char *arg,
		      json_t **tpl)
{
	json_t *ca = NULL;
	int rc = 0;

	*tpl = NULL;
	if (ca_arg != NULL)
		rc = pki_ca_resolve(c, ca_arg, &ca);
	if (rc == 0)
		rc = pki_template_resolve(c, pki_id(ca), arg, tpl);
	json_decref(ca);
	return rc;
}

const char *pki_id(const json_t *obj)
{
	return json_string_value(json_object_get(obj, "id"));
}

char *pki_path(const char *collection, const json_t *obj, const char *suffix)
{
	const char *id = pki_id(obj);
	char *path, *full = NULL;

	if (id == NULL) {
		fprintf(stderr, "pkiaas: the server's object has no id\n");
		return NULL;
	}
	path = client_path(collection, id);
	if (path == NULL || suffix == NULL)
		return path;
	if (asprintf(&full, "%s/%s", path, suffix) < 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		full = NULL;
	}
	free(path);
	return full;
}

/* Reads standard input, at most PKI_FILE_MAX bytes. 0 or -1 (errno). */
static int stdin_read(char **data, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap), *grown;

	while (buf != NULL &&
	       (got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
		n += got;
		if (n + 1 < cap)
			continue;
		if (cap > PKI_FILE_MAX) {
			free(buf);
			errno = EFBIG;
			return -1;
		}
		grown = realloc(buf, cap * 2);
		if (grown == NULL)
			break;
		buf = grown;
		cap *= 2;
	}
	if (buf == NULL || ferror(stdin)) {
		free(buf);
		return -1;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int pki_file_read(const char *what, const char *path, char **data, size_t *len)
{
	int rc = strcmp(path, "-") == 0
		     ? stdin_read(data, len)
		     : fs_read_all(path, PKI_FILE_MAX, data, len);

	if (rc != 0) {
		fprintf(stderr, "pkiaas: cannot read %s %s: %s\n", what, path,
			errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
		return CLI_USAGE;
	}
	return 0;
}

int pki_output(const char *path, const void *data, size_t len)
{
	if (path == NULL) {
		if (fwrite(data, 1, len, stdout) != len ||
		    fflush(stdout) != 0) {
			fprintf(stderr, "pkiaas: cannot write the answer\n");
			return CLI_REFUSED;
		}
		return 0;
	}
	if (fs_write_atomic(path, data, len, 0644) != 0) {
		fprintf(stderr, "pkiaas: cannot write %s: %s\n", path,
			strerror(errno));
		return CLI_REFUSED;
	}
	return 0;
}

int pki_get_raw(struct client *c, const char *path, struct reply *r)
{
	int rc = client_send(c, "GET", path, NULL, r);

	if (rc == 0)
		rc = client_check(r);
	if (rc == 0 && r->text == NULL) {
		fprintf(stderr, "pkiaas: GET %s: the answer is empty\n", path);
		rc = CLI_REFUSED;
	}
	return rc;
}

size_t pki_values(int argc, char **argv, const char *name, const char **out,
		  size_t max)
{
	size_t n = 0, len = strlen(name);

	for (int i = 0; i < argc && n < max; i++) {
		const char *arg = argv[i];

		if (strcmp(arg, "--") == 0)
			break;
		if (strncmp(arg, "--", 2) != 0 ||
		    strncmp(arg + 2, name, len) != 0)
			continue;
		if (arg[2 + len] == '=')
			out[n++] = arg + 3 + len;
		else if (arg[2 + len] == '\0' && i + 1 < argc)
			out[n++] = argv[++i];
	}
	return n;
}

/* Whether arg ("--name" without "=") is an option that takes a value. */
static int takes_value(const char *arg, const struct args_opt *spec,
		       size_t nspec)
{
	static const char *const globals[] = {"server", "token", "cacert"};

	if (strchr(arg, '=') != NULL)
		return 0;
	for (size_t i = 0; i < sizeof(globals) / sizeof(*globals); i++)
		if (strcmp(arg + 2, globals[i]) == 0)
			return 1;
	for (size_t i = 0; i < nspec; i++)
		if (strcmp(arg + 2, spec[i].name) == 0)
			return spec[i].has_value;
	return 0;
}

int pki_split(int argc, char **argv, const struct args_opt *spec, size_t nspec,
	      char **rest, int *nrest, char **pos, size_t *npos)
{
	int rest_only = 0;

	*nrest = 0;
	*npos = 0;
	for (int i = 0; i < argc; i++) {
		char *arg = argv[i];

		if (!rest_only && strcmp(arg, "--") == 0) {
			rest_only = 1;
			continue;
		}
		if (!rest_only &&
		    (strncmp(arg, "--", 2) == 0 || strcmp(arg, "-h") == 0)) {
			rest[(*nrest)++] = arg;
			if (takes_value(arg, spec, nspec) && i + 1 < argc)
				rest[(*nrest)++] = argv[++i];
			continue;
		}
		if (*npos >= PKI_MANY_MAX) {
			fprintf(stderr, "pkiaas: at most %d arguments\n",
				PKI_MANY_MAX);
			return CLI_USAGE;
		}
		pos[(*npos)++] = arg;
	}
	return 0;
}

json_t *pki_settings(const char *option, const char *arg)
{
	json_error_t error;
	char *text = NULL;
	size_t len = 0;
	json_t *v;

	if (arg[0] == '@') {
		if (pki_file_read("the settings", arg + 1, &text, &len) != 0)
			return NULL;
		v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
		free(text);
	} else {
		v = json_loads(arg, JSON_REJECT_DUPLICATES, &error);
	}
	if (v == NULL || !json_is_object(v)) {
		fprintf(stderr,
			"pkiaas: %s must be a JSON object (or @FILE holding "
			"one): %s\n",
			option, v == NULL ? error.text : "not an object");
		json_decref(v);
		return NULL;
	}
	return v;
}

int pki_time(const char *option, const char *s, long long *out)
{
	const char *end;
	struct tm tm;
	time_t t;

	if (s[0] >= '0' && s[0] <= '9' && strchr(s, '-') == NULL)
		return args_int(option, s, 1, PKI_TIME_MAX, out);
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	t = end != NULL && *end == '\0' && strlen(s) == 20 ? timegm(&tm) : -1;
	if (t <= 0) {
		fprintf(stderr,
			"pkiaas: %s must be epoch seconds or "
			"YYYY-MM-DDTHH:MM:SSZ, not '%s'\n",
			option, s);
		return -1;
	}
	*out = (long long)t;
	return 0;
}

int pki_set(json_t *obj, const char *name, json_t *value)
{
	if (value == NULL || json_object_set_new(obj, name, value) != 0) {
		fprintf(stderr,
			"pkiaas: cannot set %s: out of memory, or not "
			"UTF-8\n",
			name);
		return -1;
	}
	return 0;
}
