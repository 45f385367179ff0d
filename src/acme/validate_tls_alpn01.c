/*
 * tls-alpn-01 (RFC 8737): a TLS handshake with the applicant offering
 * only ALPN "acme-tls/1"; the self-signed certificate it answers with
 * must name the domain alone and carry the key authorisation's digest.
 * The chain is not verified (RFC 8737 section 3).
 */
#include "acme/validate.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "acme/dns.h"
#include "lib/clock.h"
#include "lib/log.h"

#define ACME_TLS_ALPN "acme-tls/1"
/* id-pe-acmeIdentifier, RFC 8737 section 6.1 */
#define ACME_IDENTIFIER_OID "1.3.6.1.5.5.7.1.31"
/* extnValue: the DER of Authorization ::= OCTET STRING (SIZE (32)) */
#define ACME_IDENTIFIER_LEN (2 + 32)

/* ALPN "acme-tls/1" as a protocol list (RFC 7301 section 3.1). */
static const unsigned char alpn_list[] = "\x0a" ACME_TLS_ALPN;

/* Where the handshake goes, for messages. */
struct target {
	const char *domain;
	int port;
	char addr[INET6_ADDRSTRLEN];
};

/* The reason of the last OpenSSL error into buf; the queue is cleared.
 * The failure is the peer's, so it goes to the detail, not the log. */
static const char *ssl_reason(char *buf, size_t n)
{
	unsigned long e = ERR_peek_last_error();
	const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;

	snprintf(buf, n, "%s", r != NULL ? r : "no reason given");
	ERR_clear_error();
	return buf;
}

/* Waits for events on fd: 1 ready, 0 deadline passed, -1 error. */
static int fd_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};
		int64_t left = deadline - clock_monotonic_us();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)((left + 999) / 1000));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* A non-blocking TCP connection made before the deadline; -1 with
 * errno. */
static int tcp_connect(const struct sockaddr_storage *ss, socklen_t len,
		       int64_t deadline)
{
	int fd, e = 0, w;
	socklen_t elen = sizeof(e);

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		e = errno;
	} else {
		w = fd_wait(fd, POLLOUT, deadline);
		if (w == 0)
			e = ETIMEDOUT;
		else if (w < 0 ||
			 getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0)
			e = errno;
	}
	if (e == 0)
		return fd;
	close(fd);
	errno = e;
	return -1;
}

/* Handshakes on a non-blocking socket before the deadline. */
static enum acme_validate_outcome handshake(SSL *ssl, int fd,
					    const struct target *t,
					    int64_t deadline,
					    struct acme_validate_error *err)
{
	char why[256];

	for (;;) {
		int r = SSL_connect(ssl), w;

		if (r == 1)
			return ACME_VALIDATE_OK;
		switch (SSL_get_error(ssl, r)) {
		case SSL_ERROR_WANT_READ:
			w = fd_wait(fd, POLLIN, deadline);
			break;
		case SSL_ERROR_WANT_WRITE:
			w = fd_wait(fd, POLLOUT, deadline);
			break;
		case SSL_ERROR_SSL:
			return acme_validate_fail(
			    err, ACME_VALIDATE_FAILED, "tls",
			    "%s:%d (%s): TLS handshake failed: %s", t->domain,
			    t->port, t->addr, ssl_reason(why, sizeof(why)));
		default:
			ERR_clear_error();
			return acme_validate_fail(
			    err, ACME_VALIDATE_RETRY, "connection",
			    "%s:%d (%s): connection lost in the TLS "
			    "handshake",
			    t->domain, t->port, t->addr);
		}
		if (w <= 0)
			return acme_validate_fail(
			    err, ACME_VALIDATE_RETRY, "connection",
			    "%s:%d (%s): TLS handshake timed out", t->domain,
			    t->port, t->addr);
	}
}

/* Certificate checks (RFC 8737 section 3). */

static int ascii_caseeq(const unsigned char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = a[i], y = (unsigned char)b[i];

		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y + 32);
		if (x != y)
			return 0;
	}
	return 1;
}

/* The index of the only extension obj of cert; -1 none, -2 several. */
static int ext_only(const X509 *cert, const ASN1_OBJECT *obj)
{
	int idx = X509_get_ext_by_OBJ(cert, obj, -1);

	if (idx < 0)
		return -1;
	if (X509_get_ext_by_OBJ(cert, obj, idx) >= 0)
		return -2;
	return idx;
}

