/*
 * Template settings as JSON (docs/templates.md): merging a request's
 * members strictly onto settings, and the stored form (encode, load).
 * Every refusal names its member path: "aia.url", "subject[1].value".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "engine/template.h"
#include "lib/log.h"

#define SETTINGS_TEXT_MAX 65536 /* a whole settings document */
#define SCEP_TEXT_MAX	  8192	/* the scep object, compact */
#define CT_LOGS_MAX	  16
#define FIELD_PATH_MAX	  96
#define KU_NAMES_MAX	  7
#define SAN_NAMES_MAX	  4

/*
 * err->field must outlive the call, and a path with an index or an
 * unknown name is built here: it points into this thread's buffer, which
 * holds it until the next refusal on the same thread.
 */
static _Thread_local char field_path[FIELD_PATH_MAX];

/* Writes base and leaf as one member path into out; a path too long to
 * hold is cut, which only shortens the name in a refusal. */
static void path_join(char *out, size_t size, const char *base, const char *sep,
		      const char *leaf)
{
	if (snprintf(out, size, "%s%s%s", base, sep, leaf) >= (int)size)
		out[size - 1] = '\0';
}

/* The same for an array item: base[i]. */
static void path_index(char *out, size_t size, const char *base, size_t i)
{
	if (snprintf(out, size, "%s[%zu]", base, i) >= (int)size)
		out[size - 1] = '\0';
}

static int is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Refuses with ENGINE_INVALID; the detail starts with the path. */
static enum engine_result refuse(struct engine_error *err, const char *path,
				 const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum engine_result refuse(struct engine_error *err, const char *path,
				 const char *fmt, ...)
{
	char why[224];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);

	/* an unknown member's name came from outside: no control bytes */
	snprintf(field_path, sizeof(field_path), "%s", path);
	for (char *p = field_path; *p != '\0'; p++)
		if (is_control((unsigned char)*p))
			*p = '?';
	return engine_fail(err, ENGINE_INVALID, field_path, "%s %s", field_path,
			   why);
}

/* Copies src (shorter than size, checked before) and zeroes the rest. */
static void text_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memset(dst, 0, size);
	memcpy(dst, src, n);
}

/* The string at path, holding no NUL and at most max bytes. */
static enum engine_result text_get(json_t *v, const char *path, size_t max,
				   const char **out, struct engine_error *err)
{
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);

	*out = NULL;
	if (s == NULL)
		return refuse(err, path, "must be a string");
	if (memchr(s, '\0', len) != NULL)
		return refuse(err, path, "must not hold a NUL character");
	if (len > max)
		return refuse(err, path, "must be at most %zu bytes, not %zu",
			      max, len);
	*out = s;
	return ENGINE_OK;
}

/* An http:// or https:// URL with a host, of RFC 3986 characters only. */
static int url_valid(const char *s)
{
	static const char url_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"abcdefghijklmnopqrstuvwxyz"
					"0123456789-._~:/?#[]@!$&'()*+,;=%";
	const char *rest;

	if (strncmp(s, "http://", 7) == 0)
		rest = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		rest = s + 8;
	else
		return 0;
	if (*rest == '\0' || *rest == '/')
		return 0;
	return strspn(s, url_chars) == strlen(s);
}

static enum engine_result url_get(json_t *v, const char *path, const char **out,
				  struct engine_error *err)
{
	if (text_get(v, path, TEMPLATE_TEXT_MAX - 1, out, err) != ENGINE_OK)
		return ENGINE_INVALID;
	if (!url_valid(*out))
		return refuse(err, path,
			      "must be an http:// or https:// URL with a host, "
			      "without spaces or other characters RFC 3986 "
			      "leaves out");
	return ENGINE_OK;
}

/* A URL member that may be null or "" (none, or the server's own). */
static enum engine_result url_take(json_t *v, const char *path, char *dst,
				   size_t size, struct engine_error *err)
{
	const char *s = "";

	if (!json_is_null(v) &&
	    !(json_is_string(v) && json_string_length(v) == 0) &&
	    url_get(v, path, &s, err) != ENGINE_OK)
		return ENGINE_INVALID;
	text_copy(dst, size, s);
	return ENGINE_OK;
}

/* A dotted OID in canonical form (no leading zeros), as OpenSSL reads it. */
static int oid_valid(const char *s)
{
	char back[TEMPLATE_OID_MAX];
	ASN1_OBJECT *obj;
	int n;

	if (*s == '\0' || strspn(s, "0123456789.") != strlen(s))
		return 0;
	obj = OBJ_txt2obj(s, 1);
	if (obj == NULL) {
		ERR_clear_error(); /* the request's fault, not the server's */
		return 0;
	}
	n = OBJ_obj2txt(back, sizeof(back), obj, 1);
	ASN1_OBJECT_free(obj);
	return n > 0 && (size_t)n < sizeof(back) && strcmp(back, s) == 0;
}

