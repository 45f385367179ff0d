/*
 * HTTP to a pkiaasd server for the pkiaas client: JSON in and out, an API
 * token or a login session, problem documents printed as
 * "pkiaas: DETAIL (HTTP STATUS)", and the exit codes of docs/cli.md.
 */
#ifndef PKIAAS_PKIAAS_CLIENT_H
#define PKIAAS_PKIAAS_CLIENT_H

#include <jansson.h>

struct client;

/* One answer of the server. */
struct reply {
	long status;  /* HTTP status; 0 when there was no answer */
	json_t *body; /* the parsed JSON body; NULL when empty or not JSON */
	long retry_after; /* seconds of Retry-After, or -1 */
	int not_json;	  /* a body came that is not JSON */
	char *text;	  /* the body as it came, NUL-terminated, or NULL */
	size_t len;	  /* its length */
};

/*
 * A client of server (an http:// or https:// URL, checked by the caller)
 * trusting cacert (NULL: the system's trust store) and sending token as
 * "Authorization: Bearer" (NULL: none). Copies the strings. NULL when out
 * of memory (printed).
 */
struct client *client_new(const char *server, const char *cacert,
			  const char *token);
/* Frees c and wipes the secrets it held; NULL is fine. */
void client_free(struct client *c);
/* The server's URL, without a trailing '/'. */
const char *client_server(const struct client *c);

/*
 * Switches c to the session whose cookie came with the last answer,
 * sending csrf in X-CSRF-Token on requests that change state. 0, or -1
 * when no session cookie came.
 */
int client_use_session(struct client *c, const char *csrf);

/*
 * Sends method path (from "/api/...") with body as JSON (NULL: none) and
 * fills r. 0 when the server answered (any status); CLI_UNREACHABLE or
 * CLI_REFUSED when it did not or the answer was too large (printed).
 */
int client_send(struct client *c, const char *method, const char *path,
		json_t *body, struct reply *r);
/*
 * 0 for a 2xx answer; otherwise prints the problem document and returns
 * the exit code for the status (4 for 401 and 403, 5 for 404, else 1).
 */
int client_check(const struct reply *r);
/* Releases what r holds and zeroes it. */
void reply_clear(struct reply *r);

/*
 * client_send, then client_check. On success *out (when out is not NULL)
 * receives the JSON body, or NULL for an empty one; the caller owns it.
 * Returns 0 or an exit code (printed).
 */
int client_call(struct client *c, const char *method, const char *path,
		json_t *body, json_t **out);
/*
 * GETs a paginated collection at path (which may hold a query): one page,
 * or every page when all is set. *out receives {"items": [...],
 * "next_cursor": ...}; the caller owns it. 0 or an exit code (printed).
 */
int client_list(struct client *c, const char *path, int all, json_t **out);

/* A new "PREFIX/ID" with ID percent-encoded, or NULL (printed). */
char *client_path(const char *prefix, const char *id);
/*
 * Appends "?key=value" or "&key=value" (value percent-encoded) to the
 * path in *path, replacing it. 0, or -1 when out of memory (printed).
 */
int client_query_add(char **path, const char *key, const char *value);

#endif
