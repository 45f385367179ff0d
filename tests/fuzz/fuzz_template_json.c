/*
 * Template settings JSON (src/engine/template_json.c): the input is the
 * text of a settings object, merged as POST and PATCH /api/v1/templates
 * merge it onto starters that differ where the rules across members
 * look (an end-entity template that requires a SAN, a CA template, one
 * that requires none), and read as stored settings. Checks
 * (fuzz_settings.c) that a refusal changes nothing and that accepted
 * settings survive being stored and loaded.
 */
#include <stdlib.h>

#include "engine/template.h"
#include "fuzz.h"
#include "fuzz_settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const starters[] = {
	    "web-server", "certificate-authority", "code-signing"};
	struct template_settings stored;
	char *text = fuzz_text(data, size);

	fuzz_init();
	for (size_t i = 0; i < sizeof(starters) / sizeof(*starters); i++)
		fuzz_settings_merge_text(starters[i], text);
	if (template_settings_load(text, &stored) == 0) {
		free(template_settings_encode(&stored));
		template_settings_clear(&stored);
	}
	free(text);
	return 0;
}
