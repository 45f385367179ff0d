#include "engine/acme_order_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERROR_PREFIX "urn:ietf:params:acme:error:"

json_t *acme_doc_authz(const json_t *doc, size_t i)
{
	return json_array_get(json_object_get(doc, "authorizations"), i);
}

json_t *acme_doc_challenge(const json_t *doc, size_t i, size_t j)
{
	return json_array_get(
	    json_object_get(acme_doc_authz(doc, i), "challenges"), j);
}

int acme_doc_set_str(json_t *obj, const char *key, const char *value)
{
	return json_object_set_new(obj, key, json_string(value));
}

int acme_doc_set_int(json_t *obj, const char *key, int64_t value)
{
	return json_object_set_new(obj, key, json_integer(value));
}

int acme_doc_set_error(json_t *obj, const char *type, const char *detail)
{
	char urn[96];

	snprintf(urn, sizeof(urn), ERROR_PREFIX "%s", type);
	return json_object_set_new(
	    obj, "error",
	    json_pack("{s:s,s:s}", "type", urn, "detail", detail));
}

const char *acme_doc_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? s : "";
}

/* Expires a pending authorisation past its time; returns its status. */
static const char *authz_refresh(json_t *authz, int64_t now)
{
	const char *status = acme_doc_str(authz, "status");

	if (strcmp(status, "pending") == 0 &&
	    json_integer_value(json_object_get(authz, "expires")) <= now) {
		acme_doc_set_str(authz, "status", "expired");
		status = acme_doc_str(authz, "status");
	}
	return status;
}

/* The earliest retry of a challenge being validated, or 0. */
static int64_t authz_next_check(const json_t *authz)
{
	const json_t *c;
	size_t j;
	int64_t next = 0;

	json_array_foreach (json_object_get(authz, "challenges"), j, c) {
		int64_t at = json_integer_value(json_object_get(c, "retryAt"));
		if (strcmp(acme_doc_str(c, "status"), "processing") == 0 &&
		    (next == 0 || at < next))
			next = at;
	}
	return next;
}

/*
 * The status of a pending or ready order from its authorisations: one
 * that is not pending or valid makes it invalid, all valid ready. A
 * processing order whose finalisation outlived its lease (the server
 * stopped while issuing) is invalid, with an error that says so.
 */
static const char *order_refresh(json_t *doc, const struct store_acme_order *o,
				 int64_t now, int64_t *next_check)
{
	json_t *authz;
	size_t i;
	int all_valid = 1, failed = o->expires_at <= now;

	*next_check = 0;
	if (strcmp(o->status, "processing") == 0 && o->lease_until <= now) {
		acme_doc_set_error(doc, "serverInternal",
				   "the certificate was not issued: the "
				   "server stopped while finalising the "
				   "order; place a new order");
		return "invalid";
	}
	if (strcmp(o->status, "pending") != 0 &&
	    strcmp(o->status, "ready") != 0)
		return o->status;
	json_array_foreach (json_object_get(doc, "authorizations"), i, authz) {
		const char *s = authz_refresh(authz, now);
		int64_t at = authz_next_check(authz);
		all_valid = all_valid && strcmp(s, "valid") == 0;
		failed = failed ||
			 (strcmp(s, "valid") != 0 && strcmp(s, "pending") != 0);
		if (at != 0 && (*next_check == 0 || at < *next_check))
			*next_check = at;
	}
	if (failed) {
		*next_check = 0;
		return "invalid";
	}
	return all_valid ? "ready" : "pending";
}

int acme_loaded_refresh(struct acme_loaded *l, int64_t now)
{
	int64_t next = 0;
	const char *status = order_refresh(l->doc, &l->row, now, &next);
	char *copy = strdup(status);

	if (copy == NULL)
		return -1;
	free(l->row.status);
	l->row.status = copy;
	l->row.next_check_at = next;
	return 0;
}

enum engine_result acme_order_load(const struct acme_engine *ae,
				   const struct store_acme_account *acct,
				   const char *id, int64_t now,
				   struct acme_loaded *l,
				   struct engine_error *err)
{
	enum store_result rc = store_acme_order_find(ae->ca.st, id, &l->row);

	l->doc = NULL;
	if (rc == STORE_OK && acct != NULL &&
	    strcmp(l->row.account_id, acct->id) != 0) {
		store_acme_order_free(&l->row);
		rc = STORE_NOT_FOUND;
	}
	if (rc == STORE_NOT_FOUND)
		return engine_fail_typed(err, ENGINE_NOT_FOUND, "malformed",
					 "no such order of this account");
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "order");
	l->doc = json_loads(l->row.document, JSON_REJECT_DUPLICATES, NULL);
	if (l->doc == NULL || acme_loaded_refresh(l, now) != 0) {
		acme_loaded_clear(l);
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the stored order could not be read");
	}
	return ENGINE_OK;
}

enum store_result acme_order_save(const struct acme_engine *ae,
				  struct acme_loaded *l, int64_t now)
{
	char *text;
	enum store_result rc;

	if (acme_loaded_refresh(l, now) != 0 ||
	    (text = json_dumps(l->doc, JSON_COMPACT)) == NULL)
		return STORE_ERROR;
	free(l->row.document);
	l->row.document = text;
	/* a worker's lease ends with its change; a finalisation's lasts */
	if (strcmp(l->row.status, "processing") != 0)
		l->row.lease_until = 0;
	rc = store_acme_order_update(ae->ca.st, &l->row, NULL);
	if (rc == STORE_OK)
		l->row.version++;
	return rc;
}

void acme_loaded_clear(struct acme_loaded *l)
{
	store_acme_order_free(&l->row);
	json_decref(l->doc);
	l->doc = NULL;
}

/* Tries a change this often against changes made at the same time. */
#define CHANGE_TRIES 8

enum engine_result acme_order_change(const struct acme_engine *ae,
				     const struct store_acme_account *acct,
				     const char *id, int64_t now,
				     acme_order_change_fn change, void *arg,
				     struct store_acme_order *out,
				     struct engine_error *err)
{
	struct acme_loaded l;
	enum store_result rc = STORE_CONFLICT;
	enum engine_result res = ENGINE_OK;

	for (int i = 0; i < CHANGE_TRIES && rc == STORE_CONFLICT; i++) {
		res = acme_order_load(ae, acct, id, now, &l, err);
		if (res != ENGINE_OK)
			return res;
		res = change(&l, arg, now, err);
		rc = res == ENGINE_OK ? acme_order_save(ae, &l, now) : STORE_OK;
		if (rc == STORE_OK && res == ENGINE_OK && out != NULL) {
			*out = l.row;
			memset(&l.row, 0, sizeof(l.row));
		}
		acme_loaded_clear(&l);
	}
	if (res != ENGINE_OK)
		return res;
	return engine_store_fail(err, rc, "order");
}

void acme_principal(const struct store_acme_account *acct, const char *address,
		    struct principal *who)
{
	memset(who, 0, sizeof(*who));
	who->kind = PRINCIPAL_TOKEN;
	snprintf(who->tenant_id, sizeof(who->tenant_id), "%s", acct->tenant_id);
	snprintf(who->username, sizeof(who->username), "acme:%s", acct->id);
	snprintf(who->role, sizeof(who->role), "acme");
	who->permissions = ACCESS_READ | ACCESS_OPERATE;
	snprintf(who->address, sizeof(who->address), "%s",
		 address != NULL ? address : "");
}
