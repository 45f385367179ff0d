#include "engine/build.h"

#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>

#include "engine/keytype.h"
#include "engine/serial.h"
#include "lib/log.h"

#define EXT_TEXT_MAX 2048

static const struct {
	unsigned bit;
	const char *name;
} key_usages[] = {
    {X509v3_KU_DIGITAL_SIGNATURE, "digitalSignature"},
    {X509v3_KU_NON_REPUDIATION, "nonRepudiation"},
    {X509v3_KU_KEY_ENCIPHERMENT, "keyEncipherment"},
    {X509v3_KU_DATA_ENCIPHERMENT, "dataEncipherment"},
    {X509v3_KU_KEY_AGREEMENT, "keyAgreement"},
    {X509v3_KU_KEY_CERT_SIGN, "keyCertSign"},
    {X509v3_KU_CRL_SIGN, "cRLSign"},
};

/* Adds one extension from OpenSSL's config text. 0 or -1. */
static int ext_add(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer != NULL ? issuer : cert, cert, NULL, NULL,
		       0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = ext != NULL && X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* Appends text to out (size n, used *o); -1 when it does not fit. */
static int text_add(char *out, size_t n, size_t *o, const char *text)
{
	int w = snprintf(out + *o, n - *o, "%s%s", *o > 0 ? "," : "", text);

	if (w < 0 || (size_t)w >= n - *o)
		return -1;
	*o += (size_t)w;
	return 0;
}

static int key_usage_add(X509 *cert, const struct template_settings *tpl)
{
	char text[512];
	size_t o = 0;

	if (tpl->key_usage == 0)
		return 0;
	if (tpl->key_usage_critical &&
	    text_add(text, sizeof(text), &o, "critical") != 0)
		return -1;
	for (size_t i = 0; i < sizeof(key_usages) / sizeof(*key_usages); i++)
		if ((tpl->key_usage & key_usages[i].bit) &&
		    text_add(text, sizeof(text), &o, key_usages[i].name) != 0)
			return -1;
	return ext_add(cert, NULL, NID_key_usage, text);
}

static int eku_add(X509 *cert, const struct template_settings *tpl)
{
	char text[EXT_TEXT_MAX];
	size_t o = 0;

	if (tpl->n_eku == 0)
		return 0;
	if (tpl->eku_critical &&
	    text_add(text, sizeof(text), &o, "critical") != 0)
		return -1;
	for (size_t i = 0; i < tpl->n_eku; i++)
		if (text_add(text, sizeof(text), &o, tpl->eku[i]) != 0)
			return -1;
	return ext_add(cert, NULL, NID_ext_key_usage, text);
}

static int basic_constraints_add(X509 *cert,
				 const struct template_settings *tpl)
{
	char text[64];

	if (!tpl->ca)
		snprintf(text, sizeof(text), "%sCA:FALSE",
			 tpl->basic_constraints_critical ? "critical," : "");
	else if (tpl->path_length >= 0)
		snprintf(text, sizeof(text), "critical,CA:TRUE,pathlen:%d",
			 tpl->path_length);
	else
		snprintf(text, sizeof(text), "critical,CA:TRUE");
	return ext_add(cert, NULL, NID_basic_constraints, text);
}

/* AIA, CRL distribution point and policies: the URLs of the CA. */
static int urls_add(X509 *cert, const struct issue_signer *signer,
		    const struct template_settings *tpl)
{
	char text[EXT_TEXT_MAX];
	int n;

	if (signer->cert == NULL || signer->base_url == NULL)
		return 0;
	if (tpl->aia_include) {
		n = tpl->aia_url[0] != '\0'
			? snprintf(text, sizeof(text), "caIssuers;URI:%s",
				   tpl->aia_url)
			: snprintf(text, sizeof(text),
				   "caIssuers;URI:%s/ca/%s.crt",
				   signer->base_url, signer->ca_id);
		if (n > 0 && (size_t)n < sizeof(text) && tpl->aia_ocsp)
			snprintf(text + n, sizeof(text) - (size_t)n,
				 ",OCSP;URI:%s/ocsp/%s", signer->base_url,
				 signer->ca_id);
		if (ext_add(cert, NULL, NID_info_access, text) != 0)
			return -1;
	}
	if (tpl->crl_distribution_point) {
		snprintf(text, sizeof(text), "URI:%s/crl/%s.crl",
			 signer->base_url, signer->ca_id);
		if (ext_add(cert, NULL, NID_crl_distribution_points, text) != 0)
			return -1;
	}
	return 0;
}

/* The certificate policies extension, built by hand for the CPS. */
static int policies_add(X509 *cert, const struct template_settings *tpl)
{
	CERTIFICATEPOLICIES *cps = CERTIFICATEPOLICIES_new();
	POLICYINFO *pi = POLICYINFO_new();
	POLICYQUALINFO *q = NULL;
	int ok;

	if (!tpl->policies_include) {
		CERTIFICATEPOLICIES_free(cps);
		POLICYINFO_free(pi);
		return 0;
	}
	ok = cps != NULL && pi != NULL &&
	     (pi->policyid = OBJ_txt2obj(tpl->policy_oid, 1)) != NULL;
	if (ok && tpl->cps_url[0] != '\0') {
		ok = (pi->qualifiers = sk_POLICYQUALINFO_new_null()) != NULL &&
		     (q = POLICYQUALINFO_new()) != NULL &&
		     (q->pqualid = OBJ_nid2obj(NID_id_qt_cps)) != NULL &&
		     (q->d.cpsuri = ASN1_IA5STRING_new()) != NULL &&
		     ASN1_STRING_set(q->d.cpsuri, tpl->cps_url, -1) == 1 &&
		     sk_POLICYQUALINFO_push(pi->qualifiers, q) > 0;
		if (!ok)
			POLICYQUALINFO_free(q);
	}
	ok = ok && sk_POLICYINFO_push(cps, pi) > 0;
	if (!ok)
		POLICYINFO_free(pi);
	ok = ok && X509_add1_ext_i2d(cert, NID_certificate_policies, cps, 0,
				     X509V3_ADD_APPEND) == 1;
	CERTIFICATEPOLICIES_free(cps);
	return ok ? 0 : -1;
}

static int extensions_add(X509 *cert, const struct issue_signer *signer,
			  const struct template_settings *tpl,
			  const GENERAL_NAMES *sans)
{
	X509 *issuer = signer->cert != NULL ? signer->cert : cert;

	if (basic_constraints_add(cert, tpl) != 0 ||
	    key_usage_add(cert, tpl) != 0 || eku_add(cert, tpl) != 0 ||
	    ext_add(cert, NULL, NID_subject_key_identifier, "hash") != 0 ||
	    (signer->cert != NULL &&
	     ext_add(cert, issuer, NID_authority_key_identifier,
		     "keyid:always") != 0))
		return -1;
	if (sans != NULL && sk_GENERAL_NAME_num(sans) > 0 &&
	    X509_add1_ext_i2d(
		cert, NID_subject_alt_name, (void *)sans,
		X509_NAME_entry_count(X509_get_subject_name(cert)) == 0,
		X509V3_ADD_APPEND) != 1)
		return -1;
	if (tpl->ocsp_nocheck &&
	    ext_add(cert, NULL, NID_id_pkix_OCSP_noCheck, "ignored") != 0)
		return -1;
	if (urls_add(cert, signer, tpl) != 0 || policies_add(cert, tpl) != 0)
		return -1;
	return 0;
}

int build_sign(X509 *cert, EVP_PKEY *key, const char *hash, int pss)
{
	const struct key_type *kt = key_type_of(key);
	const EVP_MD *md = kt != NULL ? key_type_digest(kt, hash) : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok;

	ok = ctx != NULL && kt != NULL &&
	     EVP_DigestSignInit_ex(ctx, &pctx,
				   md != NULL ? EVP_MD_get0_name(md) : NULL,
				   NULL, NULL, key, NULL) == 1;
	if (ok && pss && kt->family == KEY_RSA)
		ok = EVP_PKEY_CTX_set_rsa_padding(pctx,
						  RSA_PKCS1_PSS_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_rsa_pss_saltlen(
			 pctx, RSA_PSS_SALTLEN_DIGEST) == 1;
	ok = ok && X509_sign_ctx(cert, ctx) > 0;
	if (!ok)
		log_openssl_errors("issue.sign", "X509_sign_ctx");
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -1;
}

/*
 * cert's SubjectPublicKeyInfo as a copy of spki's algorithm and key
 * bits. X509_set_pubkey would encode the key and decode it again, which
 * OpenSSL's decoders make a sixth of a P-256 issuance. 0 or -1.
 */
static int spki_copy(X509 *cert, const X509_PUBKEY *spki)
{
	X509_PUBKEY *to = X509_get_X509_PUBKEY(cert);
	X509_ALGOR *from_alg, *to_alg;
	const ASN1_OBJECT *obj;
	const unsigned char *bits;
	unsigned char *copy;
	int len, ptype;

	if (to == NULL ||
	    X509_PUBKEY_get0_param(NULL, &bits, &len, &from_alg, spki) != 1 ||
	    X509_PUBKEY_get0_param(NULL, NULL, NULL, &to_alg, to) != 1 ||
	    X509_ALGOR_copy(to_alg, from_alg) != 1)
		return -1;
	X509_ALGOR_get0(&obj, &ptype, NULL, to_alg);
	copy = OPENSSL_memdup(bits, (size_t)len);
	/* V_ASN1_EOC keeps the parameters just copied; absent ones (EdDSA,
	 * ML-DSA, SLH-DSA) must stay absent, not become empty. */
	if (copy == NULL ||
	    X509_PUBKEY_set0_param(to, OBJ_dup(obj),
				   ptype == V_ASN1_UNDEF ? V_ASN1_UNDEF
							 : V_ASN1_EOC,
				   NULL, copy, len) != 1) {
		OPENSSL_free(copy);
		return -1;
	}
	return 0;
}

/*
 * The certificate's key: spki copied when given, except in a
 * self-signed certificate, whose lint needs the key itself parsed.
 */
static int key_set(X509 *cert, EVP_PKEY *key, const X509_PUBKEY *spki,
		   int self_signed)
{
	if (spki != NULL && !self_signed)
		return spki_copy(cert, spki);
	return X509_set_pubkey(cert, key) == 1 ? 0 : -1;
}

X509 *build_certificate(const struct issue_signer *signer,
			const struct template_settings *tpl,
			const X509_NAME *subject, const GENERAL_NAMES *sans,
			EVP_PKEY *key, const X509_PUBKEY *spki,
			int64_t not_before, int64_t not_after,
			struct engine_error *err)
{
	X509 *cert = X509_new();
	ASN1_INTEGER *serial = serial_random();
	const X509_NAME *issuer = signer->cert != NULL
				      ? X509_get_subject_name(signer->cert)
				      : subject;
	int ok;

	ok = cert != NULL && serial != NULL &&
	     X509_set_version(cert, X509_VERSION_3) == 1 &&
	     X509_set_serialNumber(cert, serial) == 1 &&
	     X509_set_subject_name(cert, subject) == 1 &&
	     X509_set_issuer_name(cert, issuer) == 1 &&
	     ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)not_before) &&
	     ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)not_after) &&
	     key_set(cert, key, spki, signer->cert == NULL) == 0 &&
	     extensions_add(cert, signer, tpl, sans) == 0 &&
	     build_sign(cert, signer->key, signer->hash, signer->pss) == 0;
	ASN1_INTEGER_free(serial);
	if (!ok) {
		log_openssl_errors("issue.build", "certificate");
		X509_free(cert);
		engine_fail(err, ENGINE_ERROR, NULL,
			    "the certificate could not be built or signed; "
			    "the server log has the cause");
		return NULL;
	}
	return cert;
}
