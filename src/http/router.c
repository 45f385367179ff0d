#include "http/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"

int router_register(struct router *router)
{
	for (size_t i = 0; i < router->n_routes; i++) {
		router->routes[i].slot =
		    metrics_register(router->port, router->routes[i].name);
		if (router->routes[i].slot < 0)
			return -1;
	}
	return 0;
}

static void params_clear(struct http_request *req)
{
	for (size_t i = 0; i < req->n_params; i++) {
		free(req->params[i]);
		req->params[i] = NULL;
	}
	req->n_params = 0;
}

/* Length of the segment at s, which ends at '/' or the end. */
static size_t segment_len(const char *s)
{
	const char *slash = strchr(s, '/');

	return slash != NULL ? (size_t)(slash - s) : strlen(s);
}

/* Whether a pattern segment of plen bytes is {name*}, the last one. */
static int segment_is_rest(const char *pattern, size_t plen)
{
	return plen > 3 && pattern[0] == '{' && pattern[plen - 2] == '*' &&
	       pattern[plen - 1] == '}' && pattern[plen] == '\0';
}

/*
 * Matches path against pattern segment by segment, keeping {name}
 * segments in req->params. 1 on a match, 0 otherwise (params cleared).
 */
static int pattern_match(const char *pattern, const char *path,
			 struct http_request *req)
{
	while (*pattern == '/' && *path == '/') {
		size_t plen = segment_len(++pattern),
		       slen = segment_len(++path);

		if (segment_is_rest(pattern, plen))
			slen = strlen(path);
		if (plen > 2 && pattern[0] == '{' && pattern[plen - 1] == '}') {
			if (slen == 0 || req->n_params == HTTP_PARAMS_MAX)
				break;
			req->params[req->n_params] = strndup(path, slen);
			if (req->params[req->n_params++] == NULL)
				break;
		} else if (plen != slen || strncmp(pattern, path, plen) != 0) {
			break;
		}
		pattern += plen;
		path += slen;
	}
	if (*pattern == '\0' && *path == '\0')
		return 1;
	params_clear(req);
	return 0;
}

static int method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	       (strcmp(route_method, "GET") == 0 &&
		strcmp(method, "HEAD") == 0);
}

enum router_match router_match(const struct router *router,
			       struct http_request *req, char *allow,
			       size_t allow_size)
{
	enum router_match result = ROUTER_NO_PATH;
	size_t used = 0;

	allow[0] = '\0';
	for (size_t i = 0; i < router->n_routes; i++) {
		const struct route *r = &router->routes[i];

		if (!pattern_match(r->pattern, req->path, req))
			continue;
		if (method_matches(r->method, req->method)) {
			req->route = r;
			return ROUTER_FOUND;
		}
		params_clear(req);
		result = ROUTER_NO_METHOD;
		used += (size_t)snprintf(allow + used, allow_size - used,
					 "%s%s", used ? ", " : "", r->method);
		if (used >= allow_size)
			used = allow_size - 1;
	}
	return result;
}
