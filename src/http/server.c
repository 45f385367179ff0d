#include "http/server.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/metrics.h"
#include "http/tls_creds.h"
#include "http/watch.h"
#include "lib/clock.h"
#include "lib/hex.h"
#include "lib/log.h"

/* TLS 1.2 and 1.3 only, GnuTLS's priority syntax. */
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
/* A request body buffer starts this large and doubles up to max_body. */
#define BODY_INITIAL 4096
/* Where ACME is served, and the type of the refusals made there. */
#define ACME_PREFIX    "/acme/"
#define ACME_MALFORMED "urn:ietf:params:acme:error:malformed"

struct http_port {
	struct router *router;
	struct app *app;
	struct http_port_options opt; /* strings below are owned copies */
	char *listen;
	char *cert_pem, *key_pem; /* as tls_creds holds them now */
	struct sockaddr_storage addr;
	struct MHD_Daemon *daemon;
	struct http_watch *watch; /* of the daemon's connections */
	int draining;		  /* new connections are closed at once */
};

static int address_parse(const char *listen, struct sockaddr_storage *out)
{
	char host[256];
	const char *colon = strrchr(listen, ':');
	struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res;
	size_t hlen;

	if (colon == NULL || colon[1] == '\0')
		return -1;
	hlen = (size_t)(colon - listen);
	if (hlen >= 2 && listen[0] == '[' && listen[hlen - 1] == ']') {
		listen++;
		hlen -= 2;
	}
	if (hlen >= sizeof(host))
		return -1;
	memcpy(host, listen, hlen);
	host[hlen] = '\0';
	if (getaddrinfo(hlen ? host : NULL, colon + 1, &hints, &res) != 0)
		return -1;
	memcpy(out, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static void client_address(struct MHD_Connection *conn, char *out, size_t n)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;
	const void *ip = NULL;

	if (sa != NULL && sa->sa_family == AF_INET)
		ip = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa != NULL && sa->sa_family == AF_INET6)
		ip =
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (ip == NULL ||
	    inet_ntop(sa->sa_family, ip, out, (socklen_t)n) == NULL)
		snprintf(out, n, "-");
}

/*
 * One line a request. Successful answers of the plain port (OCSP, CRLs,
 * CA certificates: public and many) are written at debug, the rest at
 * info; /metrics counts them all.
 */
static void access_log(const struct http_port *port,
		       const struct http_request *req,
		       const struct http_response *resp, int64_t us)
{
	int quiet = port->cert_pem == NULL && resp->status < 400;
	char path[512];

	log_event(quiet ? LOG_DEBUG : LOG_INFO, "http.request",
		  "method=%s path=%s route=%s status=%d bytes=%zu us=%lld "
		  "remote=%s",
		  req->method, log_quote(req->path, path, sizeof(path)),
		  req->route != NULL ? req->route->name : "-", resp->status,
		  resp->len, (long long)us, req->address);
}

