/*
 * A template opened for signing: its settings, its CA and the CA's key,
 * everything engine_issue takes beside the request itself.
 */
#ifndef PKIAAS_ISSUING_H
#define PKIAAS_ISSUING_H

#include "engine/ca.h"

struct issuing {
	struct store_template tpl_row;
	struct template_settings tpl;
	struct store_ca ca;
	struct issue_signer signer;
};

/* Opens the template of tenant_id and its CA for signing. */
enum engine_result issuing_open(const struct ca_context *ctx,
				const char *tenant_id, const char *template_id,
				struct issuing *is, struct engine_error *err);
void issuing_clear(struct issuing *is);

#endif
