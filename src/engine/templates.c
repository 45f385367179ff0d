#include "engine/templates.h"

#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "lib/rand.h"

#define DEFAULT_STARTER "web-server"

static enum engine_result name_check(const char *name, struct engine_error *err)
{
	if (name == NULL || *name == '\0' || strlen(name) > TEMPLATES_NAME_MAX)
		return engine_fail(err, ENGINE_INVALID, "name",
				   "a template's name is 1 to %d bytes",
				   TEMPLATES_NAME_MAX);
	return ENGINE_OK;
}

enum engine_result templates_settings(const struct store_template *t,
				      struct template_settings *s,
				      struct engine_error *err)
{
	if (template_settings_load(t->settings, s) == 0)
		return ENGINE_OK;
	return engine_fail(err, ENGINE_ERROR, NULL,
			   "the stored settings of template %s do not parse",
			   t->id);
}

enum engine_result templates_create(const struct ca_context *ctx,
				    const struct principal *who,
				    const char *ca_id, const char *name,
				    const char *starter, const json_t *settings,
				    int64_t now, struct store_template *out,
				    struct engine_error *err)
{
	char id[RAND_ID_LEN + 1] = "";
	struct store_template t = {.id = id,
				   .tenant_id = (char *)who->tenant_id,
				   .ca_id = (char *)ca_id,
				   .name = (char *)name,
				   .created_at = now,
				   .updated_at = now};
	struct store_audit a =
	    accounts_audit(who, "template.create", "template", id, now);
	struct template_settings s = {0};
	struct store_ca ca;
	enum engine_result res;
	enum store_result rc;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "template.create",
				       "template", NULL, now, err);
	if (name_check(name, err) != ENGINE_OK)
		return err->code;
	res = engine_store_fail(
	    err, store_ca_get(ctx->st, who->tenant_id, ca_id, &ca), "CA");
	if (res != ENGINE_OK)
		return res;
	store_ca_free(&ca);
	if (template_starter(starter != NULL ? starter : DEFAULT_STARTER, &s) !=
	    0)
		return engine_fail(err, ENGINE_INVALID, "starter",
				   "unknown starter %s", starter);
	if (settings != NULL &&
	    template_settings_merge_json(&s, settings, err) != ENGINE_OK) {
		template_settings_clear(&s);
		return err->code;
	}
	t.settings = template_settings_encode(&s);
	template_settings_clear(&s);
	if (t.settings == NULL || rand_id(id, RAND_ID_LEN) != 0) {
		free(t.settings);
		return engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	}
	a.detail = name;
	rc = store_template_insert(ctx->st, &t, &a);
	free(t.settings);
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, "name",
				   "the CA has a template named %s", name);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "template");
	return templates_get(ctx, who, id, out, err);
}

enum engine_result templates_get(const struct ca_context *ctx,
				 const struct principal *who, const char *id,
				 struct store_template *out,
				 struct engine_error *err)
{
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_template_get(ctx->st, who->tenant_id, id, out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "template");
}

enum engine_result templates_list(const struct ca_context *ctx,
				  const struct principal *who,
				  const char *ca_id, const char *after,
				  size_t limit, struct store_template_list *out,
				  struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_template_list(ctx->st, who->tenant_id, ca_id, after,
				 accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "template");
}

enum engine_result templates_update(const struct ca_context *ctx,
				    const struct principal *who, const char *id,
				    const char *name, const json_t *settings,
				    int64_t now, struct store_template *out,
				    struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "template.update", "template", id, now);
	struct template_settings s = {0};
	struct store_template t;
	char *old_name, *encoded;
	enum engine_result res;
	enum store_result rc;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "template.update",
				       "template", id, now, err);
	if (name != NULL && name_check(name, err) != ENGINE_OK)
		return err->code;
	res = templates_get(ctx, who, id, &t, err);
	if (res == ENGINE_OK)
		res = templates_settings(&t, &s, err);
	if (res == ENGINE_OK && settings != NULL)
		res = template_settings_merge_json(&s, settings, err);
	encoded = res == ENGINE_OK ? template_settings_encode(&s) : NULL;
	template_settings_clear(&s);
	if (res == ENGINE_OK && encoded == NULL)
		res = engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	if (res != ENGINE_OK) {
		store_template_free(&t);
		return res;
	}
	old_name = t.name;
	if (name != NULL)
		t.name = (char *)name;
	free(t.settings);
	t.settings = encoded;
	t.updated_at = now;
	rc = store_template_update(ctx->st, &t, &a);
	t.name = old_name;
	store_template_free(&t);
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, "name",
				   "the CA has a template named %s", name);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "template");
	return templates_get(ctx, who, id, out, err);
}

enum engine_result templates_delete(const struct ca_context *ctx,
				    const struct principal *who, const char *id,
				    int64_t now, struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "template.delete", "template", id, now);
	enum store_result rc;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "template.delete",
				       "template", id, now, err);
	rc = store_template_delete(ctx->st, who->tenant_id, id, now, &a);
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "a certificate of this template is still "
				   "active (valid, or on hold), or an ACME "
				   "policy signs with it: revoke the "
				   "certificate or let it expire, and move "
				   "or delete the policy first");
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "template");
}
