#include "engine/issuing.h"

#include <string.h>

#include "engine/templates.h"

void issuing_clear(struct issuing *is)
{
	store_template_free(&is->tpl_row);
	template_settings_clear(&is->tpl);
	store_ca_free(&is->ca);
	ca_signer_clear(&is->signer);
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
	res = templates_settings(&is->tpl_row, &is->tpl, err);
	if (res == ENGINE_OK)
		res =
		    engine_store_fail(err,
				      store_ca_get(ctx->st, tenant_id,
						   is->tpl_row.ca_id, &is->ca),
				      "CA");
	if (res == ENGINE_OK)
		res = ca_signer_open(ctx, &is->ca, &is->signer, err);
	if (res != ENGINE_OK)
		issuing_clear(is);
	return res;
}
