/*
 * An HTTP port: a libmicrohttpd daemon with a pool of worker threads that
 * serves one router. The HTTPS port terminates TLS with the certificate
 * given as PEM, and can change it without dropping a connection.
 */
#ifndef PKIAAS_SERVER_H
#define PKIAAS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "http/router.h"

struct http_port_options {
	const char *listen;	  /* ADDR:PORT, [V6ADDR]:PORT */
	unsigned threads;	  /* worker threads */
	unsigned timeout;	  /* seconds an idle connection is kept */
	unsigned max_connections; /* open connections at once */
	size_t max_body;	  /* bytes; 413 past it */
	const char *cert_pem;	  /* chain, leaf first; NULL for plain HTTP */
	const char *key_pem;
};

struct http_port;

/* Binds and starts serving; NULL with the cause logged. */
struct http_port *http_port_start(struct router *router, struct app *app,
				  const struct http_port_options *opt);
/*
 * Presents another certificate from the next TLS handshake on; open
 * connections are kept. The same certificate and key change nothing.
 * 0, or -1 when the old certificate stays (or port is plain HTTP).
 */
int http_port_reload_tls(struct http_port *port, const char *cert_pem,
			 const char *key_pem);
/*
 * From now on closes each new connection as soon as it is accepted,
 * each idle one at once and each other one once its answer is sent.
 * Accepts NULL.
 */
void http_port_drain(struct http_port *port);
/*
 * Drains port, waits for its requests in flight until deadline_us (on
 * clock_monotonic_us), then closes everything. Accepts NULL.
 */
void http_port_stop(struct http_port *port, int64_t deadline_us);

#endif
