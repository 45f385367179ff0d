/*
 * JSON Web Keys (RFC 7517; RFC 7518 section 6 for RSA and EC, RFC 8037
 * for Ed25519) into OpenSSL public keys, and their RFC 7638 thumbprints.
 * Every value is checked before OpenSSL sees it: the canonical
 * base64url, the curve's exact coordinate size, no leading zero octets.
 */
#include "acme/jws.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#include "lib/base64.h"
#include "lib/log.h"

#define RSA_BITS_MIN 2048
#define RSA_BITS_MAX 8192
/* OpenSSL's own ceiling for e on large moduli (RSA_MAX_PUBEXP_BITS). */
#define RSA_E_BYTES_MAX 8
#define ED25519_KEY_LEN 32
#define EC_COORD_MAX	66

/* The curves an EC JWK may name (RFC 7518 section 6.2.1.1). */
static const struct jwk_curve {
	const char *crv; /* the JWK's name, which OpenSSL also takes */
	size_t coord_len;
} ec_curves[] = {
    {"P-256", 32},
    {"P-384", 48},
    {"P-521", EC_COORD_MAX},
};

/* Members only a private or secret key has (RFC 7518 section 6). */
static const char *const private_members[] = {"d",  "p",  "q",	 "dp",
					      "dq", "qi", "oth", "k"};

/* A base64url member as sent and decoded. */
struct jwk_value {
	const char *text;
	uint8_t *bytes;
	size_t len;
};

/* Member name of jwk, a non-empty base64url string, decoded. 0, or -1
 * with err. */
static int jwk_value_get(const json_t *jwk, const char *name,
			 struct jwk_value *v, struct acme_jws_error *err)
{
	const json_t *m = json_object_get(jwk, name);
	size_t n;

	memset(v, 0, sizeof(*v));
	if (m == NULL || !json_is_string(m) || json_string_length(m) == 0) {
		acme_jws_fail(err, "malformed",
			      "jwk \"%s\" is missing or not a non-empty "
			      "string (RFC 7518 section 6)",
			      name);
		return -1;
	}
	v->text = json_string_value(m);
	n = json_string_length(m);
	if (v->text[n - 1] == '=' ||
	    base64url_decode(v->text, n, &v->bytes, &v->len) != 0) {
		acme_jws_fail(err, "malformed",
			      "jwk \"%s\" is not base64url without padding "
			      "(RFC 7515 section 2)",
			      name);
		return -1;
	}
	return 0;
}

/* A required string member that names something (kty, crv), or NULL
 * with err. */
static const char *jwk_name_get(const json_t *jwk, const char *name,
				struct acme_jws_error *err)
{
	const json_t *m = json_object_get(jwk, name);

	if (m == NULL || !json_is_string(m)) {
		acme_jws_fail(err, "malformed",
			      "jwk has no \"%s\" string (RFC 7517 section 4)",
			      name);
		return NULL;
	}
	return json_string_value(m);
}

/* A public key of type from the parameters in bld, or NULL. */
static EVP_PKEY *key_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *key = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	/* The values came from the peer: a refusal is theirs, not ours. */
	ERR_clear_error();
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return key;
}

static size_t bits_of(const uint8_t *b, size_t len)
{
	size_t bits = (len - 1) * 8;

	for (unsigned top = b[0]; top != 0; top >>= 1)
		bits++;
	return bits;
}

/* n and e as RFC 7518 section 6.3.1 and our key policy want them. */
static int rsa_values_check(const struct jwk_value *n,
			    const struct jwk_value *e,
			    struct acme_jws_error *err)
{
	size_t bits;

	if (n->bytes[0] == 0 || e->bytes[0] == 0) {
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"%s\" starts with a zero octet; it must "
			      "take the fewest octets (RFC 7518 section 6.3.1)",
			      n->bytes[0] == 0 ? "n" : "e");
		return -1;
	}
	bits = bits_of(n->bytes, n->len);
	if (bits < RSA_BITS_MIN || bits > RSA_BITS_MAX) {
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"n\" is a %zu-bit modulus; RSA account "
			      "keys are %d to %d bits",
			      bits, RSA_BITS_MIN, RSA_BITS_MAX);
		return -1;
	}
	if ((n->bytes[n->len - 1] & 1) == 0) {
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"n\" is even, so not an RSA modulus");
		return -1;
	}
	if (e->len > RSA_E_BYTES_MAX || (e->bytes[e->len - 1] & 1) == 0 ||
	    (e->len == 1 && e->bytes[0] == 1)) {
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"e\" must be odd, at least 3 and at most "
			      "%d bits",
			      RSA_E_BYTES_MAX * 8);
		return -1;
	}
	return 0;
}

/* An RSA JWK's key; *members gets its RFC 7638 members. */
static EVP_PKEY *jwk_rsa(const json_t *jwk, json_t **members,
			 struct acme_jws_error *err)
{
	struct jwk_value n = {0}, e = {0};
	OSSL_PARAM_BLD *bld = NULL;
	BIGNUM *bn_n = NULL, *bn_e = NULL;
	EVP_PKEY *key = NULL;

