/*
 * The PKI's records: certificate authorities, templates, requests and
 * issued certificates. Part of store.h; include that. As everywhere in
 * the store, every call names the tenant and matches it in its query.
 * Changes take a struct store_audit, appended in the same transaction.
 */
#ifndef PKIAAS_STORE_PKI_H
#define PKIAAS_STORE_PKI_H

#include <stddef.h>
#include <stdint.h>

struct store_audit;

struct store_ca {
	char *id;
	char *tenant_id;
	char *name; /* unique in the tenant */
	char *description;
	char *kind;   /* "root" or "intermediate" */
	char *status; /* "active", or "pending" until its cert is imported */
	char *key_type;
	uint8_t *key_sealed; /* PKCS#8 DER sealed by the KEK, aad "ca/ID" */
	size_t key_len;
	uint8_t *cert_der; /* NULL while pending */
	size_t cert_len;
	uint8_t *csr_der; /* an intermediate's CSR */
	size_t csr_len;
	char *chain_pem; /* issuers above this CA up to the root, or NULL */
	char *subject;	 /* RFC 2253 text */
	char *serial;	 /* lowercase hex */
	int64_t not_before, not_after;
	char *settings;	 /* JSON: hash, pss, path length, CPS, services */
	char *parent_id; /* the pkiaas CA that signed it, or NULL */
	int64_t created_at;
};

struct store_ca_list {
	struct store_ca *items;
	size_t n;
	int has_more;
};

enum store_result store_ca_insert(struct store *st, const struct store_ca *ca,
				  const struct store_audit *a);
enum store_result store_ca_get(struct store *st, const char *tenant_id,
			       const char *id, struct store_ca *out);
/* By id alone, for the public endpoints (AIA, OCSP, CRL). */
enum store_result store_ca_find(struct store *st, const char *id,
				struct store_ca *out);
enum store_result store_ca_list(struct store *st, const char *tenant_id,
				const char *after, size_t limit,
				struct store_ca_list *out);
/*
 * The name of the nearest CA, from id up to its root, whose own
 * certificate its parent has revoked or put on hold: *name NULL when
 * there is none. The caller frees *name.
 */
enum store_result store_ca_chain_revoked(struct store *st,
					 const char *tenant_id, const char *id,
					 char **name);
/* Rewrites description and settings. */
enum store_result store_ca_update(struct store *st, const struct store_ca *ca,
				  const struct store_audit *a);
/*
 * Makes a pending CA active with its certificate: cert, chain, subject,
 * serial and validity from ca. STORE_CONFLICT when it is not pending.
 */
enum store_result store_ca_activate(struct store *st, const struct store_ca *ca,
				    const struct store_audit *a);
/* Deletes a CA with its templates, requests, certificates and ACME
 * policies (their EABs, accounts and orders too). */
enum store_result store_ca_delete(struct store *st, const char *tenant_id,
				  const char *id, const struct store_audit *a);
void store_ca_free(struct store_ca *ca);
void store_ca_list_free(struct store_ca_list *l);

struct store_template {
	char *id;
	char *tenant_id;
	char *ca_id;
	char *name;	/* unique for the CA */
	char *settings; /* JSON, as engine/template.h reads it */
	int64_t created_at, updated_at;
};

struct store_template_list {
	struct store_template *items;
	size_t n;
	int has_more;
};

enum store_result store_template_insert(struct store *st,
					const struct store_template *t,
					const struct store_audit *a);
enum store_result store_template_get(struct store *st, const char *tenant_id,
				     const char *id,
				     struct store_template *out);
/* A template by id alone, for requests without a login. */
enum store_result store_template_find(struct store *st, const char *id,
				      struct store_template *out);
/* A tenant's templates, of one CA when ca_id is not NULL. */
enum store_result store_template_list(struct store *st, const char *tenant_id,
				      const char *ca_id, const char *after,
				      size_t limit,
				      struct store_template_list *out);
/* Rewrites name and settings. */
enum store_result store_template_update(struct store *st,
					const struct store_template *t,
					const struct store_audit *a);
/*
 * Deletes a template, its requests, and the link of its certificates
 * to it. STORE_CONFLICT when a certificate of it is still active at now:
 * not expired, and not revoked or revoked with certificateHold.
 */
enum store_result store_template_delete(struct store *st, const char *tenant_id,
					const char *id, int64_t now,
					const struct store_audit *a);
void store_template_free(struct store_template *t);
void store_template_list_free(struct store_template_list *l);

struct store_certificate {
	char *id;
	char *tenant_id;
	char *ca_id;
	char *template_id; /* NULL once the template is deleted */
	char *request_id;  /* NULL when issued without one */
	char *serial;	   /* lowercase hex, unique per CA */
	char *subject;	   /* RFC 2253 text */
	char *sans;	   /* "DNS:a, IP:b", for search and display */
	char *key_type;
	int64_t not_before, not_after;
	uint8_t *der;
	size_t der_len;
	int64_t revoked_at; /* 0: not revoked */
	char *revocation_reason;
	int64_t invalidity_date; /* 0: none */
	int64_t created_at;
};

