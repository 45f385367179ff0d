/*
 * http-01 (RFC 8555 section 8.3): GET the key authorisation from the
 * applicant's web server. libcurl does the HTTP, but never a name lookup:
 * every host, the first and each redirect target, is resolved with our
 * own resolver and pinned with CURLOPT_RESOLVE, and curl may open a
 * socket to that one address only.
 */
#include "acme/validate.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "acme/dns.h"
#include "lib/clock.h"
#include "lib/log.h"

#define HTTP01_PATH	     "/.well-known/acme-challenge/"
#define HTTP01_BODY_MAX	     8192
#define HTTP01_HEADERS_MAX   16384
#define HTTP01_REDIRECTS_MAX 10
#define HTTP01_URL_MAX	     2048
#define HTTP01_TOKEN_MAX     256
#define HTTP01_AGENT	     "pkiaas/" PKIAAS_VERSION " (ACME validation)"
#define SHOWN_MAX	     64 /* characters of a wrong body quoted back */

/* One request: where to connect and what to ask. */
struct hop {
	int https;
	int port;
	char host[DNS_NAME_MAX + 1];
	char url[HTTP01_URL_MAX + 1];
};

/* The address curl may use, and what came back from it. */
struct fetch {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char addr_text[INET6_ADDRSTRLEN];
	int wrong_addr; /* curl asked for another address: refused */
	unsigned char body[HTTP01_BODY_MAX];
	size_t len;
	int body_too_big;
	size_t header_bytes;
	int headers_too_big;
	long status;
	char location[HTTP01_URL_MAX + 1]; /* the Location header, as sent */
	int location_bad;		   /* too long, or given twice */
};

/* What one GET came to. */
enum get_result {
	GET_DONE,     /* a response: status, body, location */
	GET_CONNECT,  /* no connection: another address may be tried */
	GET_DEFINITE, /* err says why, outcome given */
};

/*
 * libcurl is loaded at the first http-01 check, not at start: with the
 * libraries only it brings (SSH, LDAP, RTMP, HTTP/2, ...) it holds
 * 0.5 to 0.7 MB resident that a server without http-01 never uses.
 * Each member has the type of the libcurl function it names.
 */
static struct {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_set) *url_set;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_free) *free;
} lc;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static int curl_ready;

/* The address of libcurl's function name; NULL, noted in *missing. */
static void *curl_sym(void *h, const char *name, const char **missing)
{
	void *f = dlsym(h, name);

	if (f == NULL && *missing == NULL)
		*missing = name;
	return f;
}

/* Fills lc from libcurl.so.4, opened once; -1 (logged) when it fails. */
static int curl_load(void)
{
	char quoted[512];
	const char *missing = NULL;
	void *h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);

	if (h == NULL) {
		log_event(LOG_ERROR, "acme.http01.curl",
			  "error=%s hint=\"install the libcurl4 package and "
			  "restart; http-01 challenges fail until then\"",
			  log_quote(dlerror(), quoted, sizeof(quoted)));
		return -1;
	}
#define LOAD(member)                                                           \
	(lc.member =                                                           \
	     (__typeof__(lc.member))curl_sym(h, "curl_" #member, &missing))
	LOAD(global_init);
	LOAD(easy_init);
	LOAD(easy_setopt);
	LOAD(easy_perform);
	LOAD(easy_getinfo);
	LOAD(easy_cleanup);
	LOAD(easy_strerror);
	LOAD(slist_append);
	LOAD(slist_free_all);
	LOAD(url);
	LOAD(url_set);
	LOAD(url_get);
	LOAD(url_cleanup);
	LOAD(free);
#undef LOAD
	if (missing != NULL) {
		log_event(LOG_ERROR, "acme.http01.curl",
			  "error=\"libcurl.so.4 has no %s\" hint=\"install "
			  "libcurl4 7.62 or newer and restart; http-01 "
			  "challenges fail until then\"",
			  missing);
		dlclose(h);
		return -1;
	}
	return 0;
}

/* Loads and starts libcurl; curl_ready stays 0 when that fails. */
static void curl_setup(void)
{
	if (curl_load() != 0)
		return;
	if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_event(LOG_ERROR, "acme.http01.curl",
			  "error=\"curl_global_init failed\"");
		return;
	}
	curl_ready = 1;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = (deadline - clock_monotonic_us()) / 1000;

	return left > 0 ? (int)left : 0;
}

static int token_valid(const char *token)
{
	size_t n = strlen(token);

	if (n == 0 || n > HTTP01_TOKEN_MAX)
		return 0;
	return strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
			     "vwxyz0123456789-_") == n;
}

