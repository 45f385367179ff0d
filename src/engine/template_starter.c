/*
 * The starters new templates begin from (docs/templates.md), and freeing
 * what settings own.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "engine/template.h"

#define SAN_ALL                                                                \
	(TEMPLATE_SAN_DNS | TEMPLATE_SAN_IP | TEMPLATE_SAN_EMAIL |             \
	 TEMPLATE_SAN_URI)
#define SAN_HOST (TEMPLATE_SAN_DNS | TEMPLATE_SAN_IP)
#define KU_DS	 X509v3_KU_DIGITAL_SIGNATURE
#define KU_KE	 X509v3_KU_KEY_ENCIPHERMENT

/* In the order of docs/templates.md; starters[] follows the same order. */
static const char *const starter_names[] = {
    "web-server",   "client-auth",	"web-server-and-client", "code-signing",
    "smime",	    "document-signing", "certificate-authority", "ocsp-signing",
    "timestamping", "openvpn-server",	"openvpn-client",	 NULL,
};

/* What sets one starter apart; everything else is the settings' default. */
struct starter {
	int validity_days;
	unsigned key_usage;
	const char *eku[2];
	int eku_critical;
	int ca;
	int ocsp_nocheck;
	unsigned san_types;
	int require_san;
	int email_subject; /* emailAddress from the request, beside CN */
	int full_subject;  /* C, ST, L, O, OU and CN from the request */
};

/* Zero members are the settings' defaults. */
static const struct starter starters[] = {
    /* web-server */
    {.validity_days = 365,
     .key_usage = KU_DS | KU_KE,
     .eku = {"serverAuth", "clientAuth"},
     .san_types = SAN_HOST,
     .require_san = 1},
    /* client-auth */
    {.validity_days = 365,
     .key_usage = KU_DS,
     .eku = {"clientAuth"},
     .san_types = SAN_HOST},
    /* web-server-and-client */
    {.validity_days = 365,
     .key_usage = KU_DS | KU_KE,
     .eku = {"serverAuth", "clientAuth"},
     .san_types = SAN_HOST,
     .require_san = 1},
    /* code-signing */
    {.validity_days = 365,
     .key_usage = KU_DS,
     .eku = {"codeSigning"},
     .san_types = SAN_ALL},
    /* smime */
    {.validity_days = 365,
     .key_usage = KU_DS | KU_KE,
     .eku = {"emailProtection"},
     .san_types = TEMPLATE_SAN_EMAIL,
     .email_subject = 1},
    /* document-signing: Microsoft's szOID_KP_DOCUMENT_SIGNING */
    {.validity_days = 365,
     .key_usage = KU_DS | X509v3_KU_NON_REPUDIATION,
     .eku = {"1.3.6.1.4.1.311.10.3.12"},
     .san_types = SAN_ALL},
    /* certificate-authority */
    {.validity_days = 1825,
     .key_usage = X509v3_KU_KEY_CERT_SIGN | X509v3_KU_CRL_SIGN,
     .ca = 1,
     .full_subject = 1,
     .san_types = SAN_ALL},
    /* ocsp-signing */
    {.validity_days = 30,
     .key_usage = KU_DS,
     .eku = {"OCSPSigning"},
     .ocsp_nocheck = 1,
     .san_types = SAN_ALL},
    /* timestamping: RFC 3161 2.3 wants its one EKU critical */
    {.validity_days = 1825,
     .key_usage = KU_DS,
     .eku = {"timeStamping"},
     .eku_critical = 1,
     .san_types = SAN_ALL},
    /* openvpn-server */
    {.validity_days = 365,
     .key_usage = KU_DS | KU_KE,
     .eku = {"serverAuth"},
     .san_types = SAN_HOST},
    /* openvpn-client */
    {.validity_days = 365,
     .key_usage = KU_DS,
     .eku = {"clientAuth"},
     .san_types = SAN_HOST},
};

#define N_STARTERS (sizeof(starters) / sizeof(starters[0]))

_Static_assert(sizeof(starter_names) / sizeof(starter_names[0]) ==
		   N_STARTERS + 1,
	       "a starter without a name, or a name without a starter");

const char *const *template_starter_names(size_t *n)
{
	if (n != NULL)
		*n = N_STARTERS;
	return starter_names;
}

static void subject_rule_add(struct template_settings *s, const char *attr)
{
	struct template_subject_rule *r = &s->subject[s->n_subject++];

	strncpy(r->attribute, attr, sizeof(r->attribute) - 1);
}

/* The defaults of the settings table, before a starter's own values. */
static void settings_defaults(struct template_settings *s)
{
	s->enabled = 1;
	s->renewal_within_days = 30;
	s->validity_days = 365;
	subject_rule_add(s, "CN");
	s->key_usage_critical = 1;
	s->path_length = -1;
	s->basic_constraints_critical = 1;
	s->aia_include = 1;
	s->aia_ocsp = 1;
	s->crl_distribution_point = 1;
	memcpy(s->policy_oid, "2.23.140.1.2.1", sizeof("2.23.140.1.2.1"));
	s->min_rsa_bits = 2048;
	s->min_ec_bits = 256;
	s->max_sans = 100;
}

int template_starter(const char *name, struct template_settings *s)
{
	const struct starter *st = NULL;

	for (size_t i = 0; name != NULL && i < N_STARTERS; i++)
		if (strcmp(starter_names[i], name) == 0)
			st = &starters[i];
	if (st == NULL)
		return -1;

	memset(s, 0, sizeof(*s));
	settings_defaults(s);
	s->validity_days = st->validity_days;
	if (st->email_subject)
		subject_rule_add(s, "emailAddress");
	if (st->full_subject) {
		/* A CA's name usually says whose it is: the usual order. */
		s->n_subject = 0;
		subject_rule_add(s, "C");
		subject_rule_add(s, "ST");
		subject_rule_add(s, "L");
		subject_rule_add(s, "O");
		subject_rule_add(s, "OU");
		subject_rule_add(s, "CN");
	}
	s->key_usage = st->key_usage;
	for (size_t i = 0; i < 2 && st->eku[i] != NULL; i++)
		strncpy(s->eku[s->n_eku++], st->eku[i], TEMPLATE_OID_MAX - 1);
	s->eku_critical = st->eku_critical;
	s->ca = st->ca;
	s->path_length = st->ca ? 0 : -1;
	s->ocsp_nocheck = st->ocsp_nocheck;
	s->san_types = st->san_types;
	s->require_san = st->require_san;

	s->scep = strdup("{}");
	s->ct_logs = strdup("[]");
	if (s->scep == NULL || s->ct_logs == NULL) {
		template_settings_clear(s);
		memset(s, 0, sizeof(*s));
		return -1;
	}
	return 0;
}

void template_settings_clear(struct template_settings *s)
{
	if (s == NULL)
		return;
	free(s->scep);
	free(s->ct_logs);
	s->scep = NULL;
	s->ct_logs = NULL;
}
