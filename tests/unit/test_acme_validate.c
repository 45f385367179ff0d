/*
 * The ACME challenge validators against real peers, all on loopback:
 * pebble-challtestsrv answers DNS (every A query with 127.0.0.1, TXT
 * records set through its management API), an HTTP server and a TLS
 * server run in threads of this test. Every hostile case beside its
 * happy case: wrong body, 404, oversized body, redirects that are not
 * allowed, wrong digest, non-critical extension, extra SAN, no ALPN.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "acme/dns.h"
#include "acme/validate.h"
#include "lib/base64.h"
#include "testutil.h"

#define CTS_BIN	     "pebble-challtestsrv"
#define CTS_WAIT_MS  10000
#define KEYAUTH	     "tok-abc_123.thumbprint-of-the-account-key_xyz"
#define BODY_MAX     8192
#define ACME_OID     "1.3.6.1.5.5.7.1.31"
#define SHORT_MS     600 /* timeout of the cases that must time out */
#define CHALLENGE    "/.well-known/acme-challenge/"
#define HTTP_REQ_MAX 8192

static pid_t cts_pid = -1;
static int cts_dns_port, cts_mgmt_port;
static char resolver[64];
static unsigned char digest_raw[32];
static char *digest_b64;

/* Helpers: ports, waiting, the error check. */

static int port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	return ntohs(ss.ss_family == AF_INET6
			 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			 : ((struct sockaddr_in *)&ss)->sin_port);
}

