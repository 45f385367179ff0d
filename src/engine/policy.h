/*
 * A template's rules for what a request may ask (docs/templates.md,
 * "What is checked on a request"). Each check names the rule it applies
 * when it refuses.
 */
#ifndef PKIAAS_POLICY_H
#define PKIAAS_POLICY_H

#include <openssl/x509v3.h>

#include "engine/result.h"
#include "engine/template.h"

/* The key's type is allowed and large enough. */
enum engine_result policy_key_check(const struct template_settings *tpl,
				    EVP_PKEY *key, struct engine_error *err);
/*
 * The subject the certificate gets: the template's attributes, fixed
 * values overriding requested ones, others dropped. NULL with err set
 * when a required attribute is missing.
 */
X509_NAME *policy_subject(const struct template_settings *tpl,
			  const X509_NAME *requested, struct engine_error *err);
/* SAN types, syntax, count, and presence when required. */
enum engine_result policy_sans_check(const struct template_settings *tpl,
				     const GENERAL_NAMES *sans,
				     struct engine_error *err);
/* Extensions a request asks for that the template would not give. */
enum engine_result policy_extensions_check(const struct template_settings *tpl,
					   const STACK_OF(X509_EXTENSION) *
					       requested,
					   struct engine_error *err);
/* 1 when name is a DNS name: LDH labels, a leading "*." allowed. */
int policy_dns_name_valid(const char *name, size_t len);

#endif
