#include "engine/ca_settings.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

int ca_hash_valid(const char *hash)
{
	return strcmp(hash, "") == 0 || strcmp(hash, "sha256") == 0 ||
	       strcmp(hash, "sha384") == 0 || strcmp(hash, "sha512") == 0;
}

static void text_copy(json_t *obj, const char *key, char *out, size_t size)
{
	const char *v = json_string_value(json_object_get(obj, key));

	if (v != NULL)
		snprintf(out, size, "%s", v);
}

int ca_settings_load(const char *json, struct ca_settings *s)
{
	json_t *obj = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
	json_t *path;

	memset(s, 0, sizeof(*s));
	s->path_length = -1;
	if (!json_is_object(obj)) {
		json_decref(obj);
		return -1;
	}
	text_copy(obj, "hash", s->hash, sizeof(s->hash));
	text_copy(obj, "cps_url", s->cps_url, sizeof(s->cps_url));
	text_copy(obj, "service_key_type", s->service_key_type,
		  sizeof(s->service_key_type));
	text_copy(obj, "service_hash", s->service_hash,
		  sizeof(s->service_hash));
	s->pss = json_is_true(json_object_get(obj, "rsa_pss"));
	path = json_object_get(obj, "path_length");
	if (json_is_integer(path))
		s->path_length = (int)json_integer_value(path);
	json_decref(obj);
	return 0;
}

char *ca_settings_encode(const struct ca_settings *s)
{
	json_t *obj = json_pack(
	    "{s:s, s:b, s:o, s:s, s:s, s:s}", "hash", s->hash, "rsa_pss",
	    s->pss, "path_length",
	    s->path_length >= 0 ? json_integer(s->path_length) : json_null(),
	    "cps_url", s->cps_url, "service_key_type", s->service_key_type,
	    "service_hash", s->service_hash);
	char *text =
	    obj != NULL ? json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

	json_decref(obj);
	return text;
}
