/*
 * The one issuance path (DESIGN.md, invariant 1). Every certificate
 * pkiaas makes, whatever asked for it, is made by engine_issue: it
 * applies the template, builds the certificate, signs it, lints it,
 * stores it durably and only then returns it.
 */
#ifndef PKIAAS_ISSUE_H
#define PKIAAS_ISSUE_H

#include <openssl/x509v3.h>
#include <stdint.h>

#include "engine/keytype.h"
#include "engine/result.h"
#include "engine/template.h"
#include "store/store.h"

/* Certificates start this long before now, for clients with slow clocks. */
#define ISSUE_BACKDATE_SECONDS 60

/* The CA that signs, opened: its certificate (NULL when the
 * certificate is self-signed: a new root) and its private key. */
struct issue_signer {
	const char *ca_id;
	X509 *cert;
	EVP_PKEY *key;
	char hash[8];	      /* the CA's: "", "sha256", ... */
	int pss;	      /* RSA-PSS signatures */
	const char *base_url; /* http://HOST:PORT of the public port */
};

/* What is asked for; subject and sans are the request's, before the
 * template's policy. */
struct issue_input {
	EVP_PKEY *public_key;
	/* public_key as its CSR encodes it, copied as it is; or NULL */
	const X509_PUBKEY *spki;
	const X509_NAME *subject;
	const GENERAL_NAMES *sans; /* may be NULL */
	/* extensions the CSR asked for, checked against the template */
	const STACK_OF(X509_EXTENSION) * requested;
	int64_t not_before, not_after; /* 0: the template's default */
};

/* Where the new certificate goes in the store, with what it settles. */
struct issue_record {
	const char *tenant_id;
	const char *template_id;
	const struct store_request *request; /* marked issued, or NULL */
	const char *revoke_id;		     /* superseded, or NULL */
	const struct store_audit *audit;
	/* The request is new (auto-approved): it is inserted issued, with
	 * this entry of its submission, in the issuance's transaction. */
	const struct store_audit *submitted;
};

/*
 * Issues one certificate. On ENGINE_OK *cert is the stored certificate
 * (the caller frees it with X509_free) and out its stored record (freed
 * with store_certificate_free). A request that breaks the template's
 * policy is ENGINE_INVALID naming the rule; nothing is stored then.
 */
enum engine_result
engine_issue(struct store *st, const struct issue_signer *signer,
	     const struct template_settings *tpl, const struct issue_input *in,
	     const struct issue_record *rec, int64_t now, X509 **cert,
	     struct store_certificate *out, struct engine_error *err);

#endif
