/*
 * ACME orders (RFC 8555 7.4, 7.5): a new order gets one authorisation
 * per identifier, valid at once for a name the policy pre-approves,
 * else pending with its challenges; the client says which challenge is
 * ready, and a worker checks it.
 */
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "engine/acme_names.h"
#include "engine/acme_order_doc.h"
#include "lib/base64.h"
#include "lib/rand.h"

#define TOKEN_BYTES 32

/* The identifiers of a newOrder: 1 to ACME_IDENTIFIERS_MAX DNS names,
 * each valid and named once. */
static enum engine_result identifiers_check(const json_t *ids,
					    struct engine_error *err)
{
	const json_t *id, *other;
	size_t i, j;

	if (!json_is_array(ids) || json_array_size(ids) == 0 ||
	    json_array_size(ids) > ACME_IDENTIFIERS_MAX)
		return engine_fail_typed(err, ENGINE_INVALID, "malformed",
					 "identifiers is an array of 1 to %d "
					 "identifiers",
					 ACME_IDENTIFIERS_MAX);
	json_array_foreach (ids, i, id) {
		const char *type = acme_doc_str(id, "type");
		const char *value = acme_doc_str(id, "value");
		if (!json_is_object(id) || json_object_size(id) != 2)
			return engine_fail_typed(
			    err, ENGINE_INVALID, "malformed",
			    "identifier %zu is an object of type and value", i);
		if (strcmp(type, "dns") != 0)
			return engine_fail_typed(
			    err, ENGINE_INVALID, "unsupportedIdentifier",
			    "identifier %zu: only type \"dns\" is issued", i);
		if (!acme_name_valid(value, 1))
			return engine_fail_typed(
			    err, ENGINE_INVALID, "rejectedIdentifier",
			    "identifier %zu is not a lowercase DNS name (a "
			    "wildcard only as \"*.\" in front)",
			    i);
		json_array_foreach (ids, j, other) {
			if (j < i &&
			    strcmp(acme_doc_str(other, "value"), value) == 0)
				return engine_fail_typed(
				    err, ENGINE_INVALID, "malformed",
				    "identifier %zu repeats %zu", i, j);
		}
	}
	return ENGINE_OK;
}

/* A challenge of type with a fresh token. */
static json_t *challenge_new(const char *type)
{
	unsigned char raw[TOKEN_BYTES];
	char *token;
	json_t *c;

	if (RAND_bytes(raw, sizeof(raw)) != 1 ||
	    (token = base64url_encode(raw, sizeof(raw))) == NULL)
		return NULL;
	c = json_pack("{s:s,s:s,s:s,s:i}", "type", type, "token", token,
		      "status", "pending", "attempts", 0);
	free(token);
	return c;
}

/* The authorisation of one identifier: wildcards prove control only
 * through DNS (RFC 8555 7.1.3). */
static json_t *authz_new(const char *value, int preapproved, int64_t expires)
{
	int wildcard = strncmp(value, "*.", 2) == 0;
	static const char *const all[] = {"http-01", "dns-01", "tls-alpn-01"};
	json_t *challenges = json_array();
	json_t *authz = json_pack(
	    "{s:{s:s,s:s},s:b,s:s,s:I,s:b}", "identifier", "type", "dns",
	    "value", wildcard ? value + 2 : value, "wildcard", wildcard,
	    "status", preapproved ? "valid" : "pending", "expires",
	    (json_int_t)expires, "preapproved", preapproved);

	for (size_t i = 0; i < sizeof(all) / sizeof(*all); i++)
		if (!wildcard || strcmp(all[i], "dns-01") == 0)
			json_array_append_new(challenges,
					      challenge_new(all[i]));
	if (authz == NULL || challenges == NULL ||
	    json_object_set_new(authz, "challenges", challenges) != 0) {
		json_decref(authz);
		return NULL;
	}
	return authz;
}

