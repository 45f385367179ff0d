/*
 * Certificate authorities: root and intermediate CAs of a tenant, their
 * keys (sealed by the key-encryption key, opened only to sign), and the
 * import of an intermediate's certificate signed elsewhere.
 */
#ifndef PKIAAS_CA_H
#define PKIAAS_CA_H

#include <openssl/x509.h>
#include <stdint.h>

#include "engine/access.h"
#include "engine/issue.h"
#include "engine/result.h"
#include "signer/kek.h"
#include "store/store.h"

#define CA_ROOT_DAYS	     3650
#define CA_INTERMEDIATE_DAYS 1825
#define CA_DEFAULT_KEY	     "ecdsa-p256"
#define CA_NAME_MAX	     128

struct issuer_cache;

/* What the engine needs beside the store to sign. */
struct ca_context {
	struct store *st;
	const struct kek *kek;
	const char *base_url; /* http://HOST:PORT of the public port */
	/* opened CAs and templates kept between requests; NULL: none */
	struct issuer_cache *issuers;
};

struct ca_subject {
	const char *cn, *o, *ou, *c, *st, *l, *email; /* NULL: left out */
};

struct ca_create {
	const char *name;
	const char *description;   /* may be NULL */
	const char *kind;	   /* "root" or "intermediate" */
	const char *key_type;	   /* NULL: CA_DEFAULT_KEY */
	const char *key_pem;	   /* an existing key to import, or NULL */
	const char *key_password;  /* for an encrypted key_pem, or NULL */
	struct ca_subject subject; /* cn required */
	const char *hash;	   /* NULL or "": the key type's natural */
	int pss;		   /* RSA-PSS signatures */
	int validity_days;	   /* 0: CA_ROOT_DAYS / CA_INTERMEDIATE_DAYS */
	int path_length;	   /* -1: none */
	const char *cps_url;	   /* may be NULL */
	/*
	 * Template settings (docs/templates.md) for a root's own
	 * certificate, over the certificate-authority starter's: key
	 * usage, extended key usage, policies... NULL for the defaults. An
	 * intermediate's certificate is its parent's template's to decide.
	 */
	const struct json_t *certificate_settings;
	/* an intermediate signed at once by another CA of the tenant: */
	const char *parent_id;		/* NULL: make a CSR only */
	const char *parent_template_id; /* NULL: a CA template of it */
};

/*
 * Creates a CA, and its "Web Server" template. A root is self-signed
 * at once; an intermediate with parent_id is signed by that CA through a
 * certificate-authority template; one without stays "pending" with a CSR
 * until ca_certificate_import.
 */
enum engine_result ca_create(const struct ca_context *ctx,
			     const struct principal *who,
			     const struct ca_create *in, int64_t now,
			     struct store_ca *out, struct engine_error *err);
enum engine_result ca_get(const struct ca_context *ctx,
			  const struct principal *who, const char *id,
			  struct store_ca *out, struct engine_error *err);
enum engine_result ca_list(const struct ca_context *ctx,
			   const struct principal *who, const char *after,
			   size_t limit, struct store_ca_list *out,
			   struct engine_error *err);
/*
 * Activates a pending intermediate with its certificate (PEM, followed
 * by its issuers when they are not CAs of the tenant). Refuses a
 * certificate for another key, or one whose chain cannot be built and
 * verified up to a root ("field": "certificate").
 */
enum engine_result ca_certificate_import(const struct ca_context *ctx,
					 const struct principal *who,
					 const char *id, const char *pem,
					 int64_t now, struct store_ca *out,
					 struct engine_error *err);
/* Changes description, CPS URL and the service certificate settings. */
enum engine_result ca_update(const struct ca_context *ctx,
			     const struct principal *who, const char *id,
			     const char *description, const char *cps_url,
			     const char *service_key_type,
			     const char *service_hash, int64_t now,
			     struct store_ca *out, struct engine_error *err);
/* Deletes a CA and all below it; confirm must repeat its name. */
enum engine_result ca_delete(const struct ca_context *ctx,
			     const struct principal *who, const char *id,
			     const char *confirm, int64_t now,
			     struct engine_error *err);

/*
 * ENGINE_OK while ca may issue: neither its own certificate nor that of
 * a CA above it is revoked or on hold (certificateHold). ENGINE_CONFLICT
 * naming the revoked CA otherwise. CRLs and OCSP do not ask: a revoked
 * CA still says what it revoked.
 */
enum engine_result ca_issuing_allowed(const struct ca_context *ctx,
				      const struct store_ca *ca,
				      struct engine_error *err);
/* The name of the CA that ca_issuing_allowed would name in *name (the
 * caller frees it), or NULL when ca may issue. */
enum engine_result ca_blocked_by(const struct ca_context *ctx,
				 const struct store_ca *ca, char **name,
				 struct engine_error *err);
/*
 * The signer of an active CA: its certificate and opened key, for
 * engine_issue. The caller releases it with ca_signer_clear.
 */
enum engine_result ca_signer_open(const struct ca_context *ctx,
				  const struct store_ca *ca,
				  struct issue_signer *signer,
				  struct engine_error *err);
void ca_signer_clear(struct issue_signer *signer);
/* The CA's certificate followed by its chain, as PEM; a new string. */
char *ca_chain_pem(const struct store_ca *ca);
/* The same as a stack, CA first; NULL when it has no certificate. */
STACK_OF(X509) * ca_chain_stack(const struct store_ca *ca);

#endif
