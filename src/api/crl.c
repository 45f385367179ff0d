#include "api/crl.h"

#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "http/auth.h"
#include "http/caching.h"
#include "lib/clock.h"

/* Longest CA id in a file name; ids are RAND_ID_LEN characters. */
#define ID_MAX 64
/* HTTP caches keep a CRL this long at most, so that one signed after a
 * revocation reaches their clients soon; its nextUpdate is far later. */
#define CRL_MAX_AGE 600

/* The DER CRL as PEM (RFC 7468 "X509 CRL"); NULL on failure. */
static char *crl_pem(const struct crl_document *d, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *mem = NULL, *out = NULL;
	long n = -1;

	if (bio != NULL &&
	    PEM_write_bio(bio, "X509 CRL", "", d->der, (long)d->len) > 0)
		n = BIO_get_mem_data(bio, &mem);
	if (n > 0 && (out = malloc((size_t)n)) != NULL) {
		memcpy(out, mem, (size_t)n);
		*len = (size_t)n;
	}
	BIO_free(bio);
	return out;
}

void api_crl_get(struct http_request *req, struct http_response *resp)
{
	const char *file = req->params[0], *dot = strrchr(file, '.');
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err = {0};
	struct crl_document d;
	struct http_cache cache = {.now = clock_now(), .max_age = CRL_MAX_AGE};
	int pem = dot != NULL && strcmp(dot, ".pem") == 0;
	size_t len = 0;
	char *id, *body;

	if (dot == NULL || dot == file || (size_t)(dot - file) > ID_MAX ||
	    (!pem && strcmp(dot, ".crl") != 0)) {
		http_respond_problem(resp, 404,
				     "no CRL is served at %s: ask for "
				     "/crl/CA-ID.crl (DER) or .pem",
				     req->path);
		return;
	}
	if ((id = strndup(file, (size_t)(dot - file))) == NULL) {
		http_respond_problem(resp, 500, "out of memory");
		return;
	}
	if (crl_get(&ctx, id, &req->app->crl, cache.now, &d, &err) !=
	    ENGINE_OK) {
		free(id);
		http_respond_engine_error(resp, &err);
		return;
	}
	free(id);
	if (pem) {
		body = crl_pem(&d, &len);
	} else {
		body = (char *)d.der;
		len = d.len;
		d.der = NULL;
	}
	if (body == NULL) {
		crl_document_free(&d);
		http_respond_problem(resp, 500, "out of memory");
		return;
	}
	http_respond(resp, 200,
		     pem ? "application/x-pem-file" : "application/pkix-crl",
		     body, len);
	cache.last_modified = d.this_update;
	cache.expires = d.next_update;
	crl_document_free(&d);
	if (http_cache_headers(req, resp, &cache))
		http_respond(resp, 304, NULL, NULL, 0);
}
