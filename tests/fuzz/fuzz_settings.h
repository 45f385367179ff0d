/*
 * Checks on template settings that the JSON targets share: what
 * templates_create and templates_update rely on when they store the
 * encoded settings and templates_settings loads them again.
 */
#ifndef PKIAAS_FUZZ_SETTINGS_H
#define PKIAAS_FUZZ_SETTINGS_H

#include <jansson.h>

/*
 * Merges obj (any JSON value) onto the starter's settings. A refusal
 * must be ENGINE_INVALID with a detail and leave the settings as they
 * were; accepted settings must encode, load back and encode the same.
 * Aborts when one of these does not hold.
 */
void fuzz_settings_merge_json(const char *starter, const json_t *obj);
/* The same from text, through template_settings_merge. */
void fuzz_settings_merge_text(const char *starter, const char *text);

#endif
