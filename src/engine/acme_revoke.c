/*
 * ACME revocation (RFC 8555 7.6) and renewal information (RFC 9773):
 * both find one of the server's certificates from what a client holds.
 */
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

#include "engine/acme_order_doc.h"
#include "engine/certificate.h"
#include "engine/serial.h"
#include "lib/base64.h"

/* Renewal is suggested from two thirds of a certificate's life. */
#define WINDOW_START_NUM 2
#define WINDOW_END_NUM	 5
#define WINDOW_START_DEN 3
#define WINDOW_END_DEN	 6

/* The reasons a client may give, by their RFC 5280 code: no hold (it
 * is an operator's), nor a CA's or attribute authority's compromise. */
static const char *reason_name(int code)
{
	static const char *const names[] = {
	    [0] = "unspecified",	  [1] = "keyCompromise",
	    [3] = "affiliationChanged",	  [4] = "superseded",
	    [5] = "cessationOfOperation", [9] = "privilegeWithdrawn"};

	if (code == -1)
		return names[0];
	if (code < 0 || code >= (int)(sizeof(names) / sizeof(*names)))
		return NULL;
	return names[code];
}

/* The stored certificate of a presented one (DER). */
static enum engine_result certificate_presented(const struct acme_engine *ae,
						const uint8_t *der, size_t len,
						struct store_certificate *out,
						struct engine_error *err)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	char *serial = x != NULL && p == der + len
			   ? serial_text(X509_get0_serialNumber(x))
			   : NULL;
	enum store_result rc =
	    serial != NULL
		? store_certificate_find_der(ae->ca.st, serial, der, len, out)
		: STORE_NOT_FOUND;

	X509_free(x);
	free(serial);
	if (rc == STORE_NOT_FOUND)
		return engine_fail_typed(err, ENGINE_NOT_FOUND, "malformed",
					 "the certificate is not one this "
					 "server issued");
	return engine_store_fail(err, rc, "certificate");
}

/* Whether key is the certificate's own key. */
static int key_of(const struct store_certificate *c, EVP_PKEY *key)
{
	const unsigned char *p = c->der;
	X509 *x = d2i_X509(NULL, &p, (long)c->der_len);
	int same = x != NULL && EVP_PKEY_eq(X509_get0_pubkey(x), key) == 1;

	X509_free(x);
	return same;
}

/* Whether acct ordered the certificate. */
static enum engine_result ordered_by(const struct acme_engine *ae,
				     const struct store_acme_account *acct,
				     const struct store_certificate *c,
				     struct engine_error *err)
{
	struct store_acme_order o;
	enum store_result rc =
	    store_acme_order_find_certificate(ae->ca.st, c->id, &o);
	int mine = rc == STORE_OK && strcmp(o.account_id, acct->id) == 0;

	store_acme_order_free(&o);
	if (rc != STORE_OK && rc != STORE_NOT_FOUND)
		return engine_store_fail(err, rc, "order");
	return mine ? ENGINE_OK
		    : engine_fail_typed(err, ENGINE_FORBIDDEN, "unauthorized",
					"this account did not order the "
					"certificate; sign with the "
					"certificate's key instead");
}

enum engine_result acme_revoke(const struct acme_engine *ae,
			       const struct store_acme_account *acct,
			       EVP_PKEY *key, const uint8_t *cert,
			       size_t cert_len, int reason, const char *address,
			       int64_t now, struct engine_error *err)
{
	const char *name = reason_name(reason);
	struct store_certificate c;
	struct store_acme_account holder = {0};
	struct principal who;
	enum engine_result res;

	if (name == NULL)
		return engine_fail_typed(err, ENGINE_INVALID,
					 "badRevocationReason",
					 "reason is one of 0, 1, 3, 4, 5 and 9 "
					 "(RFC 5280 5.3.1)");
	res = certificate_presented(ae, cert, cert_len, &c, err);
	if (res != ENGINE_OK)
		return res;
	if (acct != NULL)
		res = ordered_by(ae, acct, &c, err);
	else if (!key_of(&c, key))
		res = engine_fail_typed(err, ENGINE_FORBIDDEN, "unauthorized",
					"the JWS key is not the certificate's "
					"key");
	if (res == ENGINE_OK) {
		holder.id = acct != NULL ? acct->id : "certificate-key";
		holder.tenant_id = c.tenant_id;
		acme_principal(&holder, address, &who);
		res =
		    certificate_revoke(&ae->ca, &who, c.id, name, 0, now, err);
		if (res == ENGINE_CONFLICT)
			err->type = "alreadyRevoked";
	}
	store_certificate_free(&c);
	return res;
}