static enum MHD_Result response_queue(const struct http_port *port,
				      struct http_request *req,
				      struct http_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	int64_t us;

	r = MHD_create_response_from_buffer(resp->len, resp->body,
					    MHD_RESPMEM_MUST_FREE);
	if (r == NULL)
		return MHD_NO;
	resp->body = NULL;
	if (resp->content_type != NULL)
		MHD_add_response_header(r, "Content-Type", resp->content_type);
	MHD_add_response_header(r, "X-Request-Id", req->id);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (size_t i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(r, resp->headers[i].name,
					resp->headers[i].value);
	ret = MHD_queue_response(req->conn, (unsigned)resp->status, r);
	MHD_destroy_response(r);

	us = clock_monotonic_us() - req->started_us;
	access_log(port, req, resp, us);
	metrics_observe(req->route != NULL ? req->route->slot
					   : METRICS_SLOT_UNMATCHED,
			resp->status, us);
	return ret;
}

/*
 * The problem type of the server's own refusals at path: ACME clients
 * read ACME's types (RFC 8555 6.7); NULL for about:blank.
 */
static const char *refusal_type(const char *path)
{
	return strncmp(path, ACME_PREFIX, strlen(ACME_PREFIX)) == 0
		   ? ACME_MALFORMED
		   : NULL;
}

/*
 * Runs the route's handler, or answers 400, 413, 405 or 404 itself. A
 * body over the limit is refused whatever the path, before anything
 * reads it.
 */
static void request_dispatch(struct http_port *port, struct http_request *req,
			     struct http_response *resp)
{
	char allow[64];
	enum router_match match =
	    router_match(port->router, req, allow, sizeof(allow));
	const char *type = refusal_type(req->path);

	if (req->refused[0] != '\0') {
		http_respond_problem_typed(resp, 400, type, "%s", req->refused);
		http_header_add(resp, "Connection", "close");
		return;
	}
	if (req->body_too_large) {
		http_respond_problem_typed(resp, 413, type,
					   "the request body is larger than "
					   "%zu bytes",
					   req->body_max);
		return;
	}
	switch (match) {
	case ROUTER_FOUND: req->route->handler(req, resp); break;
	case ROUTER_NO_METHOD:
		http_respond_problem_typed(resp, 405, type,
					   "%s is not allowed on %s",
					   req->method, req->path);
		http_header_add(resp, "Allow", allow);
		break;
	case ROUTER_NO_PATH:
		http_respond_problem_typed(
		    resp, 404, type, "nothing is served at %s", req->path);
		break;
	}
}

static enum MHD_Result request_finish(struct http_port *port,
				      struct http_request *req)
{
	struct http_response resp = {0};
	enum MHD_Result ret;

	http_watch_pause(req->conn);
	log_set_request_id(req->id);
	request_dispatch(port, req, &resp);
	if (resp.status == 0)
		http_respond_problem(&resp, 500, "the handler gave no answer");
	ret = response_queue(port, req, &resp);
	http_response_clear(&resp);
	log_set_request_id(NULL);
	return ret;
}

static void body_append(struct http_request *req, const char *data, size_t len)
{
	size_t cap;
	uint8_t *grown;

	if (req->body_too_large)
		return;
	if (len > req->body_max - req->body_len) {
		req->body_too_large = 1;
		return;
	}
	cap = req->body_len + len + 1 > BODY_INITIAL ? req->body_len + len + 1
						     : BODY_INITIAL;
	grown = realloc(req->body, cap);
	if (grown == NULL) {
		req->body_too_large = 1;
		return;
	}
	req->body = grown;
	memcpy(req->body + req->body_len, data, len);
	req->body_len += len;
	req->body[req->body_len] = '\0';
}

/* Header fields a request may carry once (RFC 9110 5.3, RFC 6265 5.4). */
static const char *const single_fields[] = {"Host",	    "Content-Length",
					    "Content-Type", "Authorization",
					    "Cookie",	    "X-CSRF-Token"};
#define N_SINGLE (sizeof(single_fields) / sizeof(*single_fields))

/* How often each of single_fields, and Transfer-Encoding, came. */
struct field_count {
	unsigned n[N_SINGLE];
	unsigned transfer_encoding;
};

static enum MHD_Result field_count(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct field_count *fc = cls;

	(void)kind;
	(void)value;
	for (size_t i = 0; i < N_SINGLE; i++)
		if (strcasecmp(key, single_fields[i]) == 0)
			fc->n[i]++;
	if (strcasecmp(key, "Transfer-Encoding") == 0)
		fc->transfer_encoding++;
	return MHD_YES;
}

/*
 * Why the request's header fields are refused, into why; 0 when they
 * are not. A field that may come once came twice, an HTTP/1.1 request
 * has no Host (RFC 9112 3.2), or the body is framed both by
 * Content-Length and by Transfer-Encoding (RFC 9112 6.3), which a proxy
 * in front may have read the other way.
 */
static int fields_refused(struct MHD_Connection *conn, const char *version,
			  char *why, size_t n)
{
	struct field_count fc = {{0}, 0};

	MHD_get_connection_values(conn, MHD_HEADER_KIND, field_count, &fc);
	for (size_t i = 0; i < N_SINGLE; i++)
		if (fc.n[i] > 1) {
			snprintf(why, n,
				 "the header field %s came %u times; it may "
				 "come once (RFC 9110 5.3)",
				 single_fields[i], fc.n[i]);
			return 1;
		}
	if (fc.n[0] == 0 && strcmp(version, MHD_HTTP_VERSION_1_1) == 0) {
		snprintf(why, n,
			 "an HTTP/1.1 request needs a Host header field "
			 "(RFC 9112 3.2)");
		return 1;
	}
	if (fc.n[1] > 0 && fc.transfer_encoding > 0) {
		snprintf(why, n,
			 "the body is framed by both Content-Length and "
			 "Transfer-Encoding; send one (RFC 9112 6.3)");
		return 1;
	}
	return 0;
}

/* 1 when s is UTF-8 (jansson checks as strictly as JSON needs). */
static int utf8_valid(const char *s)
{
	json_t *j = json_string(s);

	json_decref(j);
	return j != NULL;
}

/* Looks for a query argument that is not UTF-8; cls names it. */
static enum MHD_Result argument_check(void *cls, enum MHD_ValueKind kind,
				      const char *key, const char *value)
{
	const char **bad = cls;

	(void)kind;
	if (utf8_valid(key) && (value == NULL || utf8_valid(value)))
		return MHD_YES;
	*bad = utf8_valid(key) ? key : "?";
	return MHD_NO;
}

/*
 * Why the path or a query argument is refused, into why; 0 when neither
 * is: each must be UTF-8 once decoded, as ids, names and cursors are,
 * and as PostgreSQL takes text only.
 */
static int text_refused(struct MHD_Connection *conn, const char *url, char *why,
			size_t n)
{
	const char *bad = NULL;

	if (!utf8_valid(url)) {
		snprintf(why, n, "the path is not UTF-8 once decoded");
		return 1;
	}
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, argument_check,
				  &bad);
	if (bad == NULL)
		return 0;
	snprintf(why, n, "the query argument %s is not UTF-8 once decoded",
		 bad);
	return 1;
}

