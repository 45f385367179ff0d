/*
 * The DER of a CRL (RFC 5280 section 5.1), written as its entries
 * arrive: one buffer holds them, with room kept in front for the
 * TBSCertList's header, and the extensions, the signature algorithm
 * and the signature are appended after them. So the entries, nearly
 * all of a large CRL, are written once and never held twice.
 */
#ifndef PKIAAS_CRL_DER_H
#define PKIAAS_CRL_DER_H

#include <stddef.h>
#include <stdint.h>

/* The most a CRL may take, so that the store can keep it (SQLite and
 * PostgreSQL refuse values near 1 GB): about ten million entries. */
#define CRL_DER_MAX (512u << 20)

/* What a CRL says besides its entries, as DER; the caller's. */
struct crl_der_head {
	const uint8_t *alg; /* the signature's AlgorithmIdentifier */
	size_t alg_len;
	const uint8_t *issuer; /* the CA's subject Name */
	size_t issuer_len;
	int64_t this_update, next_update;
	const uint8_t *exts; /* crlExtensions: Extensions, not yet [0] */
	size_t exts_len;
};

/* A CRL being written. */
struct crl_der {
	uint8_t *buf;
	size_t cap, len; /* allocated, written */
	size_t entries;	 /* where the first entry starts */
	uint8_t *front;	 /* version to nextUpdate, placed at close */
	size_t front_len;
	const uint8_t *alg; /* the signature algorithm, in front */
	size_t alg_len;
	uint8_t *exts; /* crlExtensions, appended at close */
	size_t exts_len;
	size_t tbs, tbs_len; /* the TBSCertList, once closed */
	size_t count;	     /* entries written */
};

/* Starts a CRL with head's fields, copied. 0, or -1 (logged). */
int crl_der_start(struct crl_der *w, const struct crl_der_head *head);
/*
 * Appends the entry of serial (hex, as stored), revoked at revoked_at,
 * with reasonCode reason unless it is negative and invalidityDate
 * unless it is 0. -1 (logged) for a serial that is not hex of at most
 * 20 octets, a time past year 9999, or a CRL past CRL_DER_MAX.
 */
int crl_der_entry_add(struct crl_der *w, const char *serial, int64_t revoked_at,
		      int reason, int64_t invalidity_date);
/*
 * Ends the TBSCertList: w->buf + w->tbs, w->tbs_len bytes, is then what
 * to sign. 0 or -1 (logged).
 */
int crl_der_close(struct crl_der *w);
/*
 * Appends the signature and makes the CertificateList. *der (the
 * caller's to free) takes the buffer, which w then no longer holds. 0,
 * or -1 (logged).
 */
int crl_der_finish(struct crl_der *w, const uint8_t *sig, size_t sig_len,
		   uint8_t **der, size_t *len);
/* Frees what w holds; accepts a zeroed or finished one. */
void crl_der_free(struct crl_der *w);

#endif
