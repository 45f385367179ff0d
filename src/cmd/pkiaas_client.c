/* HTTP over libcurl for the pkiaas client; see pkiaas_client.h. */
#include "cmd/pkiaas_client.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd/pkiaas_cli.h"
#include "cmd/pkiaas_table.h"

#define CLIENT_MAX_BODY	 (8u << 20) /* largest answer we read */
#define CLIENT_TIMEOUT	 30L	    /* seconds for a whole request */
#define CLIENT_CONNECT	 10L	    /* seconds to connect */
#define CLIENT_MAX_PAGES 100000	    /* pages client_list follows */
#define SESSION_COOKIE	 "pkiaas_session"

struct client {
	CURL *curl;
	char *server; /* the URL without a trailing '/' */
	char *cacert; /* root to trust, or NULL */
	char *token;  /* bearer token, or NULL */
	char *cookie; /* "pkiaas_session=..." from the last answer, or NULL */
	char *csrf;   /* the session's CSRF token once in use, or NULL */
	int session;  /* send cookie and csrf */
	char errbuf[CURL_ERROR_SIZE];
};

/* What one transfer collects. */
struct transfer {
	struct client *c;
	char *data; /* the body so far */
	size_t len;
	int too_large;
	long retry_after;
};

/* Wipes and frees a NUL-terminated secret; NULL is fine. */
static void secret_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static char *dup_or_null(const char *s, int *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*failed = 1;
	return d;
}

struct client *client_new(const char *server, const char *cacert,
			  const char *token)
{
	struct client *c = calloc(1, sizeof(*c));
	int failed = 0;
	size_t n;

	if (c == NULL || server == NULL)
		goto fail;
	c->curl = curl_easy_init();
	c->server = dup_or_null(server, &failed);
	c->cacert = dup_or_null(cacert, &failed);
	c->token = dup_or_null(token, &failed);
	if (c->curl == NULL || failed)
		goto fail;
	n = strlen(c->server);
	while (n > 0 && c->server[n - 1] == '/')
		c->server[--n] = '\0';
	return c;
fail:
	fprintf(stderr, "pkiaas: out of memory\n");
	client_free(c);
	return NULL;
}

void client_free(struct client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	free(c->server);
	free(c->cacert);
	secret_free(c->token);
	secret_free(c->cookie);
	secret_free(c->csrf);
	free(c);
}

const char *client_server(const struct client *c)
{
	return c->server;
}

int client_use_session(struct client *c, const char *csrf)
{
	if (c->cookie == NULL || csrf == NULL)
		return -1;
	secret_free(c->csrf);
	c->csrf = strdup(csrf);
	if (c->csrf == NULL)
		return -1;
	c->session = 1;
	return 0;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	char *grown;

	if (len > CLIENT_MAX_BODY - t->len) {
		t->too_large = 1;
		return 0;
	}
	grown = realloc(t->data, t->len + len + 1);
	if (grown == NULL)
		return 0;
	memcpy(grown + t->len, data, len);
	t->data = grown;
	t->len += len;
	t->data[t->len] = '\0';
	return len;
}

/* Keeps "pkiaas_session=VALUE" from a Set-Cookie header value. */
static void take_cookie(struct client *c, const char *value, size_t len)
{
	size_t name = strlen(SESSION_COOKIE);
	size_t end = 0;
	char *cookie;

	while (end < len && value[end] != ';' && value[end] != '\r' &&
	       value[end] != '\n')
		end++;
	if (end <= name || strncmp(value, SESSION_COOKIE "=", name + 1) != 0)
		return;
	cookie = strndup(value, end);
	if (cookie == NULL)
		return;
	secret_free(c->cookie);
	c->cookie = cookie;
}