/* ---- names the settings accept ---- */

static const char *const ku_names[] = {
    "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
    "keyAgreement",	"keyCertSign",	  "cRLSign",	     NULL,
};
static const unsigned ku_bits[] = {
    X509v3_KU_DIGITAL_SIGNATURE, X509v3_KU_NON_REPUDIATION,
    X509v3_KU_KEY_ENCIPHERMENT,	 X509v3_KU_DATA_ENCIPHERMENT,
    X509v3_KU_KEY_AGREEMENT,	 X509v3_KU_KEY_CERT_SIGN,
    X509v3_KU_CRL_SIGN,
};

static const char *const san_names[] = {"dns", "ip", "email", "uri", NULL};
static const unsigned san_bits[] = {TEMPLATE_SAN_DNS, TEMPLATE_SAN_IP,
				    TEMPLATE_SAN_EMAIL, TEMPLATE_SAN_URI};

static const char *const key_type_names[] = {
    "rsa",
    "ecdsa",
    "ed25519",
    "ml-dsa",
    "slh-dsa",
    "rsa-2048",
    "rsa-3072",
    "rsa-4096",
    "ecdsa-p256",
    "ecdsa-p384",
    "ecdsa-p521",
    "ml-dsa-44",
    "ml-dsa-65",
    "ml-dsa-87",
    "slh-dsa-sha2-128s",
    "slh-dsa-sha2-128f",
    "slh-dsa-sha2-192s",
    "slh-dsa-sha2-192f",
    "slh-dsa-sha2-256s",
    "slh-dsa-sha2-256f",
    "slh-dsa-shake-128s",
    "slh-dsa-shake-128f",
    "slh-dsa-shake-192s",
    "slh-dsa-shake-192f",
    "slh-dsa-shake-256s",
    "slh-dsa-shake-256f",
    NULL,
};

/* Extended key usages by name, with their OIDs (RFC 5280 4.2.1.12). */
static const struct eku_name {
	const char *name, *oid;
} eku_names[] = {
    {"serverAuth", "1.3.6.1.5.5.7.3.1"},
    {"clientAuth", "1.3.6.1.5.5.7.3.2"},
    {"codeSigning", "1.3.6.1.5.5.7.3.3"},
    {"emailProtection", "1.3.6.1.5.5.7.3.4"},
    {"timeStamping", "1.3.6.1.5.5.7.3.8"},
    {"OCSPSigning", "1.3.6.1.5.5.7.3.9"},
};
#define N_EKU_NAMES (sizeof(eku_names) / sizeof(eku_names[0]))

/* Subject attributes, with the upper bounds of RFC 5280 appendix A.1 in
 * characters and what a fixed value may hold. */
enum charset { CS_ANY, CS_COUNTRY, CS_ASCII, CS_PRINTABLE };
static const struct subject_attr {
	const char *name;
	size_t ub;
	enum charset charset;
} subject_attrs[] = {
    {"CN", 64, CS_ANY},
    {"O", 64, CS_ANY},
    {"OU", 64, CS_ANY},
    {"C", 2, CS_COUNTRY},
    {"ST", 128, CS_ANY},
    {"L", 128, CS_ANY},
    {"emailAddress", 255, CS_ASCII},
    {"serialNumber", 64, CS_PRINTABLE},
};
#define N_SUBJECT_ATTRS (sizeof(subject_attrs) / sizeof(subject_attrs[0]))

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* ---- arrays of names ---- */

/*
 * Reads an array of at most max names, each one of known[] and none
 * twice, as indexes into known[]. hint says what an item may be.
 */
static enum engine_result names_read(json_t *v, const char *path,
				     const char *const *known, size_t max,
				     const char *hint, int *idx, size_t *n,
				     struct engine_error *err)
{
	char item[FIELD_PATH_MAX];
	const char *s;

	if (!json_is_array(v))
		return refuse(err, path, "must be an array of strings");
	if (json_array_size(v) > max)
		return refuse(err, path, "holds at most %zu names, not %zu",
			      max, json_array_size(v));
	*n = 0;
	for (size_t i = 0; i < json_array_size(v); i++) {
		path_index(item, sizeof(item), path, i);
		if (text_get(json_array_get(v, i), item, 63, &s, err) !=
		    ENGINE_OK)
			return ENGINE_INVALID;
		idx[i] = name_index(known, s);
		if (idx[i] < 0)
			return refuse(err, item, "must be %s", hint);
		for (size_t j = 0; j < i; j++)
			if (idx[j] == idx[i])
				return refuse(err, item, "repeats %s", s);
		*n = i + 1;
	}
	return ENGINE_OK;
}

static enum engine_result apply_key_usage(struct template_settings *t,
					  json_t *v, const char *path,
					  struct engine_error *err)
{
	int idx[KU_NAMES_MAX];
	size_t n;

