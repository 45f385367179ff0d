#include "engine/aia.h"

#include <string.h>

#include "lib/log.h"

enum engine_result aia_ca_find(const struct ca_context *ctx, const char *ca_id,
			       struct store_ca *out, struct engine_error *err)
{
	enum store_result rc = store_ca_find(ctx->st, ca_id, out);

	if (rc == STORE_OK &&
	    (strcmp(out->status, "active") != 0 || out->cert_der == NULL)) {
		store_ca_free(out);
		rc = STORE_NOT_FOUND;
	}
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "CA");
}

enum engine_result aia_ca_certificate(const struct ca_context *ctx,
				      const char *ca_id,
				      enum certificate_format format,
				      uint8_t **data, size_t *len,
				      struct engine_error *err)
{
	struct store_ca ca;
	STACK_OF(X509) * certs;
	enum engine_result res = aia_ca_find(ctx, ca_id, &ca, err);

	*data = NULL;
	*len = 0;
	if (res != ENGINE_OK)
		return res;
	certs = ca_chain_stack(&ca);
	if (certs == NULL ||
	    certificate_chain_encode(certs, format, data, len) != 0) {
		log_openssl_errors("aia.encode", ca.id);
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the CA certificate could not be encoded");
	}
	OSSL_STACK_OF_X509_free(certs);
	store_ca_free(&ca);
	return res;
}