/* A declared Content-Length over the limit is refused before the body. */
static int body_declared_too_large(struct MHD_Connection *conn, size_t max)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "Content-Length");
	char *end;
	unsigned long long v;

	if (cl == NULL)
		return 0;
	v = strtoull(cl, &end, 10);
	return *end != '\0' || v > max;
}

static enum MHD_Result request_begin(struct http_port *port,
				     struct MHD_Connection *conn,
				     const char *url, const char *method,
				     const char *version, void **ctx)
{
	struct http_request *req = calloc(1, sizeof(*req));

	if (req == NULL)
		return MHD_NO;
	*ctx = req;
	req->conn = conn;
	req->app = port->app;
	req->method = method;
	req->path = url;
	req->body_max = port->opt.max_body;
	req->started_us = clock_monotonic_us();
	http_watch_begin(conn);
	client_address(conn, req->address, sizeof(req->address));
	if (rand_id_ordered(req->id) != 0)
		snprintf(req->id, sizeof(req->id), "-");
	if (fields_refused(conn, version, req->refused, sizeof(req->refused)) ||
	    text_refused(conn, url, req->refused, sizeof(req->refused)))
		return request_finish(port, req);
	if (body_declared_too_large(conn, req->body_max)) {
		req->body_too_large = 1;
		return request_finish(port, req);
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **ctx)
{
	struct http_port *port = cls;
	struct http_request *req = *ctx;

	if (req == NULL)
		return request_begin(port, conn, url, method, version, ctx);
	if (*upload_size != 0) {
		body_append(req, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return request_finish(port, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_request *req = *ctx;

	(void)cls;
	(void)toe;
	http_watch_resume(conn);
	if (req == NULL)
		return;
	for (size_t i = 0; i < req->n_params; i++)
		free(req->params[i]);
	free(req->body);
	free(req);
	*ctx = NULL;
}

/*
 * Decodes each %XX of a path or query argument in place, as
 * libmicrohttpd does, but leaves an escaped NUL as it stands: the
 * string would end there, and "/crl/ID.crl%00.pem" be read as the CRL.
 * Such input then matches no route, no id and no argument's syntax.
 */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
	char *out = s;
	const char *in = s;
	int hi, lo;

	(void)cls;
	(void)conn;
	while (*in != '\0') {
		hi = in[0] == '%' ? hex_digit(in[1]) : -1;
		lo = hi >= 0 ? hex_digit(in[2]) : -1;
		if (lo < 0 || (hi == 0 && lo == 0)) {
			*out++ = *in++;
			continue;
		}
		*out++ = (char)(hi * 16 + lo);
		in += 3;
	}
	*out = '\0';
	return (size_t)(out - s);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_port *port = cls;
	char msg[512], quoted[540];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	log_event(LOG_WARN, "http.server", "port=%s message=%s",
		  port->router->port, log_quote(msg, quoted, sizeof(quoted)));
}

/* While the port drains, a new connection is closed as soon as accepted. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr,
				 socklen_t len)
{
	struct http_port *port = cls;

	(void)addr, (void)len;
	return __atomic_load_n(&port->draining, __ATOMIC_RELAXED) ? MHD_NO
								  : MHD_YES;
}

/* Starts the daemon of port on port->addr; NULL if it cannot listen. */
static struct MHD_Daemon *daemon_start(struct http_port *port)
{
	struct MHD_OptionItem o[16];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	size_t n = 0;

#define OPT(k, v, p) (o[n++] = (struct MHD_OptionItem){(k), (v), (p)})
	OPT(MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, port);
	OPT(MHD_OPTION_SOCK_ADDR, 0, &port->addr);
	OPT(MHD_OPTION_THREAD_POOL_SIZE, port->opt.threads, NULL);
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, port->opt.timeout, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, port->opt.max_connections, NULL);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)http_watch_notify,
	    port->watch);
	OPT(MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL);
	if (port->cert_pem != NULL) {
		flags |= MHD_USE_TLS;
		OPT(MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
		    (void *)(intptr_t)tls_creds_retrieve);
		OPT(MHD_OPTION_HTTPS_PRIORITIES, 0, TLS_PRIORITIES);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	if (port->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, on_accept, port, on_request, port,
				MHD_OPTION_ARRAY, o, MHD_OPTION_END);
}

static void secret_free(char *s)
{
	if (s != NULL)
		OPENSSL_clear_free(s, strlen(s));
}

/* Frees port once its daemon is stopped, or was never started. */
static void port_free(struct http_port *port)
{
	if (port == NULL)
		return;
	if (port->cert_pem != NULL)
		tls_creds_clear();
	http_watch_stop(port->watch);
	free(port->listen);
	free(port->cert_pem);
	secret_free(port->key_pem);
	free(port);
}

struct http_port *http_port_start(struct router *router, struct app *app,
				  const struct http_port_options *opt)
{
	struct http_port *port = calloc(1, sizeof(*port));

	if (port == NULL)
		return NULL;
	port->router = router;
	port->app = app;
	port->opt = *opt;
	port->listen = strdup(opt->listen);
	if (opt->cert_pem != NULL) {
		port->cert_pem = strdup(opt->cert_pem);
		port->key_pem = strdup(opt->key_pem);
	}
	if (port->listen == NULL ||
	    (opt->cert_pem != NULL &&
	     (port->cert_pem == NULL || port->key_pem == NULL)))
		goto fail;
	port->watch = http_watch_start(router->port, opt->timeout);
	if (port->watch == NULL)
		goto fail;
	if (address_parse(port->listen, &port->addr) != 0) {
		log_event(LOG_ERROR, "http.listen",
			  "port=%s listen=%s error=\"not ADDR:PORT\"",
			  router->port, opt->listen);
		goto fail;
	}
	if (port->cert_pem != NULL &&
	    tls_creds_set(port->cert_pem, port->key_pem) != 0)
		goto fail;
	port->daemon = daemon_start(port);
	if (port->daemon == NULL) {
		log_event(LOG_ERROR, "http.listen",
			  "port=%s listen=%s error=\"cannot listen: in use or "
			  "not allowed; change listen_%s\"",
			  router->port, opt->listen, router->port);
		goto fail;
	}
	return port;
fail:
	port_free(port);
	return NULL;
}

/* Waits until daemon has no connection left, or the deadline passed. */
static void daemon_wait(struct MHD_Daemon *daemon, int64_t deadline)
{
	const union MHD_DaemonInfo *info;

	while (clock_monotonic_us() < deadline) {
		info = MHD_get_daemon_info(daemon,
					   MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (info == NULL || info->num_connections == 0)
			return;
		usleep(20000);
	}
}

int http_port_reload_tls(struct http_port *port, const char *cert_pem,
			 const char *key_pem)
{
	char *cert, *key;

	if (port->cert_pem == NULL)
		return -1;
	if (strcmp(cert_pem, port->cert_pem) == 0 &&
	    strcmp(key_pem, port->key_pem) == 0)
		return 0;
	cert = strdup(cert_pem);
	key = strdup(key_pem);
	if (cert == NULL || key == NULL || tls_creds_set(cert, key) != 0) {
		free(cert);
		secret_free(key);
		log_event(LOG_ERROR, "http.tls_reload",
			  "port=%s error=\"the new certificate was refused; "
			  "keeping the old one\"",
			  port->router->port);
		return -1;
	}
	free(port->cert_pem);
	secret_free(port->key_pem);
	port->cert_pem = cert;
	port->key_pem = key;
	return 0;
}

/*
 * Not MHD_quiesce_daemon: with a pool of epoll workers, libmicrohttpd
 * 0.9.75 can race a worker taking the listening socket out of its epoll
 * set, and abort the process ("Failed to remove listen FD").
 */
void http_port_drain(struct http_port *port)
{
	if (port == NULL)
		return;
	__atomic_store_n(&port->draining, 1, __ATOMIC_RELAXED);
	http_watch_drain(port->watch);
}

void http_port_stop(struct http_port *port, int64_t deadline_us)
{
	if (port == NULL)
		return;
	http_port_drain(port);
	daemon_wait(port->daemon, deadline_us);
	MHD_stop_daemon(port->daemon);
	port_free(port);
}
