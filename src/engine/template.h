/*
 * Template settings (docs/templates.md): the parsed form of the JSON a
 * template stores, the starters new templates begin from, and reading
 * and writing that JSON strictly.
 */
#ifndef PKIAAS_TEMPLATE_H
#define PKIAAS_TEMPLATE_H

#include <stddef.h>

#include "engine/result.h"

#define TEMPLATE_SUBJECT_MAX   8
#define TEMPLATE_EKU_MAX       16
#define TEMPLATE_KEY_TYPES_MAX 24
#define TEMPLATE_TEXT_MAX      256
#define TEMPLATE_OID_MAX       64

/* One attribute the subject may hold. */
struct template_subject_rule {
	char
	    attribute[16]; /* CN, O, OU, C, ST, L, emailAddress, serialNumber */
	int fixed;	   /* 1: always value; 0: from the request */
	int required;
	char value[TEMPLATE_TEXT_MAX];
};

/* SAN types, as bits of template_settings.san_types. */
enum template_san {
	TEMPLATE_SAN_DNS = 1u << 0,
	TEMPLATE_SAN_IP = 1u << 1,
	TEMPLATE_SAN_EMAIL = 1u << 2,
	TEMPLATE_SAN_URI = 1u << 3,
};

struct template_settings {
	int enabled;
	int allow_public;
	int auto_approve;
	int renewal_enabled;
	int renewal_within_days;
	char hash[8]; /* "", "sha256", "sha384", "sha512" */
	int validity_days;
	char description[TEMPLATE_TEXT_MAX];
	struct template_subject_rule subject[TEMPLATE_SUBJECT_MAX];
	size_t n_subject;
	unsigned key_usage; /* X509v3_KU_* bits of OpenSSL */
	int key_usage_critical;
	/* names (serverAuth, ...) or dotted OIDs */
	char eku[TEMPLATE_EKU_MAX][TEMPLATE_OID_MAX];
	size_t n_eku;
	int eku_critical;
	int ca;
	int path_length; /* -1: none */
	int basic_constraints_critical;
	int aia_include;
	char aia_url[TEMPLATE_TEXT_MAX]; /* "" for the server's */
	int aia_ocsp;
	int crl_distribution_point;
	int ocsp_nocheck; /* id-pkix-ocsp-nocheck, for OCSP signing */
	int policies_include;
	char policy_oid[TEMPLATE_OID_MAX];
	char cps_url[TEMPLATE_TEXT_MAX];
	/* family ("rsa") or exact ("rsa-2048") names; none: all */
	char key_types[TEMPLATE_KEY_TYPES_MAX][24];
	size_t n_key_types;
	int min_rsa_bits;
	int min_ec_bits;
	unsigned san_types; /* enum template_san bits */
	int max_sans;
	int require_san;
	char *scep;    /* JSON text kept for later issues; owned */
	char *ct_logs; /* JSON array text; owned */
};

/* Names of the starters, in the order docs/templates.md lists them. */
const char *const *template_starter_names(size_t *n);
/* Fills s with a starter's settings; -1 for an unknown name. */
int template_starter(const char *name, struct template_settings *s);
/*
 * Applies the members of a JSON object (text) onto s, which holds the
 * starter's or the stored settings. Refuses an unknown member or a value
 * out of range with ENGINE_INVALID naming it ("key_usage[2]"); s is
 * unchanged then. err->field points into a per-thread buffer that holds
 * it until the next refusal on the same thread.
 */
enum engine_result template_settings_merge(struct template_settings *s,
					   const char *json,
					   struct engine_error *err);
/* The same, from a jansson object (the API's parsed body). */
struct json_t;
enum engine_result template_settings_merge_json(struct template_settings *s,
						const struct json_t *obj,
						struct engine_error *err);
/* Reads stored settings (every member present); -1 when they do not
 * parse, which means the database was edited by hand. */
int template_settings_load(const char *json, struct template_settings *s);
/* Every member as a JSON object text; NULL on allocation failure. */
char *template_settings_encode(const struct template_settings *s);
/* Frees what s owns (scep, ct_logs); accepts NULL. */
void template_settings_clear(struct template_settings *s);

#endif
