/*
 * Checks that an ACME challenge was met (RFC 8555 section 8.3 and 8.4,
 * RFC 8737): fetches what the applicant published and compares it with
 * the key authorisation. Each call blocks up to the timeout; the worker
 * threads call them, never a request thread. Names are looked up with our
 * own stub resolver (acme/dns.h), never the system's, and traffic goes
 * only to the addresses it returns. The process must ignore SIGPIPE.
 */
#ifndef PKIAAS_ACME_VALIDATE_H
#define PKIAAS_ACME_VALIDATE_H

#include <stddef.h>

/* Used when acme_validate_options.timeout_ms is 0 or less. */
#define ACME_VALIDATE_TIMEOUT_MS 10000

struct acme_validate_options {
	int http_port;	      /* http-01; 80 in production (0: 80) */
	int tls_port;	      /* tls-alpn-01; 443 in production (0: 443) */
	const char *resolver; /* "IP", "IP:PORT" or "[IPv6]:PORT" of a
				 recursive DNS server; NULL: the first
				 nameserver of /etc/resolv.conf */
	int timeout_ms;	      /* per validation, whole (0: the default) */
};

enum acme_validate_outcome {
	ACME_VALIDATE_OK,     /* the challenge is met */
	ACME_VALIDATE_FAILED, /* a definite answer that does not fit */
	ACME_VALIDATE_RETRY,  /* no answer (timeout, refused, SERVFAIL):
				 may be tried again */
};

/* What went wrong: an ACME error type ("connection", "dns",
 * "incorrectResponse", "tls", "unauthorized"; "serverInternal" for our
 * own failures; a static string) and words. Cleared (type NULL, detail
 * "") on ACME_VALIDATE_OK. err may be NULL. */
struct acme_validate_error {
	const char *type;
	char detail[256];
};

/*
 * http-01: GET http://DOMAIN:http_port/.well-known/acme-challenge/TOKEN
 * from an address DOMAIN resolves to (the first A; the first AAAA when
 * that takes no connection), following up to 10 redirects to http or
 * https host names (not addresses) on ports 80/443 or http_port/tls_port
 * (https without checking the certificate), reading at most 8 KiB; the
 * body, trailing whitespace trimmed, must equal key_authorization.
 * TOKEN must be base64url.
 */
enum acme_validate_outcome
acme_validate_http01(const struct acme_validate_options *opt,
		     const char *domain, const char *token,
		     const char *key_authorization,
		     struct acme_validate_error *err);
/*
 * dns-01: a TXT record of _acme-challenge.DOMAIN (a leading "*." of
 * DOMAIN is dropped), CNAMEs followed, must equal digest (base64url
 * SHA-256 of the key authorisation).
 */
enum acme_validate_outcome
acme_validate_dns01(const struct acme_validate_options *opt, const char *domain,
		    const char *digest, struct acme_validate_error *err);
/*
 * tls-alpn-01: a TLS handshake with DOMAIN:tls_port, SNI DOMAIN and
 * ALPN "acme-tls/1" only, must negotiate acme-tls/1 and present a
 * certificate whose only SAN is dNSName DOMAIN and that carries a
 * critical id-pe-acmeIdentifier (1.3.6.1.5.5.7.1.31) holding the
 * SHA-256 of the key authorisation (raw 32 bytes, digest_raw).
 */
enum acme_validate_outcome
acme_validate_tls_alpn01(const struct acme_validate_options *opt,
			 const char *domain, const unsigned char digest_raw[32],
			 struct acme_validate_error *err);

/* Fills err (may be NULL) with type and words; returns outcome. */
enum acme_validate_outcome
acme_validate_fail(struct acme_validate_error *err,
		   enum acme_validate_outcome outcome, const char *type,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