/* The document of a new order under policy. */
static json_t *document_new(const struct acme_order_request *in,
			    const struct store_acme_policy *policy,
			    int64_t expires)
{
	json_t *authzs = json_array();
	json_t *doc = json_pack("{s:O,s:I,s:I}", "identifiers", in->identifiers,
				"notBefore", (json_int_t)in->not_before,
				"notAfter", (json_int_t)in->not_after);
	const json_t *id;
	size_t i;

	json_array_foreach (in->identifiers, i, id) {
		const char *value = acme_doc_str(id, "value");
		json_array_append_new(
		    authzs,
		    authz_new(value, acme_domains_cover(policy->domains, value),
			      expires));
	}
	if (doc == NULL || authzs == NULL ||
	    json_array_size(authzs) != json_array_size(in->identifiers) ||
	    json_object_set_new(doc, "authorizations", authzs) != 0) {
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The certificate an order replaces (RFC 9773 5): one the account got. */
static enum engine_result replaces_check(const struct acme_engine *ae,
					 const struct store_acme_account *acct,
					 const char *ari_id,
					 char **certificate_id,
					 struct engine_error *err)
{
	struct store_certificate c;
	struct store_acme_order o;
	enum engine_result res = acme_certificate_of_ari(ae, ari_id, &c, err);
	enum store_result rc;

	*certificate_id = NULL;
	if (res != ENGINE_OK)
		return res;
	rc = store_acme_order_find_certificate(ae->ca.st, c.id, &o);
	if (rc == STORE_OK && strcmp(o.account_id, acct->id) == 0)
		*certificate_id = c.id, c.id = NULL;
	else if (rc == STORE_OK || rc == STORE_NOT_FOUND)
		res = engine_fail_typed(err, ENGINE_INVALID, "malformed",
					"replaces names a certificate this "
					"account did not order");
	else
		res = engine_store_fail(err, rc, "order");
	store_acme_order_free(&o);
	store_certificate_free(&c);
	return res;
}

/* Stores the order of doc for acct, its status worked out already (a
 * wholly pre-approved order is ready from the start). */
static enum engine_result order_insert(const struct acme_engine *ae,
				       const struct store_acme_account *acct,
				       json_t *doc, char *replaces, int64_t now,
				       struct store_acme_order *out,
				       struct engine_error *err)
{
	char id[RAND_ID_LEN + 1];
	struct acme_loaded l = {.doc = doc};
	enum store_result rc = STORE_ERROR;

	rand_id_ordered(id);
	l.row = (struct store_acme_order){
	    .status = strdup("pending"),
	    .document = json_dumps(doc, JSON_COMPACT),
	    .expires_at = now + ae->set.order_lifetime,
	    .created_at = now};
	if (l.row.status != NULL && l.row.document != NULL &&
	    acme_loaded_refresh(&l, now) == 0) {
		l.row.id = id;
		l.row.tenant_id = acct->tenant_id;
		l.row.account_id = acct->id;
		l.row.replaces = replaces;
		rc = store_acme_order_insert(ae->ca.st, &l.row, NULL);
	}
	free(l.row.status);
	free(l.row.document);
	if (rc == STORE_CONFLICT)
		return engine_fail_typed(err, ENGINE_CONFLICT,
					 "alreadyReplaced",
					 "another order replaces that "
					 "certificate already");
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "order");
	return acme_order_get(ae, acct, id, now, out, err);
}

enum engine_result acme_order_create(const struct acme_engine *ae,
				     const struct store_acme_account *acct,
				     const struct acme_order_request *in,
				     int64_t now, struct store_acme_order *out,
				     struct engine_error *err)
{
	struct store_acme_policy policy;
	char *replaces = NULL;
	json_t *doc = NULL;
	enum engine_result res = identifiers_check(in->identifiers, err);

	if (res == ENGINE_OK &&
	    (in->not_before < 0 || in->not_after < 0 ||
	     (in->not_after != 0 && in->not_after <= in->not_before)))
		res = engine_fail_typed(err, ENGINE_INVALID, "malformed",
					"notAfter must come after notBefore");
	if (res == ENGINE_OK && in->replaces != NULL)
		res = replaces_check(ae, acct, in->replaces, &replaces, err);
	if (res != ENGINE_OK)
		return res;
	res = engine_store_fail(
	    err, store_acme_policy_find(ae->ca.st, acct->policy_id, &policy),
	    "ACME policy");
	if (res == ENGINE_OK) {
		doc = document_new(in, &policy, now + ae->set.order_lifetime);
		res =
		    doc != NULL
			? order_insert(ae, acct, doc, replaces, now, out, err)
			: engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
		store_acme_policy_free(&policy);
	}
	json_decref(doc);
	free(replaces);
	return res;
}

enum engine_result acme_order_get(const struct acme_engine *ae,
				  const struct store_acme_account *acct,
				  const char *id, int64_t now,
				  struct store_acme_order *out,
				  struct engine_error *err)
{
	struct acme_loaded l;
	enum engine_result res = acme_order_load(ae, acct, id, now, &l, err);
	char *text;

	if (res != ENGINE_OK)
		return res;
	text = json_dumps(l.doc, JSON_COMPACT);
	if (text == NULL) {
		acme_loaded_clear(&l);
		return engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	}
	free(l.row.document);
	l.row.document = text;
	*out = l.row;
	memset(&l.row, 0, sizeof(l.row));
	acme_loaded_clear(&l);
	return ENGINE_OK;
}

/* Which challenge the client says is ready. */
struct challenge_pick {
	size_t authz, challenge;
};

static enum engine_result challenge_start(struct acme_loaded *l, void *arg,
					  int64_t now, struct engine_error *err)
{
	const struct challenge_pick *pick = arg;
	json_t *authz = acme_doc_authz(l->doc, pick->authz);
	json_t *c = acme_doc_challenge(l->doc, pick->authz, pick->challenge);
	const char *status = acme_doc_str(c, "status");

	if (c == NULL)
		return engine_fail_typed(err, ENGINE_NOT_FOUND, "malformed",
					 "no such challenge");
	/* Saying so again, or after the answer, changes nothing. */
	if (strcmp(status, "pending") != 0 ||
	    strcmp(acme_doc_str(authz, "status"), "pending") != 0)
		return ENGINE_OK;
	if (acme_doc_set_str(c, "status", "processing") != 0 ||
	    acme_doc_set_int(c, "retryAt", now) != 0)
		return engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	return ENGINE_OK;
}

enum engine_result acme_challenge_ready(const struct acme_engine *ae,
					const struct store_acme_account *acct,
					const char *order_id, size_t authz,
					size_t challenge, int64_t now,
					struct store_acme_order *out,
					struct engine_error *err)
{
	struct challenge_pick pick = {authz, challenge};

	return acme_order_change(ae, acct, order_id, now, challenge_start,
				 &pick, out, err);
}

static enum engine_result authz_end(struct acme_loaded *l, void *arg,
				    int64_t now, struct engine_error *err)
{
	const size_t *i = arg;
	json_t *authz = acme_doc_authz(l->doc, *i);
	const char *status = acme_doc_str(authz, "status");

	(void)now;
	if (authz == NULL)
		return engine_fail_typed(err, ENGINE_NOT_FOUND, "malformed",
					 "no such authorization");
	if (strcmp(status, "pending") != 0 && strcmp(status, "valid") != 0)
		return engine_fail_typed(err, ENGINE_INVALID, "malformed",
					 "the authorization is %s already",
					 status);
	return acme_doc_set_str(authz, "status", "deactivated") == 0
		   ? ENGINE_OK
		   : engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
}

enum engine_result acme_authz_deactivate(const struct acme_engine *ae,
					 const struct store_acme_account *acct,
					 const char *order_id, size_t authz,
					 int64_t now,
					 struct store_acme_order *out,
					 struct engine_error *err)
{
	return acme_order_change(ae, acct, order_id, now, authz_end, &authz,
				 out, err);
}