/* libcurl callbacks: a bounded body, bounded headers, one address. */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct fetch *f = data;
	size_t n = size * nmemb;

	if (n > sizeof(f->body) - f->len) {
		f->body_too_big = 1;
		return 0;
	}
	memcpy(f->body + f->len, ptr, n);
	f->len += n;
	return n;
}

/* Keeps the Location header of the final response (a status line
 * starts a new response, after a 1xx). */
static void header_location(struct fetch *f, const char *line, size_t n)
{
	static const char name[] = "location:";
	size_t k = sizeof(name) - 1;

	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		f->location[0] = '\0';
		f->location_bad = 0;
		return;
	}
	if (n < k || strncasecmp(line, name, k) != 0)
		return;
	while (k < n && (line[k] == ' ' || line[k] == '\t'))
		k++;
	while (n > k && (line[n - 1] == '\r' || line[n - 1] == '\n' ||
			 line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	if (f->location[0] != '\0' || n - k >= sizeof(f->location)) {
		f->location_bad = 1;
		return;
	}
	memcpy(f->location, line + k, n - k);
	f->location[n - k] = '\0';
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *data)
{
	struct fetch *f = data;
	size_t n = size * nmemb;

	f->header_bytes += n;
	if (f->header_bytes > HTTP01_HEADERS_MAX) {
		f->headers_too_big = 1;
		return 0;
	}
	header_location(f, ptr, n);
	return n;
}

static int same_addr(const struct sockaddr *a, const struct sockaddr *b)
{
	const struct sockaddr_in *a4 = (const void *)a, *b4 = (const void *)b;
	const struct sockaddr_in6 *a6 = (const void *)a, *b6 = (const void *)b;

	if (a->sa_family != b->sa_family)
		return 0;
	if (a->sa_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	if (a->sa_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       memcmp(&a6->sin6_addr, &b6->sin6_addr, 16) == 0;
	return 0;
}

static curl_socket_t on_open_socket(void *data, curlsocktype purpose,
				    struct curl_sockaddr *address)
{
	struct fetch *f = data;

	if (purpose != CURLSOCKTYPE_IPCXN ||
	    !same_addr(&address->addr, (struct sockaddr *)&f->addr)) {
		f->wrong_addr = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(address->family, address->socktype | SOCK_CLOEXEC,
		      address->protocol);
}

/* One GET. */

/* Sets the options of one GET of hop from the address in f. */
static int get_setup(CURL *c, const struct hop *hop, struct fetch *f,
		     struct curl_slist **resolve, int64_t deadline)
{
	char entry[DNS_NAME_MAX + INET6_ADDRSTRLEN + 16];
	int v6 = f->addr.ss_family == AF_INET6;
	int ok = 1;

	snprintf(entry, sizeof(entry), v6 ? "%s:%d:[%s]" : "%s:%d:%s",
		 hop->host, hop->port, f->addr_text);
	*resolve = lc.slist_append(NULL, entry);
	if (*resolve == NULL)
		return -1;
#define SET(opt, val) (ok = ok && lc.easy_setopt(c, opt, val) == CURLE_OK)
	SET(CURLOPT_URL, hop->url);
	SET(CURLOPT_RESOLVE, *resolve);
	SET(CURLOPT_IPRESOLVE, v6 ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_V4);
	SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
	SET(CURLOPT_OPENSOCKETDATA, f);
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 0L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	SET(CURLOPT_USERAGENT, HTTP01_AGENT);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, (long)remaining_ms(deadline));
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)remaining_ms(deadline));
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, f);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, f);
	/* Redirects to https are followed without checking the
	 * certificate, as other ACME servers do: the key authorisation in
	 * the body is the proof, not the certificate. */
	SET(CURLOPT_SSL_VERIFYPEER, 0L);
	SET(CURLOPT_SSL_VERIFYHOST, 0L);
#undef SET
	return ok ? 0 : -1;
}

/* Maps a failed transfer to an outcome. */
static enum get_result get_error(CURLcode rc, const struct hop *hop,
				 const struct fetch *f, const char *why,
				 enum acme_validate_outcome *outcome,
				 struct acme_validate_error *err)
{
	const char *what = why[0] != '\0' ? why : lc.easy_strerror(rc);
	enum acme_validate_outcome o = ACME_VALIDATE_FAILED;
	const char *type = "connection";

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		acme_validate_fail(err, ACME_VALIDATE_RETRY, "connection",
				   "%s (%s): could not connect: %s", hop->url,
				   f->addr_text, what);
		*outcome = ACME_VALIDATE_RETRY;
		return GET_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING: o = ACME_VALIDATE_RETRY; break;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION: type = "tls"; break;
	default: break;
	}
	*outcome = acme_validate_fail(err, o, type, "%s (%s): %s", hop->url,
				      f->addr_text, what);
	return GET_DEFINITE;
}

