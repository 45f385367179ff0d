/*
 * ACME's JWS, JWK and EAB: a JWS signed by OpenSSL with each algorithm
 * verifies and every tampered one is refused with its ACME error type;
 * strict parsing of the JWS, its protected header and its key; RFC 7638
 * thumbprints against the RFC's own example and against values this
 * file computes itself; EAB MACs under HS256/384/512.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/jws.h"

#define NONCE "oFvnlFP1wIhRlYS2jTaXbA"
#define URL   "https://acme.test/acme/new-account"
#define KID   "https://acme.test/acme/acct/evOfKhNU60wg"

/* RFC 7638 section 3.1: the JWK (with its optional members) and the
 * thumbprint the RFC gives for it. */
#define RFC7638_N                                                              \
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86z"     \
	"wu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5Js"     \
	"GY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMic"     \
	"AtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"     \
	"bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"     \
	"Cur-kEgU8awapJzKnqDKgw"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

/* One account key per algorithm, made once for the whole file. */
static struct alg_case {
	const char *alg;
	const char *md;	 /* NULL for EdDSA */
	size_t ec_half;	 /* ECDSA: octets of r and of s */
	const char *gen; /* what EVP_PKEY_Q_keygen makes */
	EVP_PKEY *key;
} cases[] = {
    {"RS256", "SHA256", 0, "RSA", NULL},
    {"ES256", "SHA256", 32, "P-256", NULL},
    {"ES384", "SHA384", 48, "P-384", NULL},
    {"ES512", "SHA512", 66, "P-521", NULL},
    {"EdDSA", NULL, 0, "ED25519", NULL},
};

#define N_CASES (sizeof(cases) / sizeof(*cases))
#define RS256	(&cases[0])
#define ES256	(&cases[1])
#define ES384	(&cases[2])
#define ES512	(&cases[3])
#define EDDSA	(&cases[4])

static EVP_PKEY *rsa1024;

/* base64url without padding, with OpenSSL's encoder (not ours). */
static char *b64url(const void *data, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);
	int n;

	assert_non_null(out);
	n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	assert_true(n >= 0);
	while (n > 0 && out[n - 1] == '=')
		n--;
	out[n] = '\0';
	for (char *p = out; *p != '\0'; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	return out;
}

static char *b64url_str(const char *s)
{
	return b64url(s, strlen(s));
}

/* base64url of the big-endian value, padded to pad octets when pad > 0. */
static char *b64url_bn(const BIGNUM *bn, int pad)
{
	unsigned char buf[1024];
	int n = pad > 0 ? BN_bn2binpad(bn, buf, pad) : BN_bn2bin(bn, buf);

	assert_true(n > 0);
	return b64url(buf, (size_t)n);
}

/* The key's RFC 7638 JWK text, built here by hand: members sorted,
 * no whitespace. */
static char *jwk_text(EVP_PKEY *key)
{
	char *text = NULL;

	if (EVP_PKEY_is_a(key, "RSA")) {
		BIGNUM *n = NULL, *e = NULL;
		char *bn, *be;

		assert_int_equal(
		    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
		assert_int_equal(
		    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e), 1);
		bn = b64url_bn(n, 0);
		be = b64url_bn(e, 0);
		assert_true(
		    asprintf(&text,
			     "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", be,
			     bn) > 0);
		free(bn);
		free(be);
		BN_free(n);
		BN_free(e);
	} else if (EVP_PKEY_is_a(key, "EC")) {
		BIGNUM *x = NULL, *y = NULL;
		int bits = EVP_PKEY_get_bits(key);
		int len = (bits + 7) / 8;
		char *bx, *by;

		assert_int_equal(
		    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x),
		    1);
		assert_int_equal(
		    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y),
		    1);
		bx = b64url_bn(x, len);
		by = b64url_bn(y, len);
		assert_true(asprintf(&text,
				     "{\"crv\":\"P-%d\",\"kty\":\"EC\",\"x\":"
				     "\"%s\",\"y\":\"%s\"}",
				     bits, bx, by) > 0);
		free(bx);
		free(by);
		BN_free(x);
		BN_free(y);
	} else {
		unsigned char raw[32];
		size_t len = sizeof(raw);
		char *bx;

		assert_int_equal(EVP_PKEY_get_raw_public_key(key, raw, &len),
				 1);
		bx = b64url(raw, len);
		assert_true(asprintf(&text,
				     "{\"crv\":\"Ed25519\",\"kty\":\"OKP\","
				     "\"x\":\"%s\"}",
				     bx) > 0);
		free(bx);
	}
	return text;
}

/* base64url(SHA-256(text)), with OpenSSL's SHA256 directly. */
static char *sha256_b64url(const char *text)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	assert_non_null(SHA256((const unsigned char *)text, strlen(text), md));
	return b64url(md, sizeof(md));
}

static char *thumbprint_of(EVP_PKEY *key)
{
	char *jwk = jwk_text(key);
	char *t = sha256_b64url(jwk);

	free(jwk);
	return t;
}

static json_t *jwk_json(EVP_PKEY *key)
{
	char *text = jwk_text(key);
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	free(text);
	return j;
}

/*
 * The JWS signature over input by c's algorithm with key: r||s for
 * ECDSA, or OpenSSL's DER when der is set.
 */
static uint8_t *sign(const struct alg_case *c, EVP_PKEY *key, const char *input,
		     int der, size_t *sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const unsigned char *tbs = (const unsigned char *)input;
	size_t len = 0;
	uint8_t *sig;

	assert_non_null(ctx);
	assert_int_equal(
	    EVP_DigestSignInit_ex(ctx, NULL, c->md, NULL, NULL, key, NULL), 1);
	assert_int_equal(EVP_DigestSign(ctx, NULL, &len, tbs, strlen(input)),
			 1);
	sig = malloc(len);
	assert_non_null(sig);
	assert_int_equal(EVP_DigestSign(ctx, sig, &len, tbs, strlen(input)), 1);
	EVP_MD_CTX_free(ctx);
	if (c->ec_half > 0 && !der) {
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
		uint8_t *rs = malloc(2 * c->ec_half);

		assert_non_null(es);
		assert_non_null(rs);
		assert_int_equal(
		    BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, (int)c->ec_half),
		    (int)c->ec_half);
		assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es),
					      rs + c->ec_half, (int)c->ec_half),
				 (int)c->ec_half);
		ECDSA_SIG_free(es);
		free(sig);
		sig = rs;
		len = 2 * c->ec_half;
	}
	*sig_len = len;
	return sig;
}

/* A JWS as the three base64url strings it is sent as. */
struct parts {
	char *prot, *pay, *sig;
};

static void parts_free(struct parts *p)
{
	free(p->prot);
	free(p->pay);
	free(p->sig);
}