	if (names_read(v, path, ku_names, KU_NAMES_MAX,
		       "digitalSignature, nonRepudiation, keyEncipherment, "
		       "dataEncipherment, keyAgreement, keyCertSign or "
		       "cRLSign",
		       idx, &n, err) != ENGINE_OK)
		return ENGINE_INVALID;
	t->key_usage = 0;
	for (size_t i = 0; i < n; i++)
		t->key_usage |= ku_bits[idx[i]];
	return ENGINE_OK;
}

static enum engine_result apply_san_types(struct template_settings *t,
					  json_t *v, const char *path,
					  struct engine_error *err)
{
	int idx[SAN_NAMES_MAX];
	size_t n;

	if (names_read(v, path, san_names, SAN_NAMES_MAX,
		       "dns, ip, email or uri", idx, &n, err) != ENGINE_OK)
		return ENGINE_INVALID;
	t->san_types = 0;
	for (size_t i = 0; i < n; i++)
		t->san_types |= san_bits[idx[i]];
	return ENGINE_OK;
}

static enum engine_result apply_key_types(struct template_settings *t,
					  json_t *v, const char *path,
					  struct engine_error *err)
{
	int idx[TEMPLATE_KEY_TYPES_MAX];
	size_t n;

	if (names_read(v, path, key_type_names, TEMPLATE_KEY_TYPES_MAX,
		       "a key type: rsa, ecdsa, ed25519, ml-dsa, slh-dsa, or "
		       "an exact one such as rsa-3072, ecdsa-p384, ml-dsa-65 "
		       "or slh-dsa-sha2-128s",
		       idx, &n, err) != ENGINE_OK)
		return ENGINE_INVALID;
	memset(t->key_types, 0, sizeof(t->key_types));
	for (size_t i = 0; i < n; i++)
		text_copy(t->key_types[i], sizeof(t->key_types[i]),
			  key_type_names[idx[i]]);
	t->n_key_types = n;
	return ENGINE_OK;
}

/* The OID an extended key usage stands for; NULL when it is neither a
 * known name nor a dotted OID. */
static const char *eku_oid(const char *s)
{
	for (size_t i = 0; i < N_EKU_NAMES; i++)
		if (strcmp(eku_names[i].name, s) == 0)
			return eku_names[i].oid;
	return oid_valid(s) ? s : NULL;
}

static enum engine_result apply_eku(struct template_settings *t, json_t *v,
				    const char *path, struct engine_error *err)
{
	char eku[TEMPLATE_EKU_MAX][TEMPLATE_OID_MAX] = {{0}};
	const char *oids[TEMPLATE_EKU_MAX], *s;
	char item[FIELD_PATH_MAX];
	size_t n = json_array_size(v);

	if (!json_is_array(v))
		return refuse(err, path, "must be an array of strings");
	if (n > TEMPLATE_EKU_MAX)
		return refuse(err, path, "holds at most %d usages, not %zu",
			      TEMPLATE_EKU_MAX, n);
	for (size_t i = 0; i < n; i++) {
		path_index(item, sizeof(item), path, i);
		if (text_get(json_array_get(v, i), item, TEMPLATE_OID_MAX - 1,
			     &s, err) != ENGINE_OK)
			return ENGINE_INVALID;
		oids[i] = eku_oid(s);
		if (oids[i] == NULL)
			return refuse(err, item,
				      "must be serverAuth, clientAuth, "
				      "codeSigning, emailProtection, "
				      "timeStamping, OCSPSigning or a dotted "
				      "OID such as 1.3.6.1.4.1.311.10.3.12");
		for (size_t j = 0; j < i; j++)
			if (strcmp(oids[j], oids[i]) == 0)
				return refuse(err, item, "repeats %s", s);
		text_copy(eku[i], sizeof(eku[i]), s);
	}
	memcpy(t->eku, eku, sizeof(t->eku));
	t->n_eku = n;
	return ENGINE_OK;
}

/* ---- subject ---- */

static const struct subject_attr *subject_attr_find(const char *name)
{
	for (size_t i = 0; i < N_SUBJECT_ATTRS; i++)
		if (strcmp(subject_attrs[i].name, name) == 0)
			return &subject_attrs[i];
	return NULL;
}

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static int charset_holds(enum charset cs, const char *s)
{
	/* X.520 PrintableString */
	static const char printable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"abcdefghijklmnopqrstuvwxyz"
					"0123456789 '()+,-./:=?";

	for (const char *p = s; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (is_control(c))
			return 0;
		if (cs == CS_ASCII && c > 0x7e)
			return 0;
		if (cs == CS_PRINTABLE && strchr(printable, c) == NULL)
			return 0;
		if (cs == CS_COUNTRY && (c < 'A' || c > 'Z'))
			return 0;
	}
	return 1;
}

