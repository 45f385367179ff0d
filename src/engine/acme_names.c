#include "engine/acme_names.h"

#include <jansson.h>
#include <string.h>

/* One label: 1 to 63 of [a-z0-9-], not starting or ending with '-'. */
static int label_valid(const char *s, size_t n)
{
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

int acme_name_valid(const char *name, int wildcard)
{
	const char *label, *dot;
	size_t len = name != NULL ? strlen(name) : 0;
	int all_digits = 1;

	if (wildcard && strncmp(name, "*.", 2) == 0) {
		name += 2;
		len -= 2;
	}
	if (len == 0 || len > ACME_NAME_MAX)
		return 0;
	for (label = name;; label = dot + 1) {
		dot = strchr(label, '.');
		size_t n = dot != NULL ? (size_t)(dot - label) : strlen(label);
		if (!label_valid(label, n))
			return 0;
		if (dot == NULL) {
			/* a last label of digits would read as an address */
			for (size_t i = 0; i < n; i++)
				all_digits = all_digits && label[i] >= '0' &&
					     label[i] <= '9';
			return !all_digits;
		}
	}
}

/* Whether entry (a name or "*.base") covers name. */
static int entry_covers(const char *entry, const char *name)
{
	size_t n = strlen(name), b;

	if (strncmp(entry, "*.", 2) != 0)
		return strcmp(entry, name) == 0;
	entry += 2;
	b = strlen(entry);
	return strcmp(entry, name) == 0 || (n > b && name[n - b - 1] == '.' &&
					    strcmp(name + n - b, entry) == 0);
}

int acme_domains_cover(const char *domains_json, const char *name)
{
	json_t *list = json_loads(domains_json, 0, NULL);
	json_t *v;
	size_t i;
	int covered = 0;

	json_array_foreach (list, i, v) {
		if (json_is_string(v) &&
		    entry_covers(json_string_value(v), name))
			covered = 1;
	}
	json_decref(list);
	return covered;
}
