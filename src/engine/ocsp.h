/*
 * The OCSP responder (RFC 6960, with the RFC 5019 profile): one per CA,
 * answering for the certificates that CA issued, with responses signed
 * by a delegated OCSP signing certificate that the engine issues itself
 * and cached while the status stays the same: in the store, for every
 * node, and in the process (ocsp_cache.h).
 */
#ifndef PKIAAS_OCSP_H
#define PKIAAS_OCSP_H

#include <stddef.h>
#include <stdint.h>

#include "engine/ca.h"

#define OCSP_VALIDITY_DEFAULT 3600 /* seconds from thisUpdate to nextUpdate */
#define OCSP_CERTS_MAX	      4	   /* certificates one request may ask about */
#define OCSP_NONCE_MAX	      128  /* octets of a nonce (RFC 9654 2.1) */
#define OCSP_REQUEST_MAX      8192 /* bytes of a DER request */
/* The signing certificate is issued anew this long before it expires. */
#define OCSP_SIGNER_RENEW_SECONDS (2 * 86400)

struct ocsp_cache;

/* The window of responses (0 takes the default), and the process's
 * cache of them (NULL: none). */
struct ocsp_options {
	int64_t validity;
	struct ocsp_cache *cache;
};

/* What the responder answers: an OCSPResponse, whatever its status. */
struct ocsp_answer {
	uint8_t *der;
	size_t len;
	const char *status; /* "successful", "malformedRequest", ... */
	int64_t this_update, next_update; /* of a successful answer */
	/* the same for every asker until next_update: no nonce */
	int cacheable;
};

/*
 * Answers the DER request req for the CA ca_id (any tenant: the
 * responder is public). Refusals are OCSP answers too: malformedRequest
 * for garbage, more than OCSP_CERTS_MAX certificates or a nonce over
 * OCSP_NONCE_MAX octets; unauthorized for a certificate of another
 * issuer; tryLater while the store is unreachable. ENGINE_NOT_FOUND
 * only for no such CA. A request without a nonce is answered from
 * opt's cache while it holds a current answer to the very same bytes.
 * The caller frees out.
 */
enum engine_result ocsp_respond(const struct ca_context *ctx, const char *ca_id,
				const uint8_t *req, size_t len,
				const struct ocsp_options *opt, int64_t now,
				struct ocsp_answer *out,
				struct engine_error *err);
void ocsp_answer_free(struct ocsp_answer *a);
/*
 * Makes sure the CA has a usable delegated OCSP signing certificate,
 * issuing one through the engine when it has none: called when a CA
 * becomes active, so that its responder is ready before the first query.
 */
enum engine_result ocsp_signer_ensure(const struct ca_context *ctx,
				      const struct store_ca *ca, int64_t now,
				      struct engine_error *err);

#endif