/* A fixed value: present, within the attribute's bound, in its charset. */
static enum engine_result subject_value_check(const struct subject_attr *a,
					      const char *value,
					      const char *path,
					      struct engine_error *err)
{
	if (*value == '\0')
		return refuse(err, path,
			      "must be given when source is \"fixed\"");
	if (a->charset == CS_COUNTRY &&
	    (strlen(value) != 2 || !charset_holds(a->charset, value)))
		return refuse(err, path,
			      "must be two capital letters (ISO 3166), such "
			      "as \"DE\"");
	if (utf8_chars(value) > a->ub)
		return refuse(err, path,
			      "must be at most %zu characters for %s (RFC "
			      "5280 appendix A.1)",
			      a->ub, a->name);
	if (!charset_holds(a->charset, value))
		return refuse(err, path, "holds a character %s cannot have",
			      a->name);
	return ENGINE_OK;
}

static enum engine_result subject_keys_check(json_t *rule, const char *base,
					     struct engine_error *err)
{
	static const char *const keys[] = {"attribute", "source", "required",
					   "value", NULL};
	char path[FIELD_PATH_MAX];

	for (void *it = json_object_iter(rule); it != NULL;
	     it = json_object_iter_next(rule, it)) {
		const char *key = json_object_iter_key(it);

		if (strlen(key) == json_object_iter_key_len(it) &&
		    name_index(keys, key) >= 0)
			continue;
		path_join(path, sizeof(path), base, ".", key);
		return refuse(err, path,
			      "is not a member of a subject rule (attribute, "
			      "source, required, value)");
	}
	return ENGINE_OK;
}

/* The attribute of a rule, which none of the rules before it names. */
static enum engine_result subject_attribute_read(
    json_t *rule, const char *base, const struct template_subject_rule *before,
    size_t n, const struct subject_attr **out, struct engine_error *err)
{
	json_t *v = json_object_get(rule, "attribute");
	char path[FIELD_PATH_MAX];
	const char *s;

	path_join(path, sizeof(path), base, ".", "attribute");
	if (v == NULL)
		return refuse(err, path, "is missing");
	if (text_get(v, path, 15, &s, err) != ENGINE_OK)
		return ENGINE_INVALID;
	*out = subject_attr_find(s);
	if (*out == NULL)
		return refuse(err, path,
			      "must be CN, O, OU, C, ST, L, emailAddress or "
			      "serialNumber");
	for (size_t i = 0; i < n; i++)
		if (strcmp(before[i].attribute, s) == 0)
			return refuse(err, path, "repeats %s", s);
	return ENGINE_OK;
}

static enum engine_result subject_source_read(json_t *rule, const char *base,
					      int *fixed,
					      struct engine_error *err)
{
	json_t *v = json_object_get(rule, "source");
	char path[FIELD_PATH_MAX];

	path_join(path, sizeof(path), base, ".", "source");
	*fixed = 0;
	if (v == NULL)
		return ENGINE_OK;
	if (json_is_string(v) && strcmp(json_string_value(v), "csr") == 0)
		return ENGINE_OK;
	if (json_is_string(v) && strcmp(json_string_value(v), "fixed") == 0) {
		*fixed = 1;
		return ENGINE_OK;
	}
	return refuse(err, path, "must be \"csr\" or \"fixed\"");
}

/* Reads rules[i] from rule; the rules before it are read already. */
static enum engine_result subject_rule_read(json_t *rule, const char *base,
					    struct template_subject_rule *rules,
					    size_t i, struct engine_error *err)
{
	struct template_subject_rule *r = &rules[i];
	const struct subject_attr *a = NULL;
	json_t *req = json_object_get(rule, "required");
	json_t *val = json_object_get(rule, "value");
	char path[FIELD_PATH_MAX];
	const char *value = "";

	if (!json_is_object(rule))
		return refuse(err, base,
			      "must be an object such as {\"attribute\": "
			      "\"CN\", \"source\": \"csr\"}");
	if (subject_keys_check(rule, base, err) != ENGINE_OK ||
	    subject_attribute_read(rule, base, rules, i, &a, err) !=
		ENGINE_OK ||
	    subject_source_read(rule, base, &r->fixed, err) != ENGINE_OK)
		return ENGINE_INVALID;
	text_copy(r->attribute, sizeof(r->attribute), a->name);

	path_join(path, sizeof(path), base, ".", "required");
	if (req != NULL && !json_is_boolean(req))
		return refuse(err, path, "must be true or false");
	r->required = json_is_true(req);

	path_join(path, sizeof(path), base, ".", "value");
	if (val != NULL && !json_is_null(val) &&
	    text_get(val, path, TEMPLATE_TEXT_MAX - 1, &value, err) !=
		ENGINE_OK)
		return ENGINE_INVALID;
	if (!r->fixed && *value != '\0')
		return refuse(err, path, "is only for source \"fixed\"");
	if (r->fixed && subject_value_check(a, value, path, err) != ENGINE_OK)
		return ENGINE_INVALID;
	text_copy(r->value, sizeof(r->value), value);
	return ENGINE_OK;
}