/* A socket bound to 127.0.0.1:port (0: any free one). */
static int bound4(int type, int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* A port with nothing on it, UDP and TCP, at the time of asking. */
static int free_port(void)
{
	for (int i = 0; i < 50; i++) {
		int u = bound4(SOCK_DGRAM, 0), p = port_of(u);
		int t = bound4(SOCK_STREAM, p);

		close(u);
		if (t >= 0) {
			close(t);
			return p;
		}
	}
	return -1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static struct acme_validate_options opts(int http_port, int tls_port)
{
	struct acme_validate_options o = {
	    .http_port = http_port,
	    .tls_port = tls_port,
	    .resolver = resolver,
	    .timeout_ms = 5000,
	};
	return o;
}

/* The outcome and, unless OK, the type; the detail must say something. */
static void expect(enum acme_validate_outcome got,
		   const struct acme_validate_error *err,
		   enum acme_validate_outcome want, const char *type)
{
	if (got != want)
		fail_msg("outcome %d, want %d (type %s: %s)", got, want,
			 err->type ? err->type : "-", err->detail);
	if (want == ACME_VALIDATE_OK) {
		assert_null(err->type);
		assert_string_equal(err->detail, "");
		return;
	}
	assert_non_null(err->type);
	if (strcmp(err->type, type) != 0)
		fail_msg("type %s, want %s (%s)", err->type, type, err->detail);
	assert_true(strlen(err->detail) > 0);
	print_message("    %s: %s\n", err->type, err->detail);
}

/* pebble-challtestsrv: started once, driven over its management API. */

static size_t discard(char *p, size_t size, size_t n, void *data)
{
	(void)p;
	(void)data;
	return size * n;
}

/* POSTs json to the management path; 0 on HTTP 200. */
static int cts_post(const char *path, const char *json)
{
	char url[128];
	long code = 0;
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (c == NULL)
		return -1;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", cts_mgmt_port,
		 path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	return rc == CURLE_OK && code == 200 ? 0 : -1;
}

static void cts_must(const char *path, const char *json)
{
	if (cts_post(path, json) != 0)
		fail_msg("challtestsrv %s %s failed", path, json);
}

static void cts_set_txt(const char *host, const char *value)
{
	char json[512];

	snprintf(json, sizeof(json), "{\"host\":\"%s.\",\"value\":\"%s\"}",
		 host, value);
	cts_must("/set-txt", json);
}

static void cts_clear_txt(const char *host)
{
	char json[512];

	snprintf(json, sizeof(json), "{\"host\":\"%s.\"}", host);
	cts_must("/clear-txt", json);
}

static int cts_ready(void)
{
	struct dns_server srv;
	struct dns_answer *ans = malloc(sizeof(*ans));
	int ok;

	ok = ans != NULL && dns_server_parse(resolver, &srv) == 0 &&
	     dns_query(&srv, "ready.example.test", DNS_TYPE_A, 200, ans) ==
		 DNS_OK &&
	     cts_post("/set-default-ipv4", "{\"ip\":\"127.0.0.1\"}") == 0;
	free(ans);
	return ok;
}

static void cts_stop(void)
{
	if (cts_pid > 0) {
		kill(cts_pid, SIGTERM);
		waitpid(cts_pid, NULL, 0);
		cts_pid = -1;
	}
}

static int cts_start(void)
{
	char dns[32], mgmt[32], log[4096];
	int status;

	cts_dns_port = free_port();
	cts_mgmt_port = free_port();
	if (cts_dns_port < 0 || cts_mgmt_port < 0)
		return -1;
	snprintf(dns, sizeof(dns), "127.0.0.1:%d", cts_dns_port);
	snprintf(mgmt, sizeof(mgmt), "127.0.0.1:%d", cts_mgmt_port);
	snprintf(resolver, sizeof(resolver), "127.0.0.1:%d", cts_dns_port);
	snprintf(log, sizeof(log), "%s/challtestsrv.log", testutil_tmpdir());
	cts_pid = fork();
	if (cts_pid < 0)
		return -1;
	if (cts_pid == 0) {
		FILE *f = freopen(log, "w", stdout);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (f != NULL)
			dup2(fileno(f), 2);
		execlp(CTS_BIN, CTS_BIN, "-dns01", dns, "-http01", "",
		       "-https01", "", "-tlsalpn01", "", "-management", mgmt,
		       "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "::1",
		       (char *)NULL);
		_exit(127);
	}
	for (int waited = 0; waited < CTS_WAIT_MS; waited += 50) {
		if (waitpid(cts_pid, &status, WNOHANG) == cts_pid) {
			cts_pid = -1;
			fprintf(stderr,
				"test_acme_validate: %s exited with status "
				"%d; it comes with the Debian package "
				"\"pebble\" (scripts/deps.sh test installs "
				"it); see %s\n",
				CTS_BIN, WEXITSTATUS(status), log);
			return -1;
		}
		if (cts_ready())
			return 0;
		sleep_ms(50);
	}
	fprintf(stderr, "test_acme_validate: %s did not answer in %d ms\n",
		CTS_BIN, CTS_WAIT_MS);
	cts_stop();
	return -1;
}

/* The HTTP server: 127.0.0.1 and [::1] on one port, one request per
 * connection, answers chosen by the last path segment. */

static struct {
	int fd4, fd6, port, stop[2];
	pthread_t thread;
	pthread_mutex_t lock;
	char last_host[256];
	char last_path[512];
	int requests;
} http = {.fd4 = -1, .fd6 = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

static int tls_port_now(void);

static void http_send(int fd, int status, const char *location,
		      const char *body, size_t len)
{
	char head[1024];
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n%s%s%s\r\n",
		     status, len, location ? "Location: " : "",
		     location ? location : "", location ? "\r\n" : "");
	if (send(fd, head, (size_t)n, MSG_NOSIGNAL) < 0 ||
	    (len > 0 && send(fd, body, len, MSG_NOSIGNAL) < 0))
		return;
}

/* The answer for path: a status, maybe a Location, a body. */
static void http_route(int fd, const char *path)
{
	const char *name = strncmp(path, CHALLENGE, strlen(CHALLENGE)) == 0
			       ? path + strlen(CHALLENGE)
			       : "";
	static char big[BODY_MAX + 2];
	char loc[256];

	if (strcmp(name, "ok") == 0)
		return http_send(fd, 200, NULL, KEYAUTH "\n",
				 strlen(KEYAUTH) + 1);
	if (strcmp(name, "okws") == 0)
		return http_send(fd, 200, NULL, KEYAUTH " \t\r\n \n",
				 strlen(KEYAUTH) + 6);
	if (strcmp(name, "lead") == 0)
		return http_send(fd, 200, NULL, " " KEYAUTH,
				 strlen(KEYAUTH) + 1);
	if (strcmp(name, "wrong") == 0)
		return http_send(fd, 200, NULL, "not-the-key-authz", 17);
	if (strcmp(name, "prefix") == 0)
		return http_send(fd, 200, NULL, KEYAUTH "x",
				 strlen(KEYAUTH) + 1);
	if (strcmp(name, "full") == 0 || strcmp(name, "big") == 0) {
		/* Exactly the limit (trailing spaces), then one byte more. */
		size_t len = BODY_MAX + (name[0] == 'b');

		memset(big, ' ', sizeof(big));
		memcpy(big, KEYAUTH, strlen(KEYAUTH));
		return http_send(fd, 200, NULL, big, len);
	}
	if (strcmp(name, "redir-rel") == 0)
		return http_send(fd, 302, CHALLENGE "ok", "", 0);
	if (strncmp(name, "chain", 5) == 0) {
		long n = strtol(name + 5, NULL, 10);

		if (n <= 0)
			return http_send(fd, 200, NULL, KEYAUTH,
					 strlen(KEYAUTH));
		snprintf(loc, sizeof(loc),
			 "http://other.example.test:%d" CHALLENGE "chain%ld",
			 http.port, n - 1);
		return http_send(fd, n % 2 ? 307 : 301, loc, "moved", 5);
	}
	if (strcmp(name, "redir-ip") == 0) {
		snprintf(loc, sizeof(loc), "http://127.0.0.1:%d" CHALLENGE "ok",
			 http.port);
		return http_send(fd, 302, loc, "", 0);
	}
	if (strcmp(name, "redir-port") == 0)
		return http_send(
		    fd, 302, "http://other.example.test:8081" CHALLENGE "ok",
		    "", 0);
	if (strcmp(name, "redir-ftp") == 0)
		return http_send(fd, 302, "ftp://other.example.test/ok", "", 0);
	if (strcmp(name, "redir-none") == 0)
		return http_send(fd, 302, NULL, "", 0);
	if (strcmp(name, "redir-https") == 0) {
		snprintf(loc, sizeof(loc),
			 "https://other.example.test:%d" CHALLENGE "ok",
			 tls_port_now());
		return http_send(fd, 302, loc, "", 0);
	}
	if (strcmp(name, "redir-big") == 0) {
		memset(big, 'z', sizeof(big));
		return http_send(fd, 302, CHALLENGE "ok", big, sizeof(big));
	}
	http_send(fd, 404, NULL, "not found", 9);
}

/* Reads one request; answers it, or 400 when it is not HTTP. */
static void http_serve(int fd)
{
	char req[HTTP_REQ_MAX + 1], path[512] = "", *host;
	size_t len = 0;
	struct timeval tv = {5, 0};

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (len < HTTP_REQ_MAX) {
		ssize_t n = recv(fd, req + len, HTTP_REQ_MAX - len, 0);

		if (n <= 0)
			break;
		len += (size_t)n;
		req[len] = '\0';
		if (strncmp(req, "GET ", len < 4 ? len : 4) != 0 ||
		    strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[len] = '\0';
	if (sscanf(req, "GET %511s HTTP/1.1", path) != 1) {
		http_send(fd, 400, NULL, "bad", 3);
		return;
	}
	pthread_mutex_lock(&http.lock);
	http.requests++;
	snprintf(http.last_path, sizeof(http.last_path), "%s", path);
	host = strcasestr(req, "\r\nHost: ");
	if (host != NULL)
		sscanf(host + 8, "%255[^\r]", http.last_host);
	pthread_mutex_unlock(&http.lock);
	http_route(fd, path);
}

static void *http_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[3] = {{.fd = http.stop[0], .events = POLLIN},
				      {.fd = http.fd4, .events = POLLIN},
				      {.fd = http.fd6, .events = POLLIN}};

		if (poll(p, http.fd6 >= 0 ? 3 : 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		for (int i = 1; i < 3; i++) {
			int c;

			if (!(p[i].revents & POLLIN))
				continue;
			c = accept(p[i].fd, NULL, NULL);
			if (c >= 0) {
				http_serve(c);
				close(c);
			}
		}
	}
	return NULL;
}

static int http_start(void)
{
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6,
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int one = 1;

	http.fd4 = bound4(SOCK_STREAM, 0);
	if (http.fd4 < 0 || listen(http.fd4, 16) != 0)
		return -1;
	http.port = port_of(http.fd4);
	sin6.sin6_port = htons((uint16_t)http.port);
	http.fd6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (http.fd6 >= 0 &&
	    (setsockopt(http.fd6, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			sizeof(one)) != 0 ||
	     bind(http.fd6, (struct sockaddr *)&sin6, sizeof(sin6)) != 0 ||
	     listen(http.fd6, 16) != 0)) {
		close(http.fd6);
		http.fd6 = -1;
	}
	if (pipe(http.stop) != 0)
		return -1;
	return pthread_create(&http.thread, NULL, http_main, NULL) == 0 ? 0
									: -1;
}

static void http_stop(void)
{
	if (write(http.stop[1], "x", 1) == 1)
		pthread_join(http.thread, NULL);
	close(http.fd4);
	if (http.fd6 >= 0)
		close(http.fd6);
}

/* The TLS server: presents one of several acme-tls/1 certificates;
 * serves HTTP over TLS when the client asks for http/1.1 instead. */

enum tls_variant {
	TLS_GOOD,
	TLS_UPPER_SAN,
	TLS_WRONG_DIGEST,
	TLS_NONCRITICAL,
	TLS_EXTRA_SAN,
	TLS_OTHER_SAN,
	TLS_IP_SAN,
	TLS_NO_EXT,
	TLS_RAW_EXT,
	TLS_TWO_EXT,
	TLS_NO_ALPN,
	TLS_ALPN_ALERT,
	TLS_VARIANTS
};

#define TLS_DOMAIN "tls.example.test"

static struct {
	int fd, port, stop[2];
	pthread_t thread;
	pthread_mutex_t lock;
	SSL_CTX *ctx;
	EVP_PKEY *key;
	X509 *cert[TLS_VARIANTS];
	enum tls_variant variant;
	char sni[256];
	unsigned char offered[64];
	size_t offered_len;
} tls = {.fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

static int tls_port_now(void)
{
	return tls.port;
}

static enum tls_variant tls_variant_get(void)
{
	enum tls_variant v;

	pthread_mutex_lock(&tls.lock);
	v = tls.variant;
	pthread_mutex_unlock(&tls.lock);
	return v;
}

static void tls_variant_set(enum tls_variant v)
{
	pthread_mutex_lock(&tls.lock);
	tls.variant = v;
	tls.sni[0] = '\0';
	tls.offered_len = 0;
	pthread_mutex_unlock(&tls.lock);
}

static int tls_alpn_select(SSL *ssl, const unsigned char **out,
			   unsigned char *outlen, const unsigned char *in,
			   unsigned int inlen, void *arg)
{
	static const unsigned char protos[] = "\x0a"
					      "acme-tls/1"
					      "\x08"
					      "http/1.1";
	enum tls_variant v = tls_variant_get();
	const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

	(void)arg;
	pthread_mutex_lock(&tls.lock);
	snprintf(tls.sni, sizeof(tls.sni), "%s", sni ? sni : "");
	tls.offered_len = inlen < sizeof(tls.offered) ? inlen : 0;
	memcpy(tls.offered, in, tls.offered_len);
	pthread_mutex_unlock(&tls.lock);
	if (v == TLS_NO_ALPN)
		return SSL_TLSEXT_ERR_NOACK;
	if (v == TLS_ALPN_ALERT)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	if (SSL_select_next_proto((unsigned char **)out, outlen, protos,
				  sizeof(protos) - 1, in,
				  inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	return SSL_TLSEXT_ERR_OK;
}

static void tls_serve(int fd)
{
	struct timeval tv = {5, 0};
	const unsigned char *proto = NULL;
	unsigned int plen = 0;
	SSL *ssl = SSL_new(tls.ctx);
	char req[2048];

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (ssl == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_use_certificate(ssl, tls.cert[tls_variant_get()]) != 1 ||
	    SSL_use_PrivateKey(ssl, tls.key) != 1 || SSL_accept(ssl) != 1)
		goto out;
	SSL_get0_alpn_selected(ssl, &proto, &plen);
	if (plen == 8 && memcmp(proto, "http/1.1", 8) == 0 &&
	    SSL_read(ssl, req, sizeof(req)) > 0) {
		static const char resp[] = "HTTP/1.1 200 OK\r\n"
					   "Content-Length: " /* below */;
		char out[512];
		int n = snprintf(out, sizeof(out), "%s%zu\r\n\r\n%s", resp,
				 strlen(KEYAUTH), KEYAUTH);

		SSL_write(ssl, out, n);
	}
	SSL_shutdown(ssl);
out:
	ERR_clear_error();
	SSL_free(ssl);
}

static void *tls_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = tls.stop[0], .events = POLLIN},
				      {.fd = tls.fd, .events = POLLIN}};
		int c;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (!(p[1].revents & POLLIN))
			continue;
		c = accept(tls.fd, NULL, NULL);
		if (c >= 0) {
			tls_serve(c);
			close(c);
		}
	}
	return NULL;
}

/* A self-signed certificate with san (NULL: none) and, when ext_len > 0,
 * an acmeIdentifier extension holding ext (count times). */
static X509 *cert_make(const char *san, const unsigned char *ext,
		       size_t ext_len, int critical, int count)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	ASN1_OBJECT *obj = OBJ_txt2obj(ACME_OID, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	int ok = x != NULL && name != NULL && obj != NULL && os != NULL;

	ok = ok && X509_set_version(x, X509_VERSION_3) &&
	     ASN1_INTEGER_set(X509_get_serialNumber(x), 1) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -3600) &&
	     X509_gmtime_adj(X509_getm_notAfter(x), 86400) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
					(const unsigned char *)"acme-tls", -1,
					-1, 0) &&
	     X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
	     X509_set_pubkey(x, tls.key);
	if (ok && san != NULL) {
		X509_EXTENSION *e =
		    X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san);

		ok = e != NULL && X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	for (int i = 0; ok && ext_len > 0 && i < count; i++) {
		X509_EXTENSION *e = NULL;

		ok = ASN1_OCTET_STRING_set(os, ext, (int)ext_len) &&
		     (e = X509_EXTENSION_create_by_OBJ(NULL, obj, critical,
						       os)) != NULL &&
		     X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	ok = ok && X509_sign(x, tls.key, EVP_sha256()) > 0;
	X509_NAME_free(name);
	ASN1_OBJECT_free(obj);
	ASN1_OCTET_STRING_free(os);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int tls_certs_make(void)
{
	unsigned char der[34] = {0x04, 0x20}, bad[34] = {0x04, 0x20};
	const char *good_san = "DNS:" TLS_DOMAIN;

	memcpy(der + 2, digest_raw, 32);
	memcpy(bad + 2, digest_raw, 32);
	bad[33] ^= 1;
	tls.cert[TLS_GOOD] = cert_make(good_san, der, 34, 1, 1);
	tls.cert[TLS_UPPER_SAN] =
	    cert_make("DNS:TLS.Example.TEST", der, 34, 1, 1);
	tls.cert[TLS_WRONG_DIGEST] = cert_make(good_san, bad, 34, 1, 1);
	tls.cert[TLS_NONCRITICAL] = cert_make(good_san, der, 34, 0, 1);
	tls.cert[TLS_EXTRA_SAN] = cert_make(
	    "DNS:" TLS_DOMAIN ",DNS:extra.example.test", der, 34, 1, 1);
	tls.cert[TLS_OTHER_SAN] =
	    cert_make("DNS:other.example.test", der, 34, 1, 1);
	tls.cert[TLS_IP_SAN] = cert_make("IP:127.0.0.1", der, 34, 1, 1);
	tls.cert[TLS_NO_EXT] = cert_make(good_san, NULL, 0, 1, 1);
	tls.cert[TLS_RAW_EXT] = cert_make(good_san, digest_raw, 32, 1, 1);
	tls.cert[TLS_TWO_EXT] = cert_make(good_san, der, 34, 1, 2);
	tls.cert[TLS_NO_ALPN] = cert_make(good_san, der, 34, 1, 1);
	tls.cert[TLS_ALPN_ALERT] = cert_make(good_san, der, 34, 1, 1);
	for (int i = 0; i < TLS_VARIANTS; i++)
		if (tls.cert[i] == NULL)
			return -1;
	return 0;
}

static int tls_start(void)
{
	tls.key = EVP_EC_gen("P-256");
	tls.ctx = SSL_CTX_new(TLS_server_method());
	if (tls.key == NULL || tls.ctx == NULL || tls_certs_make() != 0)
		return -1;
	SSL_CTX_set_alpn_select_cb(tls.ctx, tls_alpn_select, NULL);
	tls.fd = bound4(SOCK_STREAM, 0);
	if (tls.fd < 0 || listen(tls.fd, 16) != 0 || pipe(tls.stop) != 0)
		return -1;
	tls.port = port_of(tls.fd);
	return pthread_create(&tls.thread, NULL, tls_main, NULL) == 0 ? 0 : -1;
}

static void tls_stop(void)
{
	if (write(tls.stop[1], "x", 1) == 1)
		pthread_join(tls.thread, NULL);
	close(tls.fd);
	for (int i = 0; i < TLS_VARIANTS; i++)
		X509_free(tls.cert[i]);
	EVP_PKEY_free(tls.key);
	SSL_CTX_free(tls.ctx);
}

/* A listening socket that never accepts: connections hang. */
static int silent_listener(void)
{
	int fd = bound4(SOCK_STREAM, 0);

	if (fd < 0 || listen(fd, 4) != 0)
		fail_msg("silent listener");
	return fd;
}

/* http-01 */

static enum acme_validate_outcome http01(const char *domain, const char *token,
					 struct acme_validate_error *err)
{
	struct acme_validate_options o = opts(http.port, tls.port);

	return acme_validate_http01(&o, domain, token, KEYAUTH, err);
}

static void test_http01_ok(void **state)
{
	struct acme_validate_error err;
	char want_host[64];

	(void)state;
	expect(http01("http.example.test", "ok", &err), &err, ACME_VALIDATE_OK,
	       NULL);
	snprintf(want_host, sizeof(want_host), "http.example.test:%d",
		 http.port);
	assert_string_equal(http.last_host, want_host);
	assert_string_equal(http.last_path, CHALLENGE "ok");

	/* Trailing whitespace is ignored, leading or other bytes are not. */
	expect(http01("http.example.test", "okws", &err), &err,
	       ACME_VALIDATE_OK, NULL);
	expect(http01("http.example.test", "full", &err), &err,
	       ACME_VALIDATE_OK, NULL);
	expect(http01("http.example.test", "lead", &err), &err,
	       ACME_VALIDATE_FAILED, "incorrectResponse");
	expect(http01("http.example.test", "prefix", &err), &err,
	       ACME_VALIDATE_FAILED, "incorrectResponse");
}

static void test_http01_wrong_body(void **state)
{
	struct acme_validate_error err;

	(void)state;
	expect(http01("http.example.test", "wrong", &err), &err,
	       ACME_VALIDATE_FAILED, "incorrectResponse");
	assert_non_null(strstr(err.detail, "not-the-key-authz"));
}

static void test_http01_not_found(void **state)
{
	struct acme_validate_error err;

	(void)state;
	expect(http01("http.example.test", "missing", &err), &err,
	       ACME_VALIDATE_FAILED, "unauthorized");
	assert_non_null(strstr(err.detail, "404"));
}

static void test_http01_oversized(void **state)
{
	struct acme_validate_error err;

	(void)state;
	expect(http01("http.example.test", "big", &err), &err,
	       ACME_VALIDATE_FAILED, "incorrectResponse");
	assert_non_null(strstr(err.detail, "8192"));
}

static void test_http01_nothing_listening(void **state)
{
	struct acme_validate_options o = opts(free_port(), tls.port);
	struct acme_validate_error err;

	(void)state;
	expect(
	    acme_validate_http01(&o, "http.example.test", "ok", KEYAUTH, &err),
	    &err, ACME_VALIDATE_RETRY, "connection");
}

static void test_http01_timeout(void **state)
{
	int fd = silent_listener();
	struct acme_validate_options o = opts(port_of(fd), tls.port);
	struct acme_validate_error err;
	int64_t t0 = (int64_t)time(NULL);

	(void)state;
	o.timeout_ms = SHORT_MS;
	expect(
	    acme_validate_http01(&o, "http.example.test", "ok", KEYAUTH, &err),
	    &err, ACME_VALIDATE_RETRY, "connection");
	assert_true((int64_t)time(NULL) - t0 <= 3);
	close(fd);
}

static void test_http01_redirects(void **state)
{
	struct acme_validate_error err;

	(void)state;
	expect(http01("http.example.test", "redir-rel", &err), &err,
	       ACME_VALIDATE_OK, NULL);
	/* To another name (resolved again with our resolver), ten times. */
	expect(http01("http.example.test", "chain10", &err), &err,
	       ACME_VALIDATE_OK, NULL);
	assert_string_equal(http.last_path, CHALLENGE "chain0");
	expect(http01("http.example.test", "chain11", &err), &err,
	       ACME_VALIDATE_FAILED, "connection");
	expect(http01("http.example.test", "redir-big", &err), &err,
	       ACME_VALIDATE_OK, NULL);
	/* To https: the certificate is not checked, the body is. */
	tls_variant_set(TLS_GOOD);
	expect(http01("http.example.test", "redir-https", &err), &err,
	       ACME_VALIDATE_OK, NULL);
	assert_string_equal(tls.sni, "other.example.test");
}

static void test_http01_redirects_refused(void **state)
{
	struct acme_validate_error err;

	(void)state;
	expect(http01("http.example.test", "redir-ip", &err), &err,
	       ACME_VALIDATE_FAILED, "connection");
	expect(http01("http.example.test", "redir-port", &err), &err,
	       ACME_VALIDATE_FAILED, "connection");
	assert_non_null(strstr(err.detail, "8081"));
	expect(http01("http.example.test", "redir-ftp", &err), &err,
	       ACME_VALIDATE_FAILED, "connection");
	expect(http01("http.example.test", "redir-none", &err), &err,
	       ACME_VALIDATE_FAILED, "unauthorized");
}

/* The address comes from our resolver, and only it is used. */
static void test_http01_pinned_address(void **state)
{
	struct acme_validate_error err;

	(void)state;
	/* 127.0.0.2 is loopback, but the server listens on 127.0.0.1. */
	cts_must("/add-a", "{\"host\":\"alt.example.test.\","
			   "\"addresses\":[\"127.0.0.2\"]}");
	cts_must("/set-default-ipv6", "{\"ip\":\"\"}");
	expect(http01("alt.example.test", "ok", &err), &err,
	       ACME_VALIDATE_RETRY, "connection");
	assert_non_null(strstr(err.detail, "(127.0.0.2)"));
	cts_must("/clear-a", "{\"host\":\"alt.example.test.\"}");
	cts_must("/set-default-ipv6", "{\"ip\":\"::1\"}");
}

/* No A record: the AAAA address; no address at all: a dns failure. */
static void test_http01_aaaa_and_none(void **state)
{
	struct acme_validate_error err;

	(void)state;
	cts_must("/set-default-ipv4", "{\"ip\":\"\"}");
	if (http.fd6 >= 0)
		expect(http01("v6.example.test", "ok", &err), &err,
		       ACME_VALIDATE_OK, NULL);
	else
		print_message("    no IPv6 loopback: AAAA case not run\n");
	cts_must("/set-default-ipv6", "{\"ip\":\"\"}");
	expect(http01("none.example.test", "ok", &err), &err,
	       ACME_VALIDATE_FAILED, "dns");
	cts_must("/set-default-ipv4", "{\"ip\":\"127.0.0.1\"}");
	cts_must("/set-default-ipv6", "{\"ip\":\"::1\"}");
}

static void test_http01_bad_input(void **state)
{
	struct acme_validate_error err;
	struct acme_validate_options o = opts(http.port, tls.port);

	(void)state;
	expect(http01("http.example.test", "../etc", &err), &err,
	       ACME_VALIDATE_FAILED, "serverInternal");
	expect(http01("bad name.example.test", "ok", &err), &err,
	       ACME_VALIDATE_FAILED, "dns");
	o.resolver = "not-an-address";
	expect(
	    acme_validate_http01(&o, "http.example.test", "ok", KEYAUTH, &err),
	    &err, ACME_VALIDATE_RETRY, "dns");
}

/* dns-01 */

static enum acme_validate_outcome dns01(const char *resolv, const char *domain,
					struct acme_validate_error *err)
{
	struct acme_validate_options o = opts(http.port, tls.port);

	o.resolver = resolv;
	return acme_validate_dns01(&o, domain, digest_b64, err);
}

static void test_dns01_ok(void **state)
{
	struct acme_validate_error err;

	(void)state;
	cts_set_txt("_acme-challenge.dns.example.test", "unrelated");
	cts_set_txt("_acme-challenge.dns.example.test", digest_b64);
	expect(dns01(resolver, "dns.example.test", &err), &err,
	       ACME_VALIDATE_OK, NULL);
	expect(dns01(resolver, "*.dns.example.test", &err), &err,
	       ACME_VALIDATE_OK, NULL);

	/* Through a CNAME, as delegated validation does. */
	cts_must("/set-cname",
		 "{\"host\":\"_acme-challenge.alias.example.test.\","
		 "\"target\":\"_acme-challenge.dns.example.test.\"}");
	expect(dns01(resolver, "alias.example.test", &err), &err,
	       ACME_VALIDATE_OK, NULL);
	cts_must("/clear-cname",
		 "{\"host\":\"_acme-challenge.alias.example.test.\"}");
	cts_clear_txt("_acme-challenge.dns.example.test");
}

static void test_dns01_wrong_value(void **state)
{
	struct acme_validate_error err;

	(void)state;
	cts_set_txt("_acme-challenge.wrong.example.test", "some-other-value");
	expect(dns01(resolver, "wrong.example.test", &err), &err,
	       ACME_VALIDATE_FAILED, "incorrectResponse");
	assert_non_null(strstr(err.detail, "some-other-value"));
	cts_clear_txt("_acme-challenge.wrong.example.test");
}

static void test_dns01_none(void **state)
{
	struct acme_validate_error err;

	(void)state;
	expect(dns01(resolver, "none.example.test", &err), &err,
	       ACME_VALIDATE_FAILED, "dns");
}

static void test_dns01_no_answer(void **state)
{
	struct acme_validate_error err;
	char dead[32];

	(void)state;
	snprintf(dead, sizeof(dead), "127.0.0.1:%d", free_port());
	expect(dns01(dead, "dns.example.test", &err), &err, ACME_VALIDATE_RETRY,
	       "dns");

	cts_must("/set-servfail",
		 "{\"host\":\"_acme-challenge.sf.example.test.\"}");
	expect(dns01(resolver, "sf.example.test", &err), &err,
	       ACME_VALIDATE_RETRY, "dns");
	assert_non_null(strstr(err.detail, "SERVFAIL"));
	cts_must("/clear-servfail",
		 "{\"host\":\"_acme-challenge.sf.example.test.\"}");
}

/* tls-alpn-01 */

static enum acme_validate_outcome tls01(enum tls_variant v, int port,
					struct acme_validate_error *err)
{
	struct acme_validate_options o = opts(http.port, port);

	tls_variant_set(v);
	return acme_validate_tls_alpn01(&o, TLS_DOMAIN, digest_raw, err);
}

static void test_tls_alpn01_ok(void **state)
{
	static const unsigned char only_acme[] = "\x0a"
						 "acme-tls/1";
	struct acme_validate_error err;

	(void)state;
	expect(tls01(TLS_GOOD, tls.port, &err), &err, ACME_VALIDATE_OK, NULL);
	assert_string_equal(tls.sni, TLS_DOMAIN);
	assert_int_equal(tls.offered_len, sizeof(only_acme) - 1);
	assert_memory_equal(tls.offered, only_acme, sizeof(only_acme) - 1);
	expect(tls01(TLS_UPPER_SAN, tls.port, &err), &err, ACME_VALIDATE_OK,
	       NULL);
}

static void test_tls_alpn01_bad_certificate(void **state)
{
	static const enum tls_variant bad[] = {
	    TLS_WRONG_DIGEST, TLS_NONCRITICAL, TLS_EXTRA_SAN, TLS_OTHER_SAN,
	    TLS_IP_SAN,	      TLS_NO_EXT,      TLS_RAW_EXT,   TLS_TWO_EXT,
	};
	struct acme_validate_error err;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		expect(tls01(bad[i], tls.port, &err), &err,
		       ACME_VALIDATE_FAILED, "incorrectResponse");
}

static void test_tls_alpn01_no_alpn(void **state)
{
	struct acme_validate_error err;

	(void)state;
	expect(tls01(TLS_NO_ALPN, tls.port, &err), &err, ACME_VALIDATE_FAILED,
	       "tls");
	expect(tls01(TLS_ALPN_ALERT, tls.port, &err), &err,
	       ACME_VALIDATE_FAILED, "tls");
	/* Not TLS at all: the HTTP server answers 400. */
	expect(tls01(TLS_GOOD, http.port, &err), &err, ACME_VALIDATE_FAILED,
	       "tls");
}

static void test_tls_alpn01_no_connection(void **state)
{
	struct acme_validate_error err;
	struct acme_validate_options o = opts(http.port, 0);
	int fd = silent_listener();

	(void)state;
	expect(tls01(TLS_GOOD, free_port(), &err), &err, ACME_VALIDATE_RETRY,
	       "connection");
	o.tls_port = port_of(fd);
	o.timeout_ms = SHORT_MS;
	expect(acme_validate_tls_alpn01(&o, TLS_DOMAIN, digest_raw, &err), &err,
	       ACME_VALIDATE_RETRY, "connection");
	close(fd);
	cts_must("/set-default-ipv4", "{\"ip\":\"\"}");
	cts_must("/set-default-ipv6", "{\"ip\":\"\"}");
	expect(tls01(TLS_GOOD, tls.port, &err), &err, ACME_VALIDATE_FAILED,
	       "dns");
	cts_must("/set-default-ipv4", "{\"ip\":\"127.0.0.1\"}");
	cts_must("/set-default-ipv6", "{\"ip\":\"::1\"}");
}

/* Setup: the digests, the peers; proxies in the environment must not
 * matter. */

static int peers_start(void **state)
{
	(void)state;
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
	setenv("ALL_PROXY", "http://127.0.0.1:9", 1);
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	EVP_Digest(KEYAUTH, strlen(KEYAUTH), digest_raw, NULL, EVP_sha256(),
		   NULL);
	digest_b64 = base64url_encode(digest_raw, sizeof(digest_raw));
	if (digest_b64 == NULL || cts_start() != 0 || http_start() != 0 ||
	    tls_start() != 0) {
		fprintf(stderr, "test_acme_validate: setup failed\n");
		return -1;
	}
	return 0;
}

static int peers_stop(void **state)
{
	(void)state;
	cts_stop();
	http_stop();
	tls_stop();
	free(digest_b64);
	curl_global_cleanup();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_http01_ok),
	    cmocka_unit_test(test_http01_wrong_body),
	    cmocka_unit_test(test_http01_not_found),
	    cmocka_unit_test(test_http01_oversized),
	    cmocka_unit_test(test_http01_nothing_listening),
	    cmocka_unit_test(test_http01_timeout),
	    cmocka_unit_test(test_http01_redirects),
	    cmocka_unit_test(test_http01_redirects_refused),
	    cmocka_unit_test(test_http01_pinned_address),
	    cmocka_unit_test(test_http01_aaaa_and_none),
	    cmocka_unit_test(test_http01_bad_input),
	    cmocka_unit_test(test_dns01_ok),
	    cmocka_unit_test(test_dns01_wrong_value),
	    cmocka_unit_test(test_dns01_none),
	    cmocka_unit_test(test_dns01_no_answer),
	    cmocka_unit_test(test_tls_alpn01_ok),
	    cmocka_unit_test(test_tls_alpn01_bad_certificate),
	    cmocka_unit_test(test_tls_alpn01_no_alpn),
	    cmocka_unit_test(test_tls_alpn01_no_connection),
	};

	return cmocka_run_group_tests(tests, peers_start, peers_stop);
}
