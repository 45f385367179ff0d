/*
 * ACME policies (acme_admin.h): a name, the template that signs for the
 * policy's accounts, and the domains it pre-approves. Admins manage
 * them; every role reads them.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts_common.h"
#include "engine/acme_admin.h"
#include "engine/acme_names.h"
#include "engine/templates.h"
#include "lib/rand.h"

#define POLICY_NAME_MAX 128
/* Longest domain echoed in a refusal, so that the detail stays whole. */
#define DOMAIN_ECHO_MAX 80

/* 1 to POLICY_NAME_MAX bytes, none of them a control character. */
static enum engine_result name_check(const char *name, const char *what,
				     struct engine_error *err)
{
	size_t n = name != NULL ? strlen(name) : 0;

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			n = 0;
	if (n == 0 || n > POLICY_NAME_MAX)
		return engine_fail(err, ENGINE_INVALID, "name",
				   "%s name is 1 to %d bytes without control "
				   "characters",
				   what, POLICY_NAME_MAX);
	return ENGINE_OK;
}

/* The letters of a DNS name, lowercase, as a policy keeps it. */
static const char ldh[] = "abcdefghijklmnopqrstuvwxyz0123456789-.";

/* Whether s has the shape of an IPv4 or IPv6 address. */
static int address_shaped(const char *s)
{
	size_t n = strlen(s);

	if (strspn(s, "0123456789.") == n)
		return strchr(s, '.') != NULL;
	return strspn(s, "0123456789abcdef:.[]") == n && strchr(s, ':') != NULL;
}

/* What is wrong with base, a lowercase name of LDH characters. */
static const char *labels_fault(const char *base)
{
	size_t n = strlen(base), label;

	if (base[n - 1] == '.')
		return "drop the trailing dot";
	for (const char *s = base;; s += label + 1) {
		label = strcspn(s, ".");
		if (label == 0)
			return "a label is empty";
		if (label > 63)
			return "a label is longer than 63 characters";
		if (s[0] == '-' || s[label - 1] == '-')
			return "a label starts or ends with a dash";
		if (s[label] == '\0')
			return strspn(s, "0123456789") == label
				   ? "its last label is all digits"
				   : "each label is 1 to 63 letters, digits "
				     "or dashes";
	}
}

/*
 * How a refusal names domain i: the name in quotes, or its place in the
 * list when it holds control characters.
 */
static void domain_label(const char *name, size_t i, char *out, size_t n)
{
	for (const char *c = name; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			snprintf(out, n, "domains[%zu]", i);
			return;
		}
	snprintf(out, n, "\"%.*s\"", DOMAIN_ECHO_MAX, name);
}

/* Why name (lowercase, not valid) is refused, as domains[i]. */
static enum engine_result domain_refuse(const char *name, size_t i,
					struct engine_error *err)
{
	const char *base = strncmp(name, "*.", 2) == 0 ? name + 2 : name;
	size_t n = strlen(base), ok = strspn(base, ldh);
	char field[32], label[DOMAIN_ECHO_MAX + 3];

	snprintf(field, sizeof(field), "domains[%zu]", i);
	domain_label(name, i, label, sizeof(label));
	if (n == 0)
		return engine_fail(err, ENGINE_INVALID, field,
				   "%s names no domain: a pre-approved domain "
				   "is a DNS name, or \"*.\" followed by one",
				   *name != '\0' ? label : field);
	if (address_shaped(name))
		return engine_fail(err, ENGINE_INVALID, field,
				   "%s is an IP address; a policy "
				   "pre-approves DNS names only",
				   label);
	if (n > ACME_NAME_MAX)
		return engine_fail(err, ENGINE_INVALID, field,
				   "%s has %zu characters; a DNS name has at "
				   "most %d",
				   field, n, ACME_NAME_MAX);
	if (ok != n)
		return engine_fail(err, ENGINE_INVALID, field,
				   "%s: character %zu is not a letter, digit, "
				   "dash or dot (a wildcard is \"*.\" before "
				   "a DNS name; an internationalised name is "
				   "given as its A-label, xn--...)",
				   label, (size_t)(base - name) + ok + 1);
	return engine_fail(err, ENGINE_INVALID, field,
			   "%s is not a DNS name: %s", label,
			   labels_fault(base));
}

/*
 * The domains as the store keeps them: each checked and lowercased, no
 * two alike, as a compact JSON array in *out (a new string).
 */
