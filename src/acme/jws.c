/*
 * ACME's flattened JWS (RFC 8555 section 6.2) and the external account
 * binding inside a newAccount payload (section 7.3.4): parsed strictly,
 * then the signature or MAC checked with OpenSSL. The keys themselves
 * are jwk.c's.
 */
#include "acme/jws.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/log.h"

#define ED25519_SIG_LEN 64

const char *const acme_jws_algs[] = {"RS256", "ES256", "ES384",
				     "ES512", "EdDSA", NULL};

enum sig_kind { SIG_RSA, SIG_EC, SIG_ED25519 };

/* The outer JWS algorithms (RFC 7518 section 3.1, RFC 8037 section 3.1). */
static const struct jws_alg {
	const char *name;
	enum sig_kind kind;
	const char *md; /* NULL for EdDSA, which hashes by itself */
	int curve;	/* SIG_EC: the key's curve */
	size_t half;	/* SIG_EC: octets of r and of s */
} jws_algs[] = {
    {"RS256", SIG_RSA, "SHA256", NID_undef, 0},
    {"ES256", SIG_EC, "SHA256", NID_X9_62_prime256v1, 32},
    {"ES384", SIG_EC, "SHA384", NID_secp384r1, 48},
    {"ES512", SIG_EC, "SHA512", NID_secp521r1, 66},
    {"EdDSA", SIG_ED25519, NULL, NID_undef, 0},
};

/* The MACs of an external account binding (RFC 7518 section 3.2). */
static const struct mac_alg {
	const char *name;
	const char *md;
	size_t len;
} mac_algs[] = {
    {"HS256", "SHA256", 32},
    {"HS384", "SHA384", 48},
    {"HS512", "SHA512", 64},
};

/* A flattened JWS taken apart, before its header is understood. */
struct jws_parts {
	json_t *header;
	uint8_t *payload;
	size_t payload_len;
	char *signing_input;
	uint8_t *sig;
	size_t sig_len;
};

