/*
 * ACME's JSON Web Signatures (RFC 8555 section 6.2, RFC 7515 flattened
 * JSON serialisation) and the keys in them (RFC 7517 JWK, RFC 7638
 * thumbprints), parsed strictly and verified with OpenSSL.
 */
#ifndef PKIAAS_ACME_JWS_H
#define PKIAAS_ACME_JWS_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/* base64url of a SHA-256: 43 characters */
#define ACME_THUMBPRINT_LEN 43
/* A JWS body larger than this is refused before parsing. */
#define ACME_JWS_MAX 65536
/* JSON nested deeper than this (the top object is 0) is refused. */
#define ACME_JSON_DEPTH_MAX 8

/* Why a JWS or JWK was refused: an ACME error type and words. */
struct acme_jws_error {
	const char *type; /* RFC 8555 section 6.7, without the URN prefix:
			     "malformed", "badSignatureAlgorithm", ... */
	char detail[192];
};

/* The outer JWS algorithms, NULL-terminated: the "algorithms" member of
 * a badSignatureAlgorithm problem (RFC 8555 section 6.2). */
extern const char *const acme_jws_algs[];

/* Fills err (which may be NULL) with type and the formatted words. */
void acme_jws_fail(struct acme_jws_error *err, const char *type,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * len bytes of data as one JSON object, parsed as strictly as the JWS
 * around it: at most ACME_JWS_MAX bytes, no duplicate member names, no
 * \u0000, nested at most ACME_JSON_DEPTH_MAX deep. For a JWS payload.
 * A new reference, or NULL with err ("malformed", naming what).
 */
json_t *acme_json_load(const uint8_t *data, size_t len, const char *what,
		       struct acme_jws_error *err);

/* An account key: RSA (2048 to 8192 bits), EC P-256/384/521 or Ed25519. */
struct acme_jwk {
	EVP_PKEY *key;
	json_t *json; /* the JWK's required members only (RFC 7638 set) */
	char thumbprint[ACME_THUMBPRINT_LEN + 1];
};

/* A parsed JWS: the protected header's members and the payload. */
struct acme_jws {
	char *alg;	     /* RS256, ES256, ES384, ES512, EdDSA */
	char *nonce;	     /* NULL when absent (the caller decides) */
	char *url;	     /* NULL when absent */
	char *kid;	     /* NULL when the header has a jwk */
	struct acme_jwk jwk; /* key NULL when the header has a kid */
	uint8_t *payload;    /* decoded; len 0 for POST-as-GET ("") */
	size_t payload_len;
	char *signing_input; /* "protected.payload" as sent */
	uint8_t *signature;
	size_t signature_len;
};

/*
 * Parses a flattened JWS: an object with exactly "protected", "payload"
 * and "signature" (no "header"), each base64url without padding; the
 * protected header a JSON object with "alg" among those above, exactly
 * one of "jwk" and "kid", and no "crit" or "b64". A "nonce" present must
 * be base64url (RFC 8555 section 6.5.2); other members are ignored
 * (RFC 7515 section 4). 0, or -1 with err ("badSignatureAlgorithm" for
 * an "alg" not listed, "badPublicKey" from the jwk, else "malformed")
 * and out zeroed. Free out with acme_jws_free.
 */
int acme_jws_parse(const uint8_t *body, size_t len, struct acme_jws *out,
		   struct acme_jws_error *err);
/*
 * Verifies the signature with key, which must fit jws->alg (RS256: RSA;
 * ES256: P-256; ES384: P-384; ES512: P-521, r||s of the curve's size;
 * EdDSA: Ed25519). 0, or -1 with err (type "badSignatureAlgorithm" for
 * a key that does not fit the alg, "malformed" for a bad signature or
 * a NULL key, as a kid JWS's own jwk.key is).
 */
int acme_jws_verify(const struct acme_jws *jws, EVP_PKEY *key,
		    struct acme_jws_error *err);
/* Frees what out holds and zeroes it; NULL is fine. */
void acme_jws_free(struct acme_jws *jws);

/*
 * A JWK object into a key and its thumbprint. Refuses private members
 * ("d", "p", ...), unknown kty/crv, points off the curve, coordinates
 * not of the curve's size, values with leading zero octets and RSA keys
 * outside 2048 to 8192 bits (type "badPublicKey"); a missing member, a
 * non-string or bad base64url is "malformed". 0, or -1 with err and out
 * zeroed. Free out with acme_jwk_free.
 */
int acme_jwk_parse(const json_t *jwk, struct acme_jwk *out,
		   struct acme_jws_error *err);
/* The JWK of a stored form (acme_jwk's json, dumped). 0 or -1. */
int acme_jwk_load(const char *json, struct acme_jwk *out);
/* The JWK's required members as compact JSON, sorted: the RFC 7638
 * input (a new string to free(), or NULL). */
char *acme_jwk_dump(const struct acme_jwk *jwk);
void acme_jwk_free(struct acme_jwk *jwk);

/* An externalAccountBinding (RFC 8555 section 7.3.4), parsed. */
struct acme_eab {
	char *alg; /* HS256, HS384, HS512 */
	char *kid;
	char *url;
	struct acme_jwk jwk; /* its payload: the key being bound */
	char *signing_input;
	uint8_t *mac;
	size_t mac_len;
};

/*
 * Parses the externalAccountBinding member of a newAccount payload: a
 * flattened JWS whose protected header has "alg" (HS256/384/512), "kid"
 * (printable ASCII) and "url" and no "nonce" or "jwk", whose payload is
 * a JWK and whose MAC has the alg's length. Comparing url and the key
 * with the outer JWS's is the caller's. 0, or -1 with err ("malformed",
 * "badSignatureAlgorithm", "badPublicKey" from the JWK; eab NULL is
 * "externalAccountRequired") and out zeroed.
 */
int acme_eab_parse(const json_t *eab, struct acme_eab *out,
		   struct acme_jws_error *err);
/* 1 when the MAC over the signing input under key (the raw MAC key, not
 * its base64url) is right (constant time), else 0. */
int acme_eab_mac_ok(const struct acme_eab *eab, const uint8_t *key,
		    size_t key_len);
void acme_eab_free(struct acme_eab *eab);

/* base64url(SHA-256(token "." thumbprint)), the dns-01 TXT value and
 * the tls-alpn-01 extension's digest source: out gets 44 bytes. 0 or
 * -1. */
int acme_key_authorization_digest(const char *token, const char *thumbprint,
				  char out[ACME_THUMBPRINT_LEN + 1]);

#endif