static enum engine_result domains_encode(const char *const *domains, size_t n,
					 char **out, struct engine_error *err)
{
	json_t *arr = json_array();
	enum engine_result res = ENGINE_OK;
	char name[ACME_NAME_MAX + 3];

	*out = NULL;
	if (n > ACME_POLICY_DOMAINS_MAX)
		res = engine_fail(err, ENGINE_INVALID, "domains",
				  "a policy pre-approves at most %d domains; "
				  "this one lists %zu",
				  ACME_POLICY_DOMAINS_MAX, n);
	for (size_t i = 0; arr != NULL && res == ENGINE_OK && i < n; i++) {
		size_t len = strlen(domains[i]);
		size_t k;
		json_t *v;

		if (len >= sizeof(name)) {
			res = domain_refuse(domains[i], i, err);
			break;
		}
		for (size_t j = 0; j <= len; j++)
			name[j] =
			    (char)(domains[i][j] >= 'A' && domains[i][j] <= 'Z'
				       ? domains[i][j] - 'A' + 'a'
				       : domains[i][j]);
		if (!acme_name_valid(name, 1)) {
			res = domain_refuse(name, i, err);
			break;
		}
		json_array_foreach (arr, k, v)
			if (strcmp(json_string_value(v), name) == 0)
				break;
		if (k < json_array_size(arr)) {
			char field[32];

			snprintf(field, sizeof(field), "domains[%zu]", i);
			res = engine_fail(err, ENGINE_INVALID, field,
					  "\"%s\" is listed twice (also "
					  "domains[%zu])",
					  name, k);
		} else if (json_array_append_new(arr, json_string(name)) != 0)
			res = engine_fail(err, ENGINE_ERROR, NULL,
					  "out of memory");
	}
	if (arr == NULL)
		res = engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	if (res == ENGINE_OK && (*out = json_dumps(arr, JSON_COMPACT)) == NULL)
		res = engine_fail(err, ENGINE_ERROR, NULL, "out of memory");
	json_decref(arr);
	return res;
}

/*
 * The template must be the tenant's and issue end-entity certificates
 * with DNS names: what ACME asks for.
 */
static enum engine_result template_check(const struct ca_context *ctx,
					 const struct principal *who,
					 const char *template_id,
					 struct engine_error *err)
{
	struct template_settings s = {0};
	struct store_template t;
	enum engine_result res;
	enum store_result rc;

	if (template_id == NULL || *template_id == '\0')
		return engine_fail(err, ENGINE_INVALID, "template_id",
				   "a policy needs the template that signs "
				   "its certificates");
	rc = store_template_get(ctx->st, who->tenant_id, template_id, &t);
	if (rc == STORE_NOT_FOUND)
		return engine_fail(err, ENGINE_NOT_FOUND, "template_id",
				   "no such template");
	if (rc != STORE_OK)
		return engine_store_fail(err, rc, "template");
	res = templates_settings(&t, &s, err);
	if (res == ENGINE_OK && s.ca)
		res = engine_fail(err, ENGINE_INVALID, "template_id",
				  "template %s issues CA certificates; ACME "
				  "needs one for end-entity certificates",
				  t.name);
	else if (res == ENGINE_OK && !(s.san_types & TEMPLATE_SAN_DNS))
		res = engine_fail(err, ENGINE_INVALID, "template_id",
				  "template %s does not allow DNS names "
				  "(san_types), which every ACME certificate "
				  "carries",
				  t.name);
	template_settings_clear(&s);
	store_template_free(&t);
	return res;
}

/* The engine's answer to a failed insert or update of a policy. */
static enum engine_result policy_store_fail(enum store_result rc,
					    const char *name,
					    struct engine_error *err)
{
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, "name",
				   "the tenant has an ACME policy named %s",
				   name);
	if (rc == STORE_NOT_FOUND)
		return engine_fail(err, ENGINE_NOT_FOUND, "template_id",
				   "no such template");
	return engine_store_fail(err, rc, "ACME policy");
}

enum engine_result
acme_policy_create(const struct ca_context *ctx, const struct principal *who,
		   const struct acme_policy_input *in, int64_t now,
		   struct store_acme_policy *out, struct engine_error *err)
{
	char id[RAND_ID_LEN + 1] = "";
	struct store_acme_policy p = {.id = id,
				      .tenant_id = (char *)who->tenant_id,
				      .template_id = (char *)in->template_id,
				      .name = (char *)in->name,
				      .created_at = now};
	struct store_audit a =
	    accounts_audit(who, "acme_policy.create", "acme_policy", id, now);
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "acme_policy.create",
				       "acme_policy", NULL, now, err);
	if (name_check(in->name, "a policy's", err) != ENGINE_OK ||
	    domains_encode(in->domains, in->n_domains, &p.domains, err) !=
		ENGINE_OK ||
	    template_check(ctx, who, in->template_id, err) != ENGINE_OK) {
		free(p.domains);
		return err->code;
	}
	if (rand_id(id, RAND_ID_LEN) != 0) {
		free(p.domains);
		return engine_fail(err, ENGINE_ERROR, NULL,
				   "the random generator failed");
	}
	a.detail = in->name;
	rc = store_acme_policy_insert(ctx->st, &p, &a);
	free(p.domains);
	if (rc != STORE_OK)
		return policy_store_fail(rc, in->name, err);
	return acme_policy_get(ctx, who, id, out, err);
}