static enum engine_result apply_subject(struct template_settings *t, json_t *v,
					const char *path,
					struct engine_error *err)
{
	struct template_subject_rule rules[TEMPLATE_SUBJECT_MAX];
	char base[FIELD_PATH_MAX];
	size_t n = json_array_size(v);

	if (!json_is_array(v))
		return refuse(err, path, "must be an array of rules");
	if (n > TEMPLATE_SUBJECT_MAX)
		return refuse(err, path, "holds at most %d rules, not %zu",
			      TEMPLATE_SUBJECT_MAX, n);
	memset(rules, 0, sizeof(rules));
	for (size_t i = 0; i < n; i++) {
		path_index(base, sizeof(base), path, i);
		if (subject_rule_read(json_array_get(v, i), base, rules, i,
				      err) != ENGINE_OK)
			return ENGINE_INVALID;
	}
	memcpy(t->subject, rules, sizeof(t->subject));
	t->n_subject = n;
	return ENGINE_OK;
}

/* ---- single members ---- */

static enum engine_result apply_hash(struct template_settings *t, json_t *v,
				     const char *path, struct engine_error *err)
{
	static const char *const hashes[] = {"", "sha256", "sha384", "sha512",
					     NULL};
	const char *s;

	if (text_get(v, path, 16, &s, err) != ENGINE_OK)
		return ENGINE_INVALID;
	if (name_index(hashes, s) < 0)
		return refuse(err, path,
			      "must be \"sha256\", \"sha384\", \"sha512\", or "
			      "\"\" for the CA's");
	text_copy(t->hash, sizeof(t->hash), s);
	return ENGINE_OK;
}

static enum engine_result apply_description(struct template_settings *t,
					    json_t *v, const char *path,
					    struct engine_error *err)
{
	const char *s;

	if (text_get(v, path, TEMPLATE_TEXT_MAX - 1, &s, err) != ENGINE_OK)
		return ENGINE_INVALID;
	text_copy(t->description, sizeof(t->description), s);
	return ENGINE_OK;
}

static enum engine_result apply_path_length(struct template_settings *t,
					    json_t *v, const char *path,
					    struct engine_error *err)
{
	json_int_t n = json_integer_value(v);

	if (json_is_null(v)) {
		t->path_length = -1;
		return ENGINE_OK;
	}
	if (!json_is_integer(v) || n < 0 || n > 16)
		return refuse(err, path,
			      "must be null or an integer from 0 to 16");
	t->path_length = (int)n;
	return ENGINE_OK;
}

static enum engine_result apply_aia_url(struct template_settings *t, json_t *v,
					const char *path,
					struct engine_error *err)
{
	return url_take(v, path, t->aia_url, sizeof(t->aia_url), err);
}

static enum engine_result apply_cps_url(struct template_settings *t, json_t *v,
					const char *path,
					struct engine_error *err)
{
	return url_take(v, path, t->cps_url, sizeof(t->cps_url), err);
}

static enum engine_result apply_policy_oid(struct template_settings *t,
					   json_t *v, const char *path,
					   struct engine_error *err)
{
	const char *s;

	if (text_get(v, path, TEMPLATE_OID_MAX - 1, &s, err) != ENGINE_OK)
		return ENGINE_INVALID;
	if (!oid_valid(s))
		return refuse(err, path,
			      "must be a dotted OID such as 2.23.140.1.2.1");
	text_copy(t->policy_oid, sizeof(t->policy_oid), s);
	return ENGINE_OK;
}

/* Replaces *slot with a copy of text; the old value is freed by the
 * caller of the merge, which knows whether it owned it. */
static enum engine_result json_text_keep(char **slot, json_t *v,
					 const char *path, size_t max,
					 struct engine_error *err)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	if (text == NULL)
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "out of memory while reading %s", path);
	if (strlen(text) > max) {
		free(text);
		return refuse(err, path, "must be at most %zu bytes of JSON",
			      max);
	}
	*slot = text;
	return ENGINE_OK;
}

static enum engine_result apply_scep(struct template_settings *t, json_t *v,
				     const char *path, struct engine_error *err)
{
	if (!json_is_object(v))
		return refuse(err, path, "must be an object");
	return json_text_keep(&t->scep, v, path, SCEP_TEXT_MAX, err);
}

static enum engine_result apply_ct_logs(struct template_settings *t, json_t *v,
					const char *path,
					struct engine_error *err)
{
	char item[FIELD_PATH_MAX];
	const char *s;

	if (!json_is_array(v))
		return refuse(err, path, "must be an array of URLs");
	if (json_array_size(v) > CT_LOGS_MAX)
		return refuse(err, path, "holds at most %d logs, not %zu",
			      CT_LOGS_MAX, json_array_size(v));
	for (size_t i = 0; i < json_array_size(v); i++) {
		path_index(item, sizeof(item), path, i);
		if (url_get(json_array_get(v, i), item, &s, err) != ENGINE_OK)
			return ENGINE_INVALID;
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(v, j)),
				   s) == 0)
				return refuse(err, item, "repeats %s", s);
	}
	return json_text_keep(&t->ct_logs, v, path,
			      CT_LOGS_MAX * TEMPLATE_TEXT_MAX * 2, err);
}

