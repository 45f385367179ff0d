#include "engine/bootstrap.h"

#include <arpa/inet.h>
#include <openssl/ec.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "engine/serial.h"
#include "lib/log.h"
#include "lib/rand.h"

#define DAY	86400
#define SAN_MAX 8192

static EVP_PKEY *key_make(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");

	if (key == NULL)
		log_openssl_errors("bootstrap.key", "EVP_EC_gen P-256");
	return key;
}

/* One extension from its config text, with issuer and subject for ids. */
static int ext_add(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = ext != NULL && X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A certificate with a fresh serial, subject CN, validity and key. */
static X509 *cert_start(const char *cn, int64_t now, int64_t not_after,
			EVP_PKEY *key)
{
	X509 *cert = X509_new();
	ASN1_INTEGER *serial = serial_random();
	X509_NAME *name = X509_NAME_new();
	int ok;

	ok =
	    cert != NULL && serial != NULL && name != NULL &&
	    X509_set_version(cert, X509_VERSION_3) == 1 &&
	    X509_set_serialNumber(cert, serial) == 1 &&
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				       (const unsigned char *)cn, -1, -1,
				       0) == 1 &&
	    X509_set_subject_name(cert, name) == 1 &&
	    ASN1_TIME_set(X509_getm_notBefore(cert),
			  (time_t)(now - BOOTSTRAP_BACKDATE_SECONDS)) != NULL &&
	    ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)not_after) !=
		NULL &&
	    X509_set_pubkey(cert, key) == 1;
	ASN1_INTEGER_free(serial);
	X509_NAME_free(name);
	if (!ok) {
		X509_free(cert);
		return NULL;
	}
	return cert;
}

int bootstrap_root_make(int64_t now, EVP_PKEY **key, X509 **cert)
{
	char id[9], cn[64];
	EVP_PKEY *k = key_make();
	X509 *c = NULL;
	int ok;

	if (k == NULL || rand_id(id, 8) != 0)
		goto fail;
	snprintf(cn, sizeof(cn), "pkiaas bootstrap root %s", id);
	c = cert_start(cn, now, now + (int64_t)BOOTSTRAP_ROOT_DAYS * DAY, k);
	ok =
	    c != NULL && X509_set_issuer_name(c, X509_get_subject_name(c)) &&
	    ext_add(c, c, NID_basic_constraints,
		    "critical,CA:TRUE,pathlen:0") == 0 &&
	    ext_add(c, c, NID_key_usage, "critical,keyCertSign,cRLSign") == 0 &&
	    ext_add(c, c, NID_subject_key_identifier, "hash") == 0 &&
	    X509_sign(c, k, EVP_sha256()) > 0;
	if (!ok)
		goto fail;
	*key = k;
	*cert = c;
	return 0;
fail:
	log_openssl_errors("bootstrap.root", "root certificate");
	EVP_PKEY_free(k);
	X509_free(c);
	return -1;
}

static int name_is_ip(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 ||
	       inet_pton(AF_INET6, name, buf) == 1;
}

/* "DNS:a,IP:b" for the subjectAltName of names. 0, or -1 when too long. */
static int san_text(const char *const *names, size_t n_names, char *out,
		    size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n_names; i++) {
		int n = snprintf(out + used, size - used, "%s%s:%s",
				 i > 0 ? "," : "",
				 name_is_ip(names[i]) ? "IP" : "DNS", names[i]);

		if (n < 0 || (size_t)n >= size - used)
			return -1;
		used += (size_t)n;
	}
	return n_names > 0 ? 0 : -1;
}

int bootstrap_server_make(EVP_PKEY *root_key, X509 *root,
			  const char *const *names, size_t n_names, int64_t now,
			  EVP_PKEY **key, X509 **cert)
{
	char san[SAN_MAX];
	int64_t not_after = now + (int64_t)BOOTSTRAP_SERVER_DAYS * DAY;
	EVP_PKEY *k = NULL;
	X509 *c = NULL;
	int ok;

	if (san_text(names, n_names, san, sizeof(san)) != 0) {
		log_event(LOG_ERROR, "bootstrap.server",
			  "error=\"no names, or too many, for the HTTPS "
			  "certificate; check tls_names\"");
		return -1;
	}
	k = key_make();
	if (k == NULL)
		goto fail;
	c = cert_start(names[0], now, not_after, k);
	ok =
	    c != NULL &&
	    X509_set_issuer_name(c, X509_get_subject_name(root)) == 1 &&
	    ext_add(c, root, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
	    ext_add(c, root, NID_key_usage, "critical,digitalSignature") == 0 &&
	    ext_add(c, root, NID_ext_key_usage, "serverAuth") == 0 &&
	    ext_add(c, root, NID_subject_alt_name, san) == 0 &&
	    ext_add(c, root, NID_subject_key_identifier, "hash") == 0 &&
	    ext_add(c, root, NID_authority_key_identifier, "keyid:always") ==
		0 &&
	    X509_sign(c, root_key, EVP_sha256()) > 0;
	if (!ok)
		goto fail;
	*key = k;
	*cert = c;
	return 0;
fail:
	log_openssl_errors("bootstrap.server", "server certificate");
	EVP_PKEY_free(k);
	X509_free(c);
	return -1;
}

static int covers(X509 *cert, const char *name)
{
	if (name_is_ip(name))
		return X509_check_ip_asc(cert, name, 0) == 1;
	return X509_check_host(cert, name, 0, X509_CHECK_FLAG_NO_WILDCARDS,
			       NULL) == 1;
}

int bootstrap_server_is_current(X509 *cert, const char *const *names,
				size_t n_names, int64_t now,
				int64_t renew_seconds)
{
	time_t t = (time_t)now, renew_at = (time_t)(now + renew_seconds);

	if (X509_cmp_time(X509_get0_notBefore(cert), &t) > 0 ||
	    X509_cmp_time(X509_get0_notAfter(cert), &renew_at) <= 0)
		return 0;
	for (size_t i = 0; i < n_names; i++)
		if (!covers(cert, names[i]))
			return 0;
	return 1;
}
