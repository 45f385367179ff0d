#include "engine/ca.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/ca_settings.h"
#include "engine/csr.h"
#include "engine/keytype.h"
#include "engine/ocsp.h"
#include "engine/ocsp_cache.h"
#include "engine/serial.h"
#include "engine/templates.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "lib/rand.h"
#include "signer/soft.h"

#define AAD_MAX	  48
#define CHAIN_MAX 16

static void ca_aad(const char *id, char out[AAD_MAX])
{
	snprintf(out, AAD_MAX, "ca/%s", id);
}

/* The subject of a new CA; CN is required. */
static X509_NAME *subject_build(const struct ca_subject *s,
				struct engine_error *err)
{
	const struct {
		const char *attr, *value;
	} parts[] = {{"C", s->c},
		     {"ST", s->st},
		     {"L", s->l},
		     {"O", s->o},
		     {"OU", s->ou},
		     {"CN", s->cn},
		     {"emailAddress", s->email}};
	X509_NAME *name;

	if (s->cn == NULL || *s->cn == '\0' || strlen(s->cn) > 64) {
		engine_fail(err, ENGINE_INVALID, "subject.CN",
			    "a CA needs a common name of 1 to 64 "
			    "bytes");
		return NULL;
	}
	if (s->c != NULL && strlen(s->c) != 2) {
		engine_fail(err, ENGINE_INVALID, "subject.C",
			    "a country is two letters (ISO 3166)");
		return NULL;
	}
	name = X509_NAME_new();
	for (size_t i = 0; name != NULL && i < sizeof(parts) / sizeof(*parts);
	     i++)
		if (parts[i].value != NULL && *parts[i].value != '\0' &&
		    X509_NAME_add_entry_by_txt(
			name, parts[i].attr, MBSTRING_UTF8,
			(const unsigned char *)parts[i].value, -1, -1,
			0) != 1) {
			X509_NAME_free(name);
			ERR_clear_error();
			{
				engine_fail(err, ENGINE_INVALID, "subject",
					    "the subject attribute %s is not "
					    "valid",
					    parts[i].attr);
				return NULL;
			}
		}
	return name;
}

/* The CA's key: imported from PEM, or made new. */
static EVP_PKEY *key_obtain(const struct ca_create *in,
			    const struct key_type **kt,
			    struct engine_error *err)
{
	BIO *bio;
	EVP_PKEY *key = NULL;

	if (in->key_pem == NULL) {
		*kt = key_type_find(in->key_type != NULL ? in->key_type
							 : CA_DEFAULT_KEY);
		if (*kt == NULL) {
			engine_fail(err, ENGINE_INVALID, "key_type",
				    "unknown key type %s", in->key_type);
			return NULL;
		}
		key = key_type_generate(*kt);
		if (key == NULL)
			engine_fail(err, ENGINE_ERROR, NULL,
				    "the key could not be made");
		return key;
	}
	bio = BIO_new_mem_buf(in->key_pem, -1);
	if (bio != NULL)
		key = PEM_read_bio_PrivateKey(
		    bio, NULL, NULL,
		    (void *)(in->key_password != NULL ? in->key_password : ""));
	BIO_free(bio);
	ERR_clear_error();
	*kt = key != NULL ? key_type_of(key) : NULL;
	if (key == NULL || *kt == NULL) {
		EVP_PKEY_free(key);
		{
			engine_fail(err, ENGINE_INVALID, "key_pem",
				    "the key is not a PEM private key of a "
				    "type pkiaas takes (or the password is "
				    "wrong)");
			return NULL;
		}
	}
	return key;
}

/*
 * The settings a root's own certificate is made with: the
 * certificate-authority starter's, the CPS URL as a policy, then what
 * the creator asked. ENGINE_INVALID naming a bad member.
 */
static enum engine_result root_template(const struct ca_create *in, int days,
					struct template_settings *t,
					struct engine_error *err)
{
	template_starter("certificate-authority", t);
	t->validity_days = days;
	t->path_length = in->path_length;
	t->key_usage |= X509v3_KU_DIGITAL_SIGNATURE;
	t->aia_include = 0;
	t->crl_distribution_point = 0;
	t->max_sans = 0;
	t->require_san = 0;
	if (in->cps_url != NULL && *in->cps_url != '\0') {
		t->policies_include = 1;
		snprintf(t->policy_oid, sizeof(t->policy_oid), "2.5.29.32.0");
		snprintf(t->cps_url, sizeof(t->cps_url), "%s", in->cps_url);
	}
	if (in->certificate_settings != NULL &&
	    template_settings_merge_json(t, in->certificate_settings, err) !=
		ENGINE_OK)
		return err->code;
	t->validity_days = days;
	t->ca = 1;
	return ENGINE_OK;
}

