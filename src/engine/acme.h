/*
 * ACME's rules (RFC 8555), apart from its wire format: nonces, accounts
 * bound through external account binding to a policy, orders with their
 * authorisations and challenges, finalisation through the one issuance
 * path, revocation and renewal information (RFC 9773). The handlers in
 * src/acme turn JWS requests into these calls; the validation workers
 * call acme_validate_next. An order's document (JSON) holds:
 *
 *   {"identifiers": [{"type": "dns", "value": "a.example"}, ...],
 *    "notBefore": 0, "notAfter": 0, "error": {...},
 *    "authorizations": [{"identifier": {...}, "wildcard": false,
 *        "status": "pending", "expires": T, "preapproved": false,
 *        "challenges": [{"type": "http-01", "token": "...",
 *            "status": "pending", "validated": T, "attempts": 0,
 *            "error": {"type": "...", "detail": "..."}}]}]}
 *
 * Errors carry the ACME error type in engine_error.type.
 */
#ifndef PKIAAS_ACME_H
#define PKIAAS_ACME_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdint.h>

#include "engine/ca.h"

#define ACME_NONCE_MAX	     64
#define ACME_IDENTIFIERS_MAX 100
#define ACME_CONTACTS_MAX    10

struct acme_settings {
	int64_t nonce_lifetime; /* seconds a nonce may be used in */
	int64_t order_lifetime; /* seconds a pending order lives */
	int attempts;		/* validation tries before a failure */
	int64_t retry_delay;	/* seconds before a second try; doubles */
	int64_t lease;		/* seconds a worker holds an order */
};

#define ACME_SETTINGS_DEFAULT                                                  \
	((struct acme_settings){.nonce_lifetime = 3600,                        \
				.order_lifetime = 7 * 86400,                   \
				.attempts = 3,                                 \
				.retry_delay = 2,                              \
				.lease = 60})

struct acme_engine {
	struct ca_context ca;
	struct acme_settings set;
	unsigned char nonce_key[32]; /* shared by every node, in the store */
};

/* Sets ae up, reading (or making, once for every node) the nonce key. */
enum engine_result acme_engine_init(struct acme_engine *ae,
				    const struct ca_context *ctx,
				    const struct acme_settings *set,
				    struct engine_error *err);

/* A fresh nonce: needs no write. */
void acme_nonce_make(const struct acme_engine *ae, int64_t now,
		     char out[ACME_NONCE_MAX]);
/* Uses a nonce once: badNonce when forged, expired or used. */
enum engine_result acme_nonce_use(const struct acme_engine *ae,
				  const char *nonce, int64_t now,
				  struct engine_error *err);

/* What newAccount brings, its JWS checked by the handler. */
struct acme_registration {
	const char *thumbprint; /* of the account key */
	const char *jwk;	/* the key, as acme_jwk_dump gives it */
	const json_t *contact;	/* array of "mailto:" URLs, or NULL */
	const char *eab_kid;	/* NULL: the client sent no binding */
	/* 1 when the binding's MAC is right under the EAB's key */
	int (*eab_mac_ok)(void *arg, const uint8_t *key, size_t len);
	void *eab_arg;
	const char *address;
};

/*
 * Registers an account, or finds the one of the key (*created 0). A
 * new account needs an EAB that is unexpired, has uses left and whose
 * MAC verifies ("externalAccountRequired", "unauthorized").
 */
enum engine_result acme_account_register(const struct acme_engine *ae,
					 const struct acme_registration *in,
					 int64_t now,
					 struct store_acme_account *out,
					 int *created,
					 struct engine_error *err);
/* The account of a key, for onlyReturnExisting: accountDoesNotExist. */
enum engine_result acme_account_of_key(const struct acme_engine *ae,
				       const char *thumbprint,
				       struct store_acme_account *out,
				       struct engine_error *err);
/* The account a kid names, valid: else "accountDoesNotExist" or
 * "unauthorized" for a deactivated one. */
enum engine_result acme_account_of_id(const struct acme_engine *ae,
				      const char *id,
				      struct store_acme_account *out,
				      struct engine_error *err);
/* Changes contact (NULL: keep) and, with deactivate, ends it. */
enum engine_result acme_account_change(const struct acme_engine *ae,
				       struct store_acme_account *acct,
				       const json_t *contact, int deactivate,
				       const char *address, int64_t now,
				       struct engine_error *err);