/* ---- the member tables ---- */

enum member_kind { M_BOOL, M_INT, M_OBJECT, M_CUSTOM };

typedef enum engine_result (*member_apply_fn)(struct template_settings *t,
					      json_t *v, const char *path,
					      struct engine_error *err);

struct member {
	const char *name;
	enum member_kind kind;
	size_t offset;		  /* M_BOOL, M_INT: the int it sets */
	int min, max;		  /* M_INT */
	const struct member *sub; /* M_OBJECT: its members */
	member_apply_fn apply;	  /* M_CUSTOM */
};

#define OFF(f) offsetof(struct template_settings, f)
#define BOOL_M(n, f)                                                           \
	{                                                                      \
		n, M_BOOL, OFF(f), 0, 0, NULL, NULL                            \
	}
#define INT_M(n, f, lo, hi)                                                    \
	{                                                                      \
		n, M_INT, OFF(f), lo, hi, NULL, NULL                           \
	}
#define OBJ_M(n, sub)                                                          \
	{                                                                      \
		n, M_OBJECT, 0, 0, 0, sub, NULL                                \
	}
#define FN_M(n, fn)                                                            \
	{                                                                      \
		n, M_CUSTOM, 0, 0, 0, NULL, fn                                 \
	}
#define END_M                                                                  \
	{                                                                      \
		NULL, M_BOOL, 0, 0, 0, NULL, NULL                              \
	}

static const struct member renewal_members[] = {
    BOOL_M("enabled", renewal_enabled),
    INT_M("within_days", renewal_within_days, 1, 365),
    END_M,
};

static const struct member basic_constraints_members[] = {
    BOOL_M("ca", ca),
    FN_M("path_length", apply_path_length),
    BOOL_M("critical", basic_constraints_critical),
    END_M,
};

static const struct member aia_members[] = {
    BOOL_M("include", aia_include),
    FN_M("url", apply_aia_url),
    BOOL_M("ocsp", aia_ocsp),
    END_M,
};

static const struct member policies_members[] = {
    BOOL_M("include", policies_include),
    FN_M("oid", apply_policy_oid),
    FN_M("cps_url", apply_cps_url),
    END_M,
};

/* In the order of docs/templates.md. */
static const struct member settings_members[] = {
    BOOL_M("enabled", enabled),
    BOOL_M("allow_public", allow_public),
    BOOL_M("auto_approve", auto_approve),
    OBJ_M("renewal", renewal_members),
    FN_M("hash", apply_hash),
    INT_M("validity_days", validity_days, 1, 3650),
    FN_M("description", apply_description),
    FN_M("subject", apply_subject),
    FN_M("key_usage", apply_key_usage),
    BOOL_M("key_usage_critical", key_usage_critical),
    FN_M("extended_key_usage", apply_eku),
    BOOL_M("extended_key_usage_critical", eku_critical),
    OBJ_M("basic_constraints", basic_constraints_members),
    OBJ_M("aia", aia_members),
    BOOL_M("crl_distribution_point", crl_distribution_point),
    BOOL_M("ocsp_nocheck", ocsp_nocheck),
    OBJ_M("policies", policies_members),
    FN_M("allowed_key_types", apply_key_types),
    INT_M("min_rsa_bits", min_rsa_bits, 2048, 16384),
    INT_M("min_ec_bits", min_ec_bits, 256, 521),
    FN_M("san_types", apply_san_types),
    INT_M("max_sans", max_sans, 0, 1000),
    BOOL_M("require_san", require_san),
    FN_M("scep", apply_scep),
    FN_M("ct_logs", apply_ct_logs),
    END_M,
};

static const struct member *member_find(const struct member *table,
					const char *key, size_t key_len)
{
	if (strlen(key) != key_len)
		return NULL;
	for (; table->name != NULL; table++)
		if (strcmp(table->name, key) == 0)
			return table;
	return NULL;
}

static enum engine_result members_apply(struct template_settings *t,
					json_t *obj, const struct member *table,
					const char *prefix,
					struct engine_error *err);

static enum engine_result member_apply(struct template_settings *t,
				       const struct member *m, json_t *v,
				       const char *path,
				       struct engine_error *err)
{
	int *field = (int *)((char *)t + m->offset);