static enum engine_result create_check(const struct ca_create *in,
				       struct engine_error *err)
{
	if (in->name == NULL || *in->name == '\0' ||
	    strlen(in->name) > CA_NAME_MAX)
		return engine_fail(err, ENGINE_INVALID, "name",
				   "a CA's name is 1 to %d bytes", CA_NAME_MAX);
	if (in->kind == NULL || (strcmp(in->kind, "root") != 0 &&
				 strcmp(in->kind, "intermediate") != 0))
		return engine_fail(err, ENGINE_INVALID, "kind",
				   "kind is root or intermediate");
	if (in->hash != NULL && !ca_hash_valid(in->hash))
		return engine_fail(err, ENGINE_INVALID, "hash",
				   "hash is sha256, sha384 or sha512");
	if (in->validity_days < 0 || in->validity_days > 36500)
		return engine_fail(err, ENGINE_INVALID, "validity_days",
				   "validity_days is 1 to 36500");
	if (in->path_length < -1 || in->path_length > 16)
		return engine_fail(err, ENGINE_INVALID, "path_length",
				   "path_length is 0 to 16, or none");
	if (in->cps_url != NULL && strlen(in->cps_url) >= TEMPLATE_TEXT_MAX)
		return engine_fail(err, ENGINE_INVALID, "cps_url",
				   "the CPS URL is too long");
	if (strcmp(in->kind, "root") == 0 && in->parent_id != NULL)
		return engine_fail(err, ENGINE_INVALID, "parent_id",
				   "a root has no parent");
	if (in->certificate_settings != NULL && strcmp(in->kind, "root") != 0)
		return engine_fail(
		    err, ENGINE_INVALID, "certificate_settings",
		    "an intermediate's certificate is made by "
		    "its parent's template; certificate_settings "
		    "is for roots");
	if (in->parent_template_id != NULL && in->parent_id == NULL)
		return engine_fail(err, ENGINE_INVALID, "parent_template_id",
				   "parent_template_id needs parent_id");
	return ENGINE_OK;
}

/* A DER CSR of the new intermediate, signed by its key. */
static int csr_make(EVP_PKEY *key, const X509_NAME *subject, const char *hash,
		    uint8_t **der, size_t *len)
{
	const struct key_type *kt = key_type_of(key);
	const EVP_MD *md = key_type_digest(kt, hash);
	X509_REQ *req = X509_REQ_new();
	unsigned char *out = NULL;
	int n = -1;

	if (req != NULL && X509_REQ_set_version(req, 0) == 1 &&
	    X509_REQ_set_subject_name(req, subject) == 1 &&
	    X509_REQ_set_pubkey(req, key) == 1 &&
	    X509_REQ_sign(req, key, md) > 0)
		n = i2d_X509_REQ(req, &out);
	X509_REQ_free(req);
	if (n <= 0) {
		log_openssl_errors("ca.csr", "X509_REQ_sign");
		return -1;
	}
	*der = out;
	*len = (size_t)n;
	return 0;
}

struct new_ca {
	char id[RAND_ID_LEN + 1];
	EVP_PKEY *key;
	const struct key_type *kt;
	X509_NAME *subject;
	struct ca_settings settings;
	int days;
};

/* Inserts the CA as pending, with its sealed key and (intermediate) CSR. */
static enum engine_result ca_insert_pending(const struct ca_context *ctx,
					    const struct principal *who,
					    const struct ca_create *in,
					    struct new_ca *n, int64_t now,
					    struct engine_error *err)
{
	char aad[AAD_MAX];
	struct store_ca row = {.id = n->id,
			       .tenant_id = (char *)who->tenant_id,
			       .name = (char *)in->name,
			       .description = (char *)in->description,
			       .kind = (char *)in->kind,
			       .status = "pending",
			       .key_type = (char *)n->kt->name,
			       .parent_id = (char *)in->parent_id,
			       .created_at = now};
	struct store_audit a =
	    accounts_audit(who, "ca.create", "ca", n->id, now);
	unsigned char *csr = NULL;
	enum store_result rc;

