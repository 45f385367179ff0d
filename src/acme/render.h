/* ACME resources as JSON (RFC 8555 7.1), from the engine's records. */
#ifndef PKIAAS_ACME_RENDER_H
#define PKIAAS_ACME_RENDER_H

#include "acme/call.h"

/* An RFC 3339 time ("2026-12-04T05:00:00Z") into out (32 bytes). */
void acme_time(int64_t t, char out[32]);

json_t *acme_render_account(const struct acme_call *c,
			    const struct store_acme_account *a);
json_t *acme_render_order(const struct acme_call *c,
			  const struct store_acme_order *o);
/* The i-th authorisation of an order; NULL when there is none. */
json_t *acme_render_authz(const struct acme_call *c,
			  const struct store_acme_order *o, size_t i);
/* Its j-th challenge; NULL when there is none. */
json_t *acme_render_challenge(const struct acme_call *c,
			      const struct store_acme_order *o, size_t i,
			      size_t j);

#endif