/*
 * Signs header and payload (JSON texts) with c's algorithm and key.
 * flip_bit >= 0 flips that bit of the signature after signing.
 */
static struct parts sign_parts(const struct alg_case *c, EVP_PKEY *key,
			       const char *header, const char *payload, int der,
			       long flip_bit)
{
	struct parts p;
	char *input = NULL;
	uint8_t *sig;
	size_t sig_len;

	p.prot = b64url_str(header);
	p.pay = b64url_str(payload);
	assert_true(asprintf(&input, "%s.%s", p.prot, p.pay) > 0);
	sig = sign(c, key, input, der, &sig_len);
	if (flip_bit >= 0) {
		assert_true((size_t)flip_bit / 8 < sig_len);
		sig[flip_bit / 8] ^= (uint8_t)(1u << (flip_bit % 8));
	}
	p.sig = b64url(sig, sig_len);
	free(sig);
	free(input);
	return p;
}

static char *body_of(const char *prot, const char *pay, const char *sig)
{
	char *body = NULL;

	assert_true(asprintf(&body,
			     "{\"protected\":\"%s\",\"payload\":\"%s\","
			     "\"signature\":\"%s\"}",
			     prot, pay, sig) > 0);
	return body;
}

/* The header of a newAccount-like request: alg, jwk, nonce, url. */
static char *header_jwk(const char *alg, EVP_PKEY *key)
{
	char *jwk = jwk_text(key), *h = NULL;

	assert_true(asprintf(&h,
			     "{\"alg\":\"%s\",\"jwk\":%s,\"nonce\":\"" NONCE
			     "\",\"url\":\"" URL "\"}",
			     alg, jwk) > 0);
	free(jwk);
	return h;
}

static char *header_kid(const char *alg)
{
	char *h = NULL;

	assert_true(asprintf(&h,
			     "{\"alg\":\"%s\",\"kid\":\"" KID
			     "\",\"nonce\":\"" NONCE "\",\"url\":\"" URL "\"}",
			     alg) > 0);
	return h;
}

/* A whole JWS body signed by c's key; header NULL: the jwk header. */
static char *signed_body(const struct alg_case *c, const char *header,
			 const char *payload, int der, long flip_bit)
{
	char *h = header != NULL ? NULL : header_jwk(c->alg, c->key);
	struct parts p = sign_parts(c, c->key, header != NULL ? header : h,
				    payload, der, flip_bit);
	char *body = body_of(p.prot, p.pay, p.sig);

	parts_free(&p);
	free(h);
	return body;
}

static int parse(const char *body, struct acme_jws *jws,
		 struct acme_jws_error *err)
{
	return acme_jws_parse((const uint8_t *)body, strlen(body), jws, err);
}

static void assert_zero(const void *p, size_t len)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			fail_msg("byte %zu of a refused result is not zero", i);
}

/* err carries type and its words contain needle, in printable ASCII. */
static void assert_refusal(const struct acme_jws_error *err, const char *type,
			   const char *needle)
{
	assert_non_null(err->type);
	if (strcmp(err->type, type) != 0)
		fail_msg("type \"%s\" (\"%s\"), want \"%s\"", err->type,
			 err->detail, type);
	if (strstr(err->detail, needle) == NULL)
		fail_msg("detail \"%s\" does not say \"%s\"", err->detail,
			 needle);
	for (const char *p = err->detail; *p != '\0'; p++)
		assert_true(*p >= 0x20 && *p <= 0x7e);
}

/* Parsing body fails with type, naming needle, and leaves out zeroed. */
static void parse_refused(const char *body, const char *type,
			  const char *needle)
{
	struct acme_jws jws;
	struct acme_jws_error err = {0};

	memset(&jws, 0xa5, sizeof(jws));
	if (parse(body, &jws, &err) != -1) {
		acme_jws_free(&jws);
		fail_msg("accepted: %.200s", body);
	}
	assert_refusal(&err, type, needle);
	assert_zero(&jws, sizeof(jws));
	acme_jws_free(&jws);
}

/* Parsing succeeds; verifying with key fails with type. */
static void verify_refused(const char *body, EVP_PKEY *key, const char *type,
			   const char *needle)
{
	struct acme_jws jws;
	struct acme_jws_error err = {0};

	assert_int_equal(parse(body, &jws, &err), 0);
	assert_int_equal(acme_jws_verify(&jws, key, &err), -1);
	assert_refusal(&err, type, needle);
	acme_jws_free(&jws);
}

static int keys_make(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CASES; i++) {
		if (strcmp(cases[i].gen, "RSA") == 0)
			cases[i].key =
			    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		else if (strcmp(cases[i].gen, "ED25519") == 0)
			cases[i].key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		else
			cases[i].key =
			    EVP_PKEY_Q_keygen(NULL, NULL, "EC", cases[i].gen);
		if (cases[i].key == NULL)
			return -1;
	}
	rsa1024 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	return rsa1024 != NULL ? 0 : -1;
}

static int keys_free(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CASES; i++)
		EVP_PKEY_free(cases[i].key);
	EVP_PKEY_free(rsa1024);
	return 0;
}

/* Each algorithm: parsed members, the key from the header, verified. */
static void test_each_alg_verifies(void **state)
{
	static const char payload[] = "{\"termsOfServiceAgreed\":true}";

	(void)state;
	for (size_t i = 0; i < N_CASES; i++) {
		const struct alg_case *c = &cases[i];
		char *h = header_jwk(c->alg, c->key);
		struct parts p = sign_parts(c, c->key, h, payload, 0, -1);
		char *body = body_of(p.prot, p.pay, p.sig);
		char *input = NULL, *thumb = thumbprint_of(c->key);
		struct acme_jws jws;
		struct acme_jws_error err = {0};

		if (parse(body, &jws, &err) != 0)
			fail_msg("%s: %s", c->alg, err.detail);
		assert_string_equal(jws.alg, c->alg);
		assert_string_equal(jws.nonce, NONCE);
		assert_string_equal(jws.url, URL);
		assert_null(jws.kid);
		assert_non_null(jws.jwk.key);
		assert_int_equal(EVP_PKEY_eq(jws.jwk.key, c->key), 1);
		assert_string_equal(jws.jwk.thumbprint, thumb);
		assert_int_equal(jws.payload_len, strlen(payload));
		assert_memory_equal(jws.payload, payload, strlen(payload));
		assert_true(asprintf(&input, "%s.%s", p.prot, p.pay) > 0);
		assert_string_equal(jws.signing_input, input);
		if (acme_jws_verify(&jws, jws.jwk.key, &err) != 0)
			fail_msg("%s: %s", c->alg, err.detail);
		assert_int_equal(acme_jws_verify(&jws, c->key, &err), 0);

		acme_jws_free(&jws);
		assert_null(jws.alg);
		acme_jws_free(&jws);
		free(input);
		free(thumb);
		free(body);
		free(h);
		parts_free(&p);
	}
	acme_jws_free(NULL);
}