	ca_aad(n->id, aad);
	row.subject = csr_name_text(n->subject);
	row.settings = ca_settings_encode(&n->settings);
	a.detail = in->name;
	if (row.subject == NULL || row.settings == NULL ||
	    soft_key_seal(ctx->kek, aad, n->key, &row.key_sealed,
			  &row.key_len) != 0 ||
	    (strcmp(in->kind, "intermediate") == 0 &&
	     csr_make(n->key, n->subject, n->settings.hash, &csr,
		      &row.csr_len) != 0))
		rc = STORE_ERROR;
	else {
		row.csr_der = csr;
		rc = store_ca_insert(ctx->st, &row, &a);
	}
	free(row.subject);
	free(row.settings);
	free(row.key_sealed);
	OPENSSL_free(csr);
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, "name",
				   "a CA named %s exists", in->name);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "CA");
}

/* Makes the pending CA id active with cert and the chain above it. */
static enum engine_result ca_activate(const struct ca_context *ctx,
				      const struct principal *who,
				      const char *id, X509 *cert,
				      const char *chain_pem, int64_t now,
				      struct engine_error *err)
{
	struct store_ca row = {.id = (char *)id,
			       .tenant_id = (char *)who->tenant_id,
			       .chain_pem = (char *)chain_pem};
	struct store_audit a =
	    accounts_audit(who, "ca.activate", "ca", id, now);
	unsigned char *der = NULL;
	int len = i2d_X509(cert, &der);
	enum store_result rc = STORE_ERROR;

	row.subject = csr_name_text(X509_get_subject_name(cert));
	row.serial = serial_text(X509_get0_serialNumber(cert));
	row.not_before = clock_asn1_seconds(X509_get0_notBefore(cert));
	row.not_after = clock_asn1_seconds(X509_get0_notAfter(cert));
	if (len > 0 && row.subject != NULL && row.serial != NULL) {
		row.cert_der = der;
		row.cert_len = (size_t)len;
		rc = store_ca_activate(ctx->st, &row, &a);
	}
	OPENSSL_free(der);
	free(row.subject);
	free(row.serial);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "CA");
}

/* Self-signs a new root through the one issuance path. */
static enum engine_result root_issue(const struct ca_context *ctx,
				     const struct principal *who,
				     const struct ca_create *in,
				     struct new_ca *n, int64_t now,
				     struct engine_error *err)
{
	struct issue_signer signer = {.ca_id = n->id,
				      .key = n->key,
				      .pss = n->settings.pss,
				      .base_url = ctx->base_url};
	struct issue_input input = {.public_key = n->key,
				    .subject = n->subject};
	struct store_audit a =
	    accounts_audit(who, "certificate.issue", "certificate", NULL, now);
	struct issue_record rec = {.tenant_id = who->tenant_id, .audit = &a};
	struct template_settings tpl;
	struct store_certificate stored = {0};
	X509 *cert = NULL;
	enum engine_result res;

	snprintf(signer.hash, sizeof(signer.hash), "%s", n->settings.hash);
	a.detail = "root CA certificate";
	res = root_template(in, n->days, &tpl, err);
	if (res == ENGINE_OK)
		res = engine_issue(ctx->st, &signer, &tpl, &input, &rec, now,
				   &cert, &stored, err);
	template_settings_clear(&tpl);
	if (res == ENGINE_OK)
		res = ca_activate(ctx, who, n->id, cert, NULL, now, err);
	store_certificate_free(&stored);
	X509_free(cert);
	return res;
}

/* The first template of ca_id that issues CAs; 0 when there is one. */
static int ca_template_find(const struct ca_context *ctx,
			    const struct principal *who, const char *ca_id,
			    struct template_settings *tpl, char **template_id)
{
	struct store_template_list list;

	if (store_template_list(ctx->st, who->tenant_id, ca_id, NULL,
				STORE_LIST_MAX, &list) != STORE_OK)
		return -1;
	for (size_t i = 0; i < list.n && *template_id == NULL; i++) {
		if (templates_settings(&list.items[i], tpl, NULL) != ENGINE_OK)
			continue;
		if (tpl->ca)
			*template_id = strdup(list.items[i].id);
		else
			template_settings_clear(tpl);
	}
	store_template_list_free(&list);
	return *template_id != NULL ? 0 : -1;
}

/* The template of the parent that signs: the one asked for, else one
 * that issues CAs, else the certificate-authority starter's settings. */
