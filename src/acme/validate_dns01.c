/* dns-01 (RFC 8555 section 8.4): the TXT record _acme-challenge.DOMAIN. */
#include "acme/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/dns.h"

#define DNS01_LABEL "_acme-challenge."
#define SHOWN_MAX   64 /* characters of a wrong value quoted back */

/* A value for a message: printable ASCII, others as '?', cut. */
static void shown(const struct dns_record *rec, char *out, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < rec->len && o + 1 < n && o < SHOWN_MAX; i++) {
		unsigned char c = rec->data[i];

		out[o++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
	}
	out[o] = '\0';
}

static enum acme_validate_outcome txt_match(const struct dns_answer *ans,
					    const char *name,
					    const char *digest,
					    struct acme_validate_error *err)
{
	size_t dlen = strlen(digest);
	char first[SHOWN_MAX + 1];

	for (size_t i = 0; i < ans->count; i++)
		if (ans->rec[i].len == dlen &&
		    memcmp(ans->rec[i].data, digest, dlen) == 0)
			return ACME_VALIDATE_OK;
	if (ans->count == 0)
		return acme_validate_fail(
		    err, ACME_VALIDATE_FAILED, "incorrectResponse",
		    "%s: %zu TXT records, all longer than %d bytes", name,
		    ans->skipped, DNS_TXT_MAX);
	shown(&ans->rec[0], first, sizeof(first));
	return acme_validate_fail(
	    err, ACME_VALIDATE_FAILED, "incorrectResponse",
	    "%s: none of %zu TXT records is the expected value "
	    "(first: \"%s\")",
	    name, ans->count + ans->skipped, first);
}

enum acme_validate_outcome
acme_validate_dns01(const struct acme_validate_options *opt, const char *domain,
		    const char *digest, struct acme_validate_error *err)
{
	char name[DNS_NAME_MAX + 1];
	struct dns_server srv;
	struct dns_answer *ans;
	enum acme_validate_outcome outcome;
	int n, timeout_ms;

	if (err != NULL)
		*err = (struct acme_validate_error){0};
	if (strncmp(domain, "*.", 2) == 0)
		domain += 2;
	n = snprintf(name, sizeof(name), DNS01_LABEL "%s", domain);
	if (n < 0 || (size_t)n >= sizeof(name))
		return acme_validate_fail(err, ACME_VALIDATE_FAILED, "dns",
					  "%s%.64s...: name too long",
					  DNS01_LABEL, domain);
	if (dns_server_parse(opt->resolver, &srv) != 0)
		return acme_validate_fail(
		    err, ACME_VALIDATE_RETRY, "dns",
		    "the server's DNS resolver setting is not usable");
	ans = malloc(sizeof(*ans));
	if (ans == NULL)
		return acme_validate_fail(err, ACME_VALIDATE_RETRY, "dns",
					  "out of memory");

	timeout_ms =
	    opt->timeout_ms > 0 ? opt->timeout_ms : ACME_VALIDATE_TIMEOUT_MS;
	dns_query(&srv, name, DNS_TYPE_TXT, timeout_ms, ans);
	if (ans->status == DNS_OK)
		outcome = txt_match(ans, name, digest, err);
	else
		outcome = acme_validate_fail(
		    err,
		    dns_status_retryable(ans->status) ? ACME_VALIDATE_RETRY
						      : ACME_VALIDATE_FAILED,
		    "dns", "DNS lookup of TXT %s: %s", name, ans->detail);
	free(ans);
	return outcome;
}
