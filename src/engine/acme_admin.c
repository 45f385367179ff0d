/*
 * ACME accounts and their orders as the tenant sees them (acme_admin.h):
 * every role reads them; admins and operators deactivate an account,
 * as they revoke a certificate. Policies are in acme_policy.c, EABs in
 * acme_eab.c.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/acme_admin.h"

#define DEACTIVATED "deactivated"

enum engine_result
acme_account_list(const struct ca_context *ctx, const struct principal *who,
		  const char *policy_id, const char *after, size_t limit,
		  struct store_acme_account_list *out, struct engine_error *err)
{
	struct store_acme_policy p;
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	if (policy_id != NULL) {
		if (acme_policy_get(ctx, who, policy_id, &p, err) != ENGINE_OK)
			return err->code;
		store_acme_policy_free(&p);
	} else if (access_require(who, ACCESS_READ, err) != ENGINE_OK) {
		return err->code;
	}
	rc = store_acme_account_list(ctx->st, who->tenant_id, policy_id, after,
				     accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "ACME account");
}

enum engine_result acme_account_get(const struct ca_context *ctx,
				    const struct principal *who, const char *id,
				    struct store_acme_account *out,
				    struct engine_error *err)
{
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_acme_account_get(ctx->st, who->tenant_id, id, out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "ACME account");
}

enum engine_result acme_account_deactivate(const struct ca_context *ctx,
					   const struct principal *who,
					   const char *id, int64_t now,
					   struct engine_error *err)
{
	struct store_audit a = accounts_audit(who, "acme_account.deactivate",
					      "acme_account", id, now);
	struct store_acme_account acct;
	char *status;
	enum store_result rc;

	if (access_require(who, ACCESS_OPERATE, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "acme_account.deactivate",
				       "acme_account", id, now, err);
	if (acme_account_get(ctx, who, id, &acct, err) != ENGINE_OK)
		return err->code;
	if (acct.status != NULL && strcmp(acct.status, DEACTIVATED) == 0) {
		store_acme_account_free(&acct);
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "the account is deactivated already");
	}
	if ((status = strdup(DEACTIVATED)) == NULL) {
		store_acme_account_free(&acct);
		return engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	}
	free(acct.status);
	acct.status = status;
	rc = store_acme_account_update(ctx->st, &acct, &a);
	store_acme_account_free(&acct);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "ACME account");
}

enum engine_result
acme_account_orders(const struct ca_context *ctx, const struct principal *who,
		    const char *account_id, const char *after, size_t limit,
		    struct store_acme_order_list *out, struct engine_error *err)
{
	struct store_acme_account acct;
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	/* The orders are found by account alone: the account is the
	 * tenant's check. */
	if (acme_account_get(ctx, who, account_id, &acct, err) != ENGINE_OK)
		return err->code;
	store_acme_account_free(&acct);
	rc = store_acme_order_list(ctx->st, account_id, after,
				   accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "ACME order");
}
