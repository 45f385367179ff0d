/* Reading the audit log, and the tenants of the caller. */
#include "engine/accounts_common.h"

enum engine_result
accounts_audit_list(struct store *st, const struct principal *who,
		    const struct store_audit_filter *f, size_t limit,
		    struct store_audit_list *out, struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_AUDIT, err) != ENGINE_OK)
		return err->code;
	rc =
	    store_audit_list(st, who->tenant_id, f, accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "audit entry");
}

enum engine_result accounts_audit_get(struct store *st,
				      const struct principal *who,
				      const char *id,
				      struct store_audit_entry *out,
				      struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_AUDIT, err) != ENGINE_OK)
		return err->code;
	rc = store_audit_get(st, who->tenant_id, id, out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "audit entry");
}

enum engine_result accounts_tenant_list(struct store *st,
					const struct principal *who,
					struct store_tenant_list *out,
					struct engine_error *err)
{
	enum store_result rc = store_tenant_list_of_user(st, who->user_id, out);

	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "tenant");
}
