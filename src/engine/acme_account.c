/*
 * ACME accounts. Only private-CA ACME is offered: a new account must
 * come with an external account binding whose key id names an EAB of
 * a policy, and it stays bound to that policy for good.
 */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/acme.h"
#include "lib/log.h"
#include "lib/rand.h"

#define CONTACT_MAX 256

/* Checks contact (NULL: none) and writes it as compact JSON into *out. */
static enum engine_result contact_text(const json_t *contact, char **out,
				       struct engine_error *err)
{
	const json_t *v;
	size_t i;

	*out = NULL;
	if (contact == NULL) {
		*out = strdup("[]");
		return *out != NULL ? ENGINE_OK
				    : engine_fail(err, ENGINE_ERROR, NULL,
						  "out of memory");
	}
	if (!json_is_array(contact) ||
	    json_array_size(contact) > ACME_CONTACTS_MAX)
		return engine_fail_typed(err, ENGINE_INVALID, "malformed",
					 "contact is an array of at most %d "
					 "mailto: URLs",
					 ACME_CONTACTS_MAX);
	json_array_foreach (contact, i, v) {
		const char *s = json_string_value(v);
		if (s == NULL || strncmp(s, "mailto:", 7) != 0 ||
		    strlen(s) > CONTACT_MAX || strchr(s + 7, '@') == NULL ||
		    strpbrk(s, ",?\r\n ") != NULL)
			return engine_fail_typed(
			    err, ENGINE_INVALID, "invalidContact",
			    "contact %zu is not a single mailto: address", i);
	}
	*out = json_dumps(contact, JSON_COMPACT);
	return *out != NULL
		   ? ENGINE_OK
		   : engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
}

/* An audit entry of the ACME account acct_id in tenant. */
static struct store_audit account_audit(const char *tenant_id,
					const char *acct_id, const char *action,
					const char *address, int64_t now)
{
	return (struct store_audit){.tenant_id = tenant_id,
				    .actor_name = "acme",
				    .action = action,
				    .object_type = "acme_account",
				    .object_id = acct_id,
				    .address = address,
				    .outcome = "success",
				    .at = now};
}

/* The EAB of kid, usable, with a MAC that verifies. */
static enum engine_result eab_check(const struct acme_engine *ae,
				    const struct acme_registration *in,
				    int64_t now, struct store_acme_eab *eab,
				    struct engine_error *err)
{
	char aad[8 + RAND_ID_LEN + 1];
	uint8_t *key = NULL;
	size_t len = 0;
	int ok;
	enum store_result rc = store_acme_eab_find(ae->ca.st, in->eab_kid, eab);

	if (rc == STORE_NOT_FOUND)
		return engine_fail_typed(err, ENGINE_UNAUTHENTICATED,
					 "unauthorized",
					 "the external account binding's key "
					 "id is not known");
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "external account binding");
	snprintf(aad, sizeof(aad), "eab/%s", eab->id);
	ok = kek_open(ae->ca.kek, aad, eab->key_sealed, eab->key_len, &key,
		      &len) == 0 &&
	     in->eab_mac_ok(in->eab_arg, key, len);
	OPENSSL_clear_free(key, len);
	if (!ok)
		return engine_fail_typed(err, ENGINE_UNAUTHENTICATED,
					 "unauthorized",
					 "the external account binding's MAC "
					 "does not verify under its key");
	if (eab->expires_at <= now)
		return engine_fail_typed(err, ENGINE_UNAUTHENTICATED,
					 "unauthorized",
					 "the external account binding has "
					 "expired");
	if (eab->uses >= eab->uses_allowed)
		return engine_fail_typed(err, ENGINE_UNAUTHENTICATED,
					 "unauthorized",
					 "the external account binding has "
					 "been used as often as it allows");
	return ENGINE_OK;
}

/* Stores the new account of eab. */
static enum engine_result
account_insert(const struct acme_engine *ae, const struct acme_registration *in,
	       const struct store_acme_eab *eab, int64_t now,
	       struct store_acme_account *out, struct engine_error *err)
{
	char id[RAND_ID_LEN + 1];
	char *contact = NULL;
	struct store_acme_account a = {0};
	struct store_audit au;
	enum engine_result res = contact_text(in->contact, &contact, err);
	enum store_result rc;

