#include "engine/csr.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <string.h>

#define PEM_CSR_HEADER	  "-----BEGIN CERTIFICATE REQUEST-----"
#define OVERRIDE_TEXT_MAX 4096

static int only_space(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return 0;
	return 1;
}

/* A PEM CSR: exactly one, with only white space around it. */
static X509_REQ *csr_pem(const uint8_t *data, size_t len)
{
	const char *text = (const char *)data, *end = text + len;
	const char *start =
	    memmem(text, len, PEM_CSR_HEADER, strlen(PEM_CSR_HEADER));
	BIO *bio;
	X509_REQ *req = NULL;

	if (start == NULL || !only_space(text, start))
		return NULL;
	bio = BIO_new_mem_buf(start, (int)(end - start));
	if (bio != NULL)
		req = PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL);
	if (req != NULL) {
		char *rest = NULL;
		long left = BIO_get_mem_data(bio, &rest);

		if (left > 0 && !only_space(rest, rest + left)) {
			X509_REQ_free(req);
			req = NULL;
		}
	}
	BIO_free(bio);
	return req;
}

X509_REQ *csr_parse(const uint8_t *data, size_t len, struct engine_error *err)
{
	const unsigned char *p = data;
	X509_REQ *req;
	EVP_PKEY *key;

	if (data == NULL || len == 0 || len > CSR_MAX) {
		engine_fail(err, ENGINE_INVALID, "csr",
			    "a CSR is 1 to %d bytes", CSR_MAX);
		return NULL;
	}
	req = memmem(data, len, "-----BEGIN", 10) != NULL
		  ? csr_pem(data, len)
		  : d2i_X509_REQ(NULL, &p, (long)len);
	if (req != NULL && memmem(data, len, "-----BEGIN", 10) == NULL &&
	    p != data + len) {
		X509_REQ_free(req);
		req = NULL;
	}
	ERR_clear_error();
	if (req == NULL) {
		engine_fail(err, ENGINE_INVALID, "csr",
			    "the CSR is not one PKCS#10 request in PEM or "
			    "DER (RFC 2986), with nothing after it");
		return NULL;
	}
	key = X509_REQ_get0_pubkey(req);
	if (key == NULL || X509_REQ_verify(req, key) != 1) {
		ERR_clear_error();
		X509_REQ_free(req);
		engine_fail(err, ENGINE_INVALID, "csr",
			    "the CSR's signature does not verify with its "
			    "own key: no proof of possession");
		return NULL;
	}
	return req;
}

GENERAL_NAMES *csr_sans(X509_REQ *req)
{
	STACK_OF(X509_EXTENSION) *exts = X509_REQ_get_extensions(req);
	GENERAL_NAMES *sans = NULL;
	int at = exts != NULL
		     ? X509v3_get_ext_by_NID(exts, NID_subject_alt_name, -1)
		     : -1;

	if (at >= 0)
		sans = X509V3_EXT_d2i(X509v3_get_ext(exts, at));
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return sans;
}

X509_NAME *csr_subject_from_text(const char *const *parts, size_t n,
				 const char *field, struct engine_error *err)
{
	X509_NAME *name = X509_NAME_new();

	for (size_t i = 0; name != NULL && i < n; i++) {
		const char *eq = strchr(parts[i], '=');
		char attr[32];

		if (eq == NULL || eq == parts[i] ||
		    (size_t)(eq - parts[i]) >= sizeof(attr)) {
			X509_NAME_free(name);
			engine_fail(err, ENGINE_INVALID, field,
				    "%s[%zu] is not ATTRIBUTE=value", field, i);
			return NULL;
		}
		memcpy(attr, parts[i], (size_t)(eq - parts[i]));
		attr[eq - parts[i]] = '\0';
		if (X509_NAME_add_entry_by_txt(name, attr, MBSTRING_UTF8,
					       (const unsigned char *)eq + 1,
					       -1, -1, 0) != 1) {
			ERR_clear_error();
			X509_NAME_free(name);
			engine_fail(err, ENGINE_INVALID, field,
				    "%s[%zu]: %s is not a subject attribute, "
				    "or its value is not valid",
				    field, i, attr);
			return NULL;
		}
	}
	return name;
}

GENERAL_NAMES *csr_sans_from_text(const char *const *parts, size_t n,
				  const char *field, struct engine_error *err)
{
	char text[OVERRIDE_TEXT_MAX];
	size_t used = 0;
	X509_EXTENSION *ext;
	GENERAL_NAMES *sans;

	if (n == 0)
		return GENERAL_NAMES_new();
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(text + used, sizeof(text) - used, "%s%s",
				 i > 0 ? "," : "", parts[i]);

		if (strchr(parts[i], ',') != NULL || w < 0 ||
		    (size_t)w >= sizeof(text) - used) {
			engine_fail(err, ENGINE_INVALID, field,
				    "%s[%zu] holds a comma or the list is too "
				    "long",
				    field, i);
			return NULL;
		}
		used += (size_t)w;
	}
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, text);
	sans = ext != NULL ? X509V3_EXT_d2i(ext) : NULL;
	X509_EXTENSION_free(ext);
	ERR_clear_error();
	if (sans == NULL)
		engine_fail(err, ENGINE_INVALID, field,
			    "%s: each SAN is DNS:name, IP:address, "
			    "email:address or URI:uri",
			    field);
	return sans;
}

char *csr_name_text(const X509_NAME *name)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long len;

	if (bio != NULL &&
	    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (len = BIO_get_mem_data(bio, &data)) >= 0)
		out = strndup(data != NULL ? data : "", (size_t)len);
	BIO_free(bio);
	return out;
}

char *csr_sans_text(const GENERAL_NAMES *sans)
{
	X509_EXTENSION *ext =
	    sans != NULL ? X509V3_EXT_i2d(NID_subject_alt_name, 0, (void *)sans)
			 : NULL;
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *out = NULL;
	long len;

	if (bio != NULL &&
	    (ext == NULL || X509V3_EXT_print(bio, ext, 0, 0) == 1) &&
	    (len = BIO_get_mem_data(bio, &data)) >= 0)
		out = strndup(data != NULL ? data : "", (size_t)len);
	X509_EXTENSION_free(ext);
	BIO_free(bio);
	return out;
}
