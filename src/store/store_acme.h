/*
 * ACME's records: policies and their external account bindings (the
 * administration side, scoped to a tenant like every record), and the
 * protocol side, which the public ACME endpoints reach by id alone:
 * accounts, used nonces and orders. Part of store.h; include that.
 */
#ifndef PKIAAS_STORE_ACME_H
#define PKIAAS_STORE_ACME_H

#include <stddef.h>
#include <stdint.h>

struct store_audit;

struct store_acme_policy {
	char *id;
	char *tenant_id;
	char *ca_id; /* the template's CA */
	char *template_id;
	char *name;    /* unique in the tenant */
	char *domains; /* JSON array of pre-approved names, "*.x" wildcards */
	int64_t created_at;
};

struct store_acme_policy_list {
	struct store_acme_policy *items;
	size_t n;
	int has_more;
};

/* STORE_NOT_FOUND when the template is not the tenant's; a name taken
 * is STORE_CONFLICT. */
enum store_result store_acme_policy_insert(struct store *st,
					   const struct store_acme_policy *p,
					   const struct store_audit *a);
enum store_result store_acme_policy_get(struct store *st, const char *tenant_id,
					const char *id,
					struct store_acme_policy *out);
/* By id alone, for the ACME endpoints. */
enum store_result store_acme_policy_find(struct store *st, const char *id,
					 struct store_acme_policy *out);
/* ca_id NULL: every CA of the tenant. */
enum store_result store_acme_policy_list(struct store *st,
					 const char *tenant_id,
					 const char *ca_id, const char *after,
					 size_t limit,
					 struct store_acme_policy_list *out);
/* Rewrites name, template_id, ca_id and domains. */
enum store_result store_acme_policy_update(struct store *st,
					   const struct store_acme_policy *p,
					   const struct store_audit *a);
/* STORE_CONFLICT while an account is bound to it; its EABs go with it. */
enum store_result store_acme_policy_delete(struct store *st,
					   const char *tenant_id,
					   const char *id,
					   const struct store_audit *a);
void store_acme_policy_free(struct store_acme_policy *p);
void store_acme_policy_list_free(struct store_acme_policy_list *l);

/* An external account binding; its id is the EAB key id (kid). */
struct store_acme_eab {
	char *id;
	char *tenant_id;
	char *policy_id;
	char *name;	     /* unique in the policy */
	uint8_t *key_sealed; /* the HMAC key sealed by the KEK, aad "eab/ID" */
	size_t key_len;
	int64_t uses_allowed, uses;
	int64_t expires_at;
	int64_t created_at;
};

struct store_acme_eab_list {
	struct store_acme_eab *items;
	size_t n;
	int has_more;
};

enum store_result store_acme_eab_insert(struct store *st,
					const struct store_acme_eab *e,
					const struct store_audit *a);
/* By kid alone, for newAccount. */
enum store_result store_acme_eab_find(struct store *st, const char *id,
				      struct store_acme_eab *out);
enum store_result store_acme_eab_list(struct store *st, const char *tenant_id,
				      const char *policy_id, const char *after,
				      size_t limit,
				      struct store_acme_eab_list *out);
enum store_result store_acme_eab_delete(struct store *st, const char *tenant_id,
					const char *id,
					const struct store_audit *a);
void store_acme_eab_free(struct store_acme_eab *e);
void store_acme_eab_list_free(struct store_acme_eab_list *l);

struct store_acme_account {
	char *id;
	char *tenant_id;
	char *policy_id;
	char *eab_id;
	char *thumbprint; /* RFC 7638, of the account key; unique */
	char *jwk;	  /* the key's JWK */
	char *status;	  /* "valid" or "deactivated" */
	char *contact;	  /* JSON array of URLs */
	int64_t created_at;
};

struct store_acme_account_list {
	struct store_acme_account *items;
	size_t n;
	int has_more;
};

/*
 * Registers an account through the EAB a->eab_id, in one transaction:
 * the EAB must be unexpired at now, of a->policy_id, with uses left
 * (one is taken). STORE_NOT_FOUND when the EAB is gone, STORE_CONFLICT
 * when it is expired or used up or the key has an account already.
 */
enum store_result store_acme_account_insert(struct store *st,
					    const struct store_acme_account *a,
					    int64_t now,
					    const struct store_audit *au);
enum store_result store_acme_account_find(struct store *st, const char *id,
					  struct store_acme_account *out);
enum store_result store_acme_account_find_key(struct store *st,
					      const char *thumbprint,
					      struct store_acme_account *out);
enum store_result store_acme_account_get(struct store *st,
					 const char *tenant_id, const char *id,
					 struct store_acme_account *out);
/* policy_id NULL: every account of the tenant. */
enum store_result store_acme_account_list(struct store *st,
					  const char *tenant_id,
					  const char *policy_id,
					  const char *after, size_t limit,
					  struct store_acme_account_list *out);
/* Rewrites status and contact. */
enum store_result store_acme_account_update(struct store *st,
					    const struct store_acme_account *a,
					    const struct store_audit *au);
/* Replaces the account key when it is still old_thumbprint;
 * STORE_CONFLICT when the new key belongs to an account already. */
enum store_result store_acme_account_rekey(struct store *st, const char *id,
					   const char *old_thumbprint,
					   const char *thumbprint,
					   const char *jwk,
					   const struct store_audit *au);
void store_acme_account_free(struct store_acme_account *a);
void store_acme_account_list_free(struct store_acme_account_list *l);

/*
 * Records the use of a nonce valid until expires_at: STORE_CONFLICT
 * when it was used before, on any node. Forgets a few uses that
 * expired before now on the way.
 */
enum store_result store_acme_nonce_use(struct store *st, const char *nonce,
				       int64_t expires_at, int64_t now);

struct store_acme_order {
	char *id;
	char *tenant_id;
	char *account_id;
	char *status;	 /* pending, ready, processing, valid, invalid */
	char *document;	 /* the order, authorisations and challenges (JSON) */
	int64_t version; /* grows by one with each update */
	int64_t expires_at;
	char *certificate_id;  /* NULL until issued */
	char *replaces;	       /* the certificate id it replaces, or NULL */
	int64_t next_check_at; /* a validation is due then; 0: none */
	int64_t lease_until;   /* a worker holds it until then */
	int64_t created_at;
};

struct store_acme_order_list {
	struct store_acme_order *items;
	size_t n;
	int has_more;
};

/* STORE_CONFLICT when another live order replaces the same one. */
enum store_result store_acme_order_insert(struct store *st,
					  const struct store_acme_order *o,
					  const struct store_audit *a);
enum store_result store_acme_order_find(struct store *st, const char *id,
					struct store_acme_order *out);
enum store_result
store_acme_order_find_certificate(struct store *st, const char *certificate_id,
				  struct store_acme_order *out);
enum store_result store_acme_order_list(struct store *st,
					const char *account_id,
					const char *after, size_t limit,
					struct store_acme_order_list *out);
/*
 * Rewrites status, document, certificate_id, next_check_at and
 * lease_until when the stored version is o->version, which then grows
 * by one; else STORE_CONFLICT.
 */
enum store_result store_acme_order_update(struct store *st,
					  const struct store_acme_order *o,
					  const struct store_audit *a);
/*
 * Takes one order whose validation is due at now and that no worker
 * holds, and holds it until lease_until. STORE_NOT_FOUND when none is
 * due.
 */
enum store_result store_acme_order_take(struct store *st, int64_t now,
					int64_t lease_until,
					struct store_acme_order *out);
void store_acme_order_free(struct store_acme_order *o);
void store_acme_order_list_free(struct store_acme_order_list *l);

#endif
