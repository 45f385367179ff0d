/*
 * Challenge validation, done by worker threads: take an order with a
 * check due, check each challenge the client said was ready, and store
 * what came of it. A check that got no answer is tried again later, a
 * bounded number of times, each wait twice the one before.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/acme_order_doc.h"
#include "lib/log.h"

#define OUTCOMES_MAX ACME_IDENTIFIERS_MAX

/* What one check found, kept to be applied to the order. */
struct outcome {
	size_t authz, challenge;
	enum acme_check_outcome result;
	const char *error_type;
	char detail[256];
};

struct outcomes {
	struct outcome items[OUTCOMES_MAX];
	size_t n;
	const struct acme_settings *set;
};

/* Checks every challenge of l that is due, into out. */
static void check_due(const struct store_acme_account *acct,
		      const struct acme_loaded *l, acme_checker check,
		      void *arg, int64_t now, struct outcomes *out)
{
	const json_t *authz, *c;
	size_t i, j;

	json_array_foreach (json_object_get(l->doc, "authorizations"), i,
			    authz) {
		json_array_foreach (json_object_get(authz, "challenges"), j,
				    c) {
			char key_authz[256];
			struct acme_check chk = {0};
			struct outcome *o = &out->items[out->n];
			if (strcmp(acme_doc_str(c, "status"), "processing") !=
				0 ||
			    json_integer_value(json_object_get(c, "retryAt")) >
				now ||
			    out->n == OUTCOMES_MAX)
				continue;
			snprintf(key_authz, sizeof(key_authz), "%s.%s",
				 acme_doc_str(c, "token"), acct->thumbprint);
			chk.type = acme_doc_str(c, "type");
			chk.domain = acme_doc_str(
			    json_object_get(authz, "identifier"), "value");
			chk.token = acme_doc_str(c, "token");
			chk.thumbprint = acct->thumbprint;
			chk.key_authorization = key_authz;
			o->authz = i;
			o->challenge = j;
			o->result = check(arg, &chk);
			o->error_type = chk.error_type != NULL
					    ? chk.error_type
					    : "incorrectResponse";
			snprintf(o->detail, sizeof(o->detail), "%s",
				 chk.detail);
			log_event(LOG_INFO, "acme.validate",
				  "order=%s type=%s domain=%s outcome=%s%s%s",
				  l->row.id, chk.type, chk.domain,
				  o->result == ACME_CHECK_OK	   ? "valid"
				  : o->result == ACME_CHECK_FAILED ? "invalid"
								   : "retry",
				  o->result == ACME_CHECK_OK ? "" : " detail=",
				  o->result == ACME_CHECK_OK ? "" : chk.detail);
			out->n++;
		}
	}
}

/* One outcome into the order's document. */
static void outcome_apply(json_t *doc, const struct outcome *o,
			  const struct acme_settings *set, int64_t now)
{
	json_t *authz = acme_doc_authz(doc, o->authz);
	json_t *c = acme_doc_challenge(doc, o->authz, o->challenge);
	int64_t tries = json_integer_value(json_object_get(c, "attempts")) + 1;
	int failed = o->result == ACME_CHECK_FAILED ||
		     (o->result == ACME_CHECK_RETRY && tries >= set->attempts);

	/* another change may have come first: only a check in flight */
	if (c == NULL || strcmp(acme_doc_str(c, "status"), "processing") != 0)
		return;
	acme_doc_set_int(c, "attempts", tries);
	if (o->result == ACME_CHECK_OK) {
		acme_doc_set_str(c, "status", "valid");
		acme_doc_set_int(c, "validated", now);
		json_object_del(c, "error");
		acme_doc_set_str(authz, "status", "valid");
	} else if (failed) {
		acme_doc_set_str(c, "status", "invalid");
		acme_doc_set_error(c, o->error_type, o->detail);
		acme_doc_set_str(authz, "status", "invalid");
	} else {
		acme_doc_set_int(c, "retryAt",
				 now + (set->retry_delay << (tries - 1)));
		acme_doc_set_error(c, o->error_type, o->detail);
	}
}

static enum engine_result outcomes_apply(struct acme_loaded *l, void *arg,
					 int64_t now, struct engine_error *err)
{
	const struct outcomes *out = arg;

	(void)err;
	for (size_t i = 0; i < out->n; i++)
		outcome_apply(l->doc, &out->items[i], out->set, now);
	return ENGINE_OK;
}

int acme_validate_next(const struct acme_engine *ae, acme_checker check,
		       void *arg, int64_t now)
{
	struct acme_loaded l = {0};
	struct store_acme_account acct;
	struct engine_error err;
	struct outcomes *out;
	enum store_result rc =
	    store_acme_order_take(ae->ca.st, now, now + ae->set.lease, &l.row);
	int done;

	if (rc == STORE_NOT_FOUND)
		return 0;
	if (rc != STORE_OK)
		return -1;
	out = calloc(1, sizeof(*out));
	rc = store_acme_account_find(ae->ca.st, l.row.account_id, &acct);
	l.doc = json_loads(l.row.document, 0, NULL);
	if (out != NULL && rc == STORE_OK && l.doc != NULL) {
		out->set = &ae->set;
		check_due(&acct, &l, check, arg, now, out);
	}
	if (rc == STORE_OK)
		store_acme_account_free(&acct);
	/* a fresh load: the client may have changed the order meanwhile */
	done = out != NULL &&
	       acme_order_change(ae, NULL, l.row.id, now, outcomes_apply, out,
				 NULL, &err) == ENGINE_OK;
	if (!done)
		log_event(LOG_WARN, "acme.validate",
			  "order=%s error=\"the outcome could not be stored; "
			  "it is checked again when its lease ends\"",
			  l.row.id);
	free(out);
	acme_loaded_clear(&l);
	return done ? 1 : -1;
}