	switch (m->kind) {
	case M_BOOL:
		if (!json_is_boolean(v))
			return refuse(err, path, "must be true or false");
		*field = json_is_true(v);
		return ENGINE_OK;
	case M_INT:
		if (!json_is_integer(v) || json_integer_value(v) < m->min ||
		    json_integer_value(v) > m->max)
			return refuse(err, path,
				      "must be an integer from %d to %d",
				      m->min, m->max);
		*field = (int)json_integer_value(v);
		return ENGINE_OK;
	case M_OBJECT:
		if (!json_is_object(v))
			return refuse(err, path, "must be an object");
		return members_apply(t, v, m->sub, path, err);
	case M_CUSTOM: return m->apply(t, v, path, err);
	}
	return ENGINE_ERROR;
}

/* Applies each member of obj that table names; refuses any other. */
static enum engine_result members_apply(struct template_settings *t,
					json_t *obj, const struct member *table,
					const char *prefix,
					struct engine_error *err)
{
	char path[FIELD_PATH_MAX];
	enum engine_result rc;

	for (void *it = json_object_iter(obj); it != NULL;
	     it = json_object_iter_next(obj, it)) {
		const char *key = json_object_iter_key(it);
		size_t key_len = json_object_iter_key_len(it);
		const struct member *m = member_find(table, key, key_len);

		if (prefix != NULL)
			path_join(path, sizeof(path), prefix, ".", key);
		else
			path_join(path, sizeof(path), "", "", key);
		if (strlen(key) != key_len)
			return refuse(err, path,
				      "has a NUL character in its name");
		if (m == NULL)
			return refuse(err, path,
				      "is not a template setting; "
				      "docs/templates.md lists them");
		rc = member_apply(t, m, json_object_iter_value(it), path, err);
		if (rc != ENGINE_OK)
			return rc;
	}
	return ENGINE_OK;
}

/* Rules across members, checked once all are applied. */
static enum engine_result settings_check(const struct template_settings *t,
					 struct engine_error *err)
{
	if (t->path_length >= 0 && !t->ca)
		return refuse(err, "basic_constraints.path_length",
			      "must be null unless basic_constraints.ca is "
			      "true (RFC 5280 4.2.1.9)");
	if (t->ca && !t->basic_constraints_critical)
		return refuse(err, "basic_constraints.critical",
			      "must be true when basic_constraints.ca is true "
			      "(RFC 5280 4.2.1.9)");
	if ((t->key_usage & X509v3_KU_KEY_CERT_SIGN) && !t->ca)
		return refuse(err, "key_usage",
			      "may hold keyCertSign only when "
			      "basic_constraints.ca is true (RFC 5280 "
			      "4.2.1.3)");
	if (t->require_san && t->san_types == 0)
		return refuse(err, "require_san",
			      "cannot be true while san_types is empty");
	if (t->require_san && t->max_sans == 0)
		return refuse(err, "require_san",
			      "cannot be true while max_sans is 0");
	return ENGINE_OK;
}

/* Frees what a owns and b does not share. */
static void owned_drop(struct template_settings *a,
		       const struct template_settings *b)
{
	if (a->scep != b->scep)
		free(a->scep);
	if (a->ct_logs != b->ct_logs)
		free(a->ct_logs);
}

enum engine_result template_settings_merge_json(struct template_settings *s,
						const json_t *obj,
						struct engine_error *err)
{
	struct template_settings t;
	enum engine_result rc;

	if (!json_is_object(obj))
		return engine_fail(err, ENGINE_INVALID, NULL,
				   "template settings must be a JSON object");

	/* work on a copy, so that a refusal changes nothing */
	t = *s;
	/* jansson iterates through non-const pointers; nothing is written */
	rc = members_apply(&t, (json_t *)obj, settings_members, NULL, err);
	if (rc == ENGINE_OK)
		rc = settings_check(&t, err);
	if (rc != ENGINE_OK) {
		owned_drop(&t, s);
		return rc;
	}
	owned_drop(s, &t);
	*s = t;
	return ENGINE_OK;
}

enum engine_result template_settings_merge(struct template_settings *s,
					   const char *json,
					   struct engine_error *err)
{
	json_error_t jerr;
	json_t *root;
	enum engine_result rc;

	if (json == NULL || strlen(json) > SETTINGS_TEXT_MAX)
		return engine_fail(err, ENGINE_INVALID, NULL,
				   "template settings must be a JSON object "
				   "of at most %d bytes",
				   SETTINGS_TEXT_MAX);
	root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return engine_fail(err, ENGINE_INVALID, NULL,
				   "template settings are not JSON: %s (line "
				   "%d, column %d)",
				   jerr.text, jerr.line, jerr.column);
	rc = template_settings_merge_json(s, root, err);
	json_decref(root);
	return rc;
}

int template_settings_load(const char *json, struct template_settings *s)
{
	struct engine_error err = {0};
	char detail[320];

	if (template_starter("web-server", s) != 0)
		return -1;
	if (template_settings_merge(s, json, &err) == ENGINE_OK)
		return 0;
	log_event(LOG_WARN, "template.settings_unreadable",
		  "field=%s detail=%s", err.field != NULL ? err.field : "-",
		  log_quote(err.detail, detail, sizeof(detail)));
	template_settings_clear(s);
	memset(s, 0, sizeof(*s));
	return -1;
}