/* A kid header carries no key; POST-as-GET has an empty payload. */
static void test_kid_post_as_get(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CASES; i++) {
		char *h = header_kid(cases[i].alg);
		char *body = signed_body(&cases[i], h, "", 0, -1);
		struct acme_jws jws;
		struct acme_jws_error err = {0};

		assert_int_equal(parse(body, &jws, &err), 0);
		assert_string_equal(jws.kid, KID);
		assert_null(jws.jwk.key);
		assert_null(jws.jwk.json);
		assert_int_equal(jws.payload_len, 0);
		assert_int_equal(acme_jws_verify(&jws, cases[i].key, &err), 0);
		assert_int_equal(acme_jws_verify(&jws, jws.jwk.key, &err), -1);
		assert_refusal(&err, "malformed", "\"kid\" where \"jwk\"");
		acme_jws_free(&jws);
		free(body);
		free(h);
	}
}

/* A nonce is not required here (the caller decides), nor a url. */
static void test_nonce_and_url_optional(void **state)
{
	char *body = signed_body(ES256, "{\"alg\":\"ES256\",\"kid\":\"k\"}",
				 "{}", 0, -1);
	struct acme_jws jws;
	struct acme_jws_error err = {0};

	(void)state;
	assert_int_equal(parse(body, &jws, &err), 0);
	assert_null(jws.nonce);
	assert_null(jws.url);
	assert_int_equal(acme_jws_verify(&jws, ES256->key, &err), 0);
	acme_jws_free(&jws);
	free(body);
}

/* Flipping the first, a middle or the last bit of the signature. */
static void test_flipped_signature_bit(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CASES; i++) {
		const struct alg_case *c = &cases[i];
		size_t sig_bits = c->ec_half > 0 ? 16 * c->ec_half
				  : c == EDDSA	 ? 512
						 : 2048;
		long bits[] = {0, (long)sig_bits / 2 + 3, (long)sig_bits - 1};

		for (size_t b = 0; b < sizeof(bits) / sizeof(*bits); b++) {
			char *body = signed_body(c, NULL, "{}", 0, bits[b]);

			verify_refused(body, c->key, "malformed",
				       "does not verify");
			free(body);
		}
	}
}

/* The signature is over what was sent: another payload, another url. */
static void test_payload_changed(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CASES; i++) {
		const struct alg_case *c = &cases[i];
		char *h = header_jwk(c->alg, c->key);
		struct parts p = sign_parts(c, c->key, h, "{\"a\":1}", 0, -1);
		struct parts other =
		    sign_parts(c, c->key, h, "{\"a\":2}", 0, -1);
		char *body = body_of(p.prot, other.pay, p.sig);
		char *h2 = header_kid(c->alg);
		char *prot2 = b64url_str(h2);
		char *body2 = body_of(prot2, p.pay, p.sig);

		verify_refused(body, c->key, "malformed", "does not verify");
		verify_refused(body2, c->key, "malformed", "does not verify");
		free(body);
		free(body2);
		free(prot2);
		free(h2);
		free(h);
		parts_free(&p);
		parts_free(&other);
	}
}

