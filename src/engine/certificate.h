/* Issued certificates: search, download, revocation and release. */
#ifndef PKIAAS_CERTIFICATE_H
#define PKIAAS_CERTIFICATE_H

#include <openssl/x509.h>
#include <stdint.h>

#include "engine/ca.h"

enum certificate_format {
	CERT_PEM, /* the certificate */
	CERT_DER,
	CERT_PEM_CHAIN, /* the certificate, then its CA and the CA's chain */
	CERT_PKCS7,	/* DER PKCS#7 of the same chain */
};

enum engine_result certificate_list(const struct ca_context *ctx,
				    const struct principal *who,
				    const struct store_certificate_filter *f,
				    const char *after, size_t limit,
				    struct store_certificate_list *out,
				    struct engine_error *err);
enum engine_result certificate_get(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   struct store_certificate *out,
				   struct engine_error *err);
/* The certificate in a format, as a new buffer. */
enum engine_result
certificate_download(const struct ca_context *ctx, const struct principal *who,
		     const char *id, enum certificate_format format,
		     uint8_t **data, size_t *len, struct engine_error *err);
/*
 * Revokes with an RFC 5280 reason name ("keyCompromise",
 * "certificateHold", ...; NULL: "unspecified") and an optional
 * invalidity date (0: none). Stored before the answer.
 */
enum engine_result certificate_revoke(const struct ca_context *ctx,
				      const struct principal *who,
				      const char *id, const char *reason,
				      int64_t invalidity_date, int64_t now,
				      struct engine_error *err);
/* Releases a certificate from certificateHold (removeFromCRL). */
enum engine_result certificate_release(const struct ca_context *ctx,
				       const struct principal *who,
				       const char *id, int64_t now,
				       struct engine_error *err);
/* The certificate and the chain of its CA, leaf first, or NULL. */
STACK_OF(X509) * certificate_chain(const struct ca_context *ctx,
				   const struct store_certificate *c);
/*
 * Encodes chain (its first certificate alone for CERT_PEM and CERT_DER)
 * into a new buffer the caller frees. 0 or -1.
 */
int certificate_chain_encode(STACK_OF(X509) * chain,
			     enum certificate_format format, uint8_t **data,
			     size_t *len);
/* 1 for a reason name of RFC 5280 5.3.1 that may be given. */
int certificate_reason_valid(const char *reason);

#endif
