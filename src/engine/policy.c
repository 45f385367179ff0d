#include "engine/policy.h"

#include <ctype.h>
#include <openssl/core_names.h>
#include <string.h>

#include "engine/keytype.h"

#define DNS_NAME_MAX  253
#define DNS_LABEL_MAX 63

static int key_type_allowed(const struct template_settings *tpl,
			    const struct key_type *kt)
{
	if (tpl->n_key_types == 0)
		return 1;
	for (size_t i = 0; i < tpl->n_key_types; i++)
		if (strcmp(tpl->key_types[i], kt->name) == 0 ||
		    strcmp(tpl->key_types[i], kt->family_name) == 0)
			return 1;
	return 0;
}

/* 1 when an EC key would be written with its curve's parameters
 * spelled out rather than named. */
static int ec_curve_explicit(const EVP_PKEY *key)
{
	char enc[32];

	return EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_EC_ENCODING,
					      enc, sizeof(enc), NULL) == 1 &&
	       strcmp(enc, OSSL_PKEY_EC_ENCODING_EXPLICIT) == 0;
}

enum engine_result policy_key_check(const struct template_settings *tpl,
				    EVP_PKEY *key, struct engine_error *err)
{
	const struct key_type *kt = key_type_of(key);
	int bits = EVP_PKEY_get_bits(key);

	if (kt == NULL && EVP_PKEY_is_a(key, "RSA"))
		return engine_fail(err, ENGINE_INVALID, "csr",
				   "the request's RSA key has %d bits; pkiaas "
				   "takes 2048, 3072 or 4096",
				   bits);
	if (kt == NULL)
		return engine_fail(err, ENGINE_INVALID, "csr",
				   "the request's key type (%s) is not one "
				   "pkiaas takes",
				   EVP_PKEY_get0_type_name(key));
	if (kt->family == KEY_EC && ec_curve_explicit(key))
		return engine_fail(err, ENGINE_INVALID, "csr",
				   "the request's EC key spells out its "
				   "curve's parameters; a certificate names "
				   "the curve (RFC 5480 2.1.1)");
	if (!key_type_allowed(tpl, kt))
		return engine_fail(err, ENGINE_INVALID, "csr",
				   "the template does not allow %s keys "
				   "(allowed_key_types)",
				   kt->name);
	if (kt->family == KEY_RSA && bits < tpl->min_rsa_bits)
		return engine_fail(err, ENGINE_INVALID, "csr",
				   "the request's RSA key has %d bits; the "
				   "template asks at least %d (min_rsa_bits)",
				   bits, tpl->min_rsa_bits);
	if (kt->family == KEY_EC && kt->bits < tpl->min_ec_bits)
		return engine_fail(err, ENGINE_INVALID, "csr",
				   "the request's EC key is on a %d-bit curve; "
				   "the template asks at least %d "
				   "(min_ec_bits)",
				   kt->bits, tpl->min_ec_bits);
	return ENGINE_OK;
}

/* The first value of attribute nid in name, or NULL. */
static const ASN1_STRING *name_value(const X509_NAME *name, int nid)
{
	int at = name != NULL ? X509_NAME_get_index_by_NID(name, nid, -1) : -1;

	if (at < 0)
		return NULL;
	return X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, at));
}

X509_NAME *policy_subject(const struct template_settings *tpl,
			  const X509_NAME *requested, struct engine_error *err)
{
	X509_NAME *out = X509_NAME_new();

	for (size_t i = 0; out != NULL && i < tpl->n_subject; i++) {
		const struct template_subject_rule *r = &tpl->subject[i];
		int nid = OBJ_txt2nid(r->attribute);
		const ASN1_STRING *v =
		    r->fixed ? NULL : name_value(requested, nid);
		int ok = 1;

		if (r->fixed && r->value[0] != '\0')
			ok = X509_NAME_add_entry_by_NID(
			    out, nid, MBSTRING_UTF8,
			    (const unsigned char *)r->value, -1, -1, 0);
		else if (v != NULL)
			ok = X509_NAME_add_entry_by_NID(
			    out, nid, ASN1_STRING_type(v),
			    ASN1_STRING_get0_data(v), ASN1_STRING_length(v), -1,
			    0);
		else if (r->required) {
			engine_fail(err, ENGINE_INVALID, "subject",
				    "the template requires the subject "
				    "attribute %s",
				    r->attribute);
			ok = 0;
		}
		if (!ok) {
			if (err != NULL && err->code == ENGINE_OK)
				engine_fail(err, ENGINE_INVALID, "subject",
					    "the subject attribute %s is not "
					    "valid",
					    r->attribute);
			X509_NAME_free(out);
			return NULL;
		}
	}
	return out;
}