/* A key that does not fit the alg: another type, or another curve. */
static void test_wrong_key_for_alg(void **state)
{
	static const struct {
		const struct alg_case *signer;
		EVP_PKEY **key;
		const char *says;
	} wrong[] = {
	    {ES256, &cases[0].key, "RSA"},
	    {ES256, &cases[2].key, "EC P-384"},
	    {ES384, &cases[3].key, "EC P-521"},
	    {ES512, &cases[4].key, "Ed25519"},
	    {RS256, &cases[1].key, "EC P-256"},
	    {EDDSA, &cases[1].key, "EC P-256"},
	    {EDDSA, &cases[0].key, "RSA"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(wrong) / sizeof(*wrong); i++) {
		char *h = header_kid(wrong[i].signer->alg);
		char *body = signed_body(wrong[i].signer, h, "{}", 0, -1);

		verify_refused(body, *wrong[i].key, "badSignatureAlgorithm",
			       wrong[i].says);
		free(body);
		free(h);
	}
}

/* An ES256 header whose jwk is an RSA key, signed by that RSA key. */
static void test_alg_and_jwk_disagree(void **state)
{
	char *h = header_jwk("ES256", RS256->key);
	struct parts p = sign_parts(RS256, RS256->key, h, "{}", 0, -1);
	char *body = body_of(p.prot, p.pay, p.sig);
	struct acme_jws jws;
	struct acme_jws_error err = {0};

	(void)state;
	assert_int_equal(parse(body, &jws, &err), 0);
	assert_int_equal(acme_jws_verify(&jws, jws.jwk.key, &err), -1);
	assert_refusal(&err, "badSignatureAlgorithm", "ES256");
	acme_jws_free(&jws);
	free(body);
	free(h);
	parts_free(&p);
}

/* ECDSA in JWS is r||s (RFC 7518 section 3.4), never DER. */
static void test_ecdsa_der_refused(void **state)
{
	(void)state;
	for (size_t i = 1; i <= 3; i++) {
		char *body = signed_body(&cases[i], NULL, "{}", 1, -1);

		verify_refused(body, cases[i].key, "malformed",
			       "r and s concatenated");
		free(body);
	}
}

/* RSA: a signature shorter than the modulus is refused, not padded. */
static void test_rsa_signature_length(void **state)
{
	char *h = header_kid("RS256");
	struct parts p = sign_parts(RS256, RS256->key, h, "{}", 0, -1);
	char *body, *short_sig;
	uint8_t raw[255];

	(void)state;
	memset(raw, 0x5a, sizeof(raw));
	short_sig = b64url(raw, sizeof(raw));
	body = body_of(p.prot, p.pay, short_sig);
	verify_refused(body, RS256->key, "malformed", "255 octets");
	free(body);
	free(short_sig);
	free(h);
	parts_free(&p);
}

/* RFC 7638 section 3.1: the example key and its thumbprint. */
static void test_rfc7638_thumbprint(void **state)
{
	static const char jwk_text_rfc[] =
	    "{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\",\"e\":\"AQAB\","
	    "\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}";
	static const char canonical[] =
	    "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\"}";
	json_t *j = json_loads(jwk_text_rfc, 0, NULL);
	struct acme_jwk jwk;
	struct acme_jws_error err = {0};
	char *dump, *mine;

	(void)state;
	assert_non_null(j);
	assert_int_equal(acme_jwk_parse(j, &jwk, &err), 0);
	assert_string_equal(jwk.thumbprint, RFC7638_THUMBPRINT);
	dump = acme_jwk_dump(&jwk);
	assert_string_equal(dump, canonical);
	mine = sha256_b64url(canonical);
	assert_string_equal(mine, RFC7638_THUMBPRINT);
	assert_int_equal(EVP_PKEY_get_bits(jwk.key), 2048);
	free(mine);
	free(dump);
	acme_jwk_free(&jwk);
	acme_jwk_free(&jwk);
	acme_jwk_free(NULL);
	json_decref(j);
}

/* Bodies built around a good kid header, one thing wrong in each. */
static void test_jws_parse_refusals(void **state)
{
	char *p =
	    b64url_str("{\"alg\":\"ES256\",\"kid\":\"k\",\"nonce\":\"" NONCE
		       "\",\"url\":\"" URL "\"}");
	char *y = b64url_str("{\"a\":1}");
	char *s = b64url_str("not checked while parsing");
	char *body = NULL, *big;
	size_t big_len = ACME_JWS_MAX + 1;

	(void)state;
	parse_refused("", "malformed", "not JSON");
	parse_refused("hello", "malformed", "not JSON");
	parse_refused("[]", "malformed", "not a JSON object");
	parse_refused("{\"protected\":1}", "malformed", "\"protected\" string");

	big = malloc(big_len + 1);
	assert_non_null(big);
	memset(big, ' ', big_len);
	memcpy(big + big_len - 2, "{}", 3);
	parse_refused(big, "malformed", "at most 65536");
	free(big);

#define REFUSE_FMT(type, needle, ...)                                          \
	do {                                                                   \
		assert_true(asprintf(&body, __VA_ARGS__) > 0);                 \
		parse_refused(body, type, needle);                             \
		free(body);                                                    \
	} while (0)

	REFUSE_FMT("malformed", "duplicate",
		   "{\"protected\":\"%s\",\"protected\":\"%s\",\"payload\":"
		   "\"%s\",\"signature\":\"%s\"}",
		   p, p, y, s);
	REFUSE_FMT("malformed", "no \"signature\"",
		   "{\"protected\":\"%s\",\"payload\":\"%s\"}", p, y);
	REFUSE_FMT("malformed", "no \"protected\"",
		   "{\"payload\":\"%s\",\"signature\":\"%s\"}", y, s);
	REFUSE_FMT("malformed", "no \"payload\"",
		   "{\"protected\":\"%s\",\"signature\":\"%s\"}", p, s);
	REFUSE_FMT("malformed", "unprotected \"header\"",
		   "{\"protected\":\"%s\",\"header\":{},\"payload\":\"%s\","
		   "\"signature\":\"%s\"}",
		   p, y, s);
	REFUSE_FMT("malformed", "\"signatures\"",
		   "{\"payload\":\"%s\",\"signatures\":[{\"protected\":\"%s\","
		   "\"signature\":\"%s\"}]}",
		   y, p, s);
	REFUSE_FMT("malformed", "\"extra\"",
		   "{\"protected\":\"%s\",\"payload\":\"%s\",\"signature\":"
		   "\"%s\",\"extra\":1}",
		   p, y, s);
	REFUSE_FMT("malformed", "\"signature\" is empty",
		   "{\"protected\":\"%s\",\"payload\":\"%s\",\"signature\":"
		   "\"\"}",
		   p, y);
	REFUSE_FMT("malformed", "\"protected\" is empty",
		   "{\"protected\":\"\",\"payload\":\"%s\",\"signature\":"
		   "\"%s\"}",
		   y, s);
	REFUSE_FMT("malformed", "not base64url",
		   "{\"protected\":\"%s+\",\"payload\":\"%s\",\"signature\":"
		   "\"%s\"}",
		   p, y, s);
	REFUSE_FMT("malformed", "not base64url",
		   "{\"protected\":\"%s\",\"payload\":\"%s.\",\"signature\":"
		   "\"%s\"}",
		   p, y, s);
	free(p);
	free(y);
	free(s);
#undef REFUSE_FMT
}

/* Standard base64 padding on each of the three parts. */
static void test_padding_refused(void **state)
{
	/* 3n+2 and 3n+1 bytes: base64 would pad with "=" and "==". */
	static const char header[] =
	    "{\"alg\":\"ES256\",\"kid\":\"k\",\"url\":\"u\"}";
	static const char payload[] = "{\"a\":1}";
	char *p = b64url_str(header), *y = b64url_str(payload);
	char *s = b64url_str("sign");
	char *pp = NULL, *yp = NULL, *sp = NULL, *body;

	(void)state;
	assert_true(strlen(header) % 3 != 0);
	assert_true(strlen(payload) % 3 != 0);
	assert_true(
	    asprintf(&pp, "%s%s", p, strlen(header) % 3 == 1 ? "==" : "=") > 0);
	assert_true(asprintf(&yp, "%s%s", y,
			     strlen(payload) % 3 == 1 ? "==" : "=") > 0);
	assert_true(asprintf(&sp, "%s==", s) > 0);

	body = body_of(pp, y, s);
	parse_refused(body, "malformed", "\"protected\" ends in \"=\" padding");
	free(body);
	body = body_of(p, yp, s);
	parse_refused(body, "malformed", "\"payload\" ends in \"=\" padding");
	free(body);
	body = body_of(p, y, sp);
	parse_refused(body, "malformed", "\"signature\" ends in \"=\" padding");
	free(body);
	free(p);
	free(y);
	free(s);
	free(pp);
	free(yp);
	free(sp);
}

/* The protected header: one thing wrong in each. */
static void test_header_refusals(void **state)
{
	char *jwk = jwk_text(ES256->key);
	char *both = NULL, *jwk_d = NULL;
	static const struct {
		const char *header, *type, *needle;
	} bad[] = {
	    {"[]", "malformed", "protected header is not a JSON object"},
	    {"\"alg\"", "malformed", "protected header is not JSON"},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\"", "malformed", "not JSON"},
	    {"{\"alg\":\"ES256\",\"alg\":\"none\",\"kid\":\"k\"}", "malformed",
	     "duplicate"},
	    {"{\"kid\":\"k\"}", "malformed", "no \"alg\""},
	    {"{\"alg\":256,\"kid\":\"k\"}", "malformed", "\"alg\" is not"},
	    {"{\"alg\":\"none\",\"kid\":\"k\"}", "badSignatureAlgorithm",
	     "\"none\""},
	    {"{\"alg\":\"HS256\",\"kid\":\"k\"}", "badSignatureAlgorithm",
	     "MAC"},
	    {"{\"alg\":\"es256\",\"kid\":\"k\"}", "badSignatureAlgorithm",
	     "not supported"},
	    {"{\"alg\":\"RS512\",\"kid\":\"k\"}", "badSignatureAlgorithm",
	     "not supported"},
	    {"{\"alg\":\"ES256\"}", "malformed", "neither"},
	    {"{\"alg\":\"ES256\",\"kid\":\"\"}", "malformed", "\"kid\" is not"},
	    {"{\"alg\":\"ES256\",\"kid\":7}", "malformed", "\"kid\" is not"},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\",\"crit\":[\"exp\"]}",
	     "malformed", "\"crit\""},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\",\"b64\":false}", "malformed",
	     "\"b64\""},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\",\"nonce\":\"abc=\"}",
	     "malformed", "\"nonce\""},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\",\"nonce\":\"a+b/\"}",
	     "malformed", "\"nonce\""},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\",\"nonce\":\"A\"}", "malformed",
	     "\"nonce\""},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\",\"nonce\":5}", "malformed",
	     "\"nonce\""},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\",\"url\":[]}", "malformed",
	     "\"url\""},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\\u0000x\"}", "malformed",
	     "not JSON"},
	    {"{\"alg\":\"ES256\",\"jwk\":\"key\"}", "malformed",
	     "jwk is not a JSON object"},
	    {"{\"alg\":\"ES256\",\"kid\":\"k\",\"x\":[[[[[[[[[1]]]]]]]]]}",
	     "malformed", "nested more than 8"},
	    {"{\"alg\":\"\\u00e9\\u0001\",\"kid\":\"k\"}",
	     "badSignatureAlgorithm", "not supported"},
	};
	const char *y = "e30"; /* {} */
	const char *s = "c2ln";

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *p = b64url_str(bad[i].header);
		char *body = body_of(p, y, s);

		parse_refused(body, bad[i].type, bad[i].needle);
		free(body);
		free(p);
	}

	assert_true(asprintf(&both,
			     "{\"alg\":\"ES256\",\"jwk\":%s,\"kid\":\"k\"}",
			     jwk) > 0);
	jwk[strlen(jwk) - 1] = '\0';
	assert_true(asprintf(&jwk_d,
			     "{\"alg\":\"ES256\",\"jwk\":%s,\"d\":\"AAAA\"}}",
			     jwk) > 0);
	{
		char *p = b64url_str(both), *body = body_of(p, y, s);

		parse_refused(body, "malformed", "both \"jwk\" and \"kid\"");
		free(body);
		free(p);
		p = b64url_str(jwk_d);
		body = body_of(p, y, s);
		parse_refused(body, "badPublicKey", "\"d\"");
		free(body);
		free(p);
	}
	free(both);
	free(jwk_d);
	free(jwk);
}

