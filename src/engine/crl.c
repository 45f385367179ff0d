#include "engine/crl.h"

#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "engine/aia.h"
#include "engine/crl_der.h"
#include "engine/keytype.h"
#include "lib/clock.h"
#include "lib/log.h"

/* Room for the signature's AlgorithmIdentifier: RSA-PSS's, the longest
 * with its parameters, takes under 100 octets. */
#define ALG_MAX 256

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

/* Appends one entry of the walk to the CRL being written (arg). */
static int entry_add(void *arg, const char *serial, int64_t revoked_at,
		     const char *reason, int64_t invalidity_date)
{
	return crl_der_entry_add(arg, serial, revoked_at,
				 crl_reason_code(reason), invalidity_date);
}

/* authorityKeyIdentifier: the CA's subjectKeyIdentifier, or the SHA-1
 * of its key when it has none (RFC 5280 4.2.1.2, method 1). */
static AUTHORITY_KEYID *aki_make(X509 *ca)
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
	if (!ok) {
		AUTHORITY_KEYID_free(akid);
		return NULL;
	}
	return akid;
}

/* The crlExtensions (RFC 5280 5.2) as DER, for OPENSSL_free: cRLNumber
 * and authorityKeyIdentifier. Its length, or -1. */
static int exts_encode(X509 *ca, int64_t number, uint8_t **der)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	ASN1_INTEGER *n = ASN1_INTEGER_new();
	AUTHORITY_KEYID *akid = aki_make(ca);
	int len = -1;
	int ok =
	    n != NULL && akid != NULL && ASN1_INTEGER_set_int64(n, number) == 1;

	*der = NULL;
	ok = ok && X509V3_add1_i2d(&exts, NID_crl_number, n, 0, 0) == 1;
	ok = ok && X509V3_add1_i2d(&exts, NID_authority_key_identifier, akid, 0,
				   0) == 1;
	if (ok)
		len = i2d_X509_EXTENSIONS(exts, der);
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	AUTHORITY_KEYID_free(akid);
	ASN1_INTEGER_free(n);
	return len;
}

/*
 * A context signing with the CA's key, hash and padding, and in alg the
 * DER of the AlgorithmIdentifier it signs under, as the key's provider
 * gives it, so that every key type has its own. NULL on failure.
 */
static EVP_MD_CTX *sign_init(const struct issue_signer *signer,
			     uint8_t alg[ALG_MAX], size_t *alg_len)
{
	const struct key_type *kt = key_type_of(signer->key);
	const EVP_MD *md =
	    kt != NULL ? key_type_digest(kt, signer->hash) : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	OSSL_PARAM params[] = {
	    OSSL_PARAM_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, alg,
				    ALG_MAX),
	    OSSL_PARAM_END};
	int ok = ctx != NULL && kt != NULL &&
		 EVP_DigestSignInit_ex(ctx, &pctx,
				       md != NULL ? EVP_MD_get0_name(md) : NULL,
				       NULL, NULL, signer->key, NULL) == 1;

	if (ok && signer->pss && kt->family == KEY_RSA)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
						  RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(
			 pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
	ok = ok && EVP_PKEY_CTX_get_params(pctx, params) == 1 &&
	     OSSL_PARAM_modified(params) && params[0].return_size > 0;
	if (!ok) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	*alg_len = params[0].return_size;
	return ctx;
}

/*
 * Starts the CRL of claim in w, and returns a context that signs it;
 * NULL on failure. w is crl_der_free's to release either way.
 */
static EVP_MD_CTX *crl_start(struct crl_der *w,
			     const struct issue_signer *signer,
			     const struct store_crl *claim)
{
	uint8_t alg[ALG_MAX], *issuer = NULL, *exts = NULL;
	struct crl_der_head h = {.alg = alg,
				 .this_update = claim->this_update,
				 .next_update = claim->next_update};
	EVP_MD_CTX *ctx = sign_init(signer, alg, &h.alg_len);
	int issuer_len =
	    i2d_X509_NAME(X509_get_subject_name(signer->cert), &issuer);
	int exts_len = exts_encode(signer->cert, claim->number, &exts);

	memset(w, 0, sizeof(*w));
	h.issuer = issuer;
	h.issuer_len = issuer_len > 0 ? (size_t)issuer_len : 0;
	h.exts = exts;
	h.exts_len = exts_len > 0 ? (size_t)exts_len : 0;
	if (ctx == NULL || issuer_len <= 0 || exts_len <= 0) {
		log_openssl_errors("crl.sign", "the CRL's signer and header");
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
	} else if (crl_der_start(w, &h) != 0) {
		EVP_MD_CTX_free(ctx);
		ctx = NULL;
	}
	OPENSSL_free(issuer);
	OPENSSL_free(exts);
	return ctx;
}