int policy_dns_name_valid(const char *name, size_t len)
{
	size_t label = 0;

	if (len == 0 || len > DNS_NAME_MAX || name[len - 1] == '.')
		return 0;
	if (len > 2 && name[0] == '*' && name[1] == '.') {
		name += 2;
		len -= 2;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0 || name[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!(isalnum(c) || (c == '-' && label > 0)) ||
		    ++label > DNS_LABEL_MAX)
			return 0;
	}
	return label > 0 && name[len - 1] != '-';
}

/* 1 when s holds printable ASCII only: an IA5String name without the
 * NUL and control bytes that no address or URI has. */
static int ia5_text_valid(const ASN1_STRING *s)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);

	for (int i = 0; i < ASN1_STRING_length(s); i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
	return 1;
}

/* One SAN against the template: its type allowed and well formed. */
static enum engine_result san_check(const struct template_settings *tpl,
				    const GENERAL_NAME *gn,
				    struct engine_error *err)
{
	const ASN1_STRING *s;

	switch (gn->type) {
	case GEN_DNS:
		s = gn->d.dNSName;
		if (!(tpl->san_types & TEMPLATE_SAN_DNS))
			break;
		if (!policy_dns_name_valid(
			(const char *)ASN1_STRING_get0_data(s),
			(size_t)ASN1_STRING_length(s)))
			return engine_fail(err, ENGINE_INVALID, "sans",
					   "the DNS name \"%.*s\" is not "
					   "valid (RFC 1035 letters, digits "
					   "and dashes; \"*.\" first at most)",
					   ASN1_STRING_length(s) > 100
					       ? 100
					       : ASN1_STRING_length(s),
					   ASN1_STRING_get0_data(s));
		return ENGINE_OK;
	case GEN_IPADD:
		s = gn->d.iPAddress;
		if (!(tpl->san_types & TEMPLATE_SAN_IP))
			break;
		if (ASN1_STRING_length(s) != 4 && ASN1_STRING_length(s) != 16)
			return engine_fail(
			    err, ENGINE_INVALID, "sans",
			    "an IP address SAN is 4 or 16 bytes");
		return ENGINE_OK;
	case GEN_EMAIL:
		s = gn->d.rfc822Name;
		if (!(tpl->san_types & TEMPLATE_SAN_EMAIL))
			break;
		if (memchr(ASN1_STRING_get0_data(s), '@',
			   (size_t)ASN1_STRING_length(s)) == NULL)
			return engine_fail(err, ENGINE_INVALID, "sans",
					   "an email SAN needs an @");
		if (!ia5_text_valid(s))
			return engine_fail(err, ENGINE_INVALID, "sans",
					   "an email SAN holds a control or "
					   "non-ASCII byte (RFC 5280 4.2.1.6)");
		return ENGINE_OK;
	case GEN_URI:
		if (!(tpl->san_types & TEMPLATE_SAN_URI))
			break;
		if (!ia5_text_valid(gn->d.uniformResourceIdentifier))
			return engine_fail(err, ENGINE_INVALID, "sans",
					   "a URI SAN holds a control or "
					   "non-ASCII byte (RFC 3986 2)");
		return ENGINE_OK;
	default: break;
	}
	return engine_fail(err, ENGINE_INVALID, "sans",
			   "the template does not allow this kind of SAN "
			   "(san_types)");
}

enum engine_result policy_sans_check(const struct template_settings *tpl,
				     const GENERAL_NAMES *sans,
				     struct engine_error *err)
{
	int n = sans != NULL ? sk_GENERAL_NAME_num(sans) : 0;

	if (n == 0 && tpl->require_san)
		return engine_fail(err, ENGINE_INVALID, "sans",
				   "the template requires at least one SAN "
				   "(require_san)");
	if (n > tpl->max_sans)
		return engine_fail(err, ENGINE_INVALID, "sans",
				   "%d SANs asked; the template allows %d "
				   "(max_sans)",
				   n, tpl->max_sans);
	for (int i = 0; i < n; i++)
		if (san_check(tpl, sk_GENERAL_NAME_value(sans, i), err) !=
		    ENGINE_OK)
			return err->code;
	return ENGINE_OK;
}

enum engine_result policy_extensions_check(const struct template_settings *tpl,
					   const STACK_OF(X509_EXTENSION) *
					       requested,
					   struct engine_error *err)
{
	int at = X509v3_get_ext_by_NID(requested, NID_basic_constraints, -1);
	BASIC_CONSTRAINTS *bc;
	int wants_ca;

	if (at < 0)
		return ENGINE_OK;
	bc = X509V3_EXT_d2i(X509v3_get_ext(requested, at));
	wants_ca = bc != NULL && bc->ca;
	BASIC_CONSTRAINTS_free(bc);
	if (wants_ca && !tpl->ca)
		return engine_fail(err, ENGINE_INVALID, "csr",
				   "the request asks for CA:TRUE, and this "
				   "template issues end-entity certificates "
				   "(basic_constraints.ca)");
	return ENGINE_OK;
}
