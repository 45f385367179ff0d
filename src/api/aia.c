#include "api/aia.h"

#include <stdlib.h>
#include <string.h>

#include "api/api_json.h"
#include "engine/aia.h"
#include "http/auth.h"
#include "http/caching.h"
#include "lib/clock.h"

/* CA certificates change only when a chain is imported. */
#define AIA_MAX_AGE 3600
/* Longest CA id in a file name; ids are RAND_ID_LEN characters. */
#define ID_MAX 64

static const struct {
	const char *suffix;
	enum certificate_format format;
	const char *type;
} formats[] = {
    {".crt", CERT_DER, "application/pkix-cert"},
    {".cer", CERT_DER, "application/pkix-cert"},
    {".pem", CERT_PEM, "application/x-pem-file"},
    {".p7c", CERT_PKCS7, "application/pkcs7-mime"},
};

void api_aia_get(struct http_request *req, struct http_response *resp)
{
	const char *file = req->params[0], *dot = strrchr(file, '.');
	struct ca_context ctx = api_ca_context(req);
	struct engine_error err = {0};
	struct http_cache cache = {.now = clock_now(), .max_age = AIA_MAX_AGE};
	size_t k = sizeof(formats) / sizeof(*formats), len;
	uint8_t *data;
	char *id;

	for (size_t i = 0; dot != NULL && i < k; i++)
		if (strcmp(dot, formats[i].suffix) == 0)
			k = i;
	if (dot == NULL || dot == file || (size_t)(dot - file) > ID_MAX ||
	    k == sizeof(formats) / sizeof(*formats)) {
		http_respond_problem(resp, 404,
				     "no CA certificate is served at %s: ask "
				     "for /ca/CA-ID.crt, .pem or .p7c",
				     req->path);
		return;
	}
	if ((id = strndup(file, (size_t)(dot - file))) == NULL) {
		http_respond_problem(resp, 500, "out of memory");
		return;
	}
	if (aia_ca_certificate(&ctx, id, formats[k].format, &data, &len,
			       &err) != ENGINE_OK) {
		free(id);
		http_respond_engine_error(resp, &err);
		return;
	}
	free(id);
	http_respond(resp, 200, formats[k].type, (char *)data, len);
	if (http_cache_headers(req, resp, &cache))
		http_respond(resp, 304, NULL, NULL, 0);
}