void acme_jws_fail(struct acme_jws_error *err, const char *type,
		   const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->type = type;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	/* Quoted peer text may be cut inside a UTF-8 sequence or hold
	 * control characters: the detail stays printable ASCII. */
	for (char *p = err->detail; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			*p = '?';
}

static int depth_within(const json_t *v, int depth)
{
	const char *key;
	json_t *item;
	size_t i;

	if (depth > ACME_JSON_DEPTH_MAX)
		return 0;
	if (json_is_object(v)) {
		json_object_foreach ((json_t *)v, key, item)
			if (!depth_within(item, depth + 1))
				return 0;
	} else if (json_is_array(v)) {
		json_array_foreach (v, i, item)
			if (!depth_within(item, depth + 1))
				return 0;
	}
	return 1;
}

json_t *acme_json_load(const uint8_t *data, size_t len, const char *what,
		       struct acme_jws_error *err)
{
	json_error_t jerr;
	json_t *v;

	if (len > ACME_JWS_MAX) {
		acme_jws_fail(err, "malformed",
			      "%s is %zu bytes; at most %d are taken", what,
			      len, ACME_JWS_MAX);
		return NULL;
	}
	/* Without JSON_ALLOW_NUL jansson refuses \u0000 in strings. */
	v = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (v == NULL) {
		acme_jws_fail(err, "malformed", "%s is not JSON: %s (byte %d)",
			      what, jerr.text, jerr.position);
		return NULL;
	}
	if (!json_is_object(v)) {
		acme_jws_fail(err, "malformed", "%s is not a JSON object",
			      what);
		json_decref(v);
		return NULL;
	}
	if (!depth_within(v, 0)) {
		acme_jws_fail(err, "malformed",
			      "%s is nested more than %d deep", what,
			      ACME_JSON_DEPTH_MAX);
		json_decref(v);
		return NULL;
	}
	return v;
}

/*
 * Member name of obj: a string of base64url without padding, empty only
 * when may_be_empty; *text gets it as sent, *out the octets. 0, or -1
 * with err.
 */
static int b64_member(const json_t *obj, const char *what, const char *name,
		      int may_be_empty, const char **text, uint8_t **out,
		      size_t *out_len, struct acme_jws_error *err)
{
	const json_t *v = json_object_get(obj, name);
	const char *s;
	size_t n;

	if (v == NULL || !json_is_string(v)) {
		acme_jws_fail(err, "malformed",
			      "%s has no \"%s\" string (RFC 7515 section "
			      "7.2.2)",
			      what, name);
		return -1;
	}
	s = json_string_value(v);
	n = json_string_length(v);
	if (n == 0 && !may_be_empty) {
		acme_jws_fail(err, "malformed", "%s \"%s\" is empty", what,
			      name);
		return -1;
	}
	if (n > 0 && s[n - 1] == '=') {
		acme_jws_fail(
		    err, "malformed",
		    "%s \"%s\" ends in \"=\" padding, which base64url "
		    "in ACME leaves out (RFC 8555 section 6.1)",
		    what, name);
		return -1;
	}
	if (base64url_decode(s, n, out, out_len) != 0) {
		acme_jws_fail(err, "malformed",
			      "%s \"%s\" is not base64url (RFC 4648 section 5)",
			      what, name);
		return -1;
	}
	*text = s;
	return 0;
}

static void parts_free(struct jws_parts *p)
{
	json_decref(p->header);
	free(p->payload);
	free(p->signing_input);
	free(p->sig);
	memset(p, 0, sizeof(*p));
}

/* obj's members must be exactly the flattened serialisation's three. */
static int parts_members_check(const json_t *obj, const char *what,
			       struct acme_jws_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach ((json_t *)obj, key, v) {
		if (strcmp(key, "protected") == 0 ||
		    strcmp(key, "payload") == 0 ||
		    strcmp(key, "signature") == 0)
			continue;
		if (strcmp(key, "header") == 0)
			acme_jws_fail(err, "malformed",
				      "%s has an unprotected \"header\", which "
				      "ACME forbids (RFC 8555 section 6.2)",
				      what);
		else if (strcmp(key, "signatures") == 0)
			acme_jws_fail(err, "malformed",
				      "%s has \"signatures\": ACME takes one "
				      "signature, flattened (RFC 8555 section "
				      "6.2)",
				      what);
		else
			acme_jws_fail(err, "malformed",
				      "%s has the member \"%.32s\"; only "
				      "\"protected\", \"payload\" and "
				      "\"signature\" belong (RFC 8555 section "
				      "6.2)",
				      what, key);
		return -1;
	}
	return 0;
}

/* Takes a flattened JWS (RFC 7515 section 7.2.2) apart. 0, or -1 with
 * err and p empty. */
static int parts_split(const json_t *obj, const char *what, struct jws_parts *p,
		       struct acme_jws_error *err)
{
	const char *prot = NULL, *payload = NULL, *sig = NULL;
	uint8_t *header = NULL;
	size_t header_len = 0, prot_len, payload_len;
	char header_what[64];

	memset(p, 0, sizeof(*p));
	if (!json_is_object(obj)) {
		acme_jws_fail(err, "malformed", "%s is not a JSON object",
			      what);
		return -1;
	}
	if (parts_members_check(obj, what, err) != 0 ||
	    b64_member(obj, what, "protected", 0, &prot, &header, &header_len,
		       err) != 0 ||
	    b64_member(obj, what, "payload", 1, &payload, &p->payload,
		       &p->payload_len, err) != 0 ||
	    b64_member(obj, what, "signature", 0, &sig, &p->sig, &p->sig_len,
		       err) != 0)
		goto fail;

	snprintf(header_what, sizeof(header_what), "%s protected header", what);
	p->header = acme_json_load(header, header_len, header_what, err);
	if (p->header == NULL)
		goto fail;

	/* RFC 7515 section 5.2: the input is the two strings as sent. */
	prot_len = strlen(prot);
	payload_len = strlen(payload);
	p->signing_input = malloc(prot_len + 1 + payload_len + 1);
	if (p->signing_input == NULL) {
		acme_jws_fail(err, "serverInternal", "out of memory");
		goto fail;
	}
	memcpy(p->signing_input, prot, prot_len);
	p->signing_input[prot_len] = '.';
	memcpy(p->signing_input + prot_len + 1, payload, payload_len + 1);
	free(header);
	return 0;
fail:
	free(header);
	parts_free(p);
	return -1;
}

/* Refuses the members no ACME JWS may have in its protected header. */
static int header_common_check(const json_t *hdr, const char *what,
			       struct acme_jws_error *err)
{
	if (json_object_get(hdr, "crit") != NULL) {
		acme_jws_fail(err, "malformed",
			      "%s has \"crit\", but no extension is understood "
			      "here (RFC 7515 section 4.1.11)",
			      what);
		return -1;
	}
	if (json_object_get(hdr, "b64") != NULL) {
		acme_jws_fail(err, "malformed",
			      "%s has \"b64\": the unencoded payload option is "
			      "not allowed (RFC 8555 section 6.2)",
			      what);
		return -1;
	}
	return 0;
}

/* Member name of hdr: absent (*out NULL; refused when required) or a
 * non-empty string. 0, or -1 with err. */
static int header_string(const json_t *hdr, const char *what, const char *name,
			 int required, const char *section, const char **out,
			 struct acme_jws_error *err)
{
	const json_t *v = json_object_get(hdr, name);

	*out = NULL;
	if (v == NULL && !required)
		return 0;
	if (v == NULL) {
		acme_jws_fail(err, "malformed",
			      "%s has no \"%s\" (RFC 8555 section %s)", what,
			      name, section);
		return -1;
	}
	if (!json_is_string(v) || json_string_length(v) == 0) {
		acme_jws_fail(err, "malformed",
			      "%s \"%s\" is not a non-empty string (RFC 8555 "
			      "section %s)",
			      what, name, section);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

static const struct jws_alg *jws_alg_find(const char *name)
{
	for (size_t i = 0; i < sizeof(jws_algs) / sizeof(*jws_algs); i++)
		if (strcmp(jws_algs[i].name, name) == 0)
			return &jws_algs[i];
	return NULL;
}

static const struct mac_alg *mac_alg_find(const char *name)
{
	for (size_t i = 0; i < sizeof(mac_algs) / sizeof(*mac_algs); i++)
		if (strcmp(mac_algs[i].name, name) == 0)
			return &mac_algs[i];
	return NULL;
}

/* The outer JWS's "alg": one of jws_algs. */
static int outer_alg_check(const char *alg, struct acme_jws_error *err)
{
	if (jws_alg_find(alg) != NULL)
		return 0;
	if (strcmp(alg, "none") == 0)
		acme_jws_fail(err, "badSignatureAlgorithm",
			      "JWS \"alg\" is \"none\": ACME requests are "
			      "signed (RFC 8555 section 6.2)");
	else if (mac_alg_find(alg) != NULL)
		acme_jws_fail(err, "badSignatureAlgorithm",
			      "JWS \"alg\" %s is a MAC, not a signature; use "
			      "RS256, ES256, ES384, ES512 or EdDSA (RFC 8555 "
			      "section 6.2)",
			      alg);
	else
		acme_jws_fail(err, "badSignatureAlgorithm",
			      "JWS \"alg\" \"%.20s\" is not supported; use "
			      "RS256, ES256, ES384, ES512 or EdDSA",
			      alg);
	return -1;
}

/* A "nonce" present must be base64url (RFC 8555 section 6.5.2). */
static int nonce_check(const char *nonce, struct acme_jws_error *err)
{
	uint8_t *raw = NULL;
	size_t raw_len = 0;
	size_t n = strlen(nonce);

	if (nonce[n - 1] == '=' ||
	    base64url_decode(nonce, n, &raw, &raw_len) != 0) {
		acme_jws_fail(err, "malformed",
			      "JWS \"nonce\" is not base64url without padding "
			      "(RFC 8555 section 6.5.2)");
		return -1;
	}
	free(raw);
	return 0;
}

static int strdup_to(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst != NULL ? 0 : -1;
}

/* The outer JWS's protected header (RFC 8555 section 6.2) into out. */
static int outer_header_parse(const json_t *hdr, struct acme_jws *out,
			      struct acme_jws_error *err)
{
	static const char what[] = "JWS protected header";
	const json_t *jwk = json_object_get(hdr, "jwk");
	const char *alg, *kid, *nonce, *url;

	if (header_common_check(hdr, what, err) != 0 ||
	    header_string(hdr, what, "alg", 1, "6.2", &alg, err) != 0 ||
	    outer_alg_check(alg, err) != 0 ||
	    header_string(hdr, what, "kid", 0, "6.2", &kid, err) != 0)
		return -1;
	if ((jwk != NULL) == (kid != NULL)) {
		acme_jws_fail(err, "malformed",
			      "%s has %s \"jwk\" and \"kid\"; it takes exactly "
			      "one (RFC 8555 section 6.2)",
			      what, jwk != NULL ? "both" : "neither");
		return -1;
	}
	if (header_string(hdr, what, "nonce", 0, "6.5.2", &nonce, err) != 0 ||
	    (nonce != NULL && nonce_check(nonce, err) != 0) ||
	    header_string(hdr, what, "url", 0, "6.4", &url, err) != 0)
		return -1;
	if (jwk != NULL && acme_jwk_parse(jwk, &out->jwk, err) != 0)
		return -1;
	if (strdup_to(&out->alg, alg) != 0 || strdup_to(&out->kid, kid) != 0 ||
	    strdup_to(&out->nonce, nonce) != 0 ||
	    strdup_to(&out->url, url) != 0) {
		acme_jws_fail(err, "serverInternal", "out of memory");
		return -1;
	}
	return 0;
}

int acme_jws_parse(const uint8_t *body, size_t len, struct acme_jws *out,
		   struct acme_jws_error *err)
{
	struct jws_parts p = {0};
	json_t *obj;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	obj = acme_json_load(body, len, "JWS", err);
	if (obj == NULL)
		return -1;
	if (parts_split(obj, "JWS", &p, err) == 0 &&
	    outer_header_parse(p.header, out, err) == 0) {
		out->payload = p.payload;
		out->payload_len = p.payload_len;
		out->signing_input = p.signing_input;
		out->signature = p.sig;
		out->signature_len = p.sig_len;
		p.payload = p.sig = NULL;
		p.signing_input = NULL;
		rc = 0;
	}
	parts_free(&p);
	json_decref(obj);
	if (rc != 0)
		acme_jws_free(out);
	return rc;
}

static int key_curve(EVP_PKEY *key)
{
	char name[64];
	size_t len = 0;
	int nid;

	if (EVP_PKEY_get_group_name(key, name, sizeof(name), &len) != 1) {
		ERR_clear_error();
		return NID_undef;
	}
	nid = OBJ_sn2nid(name);
	return nid != NID_undef ? nid : EC_curve_nist2nid(name);
}

/* What key is, in words, for a refusal. */
static const char *key_describe(EVP_PKEY *key)
{
	if (EVP_PKEY_is_a(key, "RSA"))
		return "RSA";
	if (EVP_PKEY_is_a(key, "ED25519"))
		return "Ed25519";
	if (EVP_PKEY_is_a(key, "EC")) {
		switch (key_curve(key)) {
		case NID_X9_62_prime256v1: return "EC P-256";
		case NID_secp384r1: return "EC P-384";
		case NID_secp521r1: return "EC P-521";
		default: return "EC";
		}
	}
	return EVP_PKEY_get0_type_name(key) != NULL
		   ? EVP_PKEY_get0_type_name(key)
		   : "unknown";
}

/* key fits a, and the signature has the length a and key give it. */
static int key_fits(const struct jws_alg *a, EVP_PKEY *key, size_t sig_len,
		    struct acme_jws_error *err)
{
	int fits = 0;
	size_t want = 0;

	switch (a->kind) {
	case SIG_RSA:
		fits = EVP_PKEY_is_a(key, "RSA");
		want = fits ? (size_t)EVP_PKEY_get_size(key) : 0;
		break;
	case SIG_EC:
		fits = EVP_PKEY_is_a(key, "EC") && key_curve(key) == a->curve;
		want = 2 * a->half;
		break;
	case SIG_ED25519:
		fits = EVP_PKEY_is_a(key, "ED25519");
		want = ED25519_SIG_LEN;
		break;
	}
	if (!fits) {
		acme_jws_fail(err, "badSignatureAlgorithm",
			      "JWS \"alg\" %s does not fit the %s key that "
			      "must verify it (RFC 7518 section 3.1)",
			      a->name, key_describe(key));
		return -1;
	}
	if (sig_len != want) {
		acme_jws_fail(err, "malformed",
			      "JWS signature is %zu octets; %s with this key "
			      "gives %zu%s (RFC 7518 section 3)",
			      sig_len, a->name, want,
			      a->kind == SIG_EC ? ", r and s concatenated"
						: "");
		return -1;
	}
	return 0;
}

/* JWS's r||s (RFC 7518 section 3.4) as the DER OpenSSL verifies. */
static int ecdsa_der(const uint8_t *rs, size_t half, unsigned char **der,
		     size_t *der_len, struct acme_jws_error *err)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs, (int)half, NULL);
	BIGNUM *s = BN_bin2bn(rs + half, (int)half, NULL);
	int n = -1;

	if (sig != NULL && r != NULL && s != NULL &&
	    ECDSA_SIG_set0(sig, r, s) == 1) {
		r = s = NULL; /* sig owns them now */
		*der = NULL;
		n = i2d_ECDSA_SIG(sig, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	if (n <= 0) {
		log_openssl_errors("acme.jws", "ECDSA_SIG");
		acme_jws_fail(err, "serverInternal", "out of memory");
		return -1;
	}
	*der_len = (size_t)n;
	return 0;
}

int acme_jws_verify(const struct acme_jws *jws, EVP_PKEY *key,
		    struct acme_jws_error *err)
{
	const struct jws_alg *a =
	    jws != NULL && jws->alg != NULL ? jws_alg_find(jws->alg) : NULL;
	unsigned char *der = NULL;
	const unsigned char *sig;
	size_t sig_len;
	EVP_MD_CTX *ctx = NULL;
	int rc = -1;

	if (a == NULL || jws->signing_input == NULL || jws->signature == NULL) {
		acme_jws_fail(err, "serverInternal", "no parsed JWS to verify");
		return -1;
	}
	/* A kid header's JWS verified with its own (absent) jwk. */
	if (key == NULL) {
		acme_jws_fail(err, "malformed",
			      "the JWS carries no key to verify it with: "
			      "\"kid\" where \"jwk\" belongs (RFC 8555 "
			      "section 6.2)");
		return -1;
	}
	if (key_fits(a, key, jws->signature_len, err) != 0)
		return -1;
	sig = jws->signature;
	sig_len = jws->signature_len;
	if (a->kind == SIG_EC) {
		if (ecdsa_der(jws->signature, a->half, &der, &sig_len, err) !=
		    0)
			return -1;
		sig = der;
	}

	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, NULL, a->md, NULL, NULL,
						   key, NULL) != 1) {
		log_openssl_errors("acme.jws", "EVP_DigestVerifyInit_ex");
		acme_jws_fail(err, "serverInternal",
			      "the %s verifier could not be set up", a->name);
		goto out;
	}
	if (EVP_DigestVerify(ctx, sig, sig_len,
			     (const unsigned char *)jws->signing_input,
			     strlen(jws->signing_input)) != 1) {
		ERR_clear_error();
		acme_jws_fail(err, "malformed",
			      "JWS signature does not verify: %s over "
			      "\"protected.payload\" with the %s key (RFC 7515 "
			      "section 5.2)",
			      a->name, key_describe(key));
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(der);
	return rc;
}

void acme_jws_free(struct acme_jws *jws)
{
	if (jws == NULL)
		return;
	free(jws->alg);
	free(jws->nonce);
	free(jws->url);
	free(jws->kid);
	acme_jwk_free(&jws->jwk);
	free(jws->payload);
	free(jws->signing_input);
	free(jws->signature);
	memset(jws, 0, sizeof(*jws));
}

static int printable_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

/* The binding's protected header (RFC 8555 section 7.3.4) into out. */
static int eab_header_parse(const json_t *hdr, struct acme_eab *out,
			    const struct mac_alg **mac,
			    struct acme_jws_error *err)
{
	static const char what[] = "externalAccountBinding protected header";
	const char *alg, *kid, *url;

	if (header_common_check(hdr, what, err) != 0 ||
	    header_string(hdr, what, "alg", 1, "7.3.4", &alg, err) != 0)
		return -1;
	*mac = mac_alg_find(alg);
	if (*mac == NULL) {
		acme_jws_fail(err, "badSignatureAlgorithm",
			      "externalAccountBinding \"alg\" \"%.20s\" is not "
			      "a MAC; use HS256, HS384 or HS512 (RFC 8555 "
			      "section 7.3.4)",
			      alg);
		return -1;
	}
	if (json_object_get(hdr, "nonce") != NULL ||
	    json_object_get(hdr, "jwk") != NULL) {
		acme_jws_fail(err, "malformed",
			      "%s has \"%s\", which it must not (RFC 8555 "
			      "section 7.3.4)",
			      what,
			      json_object_get(hdr, "nonce") != NULL ? "nonce"
								    : "jwk");
		return -1;
	}
	if (header_string(hdr, what, "kid", 1, "7.3.4", &kid, err) != 0 ||
	    header_string(hdr, what, "url", 1, "7.3.4", &url, err) != 0)
		return -1;
	if (!printable_ascii(kid)) {
		acme_jws_fail(err, "malformed",
			      "%s \"kid\" is not printable ASCII (RFC 8555 "
			      "section 7.3.4)",
			      what);
		return -1;
	}
	if (strdup_to(&out->alg, alg) != 0 || strdup_to(&out->kid, kid) != 0 ||
	    strdup_to(&out->url, url) != 0) {
		acme_jws_fail(err, "serverInternal", "out of memory");
		return -1;
	}
	return 0;
}

/* The binding's payload: the JWK of the key being bound. */
static int eab_payload_parse(const struct jws_parts *p, struct acme_eab *out,
			     struct acme_jws_error *err)
{
	static const char what[] = "externalAccountBinding payload";
	json_t *jwk = acme_json_load(p->payload, p->payload_len, what, err);
	char inner[sizeof(err->detail)];
	int rc;

	if (jwk == NULL)
		return -1;
	rc = acme_jwk_parse(jwk, &out->jwk, err);
	json_decref(jwk);
	if (rc != 0 && err != NULL) {
		memcpy(inner, err->detail, sizeof(inner));
		acme_jws_fail(err, err->type, "%s: %s", what, inner);
	}
	return rc;
}

int acme_eab_parse(const json_t *eab, struct acme_eab *out,
		   struct acme_jws_error *err)
{
	static const char what[] = "externalAccountBinding";
	struct jws_parts p = {0};
	const struct mac_alg *mac = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (eab == NULL) {
		acme_jws_fail(err, "externalAccountRequired",
			      "newAccount needs an externalAccountBinding "
			      "(RFC 8555 section 7.3.4)");
		return -1;
	}
	if (parts_split(eab, what, &p, err) != 0 ||
	    eab_header_parse(p.header, out, &mac, err) != 0)
		goto out;
	if (p.sig_len != mac->len) {
		acme_jws_fail(err, "malformed",
			      "%s \"signature\" is %zu octets; an %s MAC is "
			      "%zu",
			      what, p.sig_len, mac->name, mac->len);
		goto out;
	}
	if (eab_payload_parse(&p, out, err) != 0)
		goto out;
	out->signing_input = p.signing_input;
	out->mac = p.sig;
	out->mac_len = p.sig_len;
	p.signing_input = NULL;
	p.sig = NULL;
	rc = 0;
out:
	parts_free(&p);
	if (rc != 0)
		acme_eab_free(out);
	return rc;
}

int acme_eab_mac_ok(const struct acme_eab *eab, const uint8_t *key,
		    size_t key_len)
{
	const struct mac_alg *m =
	    eab != NULL && eab->alg != NULL ? mac_alg_find(eab->alg) : NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t md_len = 0;
	int ok;

	if (m == NULL || key == NULL || key_len == 0 ||
	    eab->signing_input == NULL || eab->mac == NULL ||
	    eab->mac_len != m->len)
		return 0;
	if (EVP_Q_mac(NULL, "HMAC", NULL, m->md, NULL, key, key_len,
		      (const unsigned char *)eab->signing_input,
		      strlen(eab->signing_input), md, sizeof(md),
		      &md_len) == NULL) {
		log_openssl_errors("acme.eab", "HMAC");
		return 0;
	}
	ok = md_len == eab->mac_len && CRYPTO_memcmp(md, eab->mac, md_len) == 0;
	OPENSSL_cleanse(md, sizeof(md));
	return ok;
}

void acme_eab_free(struct acme_eab *eab)
{
	if (eab == NULL)
		return;
	free(eab->alg);
	free(eab->kid);
	free(eab->url);
	acme_jwk_free(&eab->jwk);
	free(eab->signing_input);
	free(eab->mac);
	memset(eab, 0, sizeof(*eab));
}