/* ---- encoding ---- */

static json_t *names_encode(const char (*names)[TEMPLATE_OID_MAX], size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_string(names[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *key_types_encode(const struct template_settings *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < s->n_key_types; i++)
		if (json_array_append_new(a, json_string(s->key_types[i])) !=
		    0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *bits_encode(unsigned bits, const char *const *names,
			   const unsigned *values)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && names[i] != NULL; i++)
		if ((bits & values[i]) != 0 &&
		    json_array_append_new(a, json_string(names[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *subject_encode(const struct template_settings *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < s->n_subject; i++) {
		const struct template_subject_rule *r = &s->subject[i];

		if (json_array_append_new(
			a, json_pack("{sssssbss}", "attribute", r->attribute,
				     "source", r->fixed ? "fixed" : "csr",
				     "required", r->required, "value",
				     r->value)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* A URL member: null when empty. */
static json_t *url_encode(const char *url)
{
	return *url != '\0' ? json_string(url) : json_null();
}

/* Stored JSON text as a value; fallback when the member was never set.
 * NULL when the text does not parse: encode then fails. */
static json_t *text_decode(const char *text, const char *fallback)
{
	return json_loads(text != NULL ? text : fallback, 0, NULL);
}

/* Sets obj.key to v, taking v; 1 when that failed (v may be NULL). */
static int put(json_t *obj, const char *key, json_t *v)
{
	return json_object_set_new(obj, key, v) != 0;
}

static json_t *renewal_encode(const struct template_settings *s)
{
	return json_pack("{sbsi}", "enabled", s->renewal_enabled, "within_days",
			 s->renewal_within_days);
}

static json_t *basic_constraints_encode(const struct template_settings *s)
{
	json_t *pl =
	    s->path_length >= 0 ? json_integer(s->path_length) : json_null();

	return json_pack("{sbsosb}", "ca", s->ca, "path_length", pl, "critical",
			 s->basic_constraints_critical);
}

static json_t *aia_encode(const struct template_settings *s)
{
	return json_pack("{sbsosb}", "include", s->aia_include, "url",
			 url_encode(s->aia_url), "ocsp", s->aia_ocsp);
}

static json_t *policies_encode(const struct template_settings *s)
{
	return json_pack("{sbssso}", "include", s->policies_include, "oid",
			 s->policy_oid, "cps_url", url_encode(s->cps_url));
}

/* Every member, in the order of docs/templates.md; NULL on failure. */
static json_t *settings_to_json(const struct template_settings *s)
{
	json_t *o = json_object();
	int bad = o == NULL;

	bad |= put(o, "enabled", json_boolean(s->enabled));
	bad |= put(o, "allow_public", json_boolean(s->allow_public));
	bad |= put(o, "auto_approve", json_boolean(s->auto_approve));
	bad |= put(o, "renewal", renewal_encode(s));
	bad |= put(o, "hash", json_string(s->hash));
	bad |= put(o, "validity_days", json_integer(s->validity_days));
	bad |= put(o, "description", json_string(s->description));
	bad |= put(o, "subject", subject_encode(s));
	bad |=
	    put(o, "key_usage", bits_encode(s->key_usage, ku_names, ku_bits));
	bad |=
	    put(o, "key_usage_critical", json_boolean(s->key_usage_critical));
	bad |= put(o, "extended_key_usage", names_encode(s->eku, s->n_eku));
	bad |= put(o, "extended_key_usage_critical",
		   json_boolean(s->eku_critical));
	bad |= put(o, "basic_constraints", basic_constraints_encode(s));
	bad |= put(o, "aia", aia_encode(s));
	bad |= put(o, "crl_distribution_point",
		   json_boolean(s->crl_distribution_point));
	bad |= put(o, "ocsp_nocheck", json_boolean(s->ocsp_nocheck));
	bad |= put(o, "policies", policies_encode(s));
	bad |= put(o, "allowed_key_types", key_types_encode(s));
	bad |= put(o, "min_rsa_bits", json_integer(s->min_rsa_bits));
	bad |= put(o, "min_ec_bits", json_integer(s->min_ec_bits));
	bad |=
	    put(o, "san_types", bits_encode(s->san_types, san_names, san_bits));
	bad |= put(o, "max_sans", json_integer(s->max_sans));
	bad |= put(o, "require_san", json_boolean(s->require_san));
	bad |= put(o, "scep", text_decode(s->scep, "{}"));
	bad |= put(o, "ct_logs", text_decode(s->ct_logs, "[]"));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Every member as compact JSON text; the caller frees it. NULL when out
 * of memory, or when scep or ct_logs hold text that is not JSON. */
char *template_settings_encode(const struct template_settings *s)
{
	json_t *obj = settings_to_json(s);
	char *text = obj != NULL ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	return text;
}
