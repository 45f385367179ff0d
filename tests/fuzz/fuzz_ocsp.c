/*
 * OCSP requests by POST: the input is the body of POST /ocsp/{id}, a DER
 * OCSPRequest, handed to the handler as the server would, against the
 * responder of ocsp_fixture.c. Every answer must be one DER
 * OCSPResponse with status 200, whatever the input.
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
	    .app = &fx->app, .method = "POST", .path = "/ocsp", .n_params = 1};
	struct http_response resp = {0};

	req.params[0] = fx->ca_id;
	req.body = (uint8_t *)fuzz_text(data, size);
	req.body_len = size;
	fuzz_header_set("Content-Type", "application/ocsp-request");
	api_ocsp_post(&req, &resp);
	ocsp_fixture_check(&resp);
	http_response_clear(&resp);
	free(req.body);
	return 0;
}
