#include "engine/aia.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

/* Certificates in a CA's chain, at most: more means a broken store. */
#define CHAIN_MAX 16

enum engine_result aia_ca_find(const struct ca_context *ctx, const char *ca_id,
			       struct store_ca *out, struct engine_error *err)
{
	enum store_result rc = store_ca_find(ctx->st, ca_id, out);

	if (rc == STORE_OK &&
	    (strcmp(out->status, "active") != 0 || out->cert_der == NULL)) {
		store_ca_free(out);
		rc = STORE_NOT_FOUND;
	}
	return rc == STORE_OK ? ENGINE_OK : engine_store_fail(err, rc, "CA");
}

/* The CA's certificate and chain as a stack, CA first; NULL on error. */
static STACK_OF(X509) * chain_read(const struct store_ca *ca)
{
	char *pem = ca_chain_pem(ca);
	BIO *bio = pem != NULL ? BIO_new_mem_buf(pem, -1) : NULL;
	STACK_OF(X509) *certs = bio != NULL ? sk_X509_new_null() : NULL;
	X509 *x;

	while (certs != NULL && sk_X509_num(certs) < CHAIN_MAX &&
	       (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(certs, x) <= 0)
			X509_free(x);
	ERR_clear_error();
	BIO_free(bio);
	free(pem);
	if (certs != NULL && sk_X509_num(certs) == 0) {
		sk_X509_free(certs);
		certs = NULL;
	}
	return certs;
}

/* Writes the first certificate of certs, or all as PKCS#7, into bio. */
static int encode(BIO *bio, STACK_OF(X509) * certs, enum aia_format format)
{
	PKCS7 *p7;
	int ok;

	switch (format) {
	case AIA_DER: return i2d_X509_bio(bio, sk_X509_value(certs, 0)) == 1;
	case AIA_PEM: return PEM_write_bio_X509(bio, sk_X509_value(certs, 0));
	case AIA_PKCS7:
		/* SignedData without signers: the certs-only form. */
		p7 = PKCS7_sign(NULL, NULL, certs, NULL,
				PKCS7_PARTIAL | PKCS7_DETACHED);
		ok = p7 != NULL && i2d_PKCS7_bio(bio, p7) == 1;
		PKCS7_free(p7);
		return ok;
	}
	return 0;
}

enum engine_result aia_ca_certificate(const struct ca_context *ctx,
				      const char *ca_id, enum aia_format format,
				      uint8_t **data, size_t *len,
				      struct engine_error *err)
{
	struct store_ca ca;
	STACK_OF(X509) *certs = NULL;
	BIO *bio = NULL;
	char *mem = NULL;
	long n = -1;
	enum engine_result res = aia_ca_find(ctx, ca_id, &ca, err);

	*data = NULL;
	*len = 0;
	if (res != ENGINE_OK)
		return res;
	certs = chain_read(&ca);
	bio = BIO_new(BIO_s_mem());
	if (certs != NULL && bio != NULL && encode(bio, certs, format))
		n = BIO_get_mem_data(bio, &mem);
	if (n > 0 && (*data = malloc((size_t)n)) != NULL) {
		memcpy(*data, mem, (size_t)n);
		*len = (size_t)n;
	} else {
		log_openssl_errors("aia.encode", ca.id);
		res = engine_fail(err, ENGINE_ERROR, NULL,
				  "the CA certificate could not be encoded");
	}
	BIO_free(bio);
	OSSL_STACK_OF_X509_free(certs);
	store_ca_free(&ca);
	return res;
}