/* Closes w, signs its TBSCertList in one call (Ed25519, ML-DSA and
 * SLH-DSA sign no stream) and puts the CRL in out. 0 or -1. */
static int crl_sign(struct crl_der *w, EVP_MD_CTX *ctx,
		    struct crl_document *out)
{
	const uint8_t *tbs;
	uint8_t *sig = NULL;
	size_t len = 0;
	int rc = -1;

	if (crl_der_close(w) != 0)
		return -1;
	tbs = w->buf + w->tbs;
	if (EVP_DigestSign(ctx, NULL, &len, tbs, w->tbs_len) == 1 &&
	    (sig = malloc(len)) != NULL &&
	    EVP_DigestSign(ctx, sig, &len, tbs, w->tbs_len) == 1)
		rc = crl_der_finish(w, sig, len, &out->der, &out->len);
	else
		log_openssl_errors("crl.sign", "EVP_DigestSign");
	free(sig);
	return rc;
}

/* Builds and signs the CRL of claim: every revoked certificate of the
 * CA that has not expired, holds included, read a page at a time and
 * written as it comes. */
static enum engine_result crl_build(const struct ca_context *ctx,
				    const struct store_ca *ca,
				    const struct store_crl *claim, int64_t now,
				    struct crl_document *out,
				    struct engine_error *err)
{
	struct issue_signer signer;
	struct crl_der w;
	EVP_MD_CTX *sctx;
	enum store_result rc = STORE_ERROR;
	enum engine_result res = ca_signer_open(ctx, ca, &signer, err);

	if (res != ENGINE_OK)
		return res;
	if ((sctx = crl_start(&w, &signer, claim)) != NULL)
		rc = store_revoked_each(ctx->st, ca->id, now, entry_add, &w);
	if (rc == STORE_OK && crl_sign(&w, sctx, out) == 0) {
		out->number = claim->number;
		out->this_update = claim->this_update;
		out->next_update = claim->next_update;
	} else if (rc == STORE_OK || rc == STORE_ERROR) {
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the CRL could not be signed; the server "
				  "log has the cause");
	} else {
		res = engine_store_fail(err, rc, "CRL");
	}
	crl_der_free(&w);
	EVP_MD_CTX_free(sctx);
	ca_signer_clear(&signer);
	return res;
}

/* Hands a stored CRL to out, which takes its DER. */
static void crl_serve(struct store_crl *c, struct crl_document *out)
{
	out->der = c->der;
	out->len = c->der_len;
	out->number = c->number;
	out->this_update = c->this_update;
	out->next_update = c->next_update;
	c->der = NULL;
	c->der_len = 0;
}

enum engine_result crl_get(const struct ca_context *ctx, const char *ca_id,
			   const struct crl_options *opt, int64_t now,
			   struct crl_document *out, struct engine_error *err)
{
	struct store_ca ca;
	struct store_crl c = {0};
	int64_t validity, refresh;
	enum store_result rc;
	enum engine_result res;

	memset(out, 0, sizeof(*out));
	options_pick(opt, &validity, &refresh);
	res = aia_ca_find(ctx, ca_id, &ca, err);
	if (res != ENGINE_OK)
		return res;

	/* Most requests end here: the stored CRL is current. One dated
	 * after now was signed before the clock was put back. */
	rc = store_crl_get(ctx->st, ca.id, now + refresh, &c);
	if (rc == STORE_OK && c.this_update > now + CLOCK_SKEW_SECONDS) {
		store_crl_free(&c);
		rc = STORE_NOT_FOUND;
	}
	if (rc == STORE_OK)
		crl_serve(&c, out);
	if (rc != STORE_NOT_FOUND) {
		res = rc == STORE_OK ? ENGINE_OK
				     : engine_store_fail(err, rc, "CRL");
		goto done;
	}

	/* The number is durable before any CRL carries it. */
	rc = store_crl_claim(ctx->st, ca.id, now, now + validity, now + refresh,
			     &c);
	if (rc != STORE_OK)
		res = engine_store_fail(err, rc, "CRL");
	else if (c.der != NULL)
		crl_serve(&c, out);
	else if ((res = crl_build(ctx, &ca, &c, now, out, err)) == ENGINE_OK) {
		/* Its number is durable already: a CRL that could not be
		 * kept (or was overtaken by a newer claim) is still good. */
		rc =
		    store_crl_put(ctx->st, ca.id, c.number, out->der, out->len);
		log_event(rc == STORE_OK || rc == STORE_CONFLICT ? LOG_INFO
								 : LOG_WARN,
			  "crl.signed",
			  "ca=%s number=%lld next_update=%lld bytes=%zu "
			  "kept=%s",
			  ca.id, (long long)c.number, (long long)c.next_update,
			  out->len, rc == STORE_OK ? "yes" : "no");
	}
done:
	store_crl_free(&c);
	store_ca_free(&ca);
	return res;
}