	if (res != ENGINE_OK)
		return res;
	rand_id(id, RAND_ID_LEN);
	a = (struct store_acme_account){.id = id,
					.tenant_id = eab->tenant_id,
					.policy_id = eab->policy_id,
					.eab_id = eab->id,
					.thumbprint = (char *)in->thumbprint,
					.jwk = (char *)in->jwk,
					.status = "valid",
					.contact = contact,
					.created_at = now};
	au = account_audit(eab->tenant_id, id, "acme_account.create",
			   in->address, now);
	au.detail = eab->id;
	rc = store_acme_account_insert(ae->ca.st, &a, now, &au);
	free(contact);
	if (rc == STORE_CONFLICT)
		return engine_fail_typed(err, ENGINE_UNAUTHENTICATED,
					 "unauthorized",
					 "the external account binding has "
					 "been used as often as it allows, or "
					 "has expired");
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "ACME account");
	log_event(LOG_INFO, "acme.account", "account=%s policy=%s eab=%s", id,
		  eab->policy_id, eab->id);
	return engine_store_fail(
	    err, store_acme_account_find(ae->ca.st, id, out), "ACME account");
}

enum engine_result acme_account_register(const struct acme_engine *ae,
					 const struct acme_registration *in,
					 int64_t now,
					 struct store_acme_account *out,
					 int *created, struct engine_error *err)
{
	struct store_acme_eab eab = {0};
	enum store_result rc =
	    store_acme_account_find_key(ae->ca.st, in->thumbprint, out);
	enum engine_result res;

	*created = 0;
	if (rc != STORE_NOT_FOUND)
		return engine_store_fail(err, rc, "ACME account");
	if (in->eab_kid == NULL)
		return engine_fail_typed(err, ENGINE_UNAUTHENTICATED,
					 "externalAccountRequired",
					 "this server registers accounts only "
					 "with an external account binding; "
					 "an administrator creates one for an "
					 "ACME policy");
	res = eab_check(ae, in, now, &eab, err);
	if (res == ENGINE_OK)
		res = account_insert(ae, in, &eab, now, out, err);
	*created = res == ENGINE_OK;
	store_acme_eab_free(&eab);
	return res;
}

enum engine_result acme_account_of_key(const struct acme_engine *ae,
				       const char *thumbprint,
				       struct store_acme_account *out,
				       struct engine_error *err)
{
	enum store_result rc =
	    store_acme_account_find_key(ae->ca.st, thumbprint, out);

	if (rc == STORE_NOT_FOUND)
		return engine_fail_typed(err, ENGINE_INVALID,
					 "accountDoesNotExist",
					 "no account has this key");
	return engine_store_fail(err, rc, "ACME account");
}

enum engine_result acme_account_of_id(const struct acme_engine *ae,
				      const char *id,
				      struct store_acme_account *out,
				      struct engine_error *err)
{
	enum store_result rc = store_acme_account_find(ae->ca.st, id, out);

	if (rc == STORE_NOT_FOUND)
		return engine_fail_typed(err, ENGINE_INVALID,
					 "accountDoesNotExist",
					 "the kid names no account");
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "ACME account");
	if (strcmp(out->status, "valid") != 0) {
		store_acme_account_free(out);
		return engine_fail_typed(err, ENGINE_UNAUTHENTICATED,
					 "unauthorized",
					 "the account is deactivated");
	}
	return ENGINE_OK;
}

enum engine_result acme_account_change(const struct acme_engine *ae,
				       struct store_acme_account *acct,
				       const json_t *contact, int deactivate,
				       const char *address, int64_t now,
				       struct engine_error *err)
{
	char *text = NULL;
	struct store_audit au = account_audit(
	    acct->tenant_id, acct->id,
	    deactivate ? "acme_account.deactivate" : "acme_account.update",
	    address, now);
	enum engine_result res = ENGINE_OK;
	enum store_result rc;

	if (contact != NULL &&
	    (res = contact_text(contact, &text, err)) != ENGINE_OK)
		return res;
	if (text != NULL) {
		free(acct->contact);
		acct->contact = text;
	}
	if (deactivate) {
		free(acct->status);
		acct->status = strdup("deactivated");
		if (acct->status == NULL)
			return engine_fail(err, ENGINE_ERROR, NULL,
					   "out of memory");
	}
	rc = store_acme_account_update(ae->ca.st, acct, &au);
	return engine_store_fail(err, rc, "ACME account");
}

enum engine_result acme_account_rekey(const struct acme_engine *ae,
				      const struct store_acme_account *acct,
				      const char *thumbprint, const char *jwk,
				      const char *address, int64_t now,
				      struct engine_error *err)
{
	struct store_audit au = account_audit(
	    acct->tenant_id, acct->id, "acme_account.key_change", address, now);
	enum store_result rc = store_acme_account_rekey(
	    ae->ca.st, acct->id, acct->thumbprint, thumbprint, jwk, &au);

	if (rc == STORE_CONFLICT)
		return engine_fail_typed(err, ENGINE_CONFLICT, "malformed",
					 "the new key belongs to an account "
					 "already");
	return engine_store_fail(err, rc, "ACME account");
}