static enum engine_result
parent_template(const struct ca_context *ctx, const struct principal *who,
		const struct ca_create *in, struct template_settings *tpl,
		char **template_id, struct engine_error *err)
{
	struct store_template t = {0};
	enum engine_result res;

	*template_id = NULL;
	if (in->parent_template_id == NULL) {
		if (ca_template_find(ctx, who, in->parent_id, tpl,
				     template_id) == 0)
			return ENGINE_OK;
		template_starter("certificate-authority", tpl);
		tpl->path_length = in->path_length >= 0 ? in->path_length : 0;
		return ENGINE_OK;
	}
	res = templates_get(ctx, who, in->parent_template_id, &t, err);
	if (res == ENGINE_OK && strcmp(t.ca_id, in->parent_id) != 0)
		res = engine_fail(err, ENGINE_INVALID, "parent_template_id",
				  "the template is not of the parent CA");
	if (res == ENGINE_OK)
		res = templates_settings(&t, tpl, err);
	if (res == ENGINE_OK && (*template_id = strdup(t.id)) == NULL)
		res = engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	store_template_free(&t);
	return res;
}

/* Signs a new intermediate by its parent, a CA of the same tenant. */
static enum engine_result intermediate_issue(const struct ca_context *ctx,
					     const struct principal *who,
					     const struct ca_create *in,
					     struct new_ca *n, int64_t now,
					     struct engine_error *err)
{
	struct store_ca parent;
	struct issue_signer signer = {0};
	struct issue_input input = {.public_key = n->key,
				    .subject = n->subject};
	struct store_audit a =
	    accounts_audit(who, "certificate.issue", "certificate", NULL, now);
	struct issue_record rec = {.tenant_id = who->tenant_id, .audit = &a};
	struct template_settings tpl = {0};
	struct store_certificate stored = {0};
	char *template_id = NULL, *chain = NULL;
	X509 *cert = NULL;
	enum engine_result res = ca_get(ctx, who, in->parent_id, &parent, err);

	if (res != ENGINE_OK)
		return res;
	res = ca_issuing_allowed(ctx, &parent, err);
	if (res == ENGINE_OK)
		res = ca_signer_open(ctx, &parent, &signer, err);
	if (res == ENGINE_OK)
		res = parent_template(ctx, who, in, &tpl, &template_id, err);
	if (res == ENGINE_OK && !tpl.ca)
		res =
		    engine_fail(err, ENGINE_INVALID, "parent_template_id",
				"the template issues end-entity certificates, "
				"not CAs (basic_constraints.ca)");
	if (res == ENGINE_OK) {
		tpl.validity_days = n->days;
		rec.template_id = template_id;
		a.detail = "intermediate CA certificate";
		res = engine_issue(ctx->st, &signer, &tpl, &input, &rec, now,
				   &cert, &stored, err);
	}
	if (res == ENGINE_OK && (chain = ca_chain_pem(&parent)) == NULL)
		res = engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	if (res == ENGINE_OK)
		res = ca_activate(ctx, who, n->id, cert, chain, now, err);
	free(chain);
	free(template_id);
	template_settings_clear(&tpl);
	store_certificate_free(&stored);
	X509_free(cert);
	ca_signer_clear(&signer);
	store_ca_free(&parent);
	return res;
}

/* Every new CA gets a "Web Server" template. */
static enum engine_result first_template(const struct ca_context *ctx,
					 const struct principal *who,
					 const char *ca_id, int64_t now,
					 struct engine_error *err)
{
	struct store_template t;
	enum engine_result res = templates_create(
	    ctx, who, ca_id, "Web Server", "web-server", NULL, now, &t, err);

	if (res == ENGINE_OK)
		store_template_free(&t);
	return res;
}

static void new_ca_clear(struct new_ca *n)
{
	EVP_PKEY_free(n->key);
	X509_NAME_free(n->subject);
	memset(n, 0, sizeof(*n));
}

/*
 * Issues an active CA's OCSP signing certificate now. A failure only
 * delays it: the responder issues one on its first query.
 */
static void responder_prepare(const struct ca_context *ctx,
			      const struct store_ca *ca, int64_t now)
{
	struct engine_error err = {0};

	if (strcmp(ca->status, "active") == 0 &&
	    ocsp_signer_ensure(ctx, ca, now, &err) != ENGINE_OK)
		log_event(LOG_WARN, "ca.ocsp_signer",
			  "ca=%s error=\"%s\" hint=\"the responder issues "
			  "its certificate on the first query\"",
			  ca->id, err.detail);
}