	if (jwk_value_get(jwk, "n", &n, err) != 0 ||
	    jwk_value_get(jwk, "e", &e, err) != 0 ||
	    rsa_values_check(&n, &e, err) != 0)
		goto out;
	bn_n = BN_bin2bn(n.bytes, (int)n.len, NULL);
	bn_e = BN_bin2bn(e.bytes, (int)e.len, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (bn_n == NULL || bn_e == NULL || bld == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1) {
		log_openssl_errors("acme.jwk", "RSA parameters");
		acme_jws_fail(err, "serverInternal", "out of memory");
		goto out;
	}
	key = key_fromdata("RSA", bld);
	if (key == NULL) {
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"n\" and \"e\" are not an RSA public key");
		goto out;
	}
	*members = json_pack("{s:s, s:s, s:s}", "e", e.text, "kty", "RSA", "n",
			     n.text);
out:
	BN_free(bn_n);
	BN_free(bn_e);
	OSSL_PARAM_BLD_free(bld);
	free(n.bytes);
	free(e.bytes);
	return key;
}

static const struct jwk_curve *curve_find(const char *crv)
{
	for (size_t i = 0; i < sizeof(ec_curves) / sizeof(*ec_curves); i++)
		if (strcmp(ec_curves[i].crv, crv) == 0)
			return &ec_curves[i];
	return NULL;
}

/* x and y of curve c as one uncompressed point (SEC 1 section 2.3.3),
 * checked to lie on the curve. NULL with err. */
static EVP_PKEY *ec_point_key(const struct jwk_curve *c,
			      const struct jwk_value *x,
			      const struct jwk_value *y,
			      struct acme_jws_error *err)
{
	uint8_t point[1 + 2 * EC_COORD_MAX];
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *check = NULL;
	EVP_PKEY *key = NULL;

	point[0] = 0x04;
	memcpy(point + 1, x->bytes, c->coord_len);
	memcpy(point + 1 + c->coord_len, y->bytes, c->coord_len);
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    c->crv, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     point,
					     1 + 2 * c->coord_len) != 1) {
		log_openssl_errors("acme.jwk", "EC parameters");
		acme_jws_fail(err, "serverInternal", "out of memory");
		OSSL_PARAM_BLD_free(bld);
		return NULL;
	}
	key = key_fromdata("EC", bld);
	OSSL_PARAM_BLD_free(bld);
	/* On the curve, not infinity, coordinates below p, of order n. */
	check =
	    key != NULL ? EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL) : NULL;
	if (check == NULL || EVP_PKEY_public_check(check) != 1) {
		ERR_clear_error();
		EVP_PKEY_free(key);
		key = NULL;
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"x\" and \"y\" are not a point on %s",
			      c->crv);
	}
	EVP_PKEY_CTX_free(check);
	return key;
}

/* An EC JWK's key; *members gets its RFC 7638 members. */
static EVP_PKEY *jwk_ec(const json_t *jwk, json_t **members,
			struct acme_jws_error *err)
{
	const char *crv = jwk_name_get(jwk, "crv", err);
	const struct jwk_curve *c = crv != NULL ? curve_find(crv) : NULL;
	struct jwk_value x = {0}, y = {0};
	EVP_PKEY *key = NULL;

	if (crv != NULL && c == NULL)
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"crv\" \"%.20s\" is not supported; use "
			      "P-256, P-384 or P-521",
			      crv);
	if (c == NULL || jwk_value_get(jwk, "x", &x, err) != 0 ||
	    jwk_value_get(jwk, "y", &y, err) != 0)
		goto out;
	if (x.len != c->coord_len || y.len != c->coord_len) {
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"%s\" is %zu octets; %s coordinates are "
			      "%zu (RFC 7518 section 6.2.1.2)",
			      x.len != c->coord_len ? "x" : "y",
			      x.len != c->coord_len ? x.len : y.len, c->crv,
			      c->coord_len);
		goto out;
	}
	key = ec_point_key(c, &x, &y, err);
	if (key != NULL)
		*members = json_pack("{s:s, s:s, s:s, s:s}", "crv", c->crv,
				     "kty", "EC", "x", x.text, "y", y.text);
out:
	free(x.bytes);
	free(y.bytes);
	return key;
}

/* An OKP JWK's key (Ed25519 only); *members gets its RFC 7638 members. */
static EVP_PKEY *jwk_okp(const json_t *jwk, json_t **members,
			 struct acme_jws_error *err)
{
	const char *crv = jwk_name_get(jwk, "crv", err);
	struct jwk_value x = {0};
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *key = NULL;

