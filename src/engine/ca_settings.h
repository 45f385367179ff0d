/* A CA's own settings, stored as JSON beside it. */
#ifndef PKIAAS_CA_SETTINGS_H
#define PKIAAS_CA_SETTINGS_H

#include "engine/template.h"

struct ca_settings {
	char hash[8]; /* "", "sha256", "sha384", "sha512" */
	int pss;
	int path_length; /* -1: none */
	char cps_url[TEMPLATE_TEXT_MAX];
	/* what the OCSP and timestamping certificates of this CA get */
	char service_key_type[24];
	char service_hash[8];
};

/* Parses stored settings; -1 when they do not parse. */
int ca_settings_load(const char *json, struct ca_settings *s);
/* A new JSON text of s, or NULL. */
char *ca_settings_encode(const struct ca_settings *s);
/* 1 for "", sha256, sha384, sha512. */
int ca_hash_valid(const char *hash);

#endif