/* GETs hop->url from the address in f. */
static enum get_result get_once(const struct hop *hop, struct fetch *f,
				int64_t deadline,
				enum acme_validate_outcome *outcome,
				struct acme_validate_error *err)
{
	char why[CURL_ERROR_SIZE] = "";
	struct curl_slist *resolve = NULL;
	enum get_result r = GET_DONE;
	CURL *c = lc.easy_init();
	CURLcode rc;

	if (remaining_ms(deadline) == 0) {
		*outcome = acme_validate_fail(
		    err, ACME_VALIDATE_RETRY, "connection",
		    "%s (%s): no time left", hop->url, f->addr_text);
		r = GET_DEFINITE;
		goto out;
	}
	if (c == NULL || get_setup(c, hop, f, &resolve, deadline) != 0 ||
	    lc.easy_setopt(c, CURLOPT_ERRORBUFFER, why) != CURLE_OK) {
		*outcome = acme_validate_fail(
		    err, ACME_VALIDATE_RETRY, "connection",
		    "%s: could not set up the HTTP client", hop->url);
		r = GET_DEFINITE;
		goto out;
	}
	rc = lc.easy_perform(c);
	if (f->wrong_addr) {
		log_event(LOG_ERROR, "acme.http01.address",
			  "what=\"libcurl tried an address we did not give\"");
		*outcome =
		    acme_validate_fail(err, ACME_VALIDATE_RETRY, "connection",
				       "%s: internal error", hop->url);
		r = GET_DEFINITE;
		goto out;
	}
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR &&
				(f->body_too_big || f->headers_too_big))) {
		r = get_error(rc, hop, f, why, outcome, err);
		goto out;
	}
	lc.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
out:
	lc.easy_cleanup(c);
	lc.slist_free_all(resolve);
	return r;
}

/*
 * Resolves hop->host (A, then AAAA) and GETs hop->url, trying the AAAA
 * address when the A address takes no connection. GET_DONE with f
 * filled, or GET_DEFINITE/GET_CONNECT with *outcome and err set.
 */
static enum get_result get_hop(const struct dns_server *srv,
			       const struct hop *hop, struct fetch *f,
			       int64_t deadline,
			       enum acme_validate_outcome *outcome,
			       struct acme_validate_error *err)
{
	static const enum dns_type types[] = {DNS_TYPE_A, DNS_TYPE_AAAA};
	struct dns_answer *ans = malloc(sizeof(*ans));
	enum get_result r = GET_DEFINITE;
	int dns_retry = 0, connected = 0;
	char why[2][DNS_DETAIL_MAX];

	if (ans == NULL) {
		*outcome = acme_validate_fail(err, ACME_VALIDATE_RETRY, "dns",
					      "out of memory");
		return GET_DEFINITE;
	}
	for (size_t i = 0; i < 2; i++) {
		memset(f, 0, sizeof(*f));
		dns_query(srv, hop->host, types[i], remaining_ms(deadline),
			  ans);
		snprintf(why[i], sizeof(why[i]), "%s", ans->detail);
		if (ans->status != DNS_OK || ans->count == 0) {
			dns_retry |= dns_status_retryable(ans->status);
			continue;
		}
		dns_record_sockaddr(&ans->rec[0], hop->port, &f->addr,
				    &f->addrlen);
		inet_ntop(f->addr.ss_family, ans->rec[0].data, f->addr_text,
			  sizeof(f->addr_text));
		connected = 1;
		r = get_once(hop, f, deadline, outcome, err);
		if (r != GET_CONNECT || remaining_ms(deadline) == 0)
			break;
	}
	free(ans);
	if (connected)
		return r;
	*outcome = acme_validate_fail(
	    err, dns_retry ? ACME_VALIDATE_RETRY : ACME_VALIDATE_FAILED, "dns",
	    "no address for %s: A: %s; AAAA: %s", hop->host, why[0], why[1]);
	return GET_DEFINITE;
}

/* Redirects. */

static int is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 ||
	       status == 307 || status == 308;
}

static int port_allowed(const struct acme_validate_options *opt, int https,
			long port)
{
	if (https)
		return port == 443 || port == opt->tls_port;
	return port == 80 || port == opt->http_port;
}

/*
 * A host to ask curl for: a DNS name, lowercase, without the final dot,
 * so that it matches our CURLOPT_RESOLVE entry and curl never looks it
 * up itself. -1 for addresses and what is not a host name.
 */
