/*
 * What an engine call answers: a typed result and, for a refusal, the
 * rule that was broken, in words for the person who sent the request.
 * The same text feeds the API's problem document and the log.
 */
#ifndef PKIAAS_ENGINE_RESULT_H
#define PKIAAS_ENGINE_RESULT_H

#include <stdint.h>

#include "store/store.h"

enum engine_result {
	ENGINE_OK = 0,
	ENGINE_INVALID,		/* the input breaks a rule: 400 */
	ENGINE_UNAUTHENTICATED, /* no valid login or token: 401 */
	ENGINE_FORBIDDEN,	/* the role may not: 403 */
	ENGINE_NOT_FOUND,	/* no such object in this tenant: 404 */
	ENGINE_CONFLICT,	/* clashes with what exists: 409 */
	ENGINE_RATE_LIMITED,	/* too many attempts: 429 */
	ENGINE_UNAVAILABLE,	/* the database cannot be reached: 503 */
	ENGINE_ERROR,		/* anything else, logged: 500 */
};

struct engine_error {
	enum engine_result code;
	const char *field;   /* the input member at fault, or NULL */
	char field_buf[96];  /* holds what field points to */
	int64_t retry_after; /* seconds, for ENGINE_RATE_LIMITED */
	/* A protocol's own name for the error, or NULL: ACME's error type
	 * ("badNonce", "rejectedIdentifier", ...). */
	const char *type;
	char detail[256];
};

/* Sets err (may be NULL) and returns code. */
enum engine_result engine_fail(struct engine_error *err,
			       enum engine_result code, const char *field,
			       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* engine_fail with a protocol's name for the error. */
enum engine_result engine_fail_typed(struct engine_error *err,
				     enum engine_result code, const char *type,
				     const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The engine result of a store failure, with a detail that fits it. */
enum engine_result engine_store_fail(struct engine_error *err,
				     enum store_result rc, const char *what);

#endif
