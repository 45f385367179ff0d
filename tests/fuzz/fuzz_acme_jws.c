/*
 * ACME's JWS (src/acme/jws.c, jwk.c): the input is the body of a POST
 * to an ACME endpoint. It is parsed as the server parses it; a JWS with
 * a jwk is verified with that key, its payload read as the server reads
 * payloads, and an externalAccountBinding or a key change's oldKey in
 * it parsed too. A refusal must name an ACME error type and leave its
 * output zeroed; what parses must hold every member the server reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acme/jws.h"
#include "fuzz.h"

/* An output the parser refused must be all zero. */
static void zeroed(const void *p, size_t n, const char *what)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			fuzz_fail("%s: refused but left its output set", what);
}

static void refused(const struct acme_jws_error *err, const char *what)
{
	if (err->type == NULL || err->detail[0] == '\0')
		fuzz_fail("%s: refused without a type and words", what);
}

static void payload_check(const struct acme_jws *jws, int depth);

/* A key change's payload is a JWS again, as the server reads it. */
static void inner_check(const json_t *payload, int depth)
{
	struct acme_jws_error err = {0};
	struct acme_jws inner;
	char *text = json_dumps(payload, JSON_COMPACT);

	if (text != NULL && acme_jws_parse((const uint8_t *)text, strlen(text),
					   &inner, &err) == 0) {
		if (inner.jwk.key != NULL)
			(void)acme_jws_verify(&inner, inner.jwk.key, &err);
		payload_check(&inner, depth + 1);
		acme_jws_free(&inner);
	}
	free(text);
}

/* The members of a payload that are JWS or JWK again. */
static void payload_check(const struct acme_jws *jws, int depth)
{
	static const uint8_t key[32] = {1, 2, 3};
	struct acme_jws_error err = {0};
	struct acme_eab eab;
	struct acme_jwk old;
	json_t *payload =
	    acme_json_load(jws->payload, jws->payload_len, "the payload", &err);
	const json_t *member;

	if (payload == NULL)
		return;
	member = json_object_get(payload, "externalAccountBinding");
	if (member != NULL && acme_eab_parse(member, &eab, &err) == 0) {
		if (fuzz_verbose())
			fprintf(stderr, "eab alg=%s kid=%s\n", eab.alg,
				eab.kid);
		if (eab.kid == NULL || eab.url == NULL || eab.jwk.key == NULL)
			fuzz_fail("acme_eab_parse: a member is missing");
		(void)acme_eab_mac_ok(&eab, key, sizeof(key));
		acme_eab_free(&eab);
	} else if (member != NULL) {
		refused(&err, "acme_eab_parse");
		zeroed(&eab, sizeof(eab), "acme_eab_parse");
	}
	if (depth == 0 && json_object_get(payload, "protected") != NULL)
		inner_check(payload, depth);
	member = json_object_get(payload, "oldKey");
	if (member != NULL && acme_jwk_parse(member, &old, &err) == 0) {
		char *dump = acme_jwk_dump(&old);
		struct acme_jwk again;
		if (dump == NULL || acme_jwk_load(dump, &again) != 0 ||
		    strcmp(again.thumbprint, old.thumbprint) != 0)
			fuzz_fail("acme_jwk_dump: does not load back the same");
		acme_jwk_free(&again);
		free(dump);
		acme_jwk_free(&old);
	}
	json_decref(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acme_jws_error err = {0};
	struct acme_jws jws;

	fuzz_init();
	if (acme_jws_parse(data, size, &jws, &err) != 0) {
		if (fuzz_verbose())
			fprintf(stderr, "refused %s: %s\n", err.type,
				err.detail);
		refused(&err, "acme_jws_parse");
		zeroed(&jws, sizeof(jws), "acme_jws_parse");
		return 0;
	}
	if (jws.alg == NULL || jws.signing_input == NULL ||
	    (jws.kid == NULL) == (jws.jwk.key == NULL))
		fuzz_fail("acme_jws_parse: took a JWS without alg, or with "
			  "both or neither of kid and jwk");
	if (jws.jwk.key != NULL &&
	    acme_jws_verify(&jws, jws.jwk.key, &err) != 0) {
		refused(&err, "acme_jws_verify");
		if (fuzz_verbose())
			fprintf(stderr, "unverified %s: %s\n", err.type,
				err.detail);
	} else if (fuzz_verbose()) {
		fprintf(stderr, "parsed alg=%s %s\n", jws.alg,
			jws.kid != NULL ? "kid" : "jwk verified");
	}
	payload_check(&jws, 0);
	acme_jws_free(&jws);
	return 0;
}
