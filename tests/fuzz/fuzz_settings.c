#include "fuzz_settings.h"

#include <stdlib.h>
#include <string.h>

#include "engine/template.h"
#include "fuzz.h"

static char *encode(const struct template_settings *s)
{
	char *text = template_settings_encode(s);

	if (text == NULL)
		fuzz_fail("template_settings_encode: NULL");
	return text;
}

/* Accepted settings are stored encoded and loaded when used. */
static void roundtrip(const struct template_settings *s)
{
	struct template_settings back;
	char *stored = encode(s), *again;

	if (template_settings_load(stored, &back) != 0)
		fuzz_fail("accepted settings do not load back: %s", stored);
	again = encode(&back);
	if (strcmp(stored, again) != 0)
		fuzz_fail("settings change when stored and loaded:\n%s\n%s",
			  stored, again);
	free(again);
	free(stored);
	template_settings_clear(&back);
}

/* After a merge answered rc: refused cleanly, or stored soundly. */
static void merge_check(const struct template_settings *s, const char *before,
			enum engine_result rc, const struct engine_error *err)
{
	char *after;

	if (rc == ENGINE_OK) {
		roundtrip(s);
		return;
	}
	if (rc != ENGINE_INVALID || err->detail[0] == '\0')
		fuzz_fail("a merge refused with %d and detail \"%s\"", rc,
			  err->detail);
	after = encode(s);
	if (strcmp(before, after) != 0)
		fuzz_fail("a refused merge changed the settings (%s)",
			  err->detail);
	free(after);
}

void fuzz_settings_merge_json(const char *starter, const json_t *obj)
{
	struct template_settings s;
	struct engine_error err = {0};
	enum engine_result rc;
	char *before;

	if (template_starter(starter, &s) != 0)
		return;
	before = encode(&s);
	rc = template_settings_merge_json(&s, obj, &err);
	merge_check(&s, before, rc, &err);
	free(before);
	template_settings_clear(&s);
}

void fuzz_settings_merge_text(const char *starter, const char *text)
{
	struct template_settings s;
	struct engine_error err = {0};
	enum engine_result rc;
	char *before;

	if (template_starter(starter, &s) != 0)
		fuzz_fail("no starter %s", starter);
	before = encode(&s);
	rc = template_settings_merge(&s, text, &err);
	merge_check(&s, before, rc, &err);
	free(before);
	template_settings_clear(&s);
}