/* The subjectAltName holds exactly one name: dNSName domain. */
static enum acme_validate_outcome san_check(const X509 *cert,
					    const struct target *t,
					    struct acme_validate_error *err)
{
	const ASN1_OBJECT *obj = OBJ_nid2obj(NID_subject_alt_name);
	const ASN1_OCTET_STRING *v;
	const unsigned char *p, *start;
	GENERAL_NAMES *names = NULL;
	const GENERAL_NAME *gn;
	const char *why = NULL;
	int idx = ext_only(cert, obj), n;
	size_t dlen = strlen(t->domain);

	if (idx < 0) {
		why = idx == -1 ? "has no subjectAltName"
				: "has two subjectAltName extensions";
		goto out;
	}
	v = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
	start = p = ASN1_STRING_get0_data(v);
	names = d2i_GENERAL_NAMES(NULL, &p, ASN1_STRING_length(v));
	if (names == NULL || p != start + ASN1_STRING_length(v)) {
		why = "has a subjectAltName that does not parse";
		goto out;
	}
	n = sk_GENERAL_NAME_num(names);
	gn = n == 1 ? sk_GENERAL_NAME_value(names, 0) : NULL;
	if (gn == NULL || gn->type != GEN_DNS) {
		why = "must name exactly one dNSName in subjectAltName";
		goto out;
	}
	if ((size_t)ASN1_STRING_length(gn->d.dNSName) != dlen ||
	    !ascii_caseeq(ASN1_STRING_get0_data(gn->d.dNSName), t->domain,
			  dlen))
		why = "names another dNSName in subjectAltName";
out:
	GENERAL_NAMES_free(names);
	ERR_clear_error();
	if (why == NULL)
		return ACME_VALIDATE_OK;
	return acme_validate_fail(
	    err, ACME_VALIDATE_FAILED, "incorrectResponse",
	    "%s:%d (%s): the acme-tls/1 certificate %s (RFC 8737 "
	    "section 3)",
	    t->domain, t->port, t->addr, why);
}

/* A critical id-pe-acmeIdentifier holding the digest, in DER. */
static enum acme_validate_outcome ext_check(const X509 *cert,
					    const struct target *t,
					    const unsigned char digest[32],
					    struct acme_validate_error *err)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(ACME_IDENTIFIER_OID, 1);
	const ASN1_OCTET_STRING *v;
	const unsigned char *d;
	X509_EXTENSION *ext;
	const char *why = NULL;
	int idx;

	if (obj == NULL) {
		log_openssl_errors("acme.tlsalpn01", "OBJ_txt2obj");
		return acme_validate_fail(err, ACME_VALIDATE_RETRY,
					  "serverInternal",
					  "could not check the certificate");
	}
	idx = ext_only(cert, obj);
	ASN1_OBJECT_free(obj);
	if (idx < 0) {
		why = idx == -1 ? "has no acmeIdentifier extension"
				: "has two acmeIdentifier extensions";
		goto out;
	}
	ext = X509_get_ext(cert, idx);
	v = X509_EXTENSION_get_data(ext);
	d = ASN1_STRING_get0_data(v);
	if (!X509_EXTENSION_get_critical(ext))
		why = "has an acmeIdentifier extension that is not critical";
	else if (ASN1_STRING_length(v) != ACME_IDENTIFIER_LEN ||
		 d[0] != V_ASN1_OCTET_STRING || d[1] != 32)
		why = "has an acmeIdentifier that is not a DER OCTET STRING "
		      "of 32 bytes";
	else if (CRYPTO_memcmp(d + 2, digest, 32) != 0)
		why = "has an acmeIdentifier that is not the SHA-256 of the "
		      "key authorisation";
out:
	ERR_clear_error();
	if (why == NULL)
		return ACME_VALIDATE_OK;
	return acme_validate_fail(
	    err, ACME_VALIDATE_FAILED, "incorrectResponse",
	    "%s:%d (%s): the acme-tls/1 certificate %s (RFC 8737 "
	    "section 3)",
	    t->domain, t->port, t->addr, why);
}

