/*
 * DNS names as ACME and its policies take them: lowercase A-labels of
 * letters, digits and hyphens, and the pre-approved domains of a policy,
 * where "*.example.com" covers example.com and every name below it.
 */
#ifndef PKIAAS_ACME_NAMES_H
#define PKIAAS_ACME_NAMES_H

#define ACME_NAME_MAX 253

/* 1 when name is a lowercase DNS name (with a leading "*." when
 * wildcard is allowed). */
int acme_name_valid(const char *name, int wildcard);
/* 1 when the policy's domains (a JSON array) cover name. */
int acme_domains_cover(const char *domains_json, const char *name);

#endif
