#include "engine/crl.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "engine/aia.h"
#include "engine/keytype.h"
#include "lib/log.h"

/* What the reason names of RFC 5280 5.3.1 are coded as. */
static const struct {
	const char *name;
	int code;
} reason_codes[] = {
    {"keyCompromise", CRL_REASON_KEY_COMPROMISE},
    {"cACompromise", CRL_REASON_CA_COMPROMISE},
    {"affiliationChanged", CRL_REASON_AFFILIATION_CHANGED},
    {"superseded", CRL_REASON_SUPERSEDED},
    {"cessationOfOperation", CRL_REASON_CESSATION_OF_OPERATION},
    {"certificateHold", CRL_REASON_CERTIFICATE_HOLD},
    {"privilegeWithdrawn", CRL_REASON_PRIVILEGE_WITHDRAWN},
    {"aACompromise", CRL_REASON_AA_COMPROMISE},
};

int crl_reason_code(const char *reason)
{
	for (size_t i = 0;
	     reason != NULL && i < sizeof(reason_codes) / sizeof(*reason_codes);
	     i++)
		if (strcmp(reason_codes[i].name, reason) == 0)
			return reason_codes[i].code;
	return -1;
}

void crl_document_free(struct crl_document *d)
{
	if (d == NULL)
		return;
	free(d->der);
	memset(d, 0, sizeof(*d));
}

/* The windows with defaults filled in; a refresh never reaches the
 * whole validity, or every request would sign. */
static void options_pick(const struct crl_options *opt, int64_t *validity,
			 int64_t *refresh)
{
	*validity = opt != NULL && opt->validity > 0 ? opt->validity
						     : CRL_VALIDITY_DEFAULT;
	*refresh = opt != NULL && opt->refresh > 0 ? opt->refresh
						   : CRL_REFRESH_DEFAULT;
	if (*refresh > *validity / 2)
		*refresh = *validity / 2;
}

/* A serial kept as lowercase hex, as an ASN1_INTEGER; NULL if bad. */
static ASN1_INTEGER *serial_parse(const char *hex)
{
	BIGNUM *bn = NULL;
	ASN1_INTEGER *out = NULL;

	if (hex != NULL && BN_hex2bn(&bn, hex) == (int)strlen(hex))
		out = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return out;
}

/* One entry, with its reason code and invalidity date when it has them. */
static X509_REVOKED *entry_make(const char *serial, int64_t revoked_at,
				const char *reason, int64_t invalidity_date)
{
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_INTEGER *sn = serial_parse(serial);
	ASN1_TIME *at = ASN1_TIME_set(NULL, (time_t)revoked_at);
	ASN1_ENUMERATED *code = NULL;
	ASN1_GENERALIZEDTIME *inv = NULL;
	int c = crl_reason_code(reason);
	int ok = r != NULL && sn != NULL && at != NULL &&
		 X509_REVOKED_set_serialNumber(r, sn) == 1 &&
		 X509_REVOKED_set_revocationDate(r, at) == 1;

	if (ok && c >= 0)
		ok = (code = ASN1_ENUMERATED_new()) != NULL &&
		     ASN1_ENUMERATED_set(code, c) == 1 &&
		     X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, code, 0, 0) ==
			 1;
	if (ok && invalidity_date > 0)
		ok = (inv = ASN1_GENERALIZEDTIME_set(
			  NULL, (time_t)invalidity_date)) != NULL &&
		     X509_REVOKED_add1_ext_i2d(r, NID_invalidity_date, inv, 0,
					       0) == 1;
	ASN1_INTEGER_free(sn);
	ASN1_TIME_free(at);
	ASN1_ENUMERATED_free(code);
	ASN1_GENERALIZEDTIME_free(inv);
	if (!ok) {
		X509_REVOKED_free(r);
		return NULL;
	}
	return r;
}

static int entry_add(void *arg, const char *serial, int64_t revoked_at,
		     const char *reason, int64_t invalidity_date)
{
	X509_CRL *crl = arg;
	X509_REVOKED *r =
	    entry_make(serial, revoked_at, reason, invalidity_date);

	if (r == NULL || X509_CRL_add0_revoked(crl, r) != 1) {
		X509_REVOKED_free(r);
		log_openssl_errors("crl.build", "X509_CRL_add0_revoked");
		return -1;
	}
	return 0;
}

/* authorityKeyIdentifier: the CA's subjectKeyIdentifier, or the SHA-1
 * of its key when it has none (RFC 5280 4.2.1.2, method 1). */
static int aki_add(X509_CRL *crl, X509 *ca)
{
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(ca);
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	int ok = akid != NULL;

	if (ok && skid != NULL)
		ok = (akid->keyid = ASN1_OCTET_STRING_dup(skid)) != NULL;
	else if (ok)
		ok = X509_pubkey_digest(ca, EVP_sha1(), md, &n) == 1 &&
		     (akid->keyid = ASN1_OCTET_STRING_new()) != NULL &&
		     ASN1_OCTET_STRING_set(akid->keyid, md, (int)n) == 1;
	ok = ok && X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier,
					 akid, 0, 0) == 1;
	AUTHORITY_KEYID_free(akid);
	return ok ? 0 : -1;
}