/* Unknown header members are ignored (RFC 7515 section 4). */
static void test_unknown_header_member_ignored(void **state)
{
	char *body = signed_body(
	    ES256, "{\"alg\":\"ES256\",\"kid\":\"k\",\"typ\":\"JOSE\"}", "{}",
	    0, -1);
	struct acme_jws jws;
	struct acme_jws_error err = {0};

	(void)state;
	assert_int_equal(parse(body, &jws, &err), 0);
	assert_int_equal(acme_jws_verify(&jws, ES256->key, &err), 0);
	acme_jws_free(&jws);
	free(body);
}

/* jwk_text of key with its closing brace cut off, for adding members. */
static char *jwk_open(EVP_PKEY *key)
{
	char *t = jwk_text(key);

	t[strlen(t) - 1] = '\0';
	return t;
}

static void jwk_refused(const char *text, const char *type, const char *needle)
{
	json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
	struct acme_jwk jwk;
	struct acme_jws_error err = {0};

	assert_non_null(j);
	memset(&jwk, 0xa5, sizeof(jwk));
	if (acme_jwk_parse(j, &jwk, &err) != -1)
		fail_msg("accepted: %.200s", text);
	assert_refusal(&err, type, needle);
	assert_zero(&jwk, sizeof(jwk));
	json_decref(j);
}

/* The RSA JWK of n and e given as octets. */
static char *rsa_jwk(const uint8_t *n, size_t n_len, const uint8_t *e,
		     size_t e_len)
{
	char *bn = b64url(n, n_len), *be = b64url(e, e_len), *t = NULL;

	assert_true(asprintf(&t, "{\"kty\":\"RSA\",\"n\":\"%s\",\"e\":\"%s\"}",
			     bn, be) > 0);
	free(bn);
	free(be);
	return t;
}

static void test_jwk_rsa_refusals(void **state)
{
	static const uint8_t e65537[] = {1, 0, 1};
	uint8_t n[257];
	BIGNUM *bn = NULL;
	char *t, *small = jwk_text(rsa1024);

	(void)state;
	jwk_refused(small, "badPublicKey", "1024-bit");
	free(small);

	assert_int_equal(
	    EVP_PKEY_get_bn_param(RS256->key, OSSL_PKEY_PARAM_RSA_N, &bn), 1);
	n[0] = 0;
	assert_int_equal(BN_bn2binpad(bn, n + 1, 256), 256);
	BN_free(bn);

	t = rsa_jwk(n + 1, 256, e65537, 3);
	{
		json_t *j = json_loads(t, 0, NULL);
		struct acme_jwk ok;
		struct acme_jws_error err = {0};

		assert_int_equal(acme_jwk_parse(j, &ok, &err), 0);
		assert_int_equal(EVP_PKEY_eq(ok.key, RS256->key), 1);
		acme_jwk_free(&ok);
		json_decref(j);
	}
	free(t);

	t = rsa_jwk(n, 257, e65537, 3);
	jwk_refused(t, "badPublicKey", "\"n\" starts with a zero octet");
	free(t);
	t = rsa_jwk(n + 1, 256, (const uint8_t[]){0, 1, 0, 1}, 4);
	jwk_refused(t, "badPublicKey", "\"e\" starts with a zero octet");
	free(t);
	t = rsa_jwk(n + 1, 256, (const uint8_t[]){1}, 1);
	jwk_refused(t, "badPublicKey", "\"e\" must be odd, at least 3");
	free(t);
	t = rsa_jwk(n + 1, 256, (const uint8_t[]){1, 0, 0}, 3);
	jwk_refused(t, "badPublicKey", "\"e\" must be odd");
	free(t);
	t = rsa_jwk(n + 1, 256, (const uint8_t[]){1, 0, 0, 0, 0, 0, 0, 0, 1},
		    9);
	jwk_refused(t, "badPublicKey", "at most 64 bits");
	free(t);
	n[256] &= 0xfe;
	t = rsa_jwk(n + 1, 256, e65537, 3);
	jwk_refused(t, "badPublicKey", "\"n\" is even");
	free(t);
	n[256] |= 1;
	n[1] = 0x7f; /* 2047 bits */
	t = rsa_jwk(n + 1, 256, e65537, 3);
	jwk_refused(t, "badPublicKey", "2047-bit");
	free(t);

	jwk_refused("{\"kty\":\"RSA\",\"e\":\"AQAB\"}", "malformed",
		    "\"n\" is missing");
	jwk_refused("{\"kty\":\"RSA\",\"n\":12,\"e\":\"AQAB\"}", "malformed",
		    "\"n\" is missing or not");
	jwk_refused("{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB=\"}",
		    "malformed", "\"e\" is not base64url");
	jwk_refused("{\"kty\":\"RSA\",\"n\":\"AQ+B\",\"e\":\"AQAB\"}",
		    "malformed", "\"n\" is not base64url");
}

