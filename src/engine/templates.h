/* Templates of a tenant's CAs: made from a starter, changed, deleted. */
#ifndef PKIAAS_TEMPLATES_H
#define PKIAAS_TEMPLATES_H

#include <jansson.h>
#include <stdint.h>

#include "engine/ca.h"
#include "engine/template.h"

#define TEMPLATES_NAME_MAX 128

/*
 * A new template of a CA (admin), from starter (NULL: "web-server") with
 * settings (a JSON object, may be NULL) applied over it.
 */
enum engine_result templates_create(const struct ca_context *ctx,
				    const struct principal *who,
				    const char *ca_id, const char *name,
				    const char *starter, const json_t *settings,
				    int64_t now, struct store_template *out,
				    struct engine_error *err);
enum engine_result templates_get(const struct ca_context *ctx,
				 const struct principal *who, const char *id,
				 struct store_template *out,
				 struct engine_error *err);
/* A tenant's templates, of one CA when ca_id is not NULL. */
enum engine_result templates_list(const struct ca_context *ctx,
				  const struct principal *who,
				  const char *ca_id, const char *after,
				  size_t limit, struct store_template_list *out,
				  struct engine_error *err);
/* Renames (name may be NULL) and applies settings (may be NULL). */
enum engine_result templates_update(const struct ca_context *ctx,
				    const struct principal *who, const char *id,
				    const char *name, const json_t *settings,
				    int64_t now, struct store_template *out,
				    struct engine_error *err);
/* Deletes a template none of whose certificates is still active. */
enum engine_result templates_delete(const struct ca_context *ctx,
				    const struct principal *who, const char *id,
				    int64_t now, struct engine_error *err);
/* Loads a stored template's settings; ENGINE_ERROR when they are bad. */
enum engine_result templates_settings(const struct store_template *t,
				      struct template_settings *s,
				      struct engine_error *err);

#endif
