/*
 * One ACME request as the handlers see it (RFC 8555 6): a POST of a
 * JWS, checked for its content type, size, nonce, url and key before a
 * handler sees its payload; and the replies, each with a fresh nonce
 * and the directory's link, errors as ACME problem documents.
 */
#ifndef PKIAAS_ACME_CALL_H
#define PKIAAS_ACME_CALL_H

#include "acme/jws.h"
#include "acme/service.h"
#include "http/http.h"

#define ACME_BASE_MAX 300

/* Which key a request must be signed with (RFC 8555 6.2). */
enum acme_key {
	ACME_KEY_KID, /* an account's: the header has "kid" */
	ACME_KEY_JWK, /* a key of its own: the header has "jwk" */
	ACME_KEY_ANY, /* either (revokeCert) */
};

struct acme_call {
	struct http_request *req;
	struct http_response *resp;
	struct acme_service *svc;
	char base[ACME_BASE_MAX]; /* https://HOST[:PORT] of the request */
	int64_t now;
	struct acme_jws jws;
	struct store_acme_account account; /* when signed by kid */
	int has_account;
	json_t *payload; /* the payload object; NULL for POST-as-GET */
};

/*
 * Opens a POST: checks it and verifies its JWS signed as key says. 0,
 * or -1 with the problem sent (the caller then only closes).
 */
int acme_call_open(struct acme_call *c, struct http_request *req,
		   struct http_response *resp, enum acme_key key);
/* Opens a GET (directory, nonce, renewal information): base only. */
int acme_call_open_get(struct acme_call *c, struct http_request *req,
		       struct http_response *resp);
void acme_call_close(struct acme_call *c);

/* A JSON reply (takes body), with Location when location is not NULL. */
void acme_reply_json(struct acme_call *c, int status, json_t *body,
		     const char *location);
/* A reply with no body (new-nonce). */
void acme_reply_empty(struct acme_call *c, int status);
/* An ACME problem document of status and type. */
void acme_reply_problem(struct acme_call *c, int status, const char *type,
			const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The problem document of an engine refusal. */
void acme_reply_engine(struct acme_call *c, const struct engine_error *err);

/* base + path into a new string ("https://h/acme/order/ID"). */
char *acme_url(const struct acme_call *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