/* Key rollover: the new key must have no account ("conflict"). */
enum engine_result acme_account_rekey(const struct acme_engine *ae,
				      const struct store_acme_account *acct,
				      const char *thumbprint, const char *jwk,
				      const char *address, int64_t now,
				      struct engine_error *err);

/* newOrder. */
struct acme_order_request {
	const json_t *identifiers;     /* [{"type": "dns", "value": "..."}] */
	int64_t not_before, not_after; /* 0: the template's */
	const char *replaces;	       /* an ARI certificate id, or NULL */
};

enum engine_result acme_order_create(const struct acme_engine *ae,
				     const struct store_acme_account *acct,
				     const struct acme_order_request *in,
				     int64_t now, struct store_acme_order *out,
				     struct engine_error *err);
/* An order of the account (an expired pending one reads invalid). */
enum engine_result acme_order_get(const struct acme_engine *ae,
				  const struct store_acme_account *acct,
				  const char *id, int64_t now,
				  struct store_acme_order *out,
				  struct engine_error *err);
/* The client says a challenge is ready: its validation is queued. */
enum engine_result acme_challenge_ready(const struct acme_engine *ae,
					const struct store_acme_account *acct,
					const char *order_id, size_t authz,
					size_t challenge, int64_t now,
					struct store_acme_order *out,
					struct engine_error *err);
/* The client gives up an authorisation (RFC 8555 7.5.2). */
enum engine_result acme_authz_deactivate(const struct acme_engine *ae,
					 const struct store_acme_account *acct,
					 const char *order_id, size_t authz,
					 int64_t now,
					 struct store_acme_order *out,
					 struct engine_error *err);
/*
 * Finalises a ready order with a CSR (DER) naming exactly its
 * identifiers, through the policy's template. On ENGINE_OK out is the
 * valid order with its certificate.
 */
enum engine_result acme_order_finalize(const struct acme_engine *ae,
				       const struct store_acme_account *acct,
				       const char *order_id, const uint8_t *csr,
				       size_t csr_len, const char *address,
				       int64_t now,
				       struct store_acme_order *out,
				       struct engine_error *err);
/* The PEM chain of a certificate the account ordered. */
enum engine_result acme_certificate_pem(const struct acme_engine *ae,
					const struct store_acme_account *acct,
					const char *certificate_id,
					uint8_t **pem, size_t *len,
					struct engine_error *err);
/*
 * revokeCert: cert (DER) must be one an account of the server ordered,
 * and either acct ordered it or key (the JWS's jwk) is its key. reason
 * is an RFC 5280 code, -1 for none.
 */
enum engine_result acme_revoke(const struct acme_engine *ae,
			       const struct store_acme_account *acct,
			       EVP_PKEY *key, const uint8_t *cert,
			       size_t cert_len, int reason, const char *address,
			       int64_t now, struct engine_error *err);
/*
 * Renewal information (RFC 9773) for a certificate id
 * ("base64url(AKI).base64url(serial)"): the window to renew in, now
 * for a revoked certificate.
 */
enum engine_result acme_renewal_window(const struct acme_engine *ae,
				       const char *cert_id, int64_t now,
				       int64_t *start, int64_t *end,
				       struct engine_error *err);

/* A challenge check, done by a worker. */
enum acme_check_outcome {
	ACME_CHECK_OK,
	ACME_CHECK_FAILED,
	ACME_CHECK_RETRY,
};

struct acme_check {
	const char *type;   /* "http-01", "dns-01", "tls-alpn-01" */
	const char *domain; /* without "*." */
	const char *token;
	const char *thumbprint;	       /* the account key's */
	const char *key_authorization; /* token "." thumbprint */
	/* what went wrong: the ACME error type and words */
	const char *error_type;
	char detail[256];
};

typedef enum acme_check_outcome (*acme_checker)(void *arg,
						struct acme_check *check);

/*
 * Takes one order with a validation due, checks its challenges with
 * check and stores the outcome. 1 when it did one, 0 when none was
 * due, -1 when the store failed.
 */
int acme_validate_next(const struct acme_engine *ae, acme_checker check,
		       void *arg, int64_t now);

#endif