struct store_certificate_list {
	struct store_certificate *items;
	size_t n;
	int has_more;
};

/* What store_certificate_list selects; NULL or 0 leaves a filter out. */
struct store_certificate_filter {
	const char *status; /* "valid", "revoked", "expired" */
	const char *ca_id, *template_id;
	const char *text;	 /* in subject or SANs, case-insensitive */
	const char *serial;	 /* exact, lowercase hex */
	int64_t expiring_before; /* valid and not_after <= this */
	int64_t now;		 /* for status and expiring */
};

/* STORE_CONFLICT when the serial is taken for the CA. */
enum store_result store_certificate_insert(struct store *st,
					   const struct store_certificate *c,
					   const struct store_audit *a);
enum store_result store_certificate_get(struct store *st, const char *tenant_id,
					const char *id,
					struct store_certificate *out);
/* A CA's certificate by serial, for OCSP and revocation lookups. */
enum store_result store_certificate_find(struct store *st, const char *ca_id,
					 const char *serial,
					 struct store_certificate *out);
/* A certificate by its serial and exact DER, in any tenant: for a holder
 * who presents it (renewal). */
enum store_result store_certificate_find_der(struct store *st,
					     const char *serial,
					     const uint8_t *der, size_t len,
					     struct store_certificate *out);
/* A certificate by serial alone, in any tenant (ACME renewal
 * information; the caller checks the issuer). */
enum store_result store_certificate_find_serial(struct store *st,
						const char *serial,
						struct store_certificate *out);
enum store_result
store_certificate_list(struct store *st, const char *tenant_id,
		       const struct store_certificate_filter *f,
		       const char *after, size_t limit,
		       struct store_certificate_list *out);
/*
 * Sets or clears revocation: reason NULL clears it (release from hold,
 * only from certificateHold: else STORE_CONFLICT). Revoking a revoked
 * certificate is STORE_CONFLICT unless it is on hold.
 */
enum store_result
store_certificate_revoke(struct store *st, const char *tenant_id,
			 const char *id, int64_t at, const char *reason,
			 int64_t invalidity_date, const struct store_audit *a);
void store_certificate_free(struct store_certificate *c);
void store_certificate_list_free(struct store_certificate_list *l);

struct store_request {
	char *id;
	char *tenant_id;
	char *template_id;
	char *status;	  /* pending, issued, declined, preapproved */
	uint8_t *csr_der; /* NULL for a pre-approval not yet claimed */
	size_t csr_len;
	char *subject;	  /* the CSR's, for lists */
	char *overrides;  /* JSON: subject, sans, validity; or NULL */
	char *claim_hash; /* pre-approved: hex SHA-256 of the claim token */
	char *requested_by;
	int64_t created_at, decided_at;
	char *decided_by;
	char *decline_reason;
	char *certificate_id;
};

struct store_request_list {
	struct store_request *items;
	size_t n;
	int has_more;
};

enum store_result store_request_insert(struct store *st,
				       const struct store_request *r,
				       const struct store_audit *a);
enum store_result store_request_get(struct store *st, const char *tenant_id,
				    const char *id, struct store_request *out);
/* A pre-approved request by the hash of its claim token, any tenant. */
enum store_result store_request_find_claim(struct store *st,
					   const char *claim_hash,
					   struct store_request *out);
/* A tenant's requests with status (NULL: any), by id. */
enum store_result store_request_list(struct store *st, const char *tenant_id,
				     const char *status, const char *after,
				     size_t limit,
				     struct store_request_list *out);
/*
 * Declines a pending request (r: id, tenant_id, decided_at, decided_by,
 * decline_reason). STORE_CONFLICT when it is not pending.
 */
enum store_result store_request_decline(struct store *st,
					const struct store_request *r,
					const struct store_audit *a);
/*
 * The issuance's one transaction: stores the certificate and, when
 * r is not NULL, marks the request issued (r: id, tenant_id, csr_der
 * for a claimed pre-approval, decided_at, decided_by) — only if it is
 * still pending or pre-approved, else STORE_CONFLICT and nothing is
 * stored. When revoke_id is not NULL, that certificate (a renewal's
 * predecessor) is revoked with reason superseded in the same transaction.
 */
enum store_result store_issue_commit(struct store *st,
				     const struct store_certificate *c,
				     const struct store_request *r,
				     const char *revoke_id,
				     const struct store_audit *a);
/*
 * The same for a request not stored yet (an auto-approved one): inserts
 * r as issued with the certificate, and submitted (the entry of its
 * submission) before a, so that a failure stores nothing of either.
 */
enum store_result store_issue_commit_new(struct store *st,
					 const struct store_certificate *c,
					 const struct store_request *r,
					 const struct store_audit *submitted,
					 const struct store_audit *a);
/* A deep copy of src in *out: STORE_OK, or STORE_ERROR out of memory
 * (with *out empty). */
enum store_result store_request_copy(const struct store_request *src,
				     struct store_request *out);
void store_request_free(struct store_request *r);
void store_request_list_free(struct store_request_list *l);

#endif
