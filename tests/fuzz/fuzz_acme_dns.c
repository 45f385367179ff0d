/*
 * DNS answers (src/acme/dns.c), as the ACME validators read them from
 * the resolver: the first byte picks the record type asked for and the
 * next two the query id; the rest is the answer message. Whatever comes
 * back must fit the limits of struct dns_answer.
 */
#include <string.h>

#include "acme/dns.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dns_type types[] = {DNS_TYPE_A, DNS_TYPE_AAAA,
					      DNS_TYPE_TXT};
	unsigned char query[DNS_QUERY_MAX];
	struct dns_answer ans;
	size_t qlen;

	fuzz_init();
	if (size < 3)
		return 0;
	qlen = dns_query_encode(
	    "_acme-challenge.www.example.test", types[data[0] % 3],
	    (uint16_t)(data[1] << 8 | data[2]), query, sizeof(query));
	if (qlen == 0)
		fuzz_fail("dns_query_encode: refused a good name");
	memset(&ans, 0, sizeof(ans));
	if (dns_message_parse(query, qlen, data + 3, size - 3, &ans) !=
	    DNS_PARSE_DONE)
		return 0;
	if (ans.count > DNS_RECORDS_MAX ||
	    memchr(ans.name, '\0', sizeof(ans.name)) == NULL ||
	    memchr(ans.detail, '\0', sizeof(ans.detail)) == NULL)
		fuzz_fail("dns_message_parse: an answer past its limits");
	for (size_t i = 0; i < ans.count; i++)
		if (ans.rec[i].len > DNS_TXT_MAX)
			fuzz_fail("dns_message_parse: a record past its size");
	return 0;
}
