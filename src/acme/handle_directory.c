/* The endpoints that need no JWS: directory, nonces, renewal info. */
#include <stdlib.h>
#include <string.h>

#include "acme/call.h"
#include "acme/handlers.h"
#include "acme/render.h"

/* Clients ask again for renewal information after this many seconds. */
#define RENEWAL_RETRY "21600"

void acme_serve_directory(struct http_request *req, struct http_response *resp)
{
	static const char *const names[][2] = {
	    {"newNonce", "/acme/new-nonce"},
	    {"newAccount", "/acme/new-account"},
	    {"newOrder", "/acme/new-order"},
	    {"revokeCert", "/acme/revoke-cert"},
	    {"keyChange", "/acme/key-change"},
	    {"renewalInfo", "/acme/renewal-info"},
	};
	struct acme_call c;
	json_t *dir, *meta;

	if (acme_call_open_get(&c, req, resp) != 0)
		return;
	dir = json_object();
	meta = json_pack("{s:b}", "externalAccountRequired", 1);
	for (size_t i = 0; dir != NULL && i < sizeof(names) / sizeof(*names);
	     i++) {
		char *url = acme_url(&c, "%s", names[i][1]);
		json_object_set_new(dir, names[i][0], json_string(url));
		free(url);
	}
	if (meta != NULL && *c.svc->terms_url != '\0')
		json_object_set_new(meta, "termsOfService",
				    json_string(c.svc->terms_url));
	if (meta != NULL && *c.svc->website != '\0')
		json_object_set_new(meta, "website",
				    json_string(c.svc->website));
	json_object_set_new(dir, "meta", meta);
	acme_reply_json(&c, 200, dir, NULL);
	acme_call_close(&c);
}

void acme_serve_new_nonce(struct http_request *req, struct http_response *resp)
{
	struct acme_call c;

	if (acme_call_open_get(&c, req, resp) != 0)
		return;
	/* RFC 8555 7.2: 200 to HEAD, 204 to GET */
	acme_reply_empty(&c, strcmp(req->method, "HEAD") == 0 ? 200 : 204);
	acme_call_close(&c);
}

void acme_serve_renewal_info(struct http_request *req,
			     struct http_response *resp)
{
	struct acme_call c;
	struct engine_error err = {0};
	int64_t start = 0, end = 0;
	char from[32], until[32];

	if (acme_call_open_get(&c, req, resp) != 0)
		return;
	if (acme_renewal_window(&c.svc->engine, req->params[0], c.now, &start,
				&end, &err) != ENGINE_OK) {
		acme_reply_engine(&c, &err);
	} else {
		acme_time(start, from);
		acme_time(end, until);
		acme_reply_json(&c, 200,
				json_pack("{s:{s:s,s:s}}", "suggestedWindow",
					  "start", from, "end", until),
				NULL);
		http_header_add(resp, "Retry-After", RENEWAL_RETRY);
	}
	acme_call_close(&c);
}