static int host_normalize(const char *in, char *out, size_t n)
{
	unsigned char probe[DNS_QUERY_MAX];
	struct in_addr a4;
	size_t len = strlen(in);

	if (len > 0 && in[len - 1] == '.')
		len--;
	if (len == 0 || len >= n || in[0] == '[')
		return -1;
	for (size_t i = 0; i < len; i++)
		out[i] =
		    in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] + 32) : in[i];
	out[len] = '\0';
	if (inet_pton(AF_INET, out, &a4) == 1)
		return -1;
	return dns_query_encode(out, DNS_TYPE_A, 0, probe, sizeof(probe)) > 0
		   ? 0
		   : -1;
}

/*
 * Makes the next hop from a redirect target, relative to hop->url (RFC
 * 8555 section 8.3 and 10.2: http or https, ports 80 and 443 or the
 * configured ones, a host name, not an address). FAILED with err set
 * when the target is not allowed.
 */
static enum acme_validate_outcome
hop_redirect(const struct acme_validate_options *opt, const char *target,
	     struct hop *hop, struct acme_validate_error *err)
{
	enum acme_validate_outcome o = ACME_VALIDATE_FAILED;
	char *scheme = NULL, *host = NULL, *port = NULL, *url = NULL;
	struct hop next = {0};
	CURLU *u = lc.url();
	long p = 0;

	if (u == NULL ||
	    lc.url_set(u, CURLUPART_URL, hop->url, 0) != CURLUE_OK ||
	    lc.url_set(u, CURLUPART_URL, target, 0) != CURLUE_OK ||
	    lc.url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    lc.url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    lc.url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
		CURLUE_OK) {
		acme_validate_fail(err, o, "connection",
				   "%s: redirect to an invalid URL", hop->url);
		goto out;
	}
	next.https = strcmp(scheme, "https") == 0;
	if (!next.https && strcmp(scheme, "http") != 0) {
		acme_validate_fail(
		    err, o, "connection",
		    "%s: redirect to a %s URL; only http and https are "
		    "followed",
		    hop->url, scheme);
		goto out;
	}
	if (host_normalize(host, next.host, sizeof(next.host)) != 0) {
		acme_validate_fail(
		    err, o, "connection",
		    "%s: redirect to host \"%.64s\", not a DNS name", hop->url,
		    host);
		goto out;
	}
	p = strtol(port, NULL, 10);
	if (!port_allowed(opt, next.https, p)) {
		acme_validate_fail(
		    err, o, "connection",
		    "%s: redirect to port %ld; only %d or %d for %s are "
		    "followed",
		    hop->url, p, next.https ? 443 : 80,
		    next.https ? opt->tls_port : opt->http_port, scheme);
		goto out;
	}
	next.port = (int)p;
	if (lc.url_set(u, CURLUPART_HOST, next.host, 0) != CURLUE_OK ||
	    lc.url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	    lc.url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
	    lc.url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
	    lc.url_set(u, CURLUPART_PORT, port, 0) != CURLUE_OK ||
	    lc.url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK ||
	    strlen(url) >= sizeof(next.url)) {
		acme_validate_fail(err, o, "connection",
				   "%s: redirect to an invalid URL", hop->url);
		goto out;
	}
	memcpy(next.url, url, strlen(url) + 1);
	*hop = next;
	o = ACME_VALIDATE_OK;
out:
	lc.free(scheme);
	lc.free(host);
	lc.free(port);
	lc.free(url);
	lc.url_cleanup(u);
	return o;
}

/* The response. */

/* A body for a message: printable ASCII, others as '?', cut. */
static void shown(const unsigned char *body, size_t len, char *out, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < n && o < SHOWN_MAX; i++)
		out[o++] = body[i] >= 0x20 && body[i] < 0x7f && body[i] != '"'
			       ? (char)body[i]
			       : '?';
	out[o] = '\0';
}

/* The body, trailing whitespace trimmed, must be the key authorisation. */
static enum acme_validate_outcome body_check(const struct hop *hop,
					     const struct fetch *f,
					     const char *key_authorization,
					     struct acme_validate_error *err)
{
	size_t len = f->len, want = strlen(key_authorization);
	char got[SHOWN_MAX + 1];

