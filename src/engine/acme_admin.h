/*
 * ACME administration: the policies that bind ACME accounts to a
 * template (and so to its CA), the external account bindings (EABs)
 * that let a client register an account under a policy, and the
 * accounts and orders seen from the tenant's side. Admins and operators
 * manage; auditors read.
 */
#ifndef PKIAAS_ACME_ADMIN_H
#define PKIAAS_ACME_ADMIN_H

#include <stdint.h>

#include "engine/ca.h"

#define ACME_POLICY_DOMAINS_MAX 1000
#define ACME_EAB_KEY_BYTES	32
#define ACME_EAB_DAYS_DEFAULT	30

/* A policy as asked for: domains are names ("host.example.com") or
 * wildcards ("*.example.com": example.com and every name below it). */
struct acme_policy_input {
	const char *name;	 /* 1 to 128 characters; unique in the tenant */
	const char *template_id; /* a template of the tenant */
	const char *const *domains;
	size_t n_domains;
	int has_domains; /* for an update: 0 keeps them */
};

enum engine_result
acme_policy_create(const struct ca_context *ctx, const struct principal *who,
		   const struct acme_policy_input *in, int64_t now,
		   struct store_acme_policy *out, struct engine_error *err);
/* ca_id NULL: every CA's. */
enum engine_result
acme_policy_list(const struct ca_context *ctx, const struct principal *who,
		 const char *ca_id, const char *after, size_t limit,
		 struct store_acme_policy_list *out, struct engine_error *err);
enum engine_result acme_policy_get(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   struct store_acme_policy *out,
				   struct engine_error *err);
/* name and template_id NULL: unchanged. */
enum engine_result
acme_policy_update(const struct ca_context *ctx, const struct principal *who,
		   const char *id, const struct acme_policy_input *in,
		   int64_t now, struct store_acme_policy *out,
		   struct engine_error *err);
/* ENGINE_CONFLICT while an account is bound to the policy. */
enum engine_result acme_policy_delete(const struct ca_context *ctx,
				      const struct principal *who,
				      const char *id, int64_t now,
				      struct engine_error *err);

/*
 * A new EAB for a policy: uses_allowed accounts may register with it
 * (1 to 1,000,000) until expires_at (0: ACME_EAB_DAYS_DEFAULT days from
 * now; at most 10 years ahead). *hmac_key receives the key, base64url,
 * to show once (the caller frees it); out->id is the key id.
 */
enum engine_result acme_eab_create(const struct ca_context *ctx,
				   const struct principal *who,
				   const char *policy_id, const char *name,
				   int64_t uses_allowed, int64_t expires_at,
				   int64_t now, struct store_acme_eab *out,
				   char **hmac_key, struct engine_error *err);
enum engine_result acme_eab_list(const struct ca_context *ctx,
				 const struct principal *who,
				 const char *policy_id, const char *after,
				 size_t limit, struct store_acme_eab_list *out,
				 struct engine_error *err);
/* Accounts registered with it stay bound to its policy. */
enum engine_result acme_eab_delete(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   int64_t now, struct engine_error *err);

/* policy_id NULL: every account of the tenant. */
enum engine_result acme_account_list(const struct ca_context *ctx,
				     const struct principal *who,
				     const char *policy_id, const char *after,
				     size_t limit,
				     struct store_acme_account_list *out,
				     struct engine_error *err);
enum engine_result acme_account_get(const struct ca_context *ctx,
				    const struct principal *who, const char *id,
				    struct store_acme_account *out,
				    struct engine_error *err);
/* Deactivates an account for good (RFC 8555 7.3.6): its orders stop. */
enum engine_result acme_account_deactivate(const struct ca_context *ctx,
					   const struct principal *who,
					   const char *id, int64_t now,
					   struct engine_error *err);
/* An account's orders (their documents hold the authorisations). */
enum engine_result acme_account_orders(const struct ca_context *ctx,
				       const struct principal *who,
				       const char *account_id,
				       const char *after, size_t limit,
				       struct store_acme_order_list *out,
				       struct engine_error *err);

#endif
