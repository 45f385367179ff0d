#include "api/ops.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/metrics.h"
#include "lib/clock.h"

void ops_healthz(struct http_request *req, struct http_response *resp)
{
	json_t *doc = json_pack(
	    "{s:s, s:s, s:s, s:I}", "status", "ok", "version", PKIAAS_VERSION,
	    "openssl", OpenSSL_version(OPENSSL_VERSION_STRING),
	    "uptime_seconds", (json_int_t)(clock_now() - req->app->started_at));

	http_respond_json(resp, 200, doc);
	http_header_add(resp, "Cache-Control", "no-store");
}

void ops_readyz(struct http_request *req, struct http_response *resp)
{
	enum store_result rc = store_ping(req->app->store);

	if (rc != STORE_OK) {
		http_respond_store_error(resp, rc);
	} else {
		http_respond_json(resp, 200,
				  json_pack("{s:s, s:s}", "status", "ready",
					    "store",
					    store_backend(req->app->store)));
	}
	http_header_add(resp, "Cache-Control", "no-store");
}

void ops_metrics(struct http_request *req, struct http_response *resp)
{
	size_t len = 0;
	char *text = metrics_render(store_error_count(req->app->store), &len);

	if (text == NULL) {
		http_respond_problem(resp, 500, "out of memory");
		return;
	}
	http_respond(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
		     text, len);
}

void ops_index(struct http_request *req, struct http_response *resp)
{
	static const char page[] =
	    "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-"
	    "8\"><title>pkiaas</title></head>\n<body><h1>pkiaas %s</h1>\n"
	    "<p>The server is running over TLS with its bootstrap "
	    "certificate.</p>\n<ul><li><a href=\"/healthz\">/healthz</a>"
	    "</li><li><a href=\"/readyz\">/readyz</a></li><li><a href=\"/"
	    "metrics\">/metrics</a></li></ul>\n</body></html>\n";
	char *body = NULL;
	int n = asprintf(&body, page, PKIAAS_VERSION);

	(void)req;
	if (n < 0) {
		http_respond_problem(resp, 500, "out of memory");
		return;
	}
	http_respond(resp, 200, "text/html; charset=utf-8", body, (size_t)n);
}
