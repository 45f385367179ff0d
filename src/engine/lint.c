#include "engine/lint.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "engine/policy.h"

#define SERIAL_BYTES_MAX 20

static int fail(char *why, size_t size, const char *rule)
{
	snprintf(why, size, "%s", rule);
	return -1;
}

/* RFC 5280 4.1.2.2: positive, at most 20 octets. */
static int serial_ok(X509 *cert)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(cert);

	return ASN1_STRING_type(s) == V_ASN1_INTEGER &&
	       ASN1_STRING_length(s) > 0 &&
	       ASN1_STRING_length(s) <= SERIAL_BYTES_MAX;
}

/* No extension appears twice (RFC 5280 4.2). */
static int extensions_unique(X509 *cert)
{
	int n = X509_get_ext_count(cert);

	for (int i = 0; i < n; i++) {
		const ASN1_OBJECT *a =
		    X509_EXTENSION_get_object(X509_get_ext(cert, i));

		for (int j = i + 1; j < n; j++)
			if (OBJ_cmp(a, X509_EXTENSION_get_object(
					   X509_get_ext(cert, j))) == 0)
				return 0;
	}
	return 1;
}

static int dns_names_ok(X509 *cert)
{
	GENERAL_NAMES *sans =
	    X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int ok = 1;

	for (int i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

		if (gn->type == GEN_DNS &&
		    !policy_dns_name_valid(
			(const char *)ASN1_STRING_get0_data(gn->d.dNSName),
			(size_t)ASN1_STRING_length(gn->d.dNSName)))
			ok = 0;
	}
	GENERAL_NAMES_free(sans);
	return ok;
}

/* A CA has critical CA:TRUE and keyCertSign; a leaf has neither. */
static int ca_consistent(X509 *cert, char *why, size_t size)
{
	int at = X509_get_ext_by_NID(cert, NID_basic_constraints, -1);
	uint32_t ku = X509_get_key_usage(cert);
	int is_ca = X509_check_ca(cert) != 0;

	if (is_ca &&
	    (at < 0 || !X509_EXTENSION_get_critical(X509_get_ext(cert, at))))
		return fail(why, size,
			    "a CA certificate's basicConstraints must be "
			    "critical (RFC 5280 4.2.1.9)");
	if (is_ca && !(ku & KU_KEY_CERT_SIGN))
		return fail(why, size,
			    "a CA certificate needs keyCertSign (RFC 5280 "
			    "4.2.1.3)");
	if (!is_ca && (X509_get_extension_flags(cert) & EXFLAG_KUSAGE) &&
	    (ku & KU_KEY_CERT_SIGN))
		return fail(why, size,
			    "keyCertSign on a certificate that is not a CA "
			    "(RFC 5280 4.2.1.3)");
	return 0;
}

/* An empty subject needs a critical subjectAltName (RFC 5280 4.2.1.6). */
static int subject_or_san(X509 *cert)
{
	int at = X509_get_ext_by_NID(cert, NID_subject_alt_name, -1);

	if (X509_NAME_entry_count(X509_get_subject_name(cert)) > 0)
		return 1;
	return at >= 0 &&
	       X509_EXTENSION_get_critical(X509_get_ext(cert, at)) == 1;
}

static int validity_ok(X509 *cert, X509 *issuer)
{
	int days, secs;

	if (ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert),
			   X509_get0_notAfter(cert)) != 1 ||
	    (days < 0 || (days == 0 && secs <= 0)))
		return 0;
	return issuer == NULL ||
	       ASN1_TIME_compare(X509_get0_notAfter(cert),
				 X509_get0_notAfter(issuer)) <= 0;
}

int lint_certificate(X509 *cert, X509 *issuer, char *why, size_t size)
{
	EVP_PKEY *pub = X509_get0_pubkey(issuer != NULL ? issuer : cert);

	if (X509_get_version(cert) != X509_VERSION_3)
		return fail(why, size, "the version must be 3");
	if (!serial_ok(cert))
		return fail(why, size,
			    "the serial must be positive and at most 20 "
			    "octets (RFC 5280 4.1.2.2)");
	if (!validity_ok(cert, issuer))
		return fail(why, size,
			    "notBefore must come before notAfter, and "
			    "notAfter not after the CA's");
	if (!extensions_unique(cert))
		return fail(why, size,
			    "an extension appears twice (RFC 5280 4.2)");
	if (!subject_or_san(cert))
		return fail(why, size,
			    "an empty subject needs a critical "
			    "subjectAltName (RFC 5280 4.2.1.6)");
	if (!dns_names_ok(cert))
		return fail(why, size,
			    "a DNS name SAN is not a valid name (RFC 5280 "
			    "4.2.1.6)");
	if (ca_consistent(cert, why, size) != 0)
		return -1;
	if (X509_get_ext_by_NID(cert, NID_subject_key_identifier, -1) < 0 &&
	    X509_check_ca(cert))
		return fail(why, size,
			    "a CA certificate needs a subjectKeyIdentifier "
			    "(RFC 5280 4.2.1.2)");
	if (issuer != NULL &&
	    X509_get_ext_by_NID(cert, NID_authority_key_identifier, -1) < 0)
		return fail(why, size,
			    "the authorityKeyIdentifier is missing (RFC 5280 "
			    "4.2.1.1)");
	if (issuer != NULL && X509_NAME_cmp(X509_get_issuer_name(cert),
					    X509_get_subject_name(issuer)) != 0)
		return fail(why, size, "the issuer is not the CA's subject");
	if (pub == NULL || X509_verify(cert, pub) != 1) {
		ERR_clear_error();
		return fail(why, size,
			    "the signature does not verify with the CA's key");
	}
	return 0;
}