/* The EC JWK of crv with the coordinates given as octets. */
static char *ec_jwk(const char *crv, const uint8_t *x, size_t x_len,
		    const uint8_t *y, size_t y_len)
{
	char *bx = b64url(x, x_len), *by = b64url(y, y_len), *t = NULL;

	assert_true(asprintf(&t,
			     "{\"kty\":\"EC\",\"crv\":\"%s\",\"x\":\"%s\","
			     "\"y\":\"%s\"}",
			     crv, bx, by) > 0);
	free(bx);
	free(by);
	return t;
}

static void test_jwk_ec_refusals(void **state)
{
	uint8_t x[33], y[33];
	BIGNUM *bx = NULL, *by = NULL;
	char *t, *open;

	(void)state;
	assert_int_equal(
	    EVP_PKEY_get_bn_param(ES256->key, OSSL_PKEY_PARAM_EC_PUB_X, &bx),
	    1);
	assert_int_equal(
	    EVP_PKEY_get_bn_param(ES256->key, OSSL_PKEY_PARAM_EC_PUB_Y, &by),
	    1);
	x[0] = y[0] = 0;
	assert_int_equal(BN_bn2binpad(bx, x + 1, 32), 32);
	assert_int_equal(BN_bn2binpad(by, y + 1, 32), 32);
	BN_free(bx);
	BN_free(by);

	t = ec_jwk("P-256", x + 2, 31, y + 1, 32);
	jwk_refused(t, "badPublicKey", "\"x\" is 31 octets; P-256");
	free(t);
	t = ec_jwk("P-256", x + 1, 32, y, 33);
	jwk_refused(t, "badPublicKey", "\"y\" is 33 octets");
	free(t);
	t = ec_jwk("P-384", x + 1, 32, y + 1, 32);
	jwk_refused(t, "badPublicKey", "P-384 coordinates are 48");
	free(t);
	t = ec_jwk("secp256k1", x + 1, 32, y + 1, 32);
	jwk_refused(t, "badPublicKey", "\"secp256k1\" is not supported");
	free(t);
	y[32] ^= 1;
	t = ec_jwk("P-256", x + 1, 32, y + 1, 32);
	jwk_refused(t, "badPublicKey", "not a point on P-256");
	free(t);
	y[32] ^= 1;
	t = ec_jwk("P-256", x + 1, 32, y + 1, 32);
	{
		json_t *j = json_loads(t, 0, NULL);
		struct acme_jwk ok;
		struct acme_jws_error err = {0};

		assert_int_equal(acme_jwk_parse(j, &ok, &err), 0);
		assert_int_equal(EVP_PKEY_eq(ok.key, ES256->key), 1);
		acme_jwk_free(&ok);
		json_decref(j);
	}
	free(t);
	/* x = y = 0: not on the curve either. */
	memset(x, 0, sizeof(x));
	t = ec_jwk("P-256", x, 32, x, 32);
	jwk_refused(t, "badPublicKey", "not a point on P-256");
	free(t);

	open = jwk_open(ES256->key);
	assert_true(asprintf(&t, "%s,\"d\":\"AAAA\"}", open) > 0);
	jwk_refused(t, "badPublicKey", "\"d\", a private key member");
	free(t);
	free(open);
	jwk_refused("{\"kty\":\"EC\",\"x\":\"AAAA\",\"y\":\"AAAA\"}",
		    "malformed", "no \"crv\"");
	jwk_refused("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\"}",
		    "malformed", "\"y\" is missing");
}

static void test_jwk_okp_and_kty_refusals(void **state)
{
	uint8_t raw[33];
	size_t len = 32;
	char *bx, *t = NULL;

	(void)state;
	assert_int_equal(EVP_PKEY_get_raw_public_key(EDDSA->key, raw, &len), 1);
	bx = b64url(raw, 31);
	assert_true(
	    asprintf(&t, "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"%s\"}",
		     bx) > 0);
	jwk_refused(t, "badPublicKey", "\"x\" is 31 octets; Ed25519");
	free(t);
	free(bx);
	jwk_refused("{\"kty\":\"OKP\",\"crv\":\"X25519\",\"x\":\"AAAA\"}",
		    "badPublicKey", "\"X25519\" is not supported");
	jwk_refused("{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"AAAA\"}",
		    "badPublicKey", "\"Ed448\" is not supported");
	jwk_refused("{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\","
		    "\"d\":\"AAAA\"}",
		    "badPublicKey", "\"d\"");
	jwk_refused("{\"kty\":\"oct\",\"k\":\"AAAA\"}", "badPublicKey",
		    "\"k\", a private key member");
	jwk_refused("{\"kty\":\"oct\"}", "badPublicKey",
		    "\"oct\" is not supported");
	jwk_refused("{\"kty\":\"rsa\"}", "badPublicKey",
		    "\"rsa\" is not supported");
	jwk_refused("{\"n\":\"AQAB\",\"e\":\"AQAB\"}", "malformed",
		    "no \"kty\"");
	jwk_refused("{\"kty\":1}", "malformed", "no \"kty\"");
	jwk_refused("[]", "malformed", "jwk is not a JSON object");
	jwk_refused("\"jwk\"", "malformed", "jwk is not a JSON object");
}

/* Optional members do not change the key or its thumbprint. */
static void test_jwk_optional_members(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_CASES; i++) {
		char *open = jwk_open(cases[i].key), *t = NULL;
		char *thumb = thumbprint_of(cases[i].key);
		json_t *j;
		struct acme_jwk jwk;
		struct acme_jws_error err = {0};

		assert_true(asprintf(&t,
				     "%s,\"alg\":\"%s\",\"kid\":\"1\","
				     "\"use\":\"sig\"}",
				     open, cases[i].alg) > 0);
		j = json_loads(t, 0, NULL);
		assert_int_equal(acme_jwk_parse(j, &jwk, &err), 0);
		assert_string_equal(jwk.thumbprint, thumb);
		assert_null(json_object_get(jwk.json, "use"));
		acme_jwk_free(&jwk);
		json_decref(j);
		free(t);
		free(thumb);
		free(open);
	}
}

