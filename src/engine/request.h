/*
 * Certificate requests: a CSR submitted to a template waits for an
 * operator, who approves (signs) or declines it; a pre-approved request
 * fixes subject, SANs and validity ahead and is claimed with a one-time
 * token and a CSR.
 */
#ifndef PKIAAS_REQUEST_H
#define PKIAAS_REQUEST_H

#include <openssl/x509.h>
#include <stdint.h>

#include "engine/ca.h"

/* What an approval or a pre-approval may override. */
struct request_overrides {
	const char *const *subject; /* "CN=x", "O=y" ...; NULL: keep */
	size_t n_subject;
	const char *const *sans; /* "DNS:a", "IP:1.2.3.4", "email:x@y",
				    "URI:..."; NULL: keep */
	size_t n_sans;
	int has_sans;
	int validity_days;	       /* 0: the template's */
	int64_t not_before, not_after; /* 0: from validity_days */
};

/* A request decoded for people: what was asked and what it would get. */
struct request_view {
	struct store_request request;
	char *subject;	/* RFC 2253 */
	char *sans;	/* "DNS:a, IP:b" */
	char *key_type; /* "ecdsa-p256"; the size is in the name */
	int key_bits;
	char *extensions; /* requested extensions, one per line */
	int64_t would_not_before, would_not_after;
};

/*
 * Submits a CSR (PEM or DER) to a template. It is checked against the
 * template at once (a refusal names the rule); it then waits as
 * "pending", or is issued at once when the template says auto_approve.
 * out is the request as stored; cert_out (which may be NULL) the
 * certificate issued with it, or empty.
 */
enum engine_result
request_submit(const struct ca_context *ctx, const struct principal *who,
	       const char *template_id, const uint8_t *csr, size_t csr_len,
	       int64_t now, struct store_request *out,
	       struct store_certificate *cert_out, struct engine_error *err);
/*
 * The caller of a request without a login, for a template that allows
 * them (allow_public): a principal of the template's tenant, named
 * "public", that may submit to it and read what it gets back.
 * ENGINE_UNAUTHENTICATED for any other template, so that a template's
 * existence is not told to strangers.
 */
enum engine_result request_public_principal(const struct ca_context *ctx,
					    const char *template_id,
					    const char *address,
					    struct principal *who,
					    struct engine_error *err);
enum engine_result request_get(const struct ca_context *ctx,
			       const struct principal *who, const char *id,
			       int64_t now, struct request_view *out,
			       struct engine_error *err);
enum engine_result request_list(const struct ca_context *ctx,
				const struct principal *who, const char *status,
				const char *after, size_t limit,
				struct store_request_list *out,
				struct engine_error *err);
/* Signs a pending request (operator); ov may be NULL. */
enum engine_result request_approve(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   const struct request_overrides *ov,
				   int64_t now, struct store_certificate *out,
				   struct engine_error *err);
enum engine_result request_decline(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   const char *reason, int64_t now,
				   struct engine_error *err);
/*
 * A pre-approved request for a template (operator): subject, SANs and
 * validity from ov. *claim receives the one-time token (shown once).
 */
enum engine_result request_preapprove(const struct ca_context *ctx,
				      const struct principal *who,
				      const char *template_id,
				      const struct request_overrides *ov,
				      int64_t now, struct store_request *out,
				      char **claim, struct engine_error *err);
/*
 * Issues a pre-approved request for a CSR presented with its claim
 * token (no login needed: the token is the authority). The CSR's
 * subject and SANs are replaced by the pre-approved ones.
 */
enum engine_result request_claim(const struct ca_context *ctx,
				 const char *claim, const uint8_t *csr,
				 size_t csr_len, const char *address,
				 int64_t now, struct store_certificate *out,
				 struct engine_error *err);
/*
 * Renews a certificate for the holder of its key, without a login: cert
 * is the certificate to renew (PEM), csr the new key's request, and
 * signature the old key's signature over the CSR's DER (SHA-256 for RSA
 * (PKCS#1 v1.5) and ECDSA keys, the key's own scheme for the others).
 * The certificate must be valid, of a template that allows renewal, and
 * within its renewal window; the new one copies its subject and SANs,
 * and the old one is revoked as superseded in the same transaction.
 */
enum engine_result request_renew(const struct ca_context *ctx,
				 const char *cert_pem, const uint8_t *csr,
				 size_t csr_len, const uint8_t *signature,
				 size_t signature_len, const char *address,
				 int64_t now, struct store_certificate *out,
				 struct engine_error *err);
void request_view_free(struct request_view *v);

#endif