/*
 * Removes a CA stored pending whose creation failed after, with an
 * audit entry that says so next to the one of its insert; nothing
 * happens when none was stored.
 */
static void ca_create_undo(const struct ca_context *ctx,
			   const struct principal *who, const char *id,
			   int64_t now, const struct engine_error *err)
{
	struct store_audit a = accounts_audit(who, "ca.create", "ca", id, now);

	a.outcome = "failed";
	a.detail = err->detail;
	store_ca_delete(ctx->st, who->tenant_id, id, &a);
}

enum engine_result ca_create(const struct ca_context *ctx,
			     const struct principal *who,
			     const struct ca_create *in, int64_t now,
			     struct store_ca *out, struct engine_error *err)
{
	struct new_ca n = {0};
	int root = in->kind != NULL && strcmp(in->kind, "root") == 0;
	int inserted;
	enum engine_result res;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "ca.create", "ca", NULL,
				       now, err);
	if (create_check(in, err) != ENGINE_OK)
		return err->code;
	n.days = in->validity_days > 0 ? in->validity_days
		 : root		       ? CA_ROOT_DAYS
				       : CA_INTERMEDIATE_DAYS;
	n.settings.path_length = in->path_length;
	n.settings.pss = in->pss;
	snprintf(n.settings.hash, sizeof(n.settings.hash), "%s",
		 in->hash != NULL ? in->hash : "");
	snprintf(n.settings.cps_url, sizeof(n.settings.cps_url), "%s",
		 in->cps_url != NULL ? in->cps_url : "");
	snprintf(n.settings.service_key_type,
		 sizeof(n.settings.service_key_type), "%s", "ecdsa-p256");
	if (in->pss &&
	    (n.kt = key_type_find(in->key_type != NULL ? in->key_type
						       : CA_DEFAULT_KEY)) !=
		NULL &&
	    n.kt->family != KEY_RSA)
		return engine_fail(err, ENGINE_INVALID, "rsa_pss",
				   "RSA-PSS is for RSA keys");
	if (rand_id(n.id, RAND_ID_LEN) != 0 ||
	    (n.subject = subject_build(&in->subject, err)) == NULL ||
	    (n.key = key_obtain(in, &n.kt, err)) == NULL) {
		new_ca_clear(&n);
		return err->code != ENGINE_OK ? err->code : ENGINE_ERROR;
	}
	res = ca_insert_pending(ctx, who, in, &n, now, err);
	inserted = res == ENGINE_OK;
	if (res == ENGINE_OK && root)
		res = root_issue(ctx, who, in, &n, now, err);
	else if (res == ENGINE_OK && in->parent_id != NULL)
		res = intermediate_issue(ctx, who, in, &n, now, err);
	if (res == ENGINE_OK)
		res = first_template(ctx, who, n.id, now, err);
	/* Whatever failed after the insert (a parent not active, or
	 * revoked, among others), the pending row goes. */
	if (res != ENGINE_OK && inserted)
		ca_create_undo(ctx, who, n.id, now, err);
	if (res == ENGINE_OK &&
	    store_ca_get(ctx->st, who->tenant_id, n.id, out) != STORE_OK)
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the new CA could not be read back");
	if (res == ENGINE_OK)
		responder_prepare(ctx, out, now);
	new_ca_clear(&n);
	return res;
}

enum engine_result ca_get(const struct ca_context *ctx,
			  const struct principal *who, const char *id,
			  struct store_ca *out, struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_ca_get(ctx->st, who->tenant_id, id, out);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "CA");
}

enum engine_result ca_list(const struct ca_context *ctx,
			   const struct principal *who, const char *after,
			   size_t limit, struct store_ca_list *out,
			   struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_ca_list(ctx->st, who->tenant_id, after,
			   accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "CA");
}

enum engine_result ca_blocked_by(const struct ca_context *ctx,
				 const struct store_ca *ca, char **name,
				 struct engine_error *err)
{
	enum store_result rc =
	    store_ca_chain_revoked(ctx->st, ca->tenant_id, ca->id, name);

	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "CA");
}

enum engine_result ca_issuing_allowed(const struct ca_context *ctx,
				      const struct store_ca *ca,
				      struct engine_error *err)
{
	char *revoked = NULL;
	enum engine_result res = ca_blocked_by(ctx, ca, &revoked, err);

