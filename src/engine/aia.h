/*
 * CA certificate publication (RFC 5280 4.2.2.1, caIssuers): each active
 * CA's certificate, and its chain as certs-only PKCS#7, by CA id alone,
 * for relying parties on the plain HTTP port.
 */
#ifndef PKIAAS_AIA_H
#define PKIAAS_AIA_H

#include <stddef.h>
#include <stdint.h>

#include "engine/ca.h"
#include "engine/certificate.h"

/*
 * The public CA ca_id, of any tenant. ENGINE_NOT_FOUND when there is
 * none or it is still pending (it has no certificate to publish).
 */
enum engine_result aia_ca_find(const struct ca_context *ctx, const char *ca_id,
			       struct store_ca *out, struct engine_error *err);
/*
 * The CA's certificate in format (CERT_DER, CERT_PEM, or CERT_PKCS7 for
 * the certs-only PKCS#7 of the CA and its issuers), as a new buffer the
 * caller frees.
 */
enum engine_result aia_ca_certificate(const struct ca_context *ctx,
				      const char *ca_id,
				      enum certificate_format format,
				      uint8_t **data, size_t *len,
				      struct engine_error *err);

#endif