/* Handshake on a connected socket, then the checks. */
static enum acme_validate_outcome tls_validate(int fd, const struct target *t,
					       const unsigned char digest[32],
					       int64_t deadline,
					       struct acme_validate_error *err)
{
	enum acme_validate_outcome o = ACME_VALIDATE_RETRY;
	const unsigned char *proto = NULL;
	unsigned int proto_len = 0;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = NULL;
	X509 *cert;

	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_alpn_protos(ctx, alpn_list, sizeof(alpn_list) - 1) !=
		0 ||
	    (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_set_tlsext_host_name(ssl, t->domain) != 1) {
		log_openssl_errors("acme.tlsalpn01", "TLS client setup");
		acme_validate_fail(err, o, "serverInternal",
				   "could not start TLS");
		goto out;
	}
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	o = handshake(ssl, fd, t, deadline, err);
	if (o != ACME_VALIDATE_OK)
		goto out;

	SSL_get0_alpn_selected(ssl, &proto, &proto_len);
	cert = SSL_get0_peer_certificate(ssl);
	if (proto_len != sizeof(ACME_TLS_ALPN) - 1 ||
	    memcmp(proto, ACME_TLS_ALPN, proto_len) != 0)
		o = acme_validate_fail(
		    err, ACME_VALIDATE_FAILED, "tls",
		    "%s:%d (%s): the server did not negotiate ALPN "
		    "acme-tls/1 (RFC 8737 section 3)",
		    t->domain, t->port, t->addr);
	else if (cert == NULL)
		o = acme_validate_fail(err, ACME_VALIDATE_FAILED, "tls",
				       "%s:%d (%s): no certificate", t->domain,
				       t->port, t->addr);
	else if ((o = san_check(cert, t, err)) == ACME_VALIDATE_OK)
		o = ext_check(cert, t, digest, err);
	SSL_shutdown(ssl);
out:
	ERR_clear_error();
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return o;
}

enum acme_validate_outcome
acme_validate_tls_alpn01(const struct acme_validate_options *opt,
			 const char *domain, const unsigned char digest_raw[32],
			 struct acme_validate_error *err)
{
	static const enum dns_type types[] = {DNS_TYPE_A, DNS_TYPE_AAAA};
	int timeout =
	    opt->timeout_ms > 0 ? opt->timeout_ms : ACME_VALIDATE_TIMEOUT_MS;
	int64_t deadline = clock_monotonic_us() + (int64_t)timeout * 1000;
	enum acme_validate_outcome o = ACME_VALIDATE_RETRY;
	struct target t = {.domain = domain};
	struct dns_answer *ans = NULL;
	struct dns_server srv;
	int dns_retry = 0, tried = 0;
	char why[2][DNS_DETAIL_MAX];

	if (err != NULL)
		*err = (struct acme_validate_error){0};
	t.port = opt->tls_port > 0 ? opt->tls_port : 443;
	if (dns_server_parse(opt->resolver, &srv) != 0)
		return acme_validate_fail(
		    err, ACME_VALIDATE_RETRY, "dns",
		    "the server's DNS resolver setting is not usable");
	ans = malloc(sizeof(*ans));
	if (ans == NULL)
		return acme_validate_fail(err, ACME_VALIDATE_RETRY, "dns",
					  "out of memory");
	ERR_clear_error();

	/* The A address, then the AAAA address when that takes no
	 * connection. */
	for (size_t i = 0; i < 2; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int64_t left = (deadline - clock_monotonic_us()) / 1000;
		int fd;

		dns_query(&srv, domain, types[i], left > 0 ? (int)left : 0,
			  ans);
		snprintf(why[i], sizeof(why[i]), "%s", ans->detail);
		if (ans->status != DNS_OK || ans->count == 0) {
			dns_retry |= dns_status_retryable(ans->status);
			continue;
		}
		dns_record_sockaddr(&ans->rec[0], t.port, &ss, &len);
		inet_ntop(ss.ss_family, ans->rec[0].data, t.addr,
			  sizeof(t.addr));
		tried = 1;
		fd = tcp_connect(&ss, len, deadline);
		if (fd < 0) {
			o = acme_validate_fail(
			    err, ACME_VALIDATE_RETRY, "connection",
			    "%s:%d (%s): could not connect: %s", domain, t.port,
			    t.addr, strerror(errno));
			continue;
		}
		o = tls_validate(fd, &t, digest_raw, deadline, err);
		close(fd);
		goto out;
	}
	if (!tried)
		o = acme_validate_fail(
		    err, dns_retry ? ACME_VALIDATE_RETRY : ACME_VALIDATE_FAILED,
		    "dns", "no address for %s: A: %s; AAAA: %s", domain, why[0],
		    why[1]);
out:
	free(ans);
	if (o == ACME_VALIDATE_OK && err != NULL)
		*err = (struct acme_validate_error){0};
	return o;
}
