/*
 * The OCSP responder's memory (docs/architecture.md, "OCSP cache").
 *
 * Issuers: each CA the responder answers for, opened once (its row, its
 * certificate parsed, the hashes of its name and key under each CertID
 * hash) with its revocation version. Both are read from the store again
 * when check_ms have passed since the last read, and before the next
 * answer after any change made through this process.
 *
 * Responses: signed answers to requests without a nonce, found by the
 * exact bytes of the request under one state of its issuer, and handed
 * out while the revocation version they were signed at is the one last
 * read and they are fresh. A byte budget bounds them; the least recently
 * used go first.
 *
 * Thread-safe. What it hands out is the caller's: copies, or issuers
 * held until released.
 */
#ifndef PKIAAS_OCSP_CACHE_H
#define PKIAAS_OCSP_CACHE_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/ocsp.h"

#define OCSP_HASHES 4 /* CertID hashes taken: sha1, sha256, sha384, sha512 */

/* The hashes that name a CA in a CertID (RFC 6960 4.1.1). */
struct ocsp_issuer_hash {
	unsigned char name[EVP_MAX_MD_SIZE]; /* of its subject's DER */
	unsigned char key[EVP_MAX_MD_SIZE];  /* of its key's BIT STRING */
	unsigned int len;
};

/* A CA as the responder answers for it; read-only once made. */
struct ocsp_issuer {
	struct store_ca row;
	X509 *cert;
	char service_hash[8]; /* responses' signature hash; "": the key's */
	struct ocsp_issuer_hash hash[OCSP_HASHES]; /* by ocsp_hash_index */
	atomic_int refs;
};

/* An issuer as the cache has it now. */
struct ocsp_issuer_view {
	struct ocsp_issuer *issuer; /* held: ocsp_issuer_release */
	uint64_t epoch;		    /* new with each change of the CA's row;
				       0: its answers are not kept */
	int64_t version;	    /* revocation version as last read */
};

/* What a kept response is found by and must have been made at. */
struct ocsp_cache_key {
	uint64_t epoch;
	int64_t version;
	const uint8_t *req; /* the DER request */
	size_t len;
};

struct ocsp_cache_stats {
	uint64_t hits, misses;
	size_t entries, bytes; /* bytes: of responses, requests and entries */
};

/*
 * A cache keeping at most budget bytes of responses (0: none), whose
 * issuers are read again once check_ms have passed (0: on every
 * request). NULL when out of memory.
 */
struct ocsp_cache *ocsp_cache_new(size_t budget, int64_t check_ms);
/* Nothing may be held from it any more. Accepts NULL. */
void ocsp_cache_free(struct ocsp_cache *c);
/*
 * Says that revocation status or a CA changed through this process:
 * every cache of the process reads each issuer again before its next
 * answer. Called once the change is committed, before it is
 * acknowledged.
 */
void ocsp_cache_changed(void);

/*
 * The active CA ca_id with its revocation version: from c while current
 * there, else read from the store (and kept in c; c may be NULL).
 * ENGINE_NOT_FOUND when there is no such CA; ENGINE_ERROR when its
 * certificate does not parse.
 */
enum engine_result ocsp_cache_issuer(struct ocsp_cache *c,
				     const struct ca_context *ctx,
				     const char *ca_id,
				     struct ocsp_issuer_view *out,
				     struct engine_error *err);
/* Accepts NULL. */
void ocsp_issuer_release(struct ocsp_issuer *i);
/* The place in ocsp_issuer.hash of a CertID hash algorithm, or -1. */
int ocsp_hash_index(const ASN1_OBJECT *alg);
/* "sha1", ... of a place in ocsp_issuer.hash. */
const char *ocsp_hash_name(int index);

/*
 * Whether a signed response from this_update to next_update may still be
 * served at now: more than half of validity is ahead of it, and it is not
 * dated after now beyond CLOCK_SKEW_SECONDS (the clock may have been put
 * back since).
 */
int ocsp_response_fresh(int64_t this_update, int64_t next_update, int64_t now,
			int64_t validity);
/*
 * A copy of the response kept for k, when it is fresh at now, into out
 * (the caller frees it); -1 when there is none. c may be NULL.
 */
int ocsp_cache_get(struct ocsp_cache *c, const struct ocsp_cache_key *k,
		   int64_t now, int64_t validity, struct ocsp_answer *out);
/* Keeps a copy of the successful answer a for k, in place of any. */
void ocsp_cache_put(struct ocsp_cache *c, const struct ocsp_cache_key *k,
		    const struct ocsp_answer *a);
void ocsp_cache_stats(struct ocsp_cache *c, struct ocsp_cache_stats *out);

#endif
