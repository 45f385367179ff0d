/*
 * The request headers of the fuzz binaries. Handlers read headers
 * through MHD_lookup_connection_value; no libmicrohttpd connection exists
 * here, so this definition, linked into the executable, takes the place
 * of the library's and answers from a small table the target fills.
 */
#include <microhttpd.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"

#define HEADERS_MAX 4

static struct {
	const char *name, *value;
} headers[HEADERS_MAX];

void fuzz_header_set(const char *name, const char *value)
{
	size_t free_slot = HEADERS_MAX;

	for (size_t i = 0; i < HEADERS_MAX; i++) {
		if (headers[i].name != NULL &&
		    strcasecmp(headers[i].name, name) == 0) {
			headers[i].name = value != NULL ? name : NULL;
			headers[i].value = value;
			return;
		}
		if (headers[i].name == NULL && free_slot == HEADERS_MAX)
			free_slot = i;
	}
	if (value == NULL)
		return;
	if (free_slot == HEADERS_MAX)
		fuzz_fail("fuzz: more than %d headers", HEADERS_MAX);
	headers[free_slot].name = name;
	headers[free_slot].value = value;
}

const char *MHD_lookup_connection_value(struct MHD_Connection *connection,
					enum MHD_ValueKind kind,
					const char *key)
{
	(void)connection;
	if (kind != MHD_HEADER_KIND || key == NULL)
		return NULL;
	for (size_t i = 0; i < HEADERS_MAX; i++)
		if (headers[i].name != NULL &&
		    strcasecmp(headers[i].name, key) == 0)
			return headers[i].value;
	return NULL;
}
