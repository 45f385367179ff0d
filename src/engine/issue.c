#include "engine/issue.h"

#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "engine/build.h"
#include "engine/csr.h"
#include "engine/lint.h"
#include "engine/ocsp_cache.h"
#include "engine/policy.h"
#include "engine/serial.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/rand.h"

/* Serials are random: a clash is near impossible; retry a few times. */
#define SERIAL_ROUNDS 3
#define TEXT_MAX      4096

/* The validity: the asked one, or the template's days from now; never
 * past the CA's notAfter. */
static enum engine_result validity_pick(const struct issue_signer *signer,
					const struct template_settings *tpl,
					const struct issue_input *in,
					int64_t now, int64_t *from,
					int64_t *until,
					struct engine_error *err)
{
	int64_t cap;

	*from =
	    in->not_before != 0 ? in->not_before : now - ISSUE_BACKDATE_SECONDS;
	*until = in->not_after != 0
		     ? in->not_after
		     : now + (int64_t)tpl->validity_days * CLOCK_DAY;
	if (signer->cert != NULL) {
		cap = clock_asn1_seconds(X509_get0_notAfter(signer->cert));
		if (*until > cap)
			*until = cap;
	}
	if (*until <= *from || *until <= now)
		return engine_fail(err, ENGINE_INVALID, "validity",
				   "the certificate would not be valid after "
				   "now: notAfter must follow notBefore and "
				   "now, within the CA's validity");
	return ENGINE_OK;
}

/* "DNS:a, IP:b" of cert's SANs; "" when it has none. A new string. */
static char *cert_sans_text(X509 *cert)
{
	GENERAL_NAMES *sans =
	    X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	char *text = sans != NULL ? csr_sans_text(sans) : strdup("");

	GENERAL_NAMES_free(sans);
	return text;
}

/* The record of cert, for the store. */
static int record_fill(X509 *cert, const EVP_PKEY *key,
		       const struct issue_signer *signer,
		       const struct issue_record *rec, int64_t now,
		       struct store_certificate *c)
{
	const struct key_type *kt = key_type_of(key);
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);

	memset(c, 0, sizeof(*c));
	c->id = malloc(RAND_ID_LEN + 1);
	c->tenant_id = strdup(rec->tenant_id);
	c->ca_id = strdup(signer->ca_id);
	c->template_id =
	    rec->template_id != NULL ? strdup(rec->template_id) : NULL;
	c->request_id = rec->request != NULL ? strdup(rec->request->id) : NULL;
	c->serial = serial_text(X509_get0_serialNumber(cert));
	c->subject = csr_name_text(X509_get_subject_name(cert));
	c->sans = cert_sans_text(cert);
	c->key_type = strdup(kt != NULL ? kt->name : "unknown");
	c->not_before = clock_asn1_seconds(X509_get0_notBefore(cert));
	c->not_after = clock_asn1_seconds(X509_get0_notAfter(cert));
	c->created_at = now;
	if (len > 0) {
		c->der = malloc((size_t)len);
		if (c->der != NULL)
			memcpy(c->der, der, (size_t)len);
		c->der_len = (size_t)len;
	}
	OPENSSL_free(der);
	return c->id != NULL && rand_id_ordered(c->id) == 0 &&
		       c->tenant_id != NULL && c->ca_id != NULL &&
		       c->serial != NULL && c->subject != NULL &&
		       c->sans != NULL && c->key_type != NULL && c->der != NULL
		   ? 0
		   : -1;
}

/* Applies the template's rules to what is asked. */
static enum engine_result policy_apply(const struct template_settings *tpl,
				       const struct issue_input *in,
				       X509_NAME **subject,
				       struct engine_error *err)
{
	if (!tpl->enabled)
		return engine_fail(err, ENGINE_INVALID, "template",
				   "the template is disabled (enabled)");
	if (policy_key_check(tpl, in->public_key, err) != ENGINE_OK ||
	    policy_extensions_check(tpl, in->requested, err) != ENGINE_OK ||
	    policy_sans_check(tpl, in->sans, err) != ENGINE_OK)
		return err->code;
	*subject = policy_subject(tpl, in->subject, err);
	if (*subject == NULL)
		return err->code != ENGINE_OK ? err->code : ENGINE_ERROR;
	if (X509_NAME_entry_count(*subject) == 0 &&
	    (in->sans == NULL || sk_GENERAL_NAME_num(in->sans) == 0)) {
		X509_NAME_free(*subject);
		*subject = NULL;
		return engine_fail(err, ENGINE_INVALID, "subject",
				   "the certificate would have neither a "
				   "subject nor a SAN");
	}
	return ENGINE_OK;
}