/* acme_jwk_dump then acme_jwk_load: the same key and thumbprint. */
static void test_dump_load_round_trip(void **state)
{
	struct acme_jwk bad;

	(void)state;
	for (size_t i = 0; i < N_CASES; i++) {
		json_t *j = jwk_json(cases[i].key);
		char *want = jwk_text(cases[i].key);
		struct acme_jwk a, b;
		struct acme_jws_error err = {0};
		char *dump, *dump2;

		assert_int_equal(acme_jwk_parse(j, &a, &err), 0);
		dump = acme_jwk_dump(&a);
		assert_string_equal(dump, want);
		assert_int_equal(acme_jwk_load(dump, &b), 0);
		assert_string_equal(a.thumbprint, b.thumbprint);
		assert_int_equal(EVP_PKEY_eq(b.key, cases[i].key), 1);
		dump2 = acme_jwk_dump(&b);
		assert_string_equal(dump, dump2);
		acme_jwk_free(&a);
		acme_jwk_free(&b);
		json_decref(j);
		free(dump);
		free(dump2);
		free(want);
	}
	assert_int_equal(acme_jwk_load("not json", &bad), -1);
	assert_null(bad.key);
	assert_int_equal(acme_jwk_load("{\"kty\":\"RSA\"}", &bad), -1);
	assert_int_equal(acme_jwk_load(NULL, &bad), -1);
	bad.json = NULL;
	assert_null(acme_jwk_dump(&bad));
	assert_null(acme_jwk_dump(NULL));
}

/* The strict JSON loader the payloads go through. */
static void test_json_load(void **state)
{
	static const char deep_ok[] = "{\"a\":[[[[[[[1]]]]]]]}";
	static const char deep_bad[] = "{\"a\":[[[[[[[[1]]]]]]]]}";
	static const char bad_utf8[] = "{\"a\":\"\xff\"}";
	struct acme_jws_error err = {0};
	json_t *v;

	(void)state;
	v = acme_json_load((const uint8_t *)deep_ok, strlen(deep_ok), "t",
			   &err);
	assert_non_null(v);
	json_decref(v);
	assert_null(acme_json_load((const uint8_t *)deep_bad, strlen(deep_bad),
				   "t", &err));
	assert_refusal(&err, "malformed", "t is nested more than 8 deep");
	assert_null(acme_json_load((const uint8_t *)"{\"a\":1,\"a\":1}", 13,
				   "newOrder payload", &err));
	assert_refusal(&err, "malformed", "newOrder payload is not JSON");
	assert_null(acme_json_load((const uint8_t *)"{} {}", 5, "t", &err));
	assert_refusal(&err, "malformed", "not JSON");
	assert_null(acme_json_load((const uint8_t *)"\"s\"", 3, "t", &err));
	assert_refusal(&err, "malformed", "not JSON");
	assert_null(acme_json_load((const uint8_t *)"{}", 0, "t", &err));
	assert_refusal(&err, "malformed", "not JSON");
	assert_null(acme_json_load((const uint8_t *)bad_utf8,
				   sizeof(bad_utf8) - 1, "t", &err));
	assert_refusal(&err, "malformed", "not JSON");
	assert_null(
	    acme_json_load((const uint8_t *)"{}", ACME_JWS_MAX + 1, "t", &err));
	assert_refusal(&err, "malformed", "at most");
}

/* The EAB over the JWK text jwk, MACed by alg under key. */
static json_t *eab_make(const char *header, const char *jwk, const char *md,
			const uint8_t *key, size_t key_len, int mac_len)
{
	char *p = b64url_str(header), *y = b64url_str(jwk), *input = NULL;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	char *s;
	json_t *eab;

	assert_true(asprintf(&input, "%s.%s", p, y) > 0);
	assert_non_null(HMAC(EVP_get_digestbyname(md), key, (int)key_len,
			     (const unsigned char *)input, strlen(input), mac,
			     &len));
	s = b64url(mac, mac_len >= 0 ? (size_t)mac_len : len);
	eab = json_pack("{s:s, s:s, s:s}", "protected", p, "payload", y,
			"signature", s);
	assert_non_null(eab);
	free(p);
	free(y);
	free(s);
	free(input);
	return eab;
}

static char *eab_header(const char *alg)
{
	char *h = NULL;

	assert_true(asprintf(&h,
			     "{\"alg\":\"%s\",\"kid\":\"eab-1\",\"url\":\"" URL
			     "\"}",
			     alg) > 0);
	return h;
}

static void test_eab_macs(void **state)
{
	static const struct {
		const char *alg, *md;
	} macs[] = {
	    {"HS256", "SHA256"}, {"HS384", "SHA384"}, {"HS512", "SHA512"}};
	uint8_t key[32], other[32];
	char *jwk = jwk_text(ES256->key);
	char *thumb = thumbprint_of(ES256->key);

	(void)state;
	assert_int_equal(RAND_bytes(key, sizeof(key)), 1);
	memcpy(other, key, sizeof(key));
	other[31] ^= 0x80;
	for (size_t i = 0; i < sizeof(macs) / sizeof(*macs); i++) {
		char *h = eab_header(macs[i].alg);
		json_t *j = eab_make(h, jwk, macs[i].md, key, sizeof(key), -1);
		struct acme_eab eab;
		struct acme_jws_error err = {0};

		if (acme_eab_parse(j, &eab, &err) != 0)
			fail_msg("%s: %s", macs[i].alg, err.detail);
		assert_string_equal(eab.alg, macs[i].alg);
		assert_string_equal(eab.kid, "eab-1");
		assert_string_equal(eab.url, URL);
		assert_string_equal(eab.jwk.thumbprint, thumb);
		assert_int_equal(EVP_PKEY_eq(eab.jwk.key, ES256->key), 1);
		assert_int_equal(acme_eab_mac_ok(&eab, key, sizeof(key)), 1);
		assert_int_equal(acme_eab_mac_ok(&eab, other, sizeof(other)),
				 0);
		assert_int_equal(acme_eab_mac_ok(&eab, key, sizeof(key) - 1),
				 0);
		assert_int_equal(acme_eab_mac_ok(&eab, key, 0), 0);
		eab.mac[0] ^= 1;
		assert_int_equal(acme_eab_mac_ok(&eab, key, sizeof(key)), 0);
		acme_eab_free(&eab);
		acme_eab_free(&eab);
		json_decref(j);
		free(h);
	}
	acme_eab_free(NULL);
	assert_int_equal(acme_eab_mac_ok(NULL, key, sizeof(key)), 0);
	free(jwk);
	free(thumb);
}