enum engine_result
acme_policy_list(const struct ca_context *ctx, const struct principal *who,
		 const char *ca_id, const char *after, size_t limit,
		 struct store_acme_policy_list *out, struct engine_error *err)
{
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_acme_policy_list(ctx->st, who->tenant_id, ca_id, after,
				    accounts_limit(limit), out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "ACME policy");
}

enum engine_result acme_policy_get(const struct ca_context *ctx,
				   const struct principal *who, const char *id,
				   struct store_acme_policy *out,
				   struct engine_error *err)
{
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_READ, err) != ENGINE_OK)
		return err->code;
	rc = store_acme_policy_get(ctx->st, who->tenant_id, id, out);
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "ACME policy");
}

/* Applies in's changes to p (the stored policy); new strings in p. */
static enum engine_result policy_change(const struct ca_context *ctx,
					const struct principal *who,
					const struct acme_policy_input *in,
					struct store_acme_policy *p,
					struct engine_error *err)
{
	char *domains = NULL, *copy;

	if (in->name != NULL &&
	    name_check(in->name, "a policy's", err) != ENGINE_OK)
		return err->code;
	if (in->has_domains && domains_encode(in->domains, in->n_domains,
					      &domains, err) != ENGINE_OK)
		return err->code;
	if (in->template_id != NULL &&
	    template_check(ctx, who, in->template_id, err) != ENGINE_OK) {
		free(domains);
		return err->code;
	}
	if (domains != NULL) {
		free(p->domains);
		p->domains = domains;
	}
	if (in->name != NULL) {
		if ((copy = strdup(in->name)) == NULL)
			return engine_fail(err, ENGINE_ERROR, NULL,
					   "out of memory");
		free(p->name);
		p->name = copy;
	}
	if (in->template_id != NULL) {
		if ((copy = strdup(in->template_id)) == NULL)
			return engine_fail(err, ENGINE_ERROR, NULL,
					   "out of memory");
		free(p->template_id);
		p->template_id = copy;
	}
	return ENGINE_OK;
}

enum engine_result
acme_policy_update(const struct ca_context *ctx, const struct principal *who,
		   const char *id, const struct acme_policy_input *in,
		   int64_t now, struct store_acme_policy *out,
		   struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "acme_policy.update", "acme_policy", id, now);
	struct store_acme_policy p;
	enum engine_result res;
	enum store_result rc;

	memset(out, 0, sizeof(*out));
	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "acme_policy.update",
				       "acme_policy", id, now, err);
	res = acme_policy_get(ctx, who, id, &p, err);
	if (res == ENGINE_OK)
		res = policy_change(ctx, who, in, &p, err);
	if (res != ENGINE_OK) {
		store_acme_policy_free(&p);
		return res;
	}
	a.detail = p.name;
	rc = store_acme_policy_update(ctx->st, &p, &a);
	res = rc == STORE_OK ? ENGINE_OK : policy_store_fail(rc, p.name, err);
	store_acme_policy_free(&p);
	if (res != ENGINE_OK)
		return res;
	return acme_policy_get(ctx, who, id, out, err);
}

enum engine_result acme_policy_delete(const struct ca_context *ctx,
				      const struct principal *who,
				      const char *id, int64_t now,
				      struct engine_error *err)
{
	struct store_audit a =
	    accounts_audit(who, "acme_policy.delete", "acme_policy", id, now);
	enum store_result rc;

	if (access_require(who, ACCESS_ADMIN, err) != ENGINE_OK)
		return accounts_denied(ctx->st, who, "acme_policy.delete",
				       "acme_policy", id, now, err);
	rc = store_acme_policy_delete(ctx->st, who->tenant_id, id, &a);
	if (rc == STORE_CONFLICT)
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "ACME accounts are bound to this policy "
				   "for good, so it stays; to stop it, delete "
				   "its EABs (no new accounts) and deactivate "
				   "its accounts (no new certificates)");
	return rc == STORE_OK ? ENGINE_OK
			      : engine_store_fail(err, rc, "ACME policy");
}
