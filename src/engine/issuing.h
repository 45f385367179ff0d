/*
 * A template opened for signing: its settings, its CA and the CA's key,
 * everything engine_issue takes beside the request itself. The settings
 * and the signer come from the context's issuer cache when it has one.
 */
#ifndef PKIAAS_ISSUING_H
#define PKIAAS_ISSUING_H

#include "engine/ca.h"
#include "engine/issuer_cache.h"

struct issuing {
	struct store_template tpl_row;
	struct store_ca ca;
	const struct template_settings *tpl;
	const struct issue_signer *signer;
	struct cached_template *held_tpl;
	struct cached_signer *held_signer;
};

/* Opens the template of tenant_id and its CA for signing. */
enum engine_result issuing_open(const struct ca_context *ctx,
				const char *tenant_id, const char *template_id,
				struct issuing *is, struct engine_error *err);
void issuing_clear(struct issuing *is);

#endif
