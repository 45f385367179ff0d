/*
 * Revocation status as published: each CA's revocation version (bumped
 * in the same transaction as every revocation, release and supersede),
 * its CRL with a number that only grows, the cache of signed OCSP
 * responses and the delegated OCSP signer. Part of store.h; include
 * that. These serve the public endpoints, so they take a CA id and no
 * tenant: the CA id itself comes from store_ca_find.
 */
#ifndef PKIAAS_STORE_REVOCATION_H
#define PKIAAS_STORE_REVOCATION_H

#include <stddef.h>
#include <stdint.h>

/* The CA's revocation version: 0 until its first change. */
enum store_result store_revocation_version(struct store *st, const char *ca_id,
					   int64_t *version);

/* A CRL number claimed for a CA, with the CRL once signed. */
struct store_crl {
	int64_t number;
	int64_t version; /* the revocation version it lists */
	int64_t this_update, next_update;
	uint8_t *der; /* NULL while the claimant is signing it */
	size_t der_len;
};

/*
 * The CA's CRL when it is current: signed, listing the CA's revocation
 * version now, and with its next_update after fresh_after. Else
 * STORE_NOT_FOUND, and no DER is read.
 */
enum store_result store_crl_get(struct store *st, const char *ca_id,
				int64_t fresh_after, struct store_crl *out);
/*
 * Claims the CRL to sign, in one transaction committed before it
 * returns. The stored claim stands when it lists the CA's revocation
 * version now, its next_update is after fresh_after and its this_update
 * is not after the one given (with its DER once signed); otherwise the
 * number grows by one with this_update and next_update given and no
 * DER. Of several nodes claiming at once, one
 * moves the number and the others receive its claim, so one change
 * costs one number. A DER that does not stand is never read.
 */
enum store_result store_crl_claim(struct store *st, const char *ca_id,
				  int64_t this_update, int64_t next_update,
				  int64_t fresh_after, struct store_crl *out);
/* Stores the signed CRL of claim number; STORE_CONFLICT when a newer
 * number was claimed since (the CRL is still good to serve). */
enum store_result store_crl_put(struct store *st, const char *ca_id,
				int64_t number, const uint8_t *der, size_t len);
void store_crl_free(struct store_crl *c);

/* A cached OCSP response for one certificate of a CA; der is the
 * caller's to free once read. */
struct store_ocsp_response {
	int64_t this_update, next_update;
	uint8_t *der;
	size_t der_len;
};

/*
 * The response cached for serial under CertID hash (sha1, sha256, ...),
 * if it was signed at the CA's revocation version now and its
 * next_update is after fresh_after; else STORE_NOT_FOUND.
 */
enum store_result store_ocsp_response_get(struct store *st, const char *ca_id,
					  const char *serial, const char *hash,
					  int64_t fresh_after,
					  struct store_ocsp_response *out);
/* Caches a response signed at revocation version, replacing any. */
enum store_result store_ocsp_response_put(struct store *st, const char *ca_id,
					  const char *serial, const char *hash,
					  int64_t version,
					  const struct store_ocsp_response *r);

/* A CA's delegated OCSP signer, with its certificate's record. */
struct store_ocsp_signer {
	char *certificate_id;
	uint8_t *key_sealed; /* PKCS#8 sealed by the KEK, aad "ocsp/CA-ID" */
	size_t key_len;
	uint8_t *cert_der;
	size_t cert_len;
	int64_t not_after;
	int64_t revoked_at; /* 0: not revoked */
};

enum store_result store_ocsp_signer_get(struct store *st, const char *ca_id,
					struct store_ocsp_signer *out);
/*
 * Makes certificate_id (a certificate of the CA) its OCSP signer, and
 * drops the responses cached under the one before. expect_id is the
 * certificate the signer must still be (NULL: there must be none);
 * else STORE_CONFLICT, so that of several nodes replacing it at once
 * one wins and the others read the winner's.
 */
enum store_result store_ocsp_signer_put(struct store *st, const char *ca_id,
					const char *certificate_id,
					const uint8_t *key_sealed,
					size_t key_len, const char *expect_id,
					int64_t now);
void store_ocsp_signer_free(struct store_ocsp_signer *s);

/*
 * Calls fn for each revoked certificate of the CA that expires after
 * now, in serial order, a page at a time, so that no more than a page
 * of them is held in memory. reason is the RFC 5280 name; invalidity
 * date 0 for none. fn returns 0 to go on, else the walk stops with
 * STORE_ERROR.
 */
typedef int (*store_revoked_fn)(void *arg, const char *serial,
				int64_t revoked_at, const char *reason,
				int64_t invalidity_date);
enum store_result store_revoked_each(struct store *st, const char *ca_id,
				     int64_t now, store_revoked_fn fn,
				     void *arg);

#endif