/* The AKI key identifier of a stored certificate, or NULL. */
static const ASN1_OCTET_STRING *aki_of(X509 *x)
{
	return x != NULL ? X509_get0_authority_key_id(x) : NULL;
}

enum engine_result acme_certificate_of_ari(const struct acme_engine *ae,
					   const char *ari_id,
					   struct store_certificate *out,
					   struct engine_error *err)
{
	const char *dot = ari_id != NULL ? strchr(ari_id, '.') : NULL;
	uint8_t *aki = NULL, *sn = NULL;
	size_t aki_len = 0, sn_len = 0;
	char *serial = NULL;
	enum store_result rc = STORE_NOT_FOUND;
	int ok =
	    dot != NULL &&
	    base64url_decode(ari_id, (size_t)(dot - ari_id), &aki, &aki_len) ==
		0 &&
	    base64url_decode(dot + 1, strlen(dot + 1), &sn, &sn_len) == 0 &&
	    sn_len > 0 && sn_len <= 20 && (sn[0] & 0x80) == 0;

	if (ok) {
		ASN1_INTEGER *i = ASN1_INTEGER_new();
		ok = i != NULL && ASN1_STRING_set(i, sn, (int)sn_len) == 1 &&
		     (serial = serial_text(i)) != NULL;
		ASN1_INTEGER_free(i);
	}
	if (ok)
		rc = store_certificate_find_serial(ae->ca.st, serial, out);
	if (rc == STORE_OK) {
		const unsigned char *p = out->der;
		X509 *x = d2i_X509(NULL, &p, (long)out->der_len);
		const ASN1_OCTET_STRING *kid = aki_of(x);
		if (kid == NULL || (size_t)kid->length != aki_len ||
		    memcmp(kid->data, aki, aki_len) != 0) {
			store_certificate_free(out);
			rc = STORE_NOT_FOUND;
		}
		X509_free(x);
	}
	free(aki);
	free(sn);
	free(serial);
	if (!ok)
		return engine_fail_typed(err, ENGINE_INVALID, "malformed",
					 "a certificate id is "
					 "base64url(AKI) \".\" "
					 "base64url(serial)");
	if (rc == STORE_NOT_FOUND)
		return engine_fail_typed(err, ENGINE_NOT_FOUND, "malformed",
					 "no certificate of this server has "
					 "that id");
	return engine_store_fail(err, rc, "certificate");
}

enum engine_result acme_renewal_window(const struct acme_engine *ae,
				       const char *cert_id, int64_t now,
				       int64_t *start, int64_t *end,
				       struct engine_error *err)
{
	struct store_certificate c;
	enum engine_result res = acme_certificate_of_ari(ae, cert_id, &c, err);
	int64_t life;

	if (res != ENGINE_OK)
		return res;
	life = c.not_after - c.not_before;
	*start = c.not_before + life * WINDOW_START_NUM / WINDOW_START_DEN;
	*end = c.not_before + life * WINDOW_END_NUM / WINDOW_END_DEN;
	/* a revoked certificate is to be replaced now */
	if (c.revoked_at != 0) {
		*start = now - 3600;
		*end = now;
	}
	store_certificate_free(&c);
	return ENGINE_OK;
}