/* Value of header line "Name: value" when its name is name, else NULL. */
static const char *header_value(const char *line, size_t len, const char *name)
{
	size_t n = strlen(name);

	if (len <= n + 1 || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	line += n + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

static size_t on_header(char *line, size_t size, size_t n, void *arg)
{
	struct transfer *t = arg;
	size_t len = size * n;
	const char *v;

	v = header_value(line, len, "Set-Cookie");
	if (v != NULL)
		take_cookie(t->c, v, len - (size_t)(v - line));
	v = header_value(line, len, "Retry-After");
	if (v != NULL) {
		char *end;
		long secs = strtol(v, &end, 10);

		if (end != v && secs >= 0)
			t->retry_after = secs;
	}
	return len;
}

/* Adds a header to *list; 0 or -1. */
static int header_add(struct curl_slist **list, const char *name,
		      const char *value)
{
	struct curl_slist *grown;
	char *line;
	int n;

	n = asprintf(&line, "%s: %s", name, value);
	if (n < 0)
		return -1;
	grown = curl_slist_append(*list, line);
	OPENSSL_cleanse(line, (size_t)n);
	free(line);
	if (grown == NULL)
		return -1;
	*list = grown;
	return 0;
}

/* Wipes the headers (they may hold the token) and frees them. */
static void headers_free(struct curl_slist *list)
{
	for (struct curl_slist *h = list; h != NULL; h = h->next)
		OPENSSL_cleanse(h->data, strlen(h->data));
	curl_slist_free_all(list);
}

/* Adds "Authorization: Bearer TOKEN"; 0 or -1. */
static int header_bearer(struct curl_slist **list, const char *token)
{
	char *bearer;
	int rc;

	if (asprintf(&bearer, "Bearer %s", token) < 0)
		return -1;
	rc = header_add(list, "Authorization", bearer);
	secret_free(bearer);
	return rc;
}

/* The request headers for method; NULL when out of memory. */
static struct curl_slist *headers_make(struct client *c, const char *method,
				       int has_body)
{
	int changes = strcmp(method, "GET") != 0;
	struct curl_slist *list = NULL;
	int rc = header_add(&list, "Accept", "application/json");

	if (rc == 0 && has_body)
		rc = header_add(&list, "Content-Type", "application/json");
	if (rc == 0 && !has_body && changes) {
		/* No body: no form Content-Type that curl would add. */
		struct curl_slist *grown =
		    curl_slist_append(list, "Content-Type:");

		rc = grown != NULL ? 0 : -1;
		list = grown != NULL ? grown : list;
	}
	if (rc == 0 && c->session && changes)
		rc = header_add(&list, "X-CSRF-Token", c->csrf);
	if (rc == 0 && !c->session && c->token != NULL)
		rc = header_bearer(&list, c->token);
	if (rc != 0) {
		headers_free(list);
		return NULL;
	}
	return list;
}

/* Sets option opt to val on h unless *rc already holds a failure. */
#define SETOPT(h, rc, opt, val)                                                \
	do {                                                                   \
		if (*(rc) == CURLE_OK)                                         \
			*(rc) = curl_easy_setopt(h, opt, val);                 \
	} while (0)

/* What every request does: where, how long, where the answer goes. */
static void request_transfer(struct client *c, const char *url,
			     struct curl_slist *headers, struct transfer *t,
			     CURLcode *rc)
{
	int https = strncmp(c->server, "https://", 8) == 0;
	CURL *h = c->curl;

	SETOPT(h, rc, CURLOPT_URL, url);
	SETOPT(h, rc, CURLOPT_PROTOCOLS_STR, https ? "https" : "http");
	SETOPT(h, rc, CURLOPT_ERRORBUFFER, c->errbuf);
	SETOPT(h, rc, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, rc, CURLOPT_TIMEOUT, CLIENT_TIMEOUT);
	SETOPT(h, rc, CURLOPT_CONNECTTIMEOUT, CLIENT_CONNECT);
	SETOPT(h, rc, CURLOPT_USERAGENT, "pkiaas/" PKIAAS_VERSION);
	SETOPT(h, rc, CURLOPT_HTTPHEADER, headers);
	SETOPT(h, rc, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(h, rc, CURLOPT_WRITEDATA, t);
	SETOPT(h, rc, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, rc, CURLOPT_HEADERDATA, t);
	if (c->cacert != NULL)
		SETOPT(h, rc, CURLOPT_CAINFO, c->cacert);
}

/* The method, its body and the session cookie. */
static void request_method(struct client *c, const char *method,
			   const char *body, CURLcode *rc)
{
	CURL *h = c->curl;

	if (c->session)
		SETOPT(h, rc, CURLOPT_COOKIE, c->cookie);
	if (strcmp(method, "GET") != 0)
		SETOPT(h, rc, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		SETOPT(h, rc, CURLOPT_POSTFIELDS, body);
		SETOPT(h, rc, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else if (strcmp(method, "POST") == 0) {
		SETOPT(h, rc, CURLOPT_POSTFIELDS, "");
	}
}

/* Sets the options of one request on c->curl; 0 or -1. */
static int request_setup(struct client *c, const char *method, const char *url,
			 const char *body, struct curl_slist *headers,
			 struct transfer *t)
{
	CURLcode rc = CURLE_OK;

	curl_easy_reset(c->curl);
	c->errbuf[0] = '\0';
	request_transfer(c, url, headers, t, &rc);
	request_method(c, method, body, &rc);
	return rc == CURLE_OK ? 0 : -1;
}

/* Prints why a request got no answer; its exit code. */
static int transfer_failed(struct client *c, const char *url, CURLcode rc,
			   const struct transfer *t)
{
	const char *why = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);

	if (t->too_large) {
		fprintf(stderr,
			"pkiaas: %s: the answer is larger than %u "
			"bytes\n",
			url, CLIENT_MAX_BODY);
		return CLI_REFUSED;
	}
	fprintf(stderr, "pkiaas: cannot reach %s: %s\n", c->server, why);
	if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CACERT_BADFILE)
		fprintf(stderr, "pkiaas: pass --cacert with the server's root "
				"certificate (its var/tls/root.pem)\n");
	return CLI_UNREACHABLE;
}

/* Fills r from a finished transfer. */
static void reply_fill(struct client *c, struct transfer *t, struct reply *r)
{
	json_error_t err;

	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &r->status);
	r->retry_after = t->retry_after;
	if (t->len == 0)
		return;
	r->body = json_loadb(t->data, t->len, JSON_REJECT_DUPLICATES, &err);
	r->not_json = r->body == NULL;
	r->text = t->data;
	r->len = t->len;
	t->data = NULL;
	t->len = 0;
}

int client_send(struct client *c, const char *method, const char *path,
		json_t *body, struct reply *r)
{
	struct transfer t = {.c = c, .retry_after = -1};
	struct curl_slist *headers = NULL;
	char *url = NULL, *text = NULL;
	int rc = CLI_REFUSED;
	CURLcode cc;

	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	headers = headers_make(c, method, body != NULL);
	if (asprintf(&url, "%s%s", c->server, path) < 0)
		url = NULL;
	if ((body != NULL && text == NULL) || headers == NULL || url == NULL ||
	    request_setup(c, method, url, text, headers, &t) != 0) {
		fprintf(stderr, "pkiaas: out of memory\n");
		goto out;
	}
	cc = curl_easy_perform(c->curl);
	if (cc != CURLE_OK) {
		rc = transfer_failed(c, url, cc, &t);
		goto out;
	}
	reply_fill(c, &t, r);
	rc = 0;
out:
	curl_easy_reset(c->curl);
	headers_free(headers);
	secret_free(text);
	if (t.data != NULL)
		OPENSSL_cleanse(t.data, t.len);
	free(t.data);
	free(url);
	return rc;
}

void reply_clear(struct reply *r)
{
	json_decref(r->body);
	if (r->text != NULL)
		OPENSSL_cleanse(r->text, r->len);
	free(r->text);
	memset(r, 0, sizeof(*r));
	r->retry_after = -1;
}

int client_check(const struct reply *r)
{
	const char *detail = NULL;
	char clean[1024];

	if (r->status >= 200 && r->status < 300)
		return 0;
	if (json_is_object(r->body)) {
		detail = json_string_value(json_object_get(r->body, "detail"));
		if (detail == NULL || *detail == '\0')
			detail = json_string_value(
			    json_object_get(r->body, "title"));
	}
	if (detail != NULL && *detail != '\0') {
		table_text_clean(detail, clean, sizeof(clean));
		fprintf(stderr, "pkiaas: %s (HTTP %ld)\n", clean, r->status);
	} else {
		fprintf(stderr, "pkiaas: the server answered HTTP %ld\n",
			r->status);
	}
	if (r->retry_after >= 0)
		fprintf(stderr, "pkiaas: try again in %ld seconds\n",
			r->retry_after);
	if (r->status == 401 || r->status == 403)
		return CLI_DENIED;
	return r->status == 404 ? CLI_NOT_FOUND : CLI_REFUSED;
}

int client_call(struct client *c, const char *method, const char *path,
		json_t *body, json_t **out)
{
	struct reply r;
	int rc = client_send(c, method, path, body, &r);

	if (rc == 0)
		rc = client_check(&r);
	if (rc == 0 && r.not_json) {
		fprintf(stderr, "pkiaas: %s %s: the answer is not JSON\n",
			method, path);
		rc = CLI_REFUSED;
	}
	if (rc == 0 && out != NULL) {
		*out = r.body;
		r.body = NULL;
	}
	reply_clear(&r);
	return rc;
}

/*
 * Appends the items of one page to items and returns its next_cursor
 * through *next (NULL on the last page; a copy the caller frees). 0 or
 * CLI_REFUSED when the page is not a list (printed).
 */
static int page_take(json_t *page, const char *path, json_t *items, char **next)
{
	json_t *list =
	    json_is_array(page) ? page : json_object_get(page, "items");
	json_t *cursor = json_object_get(page, "next_cursor");

	*next = NULL;
	if (!json_is_array(list) || json_array_extend(items, list) != 0) {
		fprintf(stderr, "pkiaas: GET %s: the answer is not a list\n",
			path);
		return CLI_REFUSED;
	}
	if (json_is_string(cursor)) {
		*next = strdup(json_string_value(cursor));
		if (*next == NULL) {
			fprintf(stderr, "pkiaas: out of memory\n");
			return CLI_REFUSED;
		}
	}
	return 0;
}

/* GETs one page at path, from cursor (NULL: the first), into items. */
static int page_get(struct client *c, const char *path, const char *cursor,
		    json_t *items, char **next)
{
	char *url = strdup(path);
	json_t *page = NULL;
	int rc = CLI_REFUSED;

	if (url == NULL) {
		fprintf(stderr, "pkiaas: out of memory\n");
		goto out;
	}
	if (cursor != NULL && client_query_add(&url, "cursor", cursor) != 0)
		goto out;
	rc = client_call(c, "GET", url, NULL, &page);
	if (rc == 0)
		rc = page_take(page, path, items, next);
out:
	json_decref(page);
	free(url);
	return rc;
}

int client_list(struct client *c, const char *path, int all, json_t **out)
{
	json_t *items = json_array();
	char *cursor = NULL, *next = NULL;
	int rc = CLI_REFUSED;

	if (items == NULL)
		goto out;
	for (int pages = 0;; pages++) {
		rc = page_get(c, path, cursor, items, &next);
		if (rc != 0 || next == NULL || !all)
			break;
		if (pages >= CLIENT_MAX_PAGES ||
		    (cursor != NULL && strcmp(cursor, next) == 0)) {
			fprintf(stderr,
				"pkiaas: GET %s: the pages do not "
				"end\n",
				path);
			rc = CLI_REFUSED;
			goto out;
		}
		free(cursor);
		cursor = next;
		next = NULL;
	}
	if (rc != 0)
		goto out;
	*out = json_pack("{s:O,s:s?}", "items", items, "next_cursor", next);
	if (*out == NULL) {
		fprintf(stderr, "pkiaas: out of memory\n");
		rc = CLI_REFUSED;
	}
out:
	json_decref(items);
	free(cursor);
	free(next);
	return rc;
}

char *client_path(const char *prefix, const char *id)
{
	char *esc = curl_easy_escape(NULL, id, 0);
	char *path = NULL;

	if (esc == NULL || asprintf(&path, "%s/%s", prefix, esc) < 0) {
		path = NULL;
		fprintf(stderr, "pkiaas: out of memory\n");
	}
	curl_free(esc);
	return path;
}

int client_query_add(char **path, const char *key, const char *value)
{
	char *esc = curl_easy_escape(NULL, value, 0);
	char *grown = NULL;
	int rc = -1;

	if (esc != NULL &&
	    asprintf(&grown, "%s%c%s=%s", *path, strchr(*path, '?') ? '&' : '?',
		     key, esc) >= 0) {
		free(*path);
		*path = grown;
		rc = 0;
	} else {
		fprintf(stderr, "pkiaas: out of memory\n");
	}
	curl_free(esc);
	return rc;
}