	if (crv == NULL)
		return NULL;
	if (strcmp(crv, "Ed25519") != 0) {
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"crv\" \"%.20s\" is not supported: OKP "
			      "account keys are Ed25519 (RFC 8037 section 2)",
			      crv);
		return NULL;
	}
	if (jwk_value_get(jwk, "x", &x, err) != 0)
		goto out;
	if (x.len != ED25519_KEY_LEN) {
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"x\" is %zu octets; Ed25519 keys are %d "
			      "(RFC 8037 section 2)",
			      x.len, ED25519_KEY_LEN);
		goto out;
	}
	bld = OSSL_PARAM_BLD_new();
	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
					     x.bytes, x.len) != 1) {
		log_openssl_errors("acme.jwk", "Ed25519 parameters");
		acme_jws_fail(err, "serverInternal", "out of memory");
		goto out;
	}
	key = key_fromdata("ED25519", bld);
	if (key == NULL)
		acme_jws_fail(err, "badPublicKey",
			      "jwk \"x\" is not an Ed25519 public key");
	else
		*members = json_pack("{s:s, s:s, s:s}", "crv", "Ed25519", "kty",
				     "OKP", "x", x.text);
out:
	OSSL_PARAM_BLD_free(bld);
	free(x.bytes);
	return key;
}

/* base64url(SHA-256(the n parts, concatenated)) into out. 0 or -1. */
static int sha256_b64url(const char *const *parts, size_t n,
			 char out[ACME_THUMBPRINT_LEN + 1])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int md_len = 0;
	char *text = NULL;
	int ok = ctx != NULL && EVP_DigestInit_ex2(ctx, EVP_sha256(), NULL);

	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
	ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len) && md_len == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		log_openssl_errors("acme.jwk", "SHA-256");
		return -1;
	}
	text = base64url_encode(md, sizeof(md));
	if (text == NULL || strlen(text) != ACME_THUMBPRINT_LEN) {
		free(text);
		return -1;
	}
	memcpy(out, text, ACME_THUMBPRINT_LEN + 1);
	free(text);
	return 0;
}

/* The kty's key from jwk, with its RFC 7638 members; NULL with err. */
static EVP_PKEY *jwk_key(const json_t *jwk, json_t **members,
			 struct acme_jws_error *err)
{
	const char *kty;

	for (size_t i = 0;
	     i < sizeof(private_members) / sizeof(*private_members); i++)
		if (json_object_get(jwk, private_members[i]) != NULL) {
			acme_jws_fail(err, "badPublicKey",
				      "jwk has \"%s\", a private key member: "
				      "send the public key only",
				      private_members[i]);
			return NULL;
		}
	kty = jwk_name_get(jwk, "kty", err);
	if (kty == NULL)
		return NULL;
	if (strcmp(kty, "RSA") == 0)
		return jwk_rsa(jwk, members, err);
	if (strcmp(kty, "EC") == 0)
		return jwk_ec(jwk, members, err);
	if (strcmp(kty, "OKP") == 0)
		return jwk_okp(jwk, members, err);
	acme_jws_fail(err, "badPublicKey",
		      "jwk \"kty\" \"%.16s\" is not supported; use RSA, EC or "
		      "OKP",
		      kty);
	return NULL;
}

int acme_jwk_parse(const json_t *jwk, struct acme_jwk *out,
		   struct acme_jws_error *err)
{
	json_t *members = NULL;
	EVP_PKEY *key;
	char *text;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(jwk)) {
		acme_jws_fail(err, "malformed",
			      "jwk is not a JSON object (RFC 7517 section 4)");
		return -1;
	}
	key = jwk_key(jwk, &members, err);
	if (key == NULL)
		return -1;

	/* RFC 7638 section 3: the required members, sorted, compact. */
	text = members != NULL
		   ? json_dumps(members, JSON_COMPACT | JSON_SORT_KEYS)
		   : NULL;
	if (text == NULL || sha256_b64url((const char *const[]){text}, 1,
					  out->thumbprint) != 0) {
		free(text);
		json_decref(members);
		EVP_PKEY_free(key);
		memset(out, 0, sizeof(*out));
		acme_jws_fail(err, "serverInternal",
			      "the JWK thumbprint could not be computed");
		return -1;
	}
	free(text);
	out->key = key;
	out->json = members;
	return 0;
}

int acme_jwk_load(const char *json, struct acme_jwk *out)
{
	struct acme_jws_error err = {0};
	char quoted[256];
	json_t *obj;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (json == NULL)
		return -1;
	obj = acme_json_load((const uint8_t *)json, strlen(json), "stored JWK",
			     &err);
	if (obj != NULL)
		rc = acme_jwk_parse(obj, out, &err);
	if (rc != 0)
		log_event(LOG_WARN, "acme.jwk.load", "detail=%s",
			  log_quote(err.detail, quoted, sizeof(quoted)));
	json_decref(obj);
	return rc;
}

char *acme_jwk_dump(const struct acme_jwk *jwk)
{
	if (jwk == NULL || jwk->json == NULL)
		return NULL;
	return json_dumps(jwk->json, JSON_COMPACT | JSON_SORT_KEYS);
}

void acme_jwk_free(struct acme_jwk *jwk)
{
	if (jwk == NULL)
		return;
	EVP_PKEY_free(jwk->key);
	json_decref(jwk->json);
	memset(jwk, 0, sizeof(*jwk));
}

int acme_key_authorization_digest(const char *token, const char *thumbprint,
				  char out[ACME_THUMBPRINT_LEN + 1])
{
	if (token == NULL || thumbprint == NULL)
		return -1;
	return sha256_b64url((const char *const[]){token, ".", thumbprint}, 3,
			     out);
}