	if (res != ENGINE_OK)
		return res;
	if (revoked != NULL)
		res = engine_fail(
		    err, ENGINE_CONFLICT, NULL,
		    "the certificate of the CA %s is revoked or on hold, so "
		    "%s issues nothing more (its CRL and OCSP go on); release "
		    "a hold, or issue from another CA",
		    revoked, strcmp(revoked, ca->name) == 0 ? "it" : ca->name);
	free(revoked);
	return res;
}

enum engine_result ca_signer_open(const struct ca_context *ctx,
				  const struct store_ca *ca,
				  struct issue_signer *signer,
				  struct engine_error *err)
{
	const unsigned char *p = ca->cert_der;
	char aad[AAD_MAX];
	struct ca_settings s;

	memset(signer, 0, sizeof(*signer));
	if (strcmp(ca->status, "active") != 0 || ca->cert_der == NULL)
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "the CA %s is not active yet: import its "
				   "certificate first",
				   ca->name);
	ca_aad(ca->id, aad);
	signer->ca_id = ca->id;
	signer->base_url = ctx->base_url;
	signer->cert = d2i_X509(NULL, &p, (long)ca->cert_len);
	signer->key = soft_key_open(ctx->kek, aad, ca->key_sealed, ca->key_len);
	if (ca_settings_load(ca->settings, &s) == 0) {
		snprintf(signer->hash, sizeof(signer->hash), "%s", s.hash);
		signer->pss = s.pss;
	}
	if (signer->cert == NULL || signer->key == NULL) {
		ca_signer_clear(signer);
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the CA's key or certificate does not "
				   "open; the server log has the cause");
	}
	return ENGINE_OK;
}

void ca_signer_clear(struct issue_signer *signer)
{
	if (signer == NULL)
		return;
	X509_free(signer->cert);
	EVP_PKEY_free(signer->key);
	memset(signer, 0, sizeof(*signer));
}

/* Every certificate of a PEM bundle, in order; NULL when there is none
 * or the text holds anything else. */
static STACK_OF(X509) * pem_bundle(const char *pem)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509 *x;

	while (certs != NULL && bio != NULL && sk_X509_num(certs) < CHAIN_MAX &&
	       (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(certs, x) <= 0)
			X509_free(x);
	ERR_clear_error();
	BIO_free(bio);
	if (certs != NULL && sk_X509_num(certs) == 0) {
		sk_X509_free(certs);
		certs = NULL;
	}
	return certs;
}

char *ca_chain_pem(const struct store_ca *ca)
{
	const unsigned char *p = ca->cert_der;
	X509 *cert = ca->cert_der != NULL
			 ? d2i_X509(NULL, &p, (long)ca->cert_len)
			 : NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long len;

	if (cert != NULL && bio != NULL && PEM_write_bio_X509(bio, cert) == 1 &&
	    (ca->chain_pem == NULL ||
	     BIO_puts(bio, ca->chain_pem) == (int)strlen(ca->chain_pem)) &&
	    (len = BIO_get_mem_data(bio, &data)) > 0)
		out = strndup(data, (size_t)len);
	X509_free(cert);
	BIO_free(bio);
	return out;
}

/* Adds the certificates of the tenant's active CAs to trusted (roots)
 * and untrusted (the others). */
static void tenant_cas_add(const struct ca_context *ctx,
			   const struct principal *who, X509_STORE *trusted,
			   STACK_OF(X509) * untrusted)
{
	struct store_ca_list list;

	if (store_ca_list(ctx->st, who->tenant_id, NULL, STORE_LIST_MAX,
			  &list) != STORE_OK)
		return;
	for (size_t i = 0; i < list.n; i++) {
		const unsigned char *p = list.items[i].cert_der;
		X509 *x = p != NULL
			      ? d2i_X509(NULL, &p, (long)list.items[i].cert_len)
			      : NULL;

		if (x == NULL)
			continue;
		if (X509_check_issued(x, x) == X509_V_OK)
			X509_STORE_add_cert(trusted, x);
		if (sk_X509_push(untrusted, x) <= 0)
			X509_free(x);
	}
	store_ca_list_free(&list);
}

/* The issuers of cert up to a root, verified, as PEM; NULL when no chain
 * can be built from the bundle and the tenant's CAs. */
