/*
 * Routes: a method, a path pattern and the handler for it. A pattern's
 * segments are literal or {name}, which matches one non-empty segment;
 * a last segment {name*} matches the non-empty rest of the path, slashes
 * and all (a base64 OCSP request holds '/').
 */
#ifndef PKIAAS_ROUTER_H
#define PKIAAS_ROUTER_H

#include <stddef.h>

#include "http/http.h"

typedef void (*route_handler)(struct http_request *req,
			      struct http_response *resp);

struct route {
	const char *method; /* GET also answers HEAD */
	const char *pattern;
	route_handler handler;
	const char *name; /* for metrics: short, stable */
	int slot;	  /* metrics slot, set by router_register */
};

struct router {
	const char *port; /* "https" or "http" */
	struct route *routes;
	size_t n_routes;
};

/* Registers every route's metrics slot; 0 or -1 when too many. */
int router_register(struct router *router);

enum router_match {
	ROUTER_FOUND,
	ROUTER_NO_PATH,	  /* 404 */
	ROUTER_NO_METHOD, /* 405: the path exists with other methods */
};

/*
 * Finds the route for req's method and path and copies its parameters
 * into req. For ROUTER_NO_METHOD, allow receives the methods the path
 * takes ("GET, POST").
 */
enum router_match router_match(const struct router *router,
			       struct http_request *req, char *allow,
			       size_t allow_size);

#endif