static void eab_refused(const json_t *j, const char *type, const char *needle)
{
	struct acme_eab eab;
	struct acme_jws_error err = {0};

	memset(&eab, 0xa5, sizeof(eab));
	if (acme_eab_parse(j, &eab, &err) != -1) {
		acme_eab_free(&eab);
		fail_msg("EAB accepted");
	}
	assert_refusal(&err, type, needle);
	assert_zero(&eab, sizeof(eab));
}

static void test_eab_refusals(void **state)
{
	static const uint8_t key[] = "0123456789abcdef0123456789abcdef";
	static const struct {
		const char *header, *type, *needle;
	} bad[] = {
	    {"{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":\"u\",\"nonce\":"
	     "\"" NONCE "\"}",
	     "malformed", "\"nonce\", which it must not"},
	    {"{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":\"u\",\"jwk\":{}}",
	     "malformed", "\"jwk\", which it must not"},
	    {"{\"alg\":\"ES256\",\"kid\":\"eab-1\",\"url\":\"u\"}",
	     "badSignatureAlgorithm", "\"ES256\" is not a MAC"},
	    {"{\"alg\":\"none\",\"kid\":\"eab-1\",\"url\":\"u\"}",
	     "badSignatureAlgorithm", "not a MAC"},
	    {"{\"kid\":\"eab-1\",\"url\":\"u\"}", "malformed", "no \"alg\""},
	    {"{\"alg\":\"HS256\",\"url\":\"u\"}", "malformed", "no \"kid\""},
	    {"{\"alg\":\"HS256\",\"kid\":\"eab-1\"}", "malformed",
	     "no \"url\""},
	    {"{\"alg\":\"HS256\",\"kid\":\"\\u00e9\",\"url\":\"u\"}",
	     "malformed", "not printable ASCII"},
	    {"{\"alg\":\"HS256\",\"kid\":\"eab-1\",\"url\":\"u\",\"crit\":"
	     "[\"x\"]}",
	     "malformed", "\"crit\""},
	    {"[\"alg\"]", "malformed", "protected header is not a JSON object"},
	};
	char *jwk = jwk_text(ES256->key);
	char *h = eab_header("HS256");
	char *open = jwk_open(ES256->key), *jwk_d = NULL;
	json_t *j;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		j = eab_make(bad[i].header, jwk, "SHA256", key, 32, -1);
		eab_refused(j, bad[i].type, bad[i].needle);
		json_decref(j);
	}

	/* The payload must be a JWK. */
	j = eab_make(h, "{}", "SHA256", key, 32, -1);
	eab_refused(j, "malformed", "payload: jwk has no \"kty\"");
	json_decref(j);
	j = eab_make(h, "[1]", "SHA256", key, 32, -1);
	eab_refused(j, "malformed", "payload is not a JSON object");
	json_decref(j);
	j = eab_make(h, "not json", "SHA256", key, 32, -1);
	eab_refused(j, "malformed", "payload is not JSON");
	json_decref(j);
	j = eab_make(h, "", "SHA256", key, 32, -1);
	eab_refused(j, "malformed", "payload is not JSON");
	json_decref(j);
	assert_true(asprintf(&jwk_d, "%s,\"d\":\"AAAA\"}", open) > 0);
	j = eab_make(h, jwk_d, "SHA256", key, 32, -1);
	eab_refused(j, "badPublicKey", "private key member");
	json_decref(j);

	/* A MAC of the wrong length, and the JWS's outer shape. */
	j = eab_make(h, jwk, "SHA256", key, 32, 31);
	eab_refused(j, "malformed", "31 octets; an HS256 MAC is 32");
	json_decref(j);
	j = eab_make(h, jwk, "SHA256", key, 32, -1);
	json_object_set_new(j, "header", json_object());
	eab_refused(j, "malformed", "unprotected \"header\"");
	json_decref(j);
	j = json_string("eab");
	eab_refused(j, "malformed", "externalAccountBinding is not a JSON");
	json_decref(j);
	eab_refused(NULL, "externalAccountRequired", "externalAccountBinding");

	free(jwk_d);
	free(open);
	free(h);
	free(jwk);
}

/* base64url(SHA-256(token "." thumbprint)), computed here with SHA256. */
static void test_key_authorization_digest(void **state)
{
	static const char token[] =
	    "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
	char out[ACME_THUMBPRINT_LEN + 1];
	char *ka = NULL, *want;

	(void)state;
	assert_true(asprintf(&ka, "%s.%s", token, RFC7638_THUMBPRINT) > 0);
	want = sha256_b64url(ka);
	memset(out, 'x', sizeof(out));
	assert_int_equal(
	    acme_key_authorization_digest(token, RFC7638_THUMBPRINT, out), 0);
	assert_int_equal(strlen(out), ACME_THUMBPRINT_LEN);
	assert_string_equal(out, want);
	assert_int_equal(acme_key_authorization_digest(NULL, "t", out), -1);
	free(want);
	free(ka);
}

/* The advertised list is the set parse accepts. */
static void test_alg_list(void **state)
{
	size_t n = 0;

	(void)state;
	for (; acme_jws_algs[n] != NULL; n++)
		assert_string_equal(acme_jws_algs[n], cases[n].alg);
	assert_int_equal(n, N_CASES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_each_alg_verifies),
	    cmocka_unit_test(test_kid_post_as_get),
	    cmocka_unit_test(test_nonce_and_url_optional),
	    cmocka_unit_test(test_flipped_signature_bit),
	    cmocka_unit_test(test_payload_changed),
	    cmocka_unit_test(test_wrong_key_for_alg),
	    cmocka_unit_test(test_alg_and_jwk_disagree),
	    cmocka_unit_test(test_ecdsa_der_refused),
	    cmocka_unit_test(test_rsa_signature_length),
	    cmocka_unit_test(test_rfc7638_thumbprint),
	    cmocka_unit_test(test_jws_parse_refusals),
	    cmocka_unit_test(test_padding_refused),
	    cmocka_unit_test(test_header_refusals),
	    cmocka_unit_test(test_unknown_header_member_ignored),
	    cmocka_unit_test(test_jwk_rsa_refusals),
	    cmocka_unit_test(test_jwk_ec_refusals),
	    cmocka_unit_test(test_jwk_okp_and_kty_refusals),
	    cmocka_unit_test(test_jwk_optional_members),
	    cmocka_unit_test(test_dump_load_round_trip),
	    cmocka_unit_test(test_json_load),
	    cmocka_unit_test(test_eab_macs),
	    cmocka_unit_test(test_eab_refusals),
	    cmocka_unit_test(test_key_authorization_digest),
	    cmocka_unit_test(test_alg_list),
	};

	return cmocka_run_group_tests(tests, keys_make, keys_free);
}
