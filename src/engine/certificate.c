#include "engine/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/ocsp_cache.h"

static const char *const reasons[] = {
    "unspecified",	  "keyCompromise",	"cACompromise",
    "affiliationChanged", "superseded",		"cessationOfOperation",
    "certificateHold",	  "privilegeWithdrawn", "aACompromise",
};

int certificate_reason_valid(const char *reason)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(*reasons); i++)
		if (strcmp(reasons[i], reason) == 0)
			return 1;
	return 0;
}

enum engine_result certificate_list(const struct ca_context *ctx,
				    const struct principal *who,
				    const struct store_certificate_filter *f,
				    const char *after, size_t limit,
				    struct store_certificate_list *out,
				    struct engine_error *err)
{
	enum store_result rc;

	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	if (f->status != NULL && strcmp(f->status, "valid") != 0 &&
	    strcmp(f->status, "revoked") != 0 &&
	    strcmp(f->status, "expired") != 0)
		return engine_fail(err, ENGINE_INVALID, "status",
				   "status is valid, revoked or expired");
	rc = store_certificate_list(ctx->st, who->tenant_id, f, after,
				    accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "certificate");
}

enum engine_result certificate_get(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   struct store_certificate *out,
				   struct engine_error *err)
{
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_certificate_get(ctx->st, who->tenant_id, id, out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "certificate");
}

STACK_OF(X509) * certificate_chain(const struct ca_context *ctx,
				   const struct store_certificate *c)
{
	const unsigned char *p = c->der;
	STACK_OF(X509) *chain = sk_X509_new_null(), *above = NULL;
	struct store_ca ca;
	X509 *x = d2i_X509(NULL, &p, (long)c->der_len);

	if (chain == NULL || x == NULL || sk_X509_push(chain, x) <= 0) {
		X509_free(x);
		OSSL_STACK_OF_X509_free(chain);
		return NULL;
	}
	if (store_ca_get(ctx->st, c->tenant_id, c->ca_id, &ca) != STORE_OK)
		return chain;
	above = ca_chain_stack(&ca);
	while (above != NULL && sk_X509_num(above) > 0) {
		x = sk_X509_shift(above);
		if (sk_X509_push(chain, x) <= 0)
			X509_free(x);
	}
	sk_X509_free(above);
	store_ca_free(&ca);
	return chain;
}

int certificate_chain_encode(STACK_OF(X509) * chain,
			     enum certificate_format format, uint8_t **data,
			     size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	PKCS7 *p7 = NULL;
	char *mem = NULL;
	long n;
	int ok = bio != NULL;

	switch (format) {
	case CERT_PEM:
		ok = ok && PEM_write_bio_X509(bio, sk_X509_value(chain, 0));
		break;
	case CERT_DER:
		ok = ok && i2d_X509_bio(bio, sk_X509_value(chain, 0));
		break;
	case CERT_PEM_CHAIN:
		for (int i = 0; ok && i < sk_X509_num(chain); i++)
			ok = PEM_write_bio_X509(bio, sk_X509_value(chain, i));
		break;
	case CERT_PKCS7:
		p7 = PKCS7_sign(NULL, NULL, chain, NULL,
				PKCS7_PARTIAL | PKCS7_DETACHED);
		ok = ok && p7 != NULL && i2d_PKCS7_bio(bio, p7) == 1;
		break;
	}
	n = ok ? BIO_get_mem_data(bio, &mem) : -1;
	*data = n > 0 ? malloc((size_t)n) : NULL;
	if (*data != NULL) {
		memcpy(*data, mem, (size_t)n);
		*len = (size_t)n;
	}
	PKCS7_free(p7);
	BIO_free(bio);
	ERR_clear_error();
	return *data != NULL ? 0 : -1;
}

enum engine_result
certificate_download(const struct ca_context *ctx, const struct principal *who,
		     const char *id, enum certificate_format format,
		     uint8_t **data, size_t *len, struct engine_error *err)
{
	struct store_certificate c;
	STACK_OF(X509) * chain;
	enum engine_result res = certificate_get(ctx, who, id, &c, err);

	*data = NULL;
	*len = 0;
	if (res != ENGINE_OK)
		return res;
	chain = certificate_chain(ctx, &c);
	if (chain == NULL ||
	    certificate_chain_encode(chain, format, data, len) != 0)
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the certificate could not be encoded");
	OSSL_STACK_OF_X509_free(chain);
	store_certificate_free(&c);
	return res;
}

/* Whether the tenant's certificate id is self-signed (a root's own). */
static int self_signed(const struct ca_context *ctx,
		       const struct principal *who, const char *id)
{
	struct store_certificate c;
	const unsigned char *p;
	X509 *x = NULL;
	int self;

	if (store_certificate_get(ctx->st, who->tenant_id, id, &c) != STORE_OK)
		return 0;
	p = c.der;
	x = d2i_X509(NULL, &p, (long)c.der_len);
	self = x != NULL && X509_check_issued(x, x) == X509_V_OK;
	X509_free(x);
	store_certificate_free(&c);
	return self;
}

enum engine_result certificate_revoke(const struct ca_context *ctx,
				      const struct principal *who,
				      const char *id, const char *reason,
				      int64_t invalidity_date, int64_t now,
				      struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "certificate.revoke", "certificate", id, now);
	enum store_result rc;

	if (reason == NULL)
		reason = "unspecified";
	if (access_require(who, ACCESS_OPERATE, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "certificate.revoke",
				       "certificate", id, now, err);
	if (!certificate_reason_valid(reason))
		return engine_fail(err, ENGINE_INVALID, "reason",
				   "reason is one of RFC 5280 5.3.1: "
				   "unspecified, keyCompromise, cACompromise, "
				   "affiliationChanged, superseded, "
				   "cessationOfOperation, certificateHold, "
				   "privilegeWithdrawn, aACompromise");
	if (invalidity_date < 0 || invalidity_date > now)
		return engine_fail(err, ENGINE_INVALID, "invalidity_date",
				   "the invalidity date is when the key was "
				   "known to be compromised: not in the "
				   "future");
	if (self_signed(ctx, who, id))
		return engine_fail(err, ENGINE_INVALID, NULL,
				   "a root CA's own certificate cannot be "
				   "revoked: nothing above it would say so; "
				   "delete the CA instead");
	a.detail = reason;
	rc = store_certificate_revoke(ctx->st, who->tenant_id, id, now, reason,
				      invalidity_date, &a);
	/* OCSP reads the status again, even after a failure: a commit whose
	 * answer was lost may have happened. */
	ocsp_cache_changed();
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "the certificate is revoked already");
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "certificate");
}

enum engine_result certificate_release(const struct ca_context *ctx,
				       const struct principal *who,
				       const char *id, int64_t now,
				       struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "certificate.release", "certificate", id, now);
	enum store_result rc;

	if (access_require(who, ACCESS_OPERATE, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "certificate.release",
				       "certificate", id, now, err);
	rc = store_certificate_revoke(ctx->st, who->tenant_id, id, now, NULL, 0,
				      &a);
	ocsp_cache_changed();
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "only a certificate on hold "
				   "(certificateHold) can be released");
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "certificate");
}
