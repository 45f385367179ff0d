/*
 * CRLs (RFC 5280 section 5): a full CRL v2 per CA, signed by the CA's
 * key, cached in the store and signed anew on the first request after
 * a change of revocation state or once it nears its nextUpdate. Its
 * number only grows, across restarts and nodes.
 */
#ifndef PKIAAS_CRL_H
#define PKIAAS_CRL_H

#include <stddef.h>
#include <stdint.h>

#include "engine/ca.h"

#define CRL_VALIDITY_DEFAULT (30 * 86400) /* seconds to nextUpdate */
#define CRL_REFRESH_DEFAULT  86400	  /* signed anew this near it */

/* The windows of a CA's CRL; 0 takes the default. */
struct crl_options {
	int64_t validity; /* thisUpdate to nextUpdate, seconds */
	int64_t refresh;  /* a CRL this close to nextUpdate is re-signed */
};

/* A signed CRL as served. */
struct crl_document {
	uint8_t *der;
	size_t len;
	int64_t number;
	int64_t this_update, next_update;
};

/*
 * The CRL of the CA ca_id (any tenant: it is public). Reads the cached
 * one when it lists the CA's revocation state now and is fresh; else
 * claims the next number (durably) and signs. ENGINE_NOT_FOUND for no
 * such CA or one not active yet. The caller frees out.
 */
enum engine_result crl_get(const struct ca_context *ctx, const char *ca_id,
			   const struct crl_options *opt, int64_t now,
			   struct crl_document *out, struct engine_error *err);
void crl_document_free(struct crl_document *d);

/*
 * The RFC 5280 5.3.1 code of a reason name; -1 for "unspecified" and
 * unknown names, whose reason code is left out (as 5.3.1 advises).
 */
int crl_reason_code(const char *reason);

#endif