static char *chain_build(const struct ca_context *ctx,
			 const struct principal *who, X509 *cert,
			 STACK_OF(X509) * bundle)
{
	X509_STORE *trusted = X509_STORE_new();
	X509_STORE_CTX *vctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null(), *chain = NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long len;

	for (int i = 1; untrusted != NULL && i < sk_X509_num(bundle); i++) {
		X509 *x = sk_X509_value(bundle, i);

		if (X509_check_issued(x, x) == X509_V_OK)
			X509_STORE_add_cert(trusted, x);
		if (X509_up_ref(x) == 1 && sk_X509_push(untrusted, x) <= 0)
			X509_free(x);
	}
	if (trusted != NULL && untrusted != NULL)
		tenant_cas_add(ctx, who, trusted, untrusted);
	if (vctx != NULL && bio != NULL &&
	    X509_STORE_CTX_init(vctx, trusted, cert, untrusted) == 1 &&
	    X509_verify_cert(vctx) == 1)
		chain = X509_STORE_CTX_get1_chain(vctx);
	for (int i = 1; chain != NULL && i < sk_X509_num(chain); i++)
		PEM_write_bio_X509(bio, sk_X509_value(chain, i));
	if (chain != NULL && (len = BIO_get_mem_data(bio, &data)) > 0)
		out = strndup(data, (size_t)len);
	ERR_clear_error();
	OSSL_STACK_OF_X509_free(chain);
	OSSL_STACK_OF_X509_free(untrusted);
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(trusted);
	BIO_free(bio);
	return out;
}

/* Whether cert is for the key of the CA's CSR. */
static int cert_matches_csr(X509 *cert, const struct store_ca *ca)
{
	const unsigned char *p = ca->csr_der;
	X509_REQ *req =
	    p != NULL ? d2i_X509_REQ(NULL, &p, (long)ca->csr_len) : NULL;
	int ok = req != NULL && EVP_PKEY_eq(X509_REQ_get0_pubkey(req),
					    X509_get0_pubkey(cert)) == 1;

	X509_REQ_free(req);
	return ok;
}

enum engine_result ca_certificate_import(const struct ca_context *ctx,
					 const struct principal *who,
					 const char *id, const char *pem,
					 int64_t now, struct store_ca *out,
					 struct engine_error *err)
{
	STACK_OF(X509) *bundle = NULL;
	struct store_ca ca;
	X509 *cert;
	char *chain = NULL;
	enum engine_result res;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "ca.activate", "ca", id,
				       now, err);
	res = ca_get(ctx, who, id, &ca, err);
	if (res != ENGINE_OK)
		return res;
	if (strcmp(ca.status, "pending") != 0)
		res = engine_fail(err, ENGINE_CONFLICT, NULL,
				  "the CA is active already");
	else if ((bundle = pem_bundle(pem)) == NULL)
		res = engine_fail(err, ENGINE_INVALID, "certificate",
				  "the certificate is not PEM");
	cert = bundle != NULL ? sk_X509_value(bundle, 0) : NULL;
	if (res == ENGINE_OK && !cert_matches_csr(cert, &ca))
		res = engine_fail(err, ENGINE_INVALID, "certificate",
				  "the certificate is for another key than "
				  "this CA's");
	else if (res == ENGINE_OK && X509_check_ca(cert) == 0)
		res = engine_fail(err, ENGINE_INVALID, "certificate",
				  "the certificate is not a CA certificate "
				  "(basicConstraints CA:TRUE)");
	else if (res == ENGINE_OK &&
		 (chain = chain_build(ctx, who, cert, bundle)) == NULL)
		res = engine_fail(err, ENGINE_INVALID, "certificate",
				  "no chain up to a root can be built and "
				  "verified; send the issuing CAs' "
				  "certificates after this one");
	if (res == ENGINE_OK)
		res = ca_activate(ctx, who, id, cert, chain, now, err);
	free(chain);
	OSSL_STACK_OF_X509_free(bundle);
	store_ca_free(&ca);
	if (res == ENGINE_OK)
		res = ca_get(ctx, who, id, out, err);
	if (res == ENGINE_OK)
		responder_prepare(ctx, out, now);
	return res;
}