/* Stores c with what it settles; the audit entry names c. */
static enum store_result issue_commit(struct store *st,
				      const struct store_certificate *c,
				      const struct issue_record *rec)
{
	struct store_audit a;
	enum store_result rc;

	if (rec->audit != NULL) {
		a = *rec->audit;
		a.object_type = "certificate";
		a.object_id = c->id;
	}
	if (rec->submitted != NULL)
		return store_issue_commit_new(st, c, rec->request,
					      rec->submitted,
					      rec->audit != NULL ? &a : NULL);
	rc = store_issue_commit(st, c, rec->request, rec->revoke_id,
				rec->audit != NULL ? &a : NULL);
	/* The predecessor is revoked as superseded: OCSP reads it again. */
	if (rec->revoke_id != NULL)
		ocsp_cache_changed();
	return rc;
}

/* Builds, signs and lints one certificate with a fresh serial. */
static X509 *make_one(const struct issue_signer *signer,
		      const struct template_settings *tpl,
		      const struct issue_input *in, const X509_NAME *subject,
		      int64_t from, int64_t until, struct engine_error *err)
{
	char why[256];
	X509 *cert =
	    build_certificate(signer, tpl, subject, in->sans, in->public_key,
			      in->spki, from, until, err);

	if (cert != NULL &&
	    lint_certificate(cert, signer->cert, why, sizeof(why)) != 0) {
		log_event(LOG_ERROR, "issue.lint", "ca=%s rule=\"%s\"",
			  signer->ca_id, why);
		engine_fail(err, ENGINE_INVALID, NULL,
			    "the certificate fails the lint: %s", why);
		X509_free(cert);
		return NULL;
	}
	return cert;
}

enum engine_result
engine_issue(struct store *st, const struct issue_signer *signer,
	     const struct template_settings *tpl, const struct issue_input *in,
	     const struct issue_record *rec, int64_t now, X509 **cert,
	     struct store_certificate *out, struct engine_error *err)
{
	X509_NAME *subject = NULL;
	int64_t from, until;
	enum store_result rc = STORE_CONFLICT;
	enum engine_result res;

	*cert = NULL;
	memset(out, 0, sizeof(*out));
	res = policy_apply(tpl, in, &subject, err);
	if (res == ENGINE_OK)
		res = validity_pick(signer, tpl, in, now, &from, &until, err);
	for (int round = 0;
	     res == ENGINE_OK && rc == STORE_CONFLICT && round < SERIAL_ROUNDS;
	     round++) {
		X509_free(*cert);
		store_certificate_free(out);
		*cert = make_one(signer, tpl, in, subject, from, until, err);
		if (*cert == NULL)
			res = err->code != ENGINE_OK ? err->code : ENGINE_ERROR;
		else if (record_fill(*cert, in->public_key, signer, rec, now,
				     out) != 0)
			res = engine_fail(err, ENGINE_ERROR, NULL,
					  "out of memory");
		else
			rc = issue_commit(st, out, rec);
	}
	X509_NAME_free(subject);
	if (res == ENGINE_OK && rc != STORE_OK)
		res = rc == STORE_CONFLICT && rec->request != NULL
			  ? engine_fail(err, ENGINE_CONFLICT, NULL,
					"the request was decided already")
			  : engine_store_fail(err, rc, "certificate");
	if (res != ENGINE_OK) {
		X509_free(*cert);
		*cert = NULL;
		store_certificate_free(out);
	} else {
		log_event(LOG_INFO, "issue.done", "ca=%s serial=%s id=%s",
			  signer->ca_id, out->serial, out->id);
	}
	return res;
}
