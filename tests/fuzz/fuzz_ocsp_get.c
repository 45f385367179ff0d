/*
 * OCSP requests by GET: the input is what follows /ocsp/{id}/ in the
 * path once the server has decoded it, the base64 of a DER request
 * (RFC 6960 A.1), percent-encoded again or not. It goes to the handler
 * as the server would, against the responder of ocsp_fixture.c. Every
 * answer must be one DER OCSPResponse with status 200 (or a 304).
 */
#include <stdlib.h>
#include <string.h>

#include "api/ocsp.h"
#include "fuzz.h"
#include "ocsp_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ocsp_fixture *fx = ocsp_fixture();
	struct http_request req = {
	    .app = &fx->app, .method = "GET", .path = "/ocsp", .n_params = 2};
	struct http_response resp = {0};
	char *text = fuzz_text(data, size);

	/* A path holds no NUL: the server stops at the first. */
	req.params[0] = fx->ca_id;
	req.params[1] = text;
	api_ocsp_get(&req, &resp);
	ocsp_fixture_check(&resp);
	http_response_clear(&resp);
	free(text);
	return 0;
}