enum engine_result ca_update(const struct ca_context *ctx,
			     const struct principal *who, const char *id,
			     const char *description, const char *cps_url,
			     const char *service_key_type,
			     const char *service_hash, int64_t now,
			     struct store_ca *out, struct engine_error *err)
{
	struct store_audit a = accounts_audit(who, "ca.update", "ca", id, now);
	struct ca_settings s;
	struct store_ca ca;
	char *settings = NULL, *old_description;
	enum engine_result res;
	enum store_result rc;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "ca.update", "ca", id, now,
				       err);
	if (service_key_type != NULL && key_type_find(service_key_type) == NULL)
		return engine_fail(err, ENGINE_INVALID, "service_key_type",
				   "unknown key type %s", service_key_type);
	if (service_hash != NULL && !ca_hash_valid(service_hash))
		return engine_fail(err, ENGINE_INVALID, "service_hash",
				   "service_hash is sha256, sha384 or sha512");
	if ((cps_url != NULL && strlen(cps_url) >= TEMPLATE_TEXT_MAX) ||
	    (description != NULL && strlen(description) >= TEMPLATE_TEXT_MAX))
		return engine_fail(err, ENGINE_INVALID,
				   cps_url != NULL ? "cps_url" : "description",
				   "the text is too long");
	res = ca_get(ctx, who, id, &ca, err);
	if (res != ENGINE_OK)
		return res;
	if (ca_settings_load(ca.settings, &s) != 0)
		memset(&s, 0, sizeof(s));
	if (cps_url != NULL)
		snprintf(s.cps_url, sizeof(s.cps_url), "%s", cps_url);
	if (service_key_type != NULL)
		snprintf(s.service_key_type, sizeof(s.service_key_type), "%s",
			 service_key_type);
	if (service_hash != NULL)
		snprintf(s.service_hash, sizeof(s.service_hash), "%s",
			 service_hash);
	settings = ca_settings_encode(&s);
	old_description = ca.description;
	if (description != NULL)
		ca.description = (char *)description;
	free(ca.settings);
	ca.settings = settings;
	rc = settings != NULL ? store_ca_update(ctx->st, &ca, &a) : STORE_ERROR;
	ocsp_cache_changed();
	if (description != NULL)
		ca.description = old_description;
	store_ca_free(&ca);
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "CA");
	return ca_get(ctx, who, id, out, err);
}

/* Whether a CA of the tenant names id as its parent. */
static int ca_has_children(const struct ca_context *ctx,
			   const struct principal *who, const char *id)
{
	struct store_ca_list list;
	int found = 0;
	char *after = NULL;

	do {
		if (store_ca_list(ctx->st, who->tenant_id, after,
				  STORE_LIST_MAX, &list) != STORE_OK)
			break;
		for (size_t i = 0; i < list.n && !found; i++)
			found = list.items[i].parent_id != NULL &&
				strcmp(list.items[i].parent_id, id) == 0;
		free(after);
		after = list.has_more && list.n > 0
			    ? strdup(list.items[list.n - 1].id)
			    : NULL;
		store_ca_list_free(&list);
	} while (!found && after != NULL);
	free(after);
	return found;
}

enum engine_result ca_delete(const struct ca_context *ctx,
			     const struct principal *who, const char *id,
			     const char *confirm, int64_t now,
			     struct engine_error *err)
{
	struct store_audit a = accounts_audit(who, "ca.delete", "ca", id, now);
	struct store_ca ca;
	enum engine_result res;
	enum store_result rc;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "ca.delete", "ca", id, now,
				       err);
	res = ca_get(ctx, who, id, &ca, err);
	if (res != ENGINE_OK)
		return res;
	if (ca_has_children(ctx, who, id)) {
		store_ca_free(&ca);
		return engine_fail(
		    err, ENGINE_CONFLICT, NULL,
		    "CAs of this tenant were signed by this one; "
		    "delete them first");
	}
	if (confirm == NULL || strcmp(confirm, ca.name) != 0) {
		store_ca_free(&ca);
		return engine_fail(err, ENGINE_INVALID, "confirm",
				   "deleting a CA cannot be undone: repeat "
				   "its name in confirm");
	}
	a.detail = ca.name;
	rc = store_ca_delete(ctx->st, who->tenant_id, id, &a);
	ocsp_cache_changed();
	store_ca_free(&ca);
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "CA");
}

STACK_OF(X509) * ca_chain_stack(const struct store_ca *ca)
{
	char *pem = ca_chain_pem(ca);
	STACK_OF(X509) *chain = pem != NULL ? pem_bundle(pem) : NULL;

	free(pem);
	return chain;
}
