/*
 * pkiaas cert renew: a new certificate for the holder of an old one's
 * key, without a login. The old key signs the new key's CSR; the server
 * checks that signature against the old certificate.
 */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cmds.h"
#include "cmd/pkiaas_context.h"
#include "cmd/pkiaas_pki.h"
#include "cmd/pkiaas_table.h"
#include "lib/base64.h"

#define CERTIFICATES "/api/v1/certificates"

enum { R_CERT, R_KEY, R_CSR, R_OUT, R_NOPTS };
static const struct args_opt renew_opts[R_NOPTS] = {
    [R_CERT] = {"cert", 1},
    [R_KEY] = {"key", 1},
    [R_CSR] = {"csr", 1},
    [R_OUT] = {"out", 1},
};

/* The DER of a PEM or DER CSR file's text; a new buffer, or NULL. */
static unsigned char *csr_der(const char *data, size_t len, int *der_len)
{
	BIO *bio = BIO_new_mem_buf(data, (int)len);
	X509_REQ *req = NULL;
	unsigned char *der = NULL;

	if (bio != NULL)
		req = strstr(data, "-----BEGIN") != NULL
			  ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL)
			  : d2i_X509_REQ_bio(bio, NULL);
	*der_len = req != NULL ? i2d_X509_REQ(req, &der) : -1;
	X509_REQ_free(req);
	BIO_free(bio);
	ERR_clear_error();
	return *der_len > 0 ? der : NULL;
}

/* base64 of key's signature over data (SHA-256 for RSA and ECDSA). */
static char *signature_b64(const char *key_path, const unsigned char *data,
			   size_t len)
{
	char *pem = NULL, *out = NULL;
	size_t pem_len = 0, sig_len = 0;
	BIO *bio;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char *sig = NULL;

	if (pki_file_read("the key", key_path, &pem, &pem_len) != 0)
		goto out;
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	key =
	    bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	if (key == NULL || ctx == NULL) {
		fprintf(stderr, "pkiaas: %s is not a PEM private key\n",
			key_path);
		goto out;
	}
	if (EVP_DigestSignInit_ex(
		ctx, NULL,
		EVP_PKEY_is_a(key, "RSA") || EVP_PKEY_is_a(key, "EC") ? "SHA256"
								      : NULL,
		NULL, NULL, key, NULL) == 1 &&
	    EVP_DigestSign(ctx, NULL, &sig_len, data, len) == 1 &&
	    (sig = OPENSSL_malloc(sig_len)) != NULL &&
	    EVP_DigestSign(ctx, sig, &sig_len, data, len) == 1)
		out = base64_encode(sig, sig_len);
	else
		fprintf(stderr, "pkiaas: the key could not sign\n");
out:
	ERR_clear_error();
	OPENSSL_free(sig);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	if (pem != NULL)
		OPENSSL_clear_free(pem, pem_len);
	return out;
}

/* The request body: the old certificate, the CSR and the signature. */
static json_t *renew_body(const struct args *a)
{
	char *cert = NULL, *csr = NULL, *sig = NULL, *csr_b64 = NULL;
	size_t cert_len = 0, csr_len = 0;
	unsigned char *der = NULL;
	int der_len = 0;
	json_t *body = NULL;

	if (pki_file_read("the certificate", a->value[R_CERT], &cert,
			  &cert_len) != 0 ||
	    pki_file_read("the CSR", a->value[R_CSR], &csr, &csr_len) != 0)
		goto out;
	der = csr_der(csr, csr_len, &der_len);
	if (der == NULL) {
		fprintf(stderr, "pkiaas: %s is not a CSR\n", a->value[R_CSR]);
		goto out;
	}
	sig = signature_b64(a->value[R_KEY], der, (size_t)der_len);
	csr_b64 = base64_encode(der, (size_t)der_len);
	if (sig != NULL && csr_b64 != NULL)
		body =
		    json_pack("{s:s%, s:s, s:s}", "certificate", cert, cert_len,
			      "csr_der", csr_b64, "signature", sig);
out:
	free(cert);
	free(csr);
	free(sig);
	free(csr_b64);
	OPENSSL_free(der);
	return body;
}

int cmd_cert_renew(const struct cli_command *cmd, struct cli_globals *g,
		   int argc, char **argv)
{
	struct context ctx = {0};
	json_t *body, *cert = NULL;
	const char *pem;
	enum args_result ar;
	struct args a;
	int rc;

	ar = args_parse(cmd, argc, argv, renew_opts, R_NOPTS, 0, 0, g, &a);
	if (ar != ARGS_RUN)
		return args_exit(ar);
	if (a.value[R_CERT] == NULL || a.value[R_KEY] == NULL ||
	    a.value[R_CSR] == NULL) {
		fprintf(stderr, "pkiaas: cert renew needs --cert FILE, --key "
				"FILE and --csr FILE\n");
		return CLI_USAGE;
	}
	body = renew_body(&a);
	if (body == NULL)
		return CLI_USAGE;
	rc = context_open(&ctx, g, NEED_SERVER);
	if (rc == 0)
		rc = client_call(ctx.client, "POST", CERTIFICATES "/renew",
				 body, &cert);
	pem = json_string_value(json_object_get(cert, "pem"));
	if (rc == 0 && g->json)
		rc = table_json(cert);
	else if (rc == 0 && pem != NULL)
		rc = pki_output(a.value[R_OUT], pem, strlen(pem));
	json_decref(body);
	json_decref(cert);
	context_close(&ctx);
	return rc;
}