	if (f->body_too_big)
		return acme_validate_fail(
		    err, ACME_VALIDATE_FAILED, "incorrectResponse",
		    "%s (%s): body longer than %d bytes", hop->url,
		    f->addr_text, HTTP01_BODY_MAX);
	while (len > 0 &&
	       (f->body[len - 1] == ' ' || f->body[len - 1] == '\t' ||
		f->body[len - 1] == '\r' || f->body[len - 1] == '\n'))
		len--;
	if (len == want && memcmp(f->body, key_authorization, want) == 0)
		return ACME_VALIDATE_OK;
	shown(f->body, len, got, sizeof(got));
	return acme_validate_fail(
	    err, ACME_VALIDATE_FAILED, "incorrectResponse",
	    "%s (%s): the body \"%s\"%s is not the key authorisation", hop->url,
	    f->addr_text, got, len > SHOWN_MAX ? "..." : "");
}

/* Takes the redirect in f: OK with the next hop in hop, or FAILED. */
static enum acme_validate_outcome
redirect_take(const struct acme_validate_options *opt, struct hop *hop,
	      const struct fetch *f, int *redirects,
	      struct acme_validate_error *err)
{
	if (f->location[0] == '\0' || f->location_bad)
		return acme_validate_fail(
		    err, ACME_VALIDATE_FAILED, "unauthorized",
		    "%s (%s): HTTP %ld without one usable Location "
		    "(at most %d bytes)",
		    hop->url, f->addr_text, f->status, HTTP01_URL_MAX);
	if (*redirects == HTTP01_REDIRECTS_MAX)
		return acme_validate_fail(err, ACME_VALIDATE_FAILED,
					  "connection",
					  "%s: more than %d redirects",
					  hop->url, HTTP01_REDIRECTS_MAX);
	(*redirects)++;
	return hop_redirect(opt, f->location, hop, err);
}

/* Judges a final (not redirecting) response. */
static enum acme_validate_outcome
response_check(const struct hop *hop, const struct fetch *f,
	       const char *key_authorization, struct acme_validate_error *err)
{
	if (f->status != 200)
		return acme_validate_fail(
		    err, ACME_VALIDATE_FAILED, "unauthorized",
		    "%s (%s): HTTP status %ld, expected 200", hop->url,
		    f->addr_text, f->status);
	return body_check(hop, f, key_authorization, err);
}

enum acme_validate_outcome
acme_validate_http01(const struct acme_validate_options *opt,
		     const char *domain, const char *token,
		     const char *key_authorization,
		     struct acme_validate_error *err)
{
	int timeout =
	    opt->timeout_ms > 0 ? opt->timeout_ms : ACME_VALIDATE_TIMEOUT_MS;
	int64_t deadline = clock_monotonic_us() + (int64_t)timeout * 1000;
	enum acme_validate_outcome o = ACME_VALIDATE_FAILED;
	struct hop hop = {.https = 0};
	struct dns_server srv;
	struct fetch *f = NULL;
	int redirects = 0;

	if (err != NULL)
		*err = (struct acme_validate_error){0};
	if (!token_valid(token))
		return acme_validate_fail(err, ACME_VALIDATE_FAILED,
					  "serverInternal",
					  "the token is not base64url");
	hop.port = opt->http_port > 0 ? opt->http_port : 80;
	if (host_normalize(domain, hop.host, sizeof(hop.host)) != 0)
		return acme_validate_fail(err, ACME_VALIDATE_FAILED, "dns",
					  "\"%.64s\" is not a host name",
					  domain);
	snprintf(hop.url, sizeof(hop.url), "http://%s:%d" HTTP01_PATH "%s",
		 hop.host, hop.port, token);
	if (dns_server_parse(opt->resolver, &srv) != 0)
		return acme_validate_fail(
		    err, ACME_VALIDATE_RETRY, "dns",
		    "the server's DNS resolver setting is not usable");
	pthread_once(&curl_once, curl_setup);
	f = malloc(sizeof(*f));
	if (!curl_ready || f == NULL) {
		free(f);
		return acme_validate_fail(err, ACME_VALIDATE_RETRY,
					  "connection",
					  "the HTTP client (libcurl) could not "
					  "start");
	}

	/* Each hop: resolve, GET, judge; a redirect gives the next hop. */
	for (;;) {
		if (get_hop(&srv, &hop, f, deadline, &o, err) != GET_DONE)
			break;
		if (f->headers_too_big) {
			o = acme_validate_fail(
			    err, ACME_VALIDATE_FAILED, "connection",
			    "%s (%s): response headers longer than %d "
			    "bytes",
			    hop.url, f->addr_text, HTTP01_HEADERS_MAX);
			break;
		}
		if (!is_redirect(f->status)) {
			o = response_check(&hop, f, key_authorization, err);
			break;
		}
		o = redirect_take(opt, &hop, f, &redirects, err);
		if (o != ACME_VALIDATE_OK)
			break;
	}
	free(f);
	if (o == ACME_VALIDATE_OK && err != NULL)
		*err = (struct acme_validate_error){0};
	return o;
}
