/*
 * An ACME order as the engine changes it: its stored row and its
 * document (see engine/acme.h), loaded together, changed in memory and
 * saved under the row's version, with the order's status and its next
 * due validation worked out from the document on every save. Only the
 * engine's acme_*.c files include this header.
 */
#ifndef PKIAAS_ACME_ORDER_DOC_H
#define PKIAAS_ACME_ORDER_DOC_H

#include "engine/acme.h"

struct acme_loaded {
	struct store_acme_order row;
	json_t *doc;
};

/*
 * Loads order id; acct (NULL: any account) must be its owner, else it
 * is ENGINE_NOT_FOUND like an unknown id. Status is brought up to now.
 */
enum engine_result acme_order_load(const struct acme_engine *ae,
				   const struct store_acme_account *acct,
				   const char *id, int64_t now,
				   struct acme_loaded *l,
				   struct engine_error *err);
/*
 * Saves l with a new status worked out at now (and lease_until 0);
 * STORE_CONFLICT when the order changed since it was loaded.
 */
enum store_result acme_order_save(const struct acme_engine *ae,
				  struct acme_loaded *l, int64_t now);
void acme_loaded_clear(struct acme_loaded *l);
/* Works out l's status and next due check from its document at now. */
int acme_loaded_refresh(struct acme_loaded *l, int64_t now);

/* A change to a loaded order; anything but ENGINE_OK keeps it as is. */
typedef enum engine_result (*acme_order_change_fn)(struct acme_loaded *l,
						   void *arg, int64_t now,
						   struct engine_error *err);
/*
 * Loads order id (of acct, or any account for NULL), applies change
 * and saves it, again from a fresh load when another change came in
 * between. On ENGINE_OK out (may be NULL) is the saved row.
 */
enum engine_result acme_order_change(const struct acme_engine *ae,
				     const struct store_acme_account *acct,
				     const char *id, int64_t now,
				     acme_order_change_fn change, void *arg,
				     struct store_acme_order *out,
				     struct engine_error *err);

/* The i-th authorisation, or its j-th challenge; NULL past the end. */
json_t *acme_doc_authz(const json_t *doc, size_t i);
json_t *acme_doc_challenge(const json_t *doc, size_t i, size_t j);
/* Sets a string, integer or object member; 0 or -1. */
int acme_doc_set_str(json_t *obj, const char *key, const char *value);
int acme_doc_set_int(json_t *obj, const char *key, int64_t value);
/* {"type": "urn:ietf:params:acme:error:TYPE", "detail": detail} */
int acme_doc_set_error(json_t *obj, const char *type, const char *detail);
/* A member's string, or "" when absent. */
const char *acme_doc_str(const json_t *obj, const char *key);

/* The certificate of an ARI id "base64url(AKI).base64url(serial)". */
enum engine_result acme_certificate_of_ari(const struct acme_engine *ae,
					   const char *ari_id,
					   struct store_certificate *out,
					   struct engine_error *err);
/* The principal an ACME account acts as in its tenant (audit name
 * "acme:ID"), allowed to read and to operate. */
void acme_principal(const struct store_acme_account *acct, const char *address,
		    struct principal *who);

#endif
