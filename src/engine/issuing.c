#include "engine/issuing.h"

#include <string.h>

void issuing_clear(struct issuing *is)
{
	store_template_free(&is->tpl_row);
	store_ca_free(&is->ca);
	issuer_template_release(is->held_tpl);
	issuer_signer_release(is->held_signer);
	memset(is, 0, sizeof(*is));
}

enum engine_result issuing_open(const struct ca_context *ctx,
				const char *tenant_id, const char *template_id,
				struct issuing *is, struct engine_error *err)
{
	enum store_result rc;
	enum engine_result res;

	memset(is, 0, sizeof(*is));
	rc = store_template_get(ctx->st, tenant_id, template_id, &is->tpl_row);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "template");
	res = issuer_cache_template(ctx->issuers, &is->tpl_row, &is->held_tpl,
				    err);
	if (res == ENGINE_OK)
		res =
		    engine_store_fail(err,
				      store_ca_get(ctx->st, tenant_id,
						   is->tpl_row.ca_id, &is->ca),
				      "CA");
	if (res == ENGINE_OK)
		res = ca_issuing_allowed(ctx, &is->ca, err);
	if (res == ENGINE_OK)
		res = issuer_cache_signer(ctx->issuers, ctx, &is->ca,
					  &is->held_signer, err);
	if (res != ENGINE_OK) {
		issuing_clear(is);
		return res;
	}
	is->tpl = issuer_template(is->held_tpl);
	is->signer = issuer_signer(is->held_signer);
	return ENGINE_OK;
}
