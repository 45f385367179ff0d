/* revokeCert (RFC 8555 7.6): by the account that ordered the
 * certificate, or by anyone holding the certificate's key. */
#include <stdlib.h>
#include <string.h>

#include "acme/call.h"
#include "acme/handlers.h"
#include "lib/base64.h"

void acme_serve_revoke_cert(struct http_request *req,
			    struct http_response *resp)
{
	struct acme_call c;
	struct engine_error err = {0};
	const char *cert;
	const json_t *reason;
	uint8_t *der = NULL;
	size_t len = 0;

	if (acme_call_open(&c, req, resp, ACME_KEY_ANY) != 0) {
		acme_call_close(&c);
		return;
	}
	cert = json_string_value(json_object_get(c.payload, "certificate"));
	reason = json_object_get(c.payload, "reason");
	if (cert == NULL ||
	    base64url_decode(cert, strlen(cert), &der, &len) != 0)
		acme_reply_problem(&c, 400, "malformed",
				   "certificate is the certificate's DER in "
				   "base64url");
	else if (reason != NULL &&
		 (!json_is_integer(reason) || json_integer_value(reason) < 0 ||
		  json_integer_value(reason) > 10))
		acme_reply_problem(&c, 400, "badRevocationReason",
				   "reason is an RFC 5280 reason code");
	else if (acme_revoke(&c.svc->engine, c.has_account ? &c.account : NULL,
			     c.jws.jwk.key, der, len,
			     reason != NULL ? (int)json_integer_value(reason)
					    : -1,
			     req->address, c.now, &err) != ENGINE_OK)
		acme_reply_engine(&c, &err);
	else
		acme_reply_empty(&c, 200);
	free(der);
	acme_call_close(&c);
}