/* Signs crl with the CA's key, hash and padding. */
static int crl_sign(X509_CRL *crl, const struct issue_signer *signer)
{
	const struct key_type *kt = key_type_of(signer->key);
	const EVP_MD *md =
	    kt != NULL ? key_type_digest(kt, signer->hash) : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = ctx != NULL && kt != NULL &&
		 EVP_DigestSignInit_ex(ctx, &pctx,
				       md != NULL ? EVP_MD_get0_name(md) : NULL,
				       NULL, NULL, signer->key, NULL) == 1;

	if (ok && signer->pss && kt->family == KEY_RSA)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
						  RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(
			 pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
	ok = ok && X509_CRL_sign_ctx(crl, ctx) > 0;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* The header of the CRL of claim: version 2, issuer, window, number. */
static int crl_head(X509_CRL *crl, const struct issue_signer *signer,
		    const struct store_crl *claim)
{
	ASN1_TIME *this_update =
	    ASN1_TIME_set(NULL, (time_t)claim->this_update);
	ASN1_TIME *next_update =
	    ASN1_TIME_set(NULL, (time_t)claim->next_update);
	ASN1_INTEGER *number = ASN1_INTEGER_new();
	int ok =
	    this_update != NULL && next_update != NULL && number != NULL &&
	    ASN1_INTEGER_set_int64(number, claim->number) == 1 &&
	    X509_CRL_set_version(crl, X509_CRL_VERSION_2) == 1 &&
	    X509_CRL_set_issuer_name(
		crl, X509_get_subject_name(signer->cert)) == 1 &&
	    X509_CRL_set1_lastUpdate(crl, this_update) == 1 &&
	    X509_CRL_set1_nextUpdate(crl, next_update) == 1 &&
	    X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, 0) == 1 &&
	    aki_add(crl, signer->cert) == 0;

	ASN1_TIME_free(this_update);
	ASN1_TIME_free(next_update);
	ASN1_INTEGER_free(number);
	return ok ? 0 : -1;
}

/* Builds and signs the CRL of claim: every revoked certificate of the
 * CA that has not expired, holds included, read a page at a time. */
static enum engine_result crl_build(const struct ca_context *ctx,
				    const struct store_ca *ca,
				    const struct store_crl *claim, int64_t now,
				    struct crl_document *out,
				    struct engine_error *err)
{
	struct issue_signer signer;
	X509_CRL *crl = NULL;
	unsigned char *der = NULL;
	enum store_result rc = STORE_ERROR;
	enum engine_result res = ca_signer_open(ctx, ca, &signer, err);
	int len = -1;

	if (res != ENGINE_OK)
		return res;
	crl = X509_CRL_new();
	if (crl != NULL && crl_head(crl, &signer, claim) == 0)
		rc = store_revoked_each(ctx->st, ca->id, now, entry_add, crl);
	if (rc == STORE_OK && X509_CRL_sort(crl) == 1 &&
	    crl_sign(crl, &signer) == 0)
		len = i2d_X509_CRL(crl, &der);
	if (len > 0 && (out->der = malloc((size_t)len)) != NULL) {
		memcpy(out->der, der, (size_t)len);
		out->len = (size_t)len;
		out->number = claim->number;
		out->this_update = claim->this_update;
		out->next_update = claim->next_update;
	} else if (rc == STORE_OK || rc == STORE_ERROR) {
		log_openssl_errors("crl.sign", "X509_CRL_sign_ctx");
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the CRL could not be signed; the server "
				  "log has the cause");
	} else {
		res = engine_store_fail(err, rc, "CRL");
	}
	OPENSSL_free(der);
	X509_CRL_free(crl);
	ca_signer_clear(&signer);
	return res;
}

/* Copies a stored CRL into out. */
static enum engine_result crl_serve(const struct store_crl *c,
				    struct crl_document *out,
				    struct engine_error *err)
{
	out->der = malloc(c->der_len);
	if (out->der == NULL)
		return engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	memcpy(out->der, c->der, c->der_len);
	out->len = c->der_len;
	out->number = c->number;
	out->this_update = c->this_update;
	out->next_update = c->next_update;
	return ENGINE_OK;
}

enum engine_result crl_get(const struct ca_context *ctx, const char *ca_id,
			   const struct crl_options *opt, int64_t now,
			   struct crl_document *out, struct engine_error *err)
{
	struct store_ca ca;
	struct store_crl c = {0};
	int64_t validity, refresh, version;
	enum store_result rc;
	enum engine_result res;

	memset(out, 0, sizeof(*out));
	options_pick(opt, &validity, &refresh);
	res = aia_ca_find(ctx, ca_id, &ca, err);
	if (res != ENGINE_OK)
		return res;

	/* Most requests end here: the stored CRL is current. */
	rc = store_crl_get(ctx->st, ca.id, &c, &version);
	if (rc == STORE_OK && c.der != NULL && c.version == version &&
	    c.next_update > now + refresh) {
		res = crl_serve(&c, out, err);
		goto done;
	}
	store_crl_free(&c);

	/* The number is durable before any CRL carries it. */
	rc = store_crl_claim(ctx->st, ca.id, now, now + validity, now + refresh,
			     &c);
	if (rc != STORE_OK)
		res = engine_store_fail(err, rc, "CRL");
	else if (c.der != NULL)
		res = crl_serve(&c, out, err);
	else if ((res = crl_build(ctx, &ca, &c, now, out, err)) == ENGINE_OK) {
		/* Its number is durable already: a CRL that could not be
		 * kept (or was overtaken by a newer claim) is still good. */
		rc =
		    store_crl_put(ctx->st, ca.id, c.number, out->der, out->len);
		log_event(rc == STORE_OK || rc == STORE_CONFLICT ? LOG_INFO
								 : LOG_WARN,
			  "crl.signed",
			  "ca=%s number=%lld next_update=%lld "
			  "kept=%s",
			  ca.id, (long long)c.number, (long long)c.next_update,
			  rc == STORE_OK ? "yes" : "no");
	}
done:
	store_crl_free(&c);
	store_ca_free(&ca);
	return res;
}
