#include "engine/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum engine_result engine_fail(struct engine_error *err,
			       enum engine_result code, const char *field,
			       const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->field = NULL;
	err->type = NULL;
	if (field != NULL) {
		snprintf(err->field_buf, sizeof(err->field_buf), "%s", field);
		err->field = err->field_buf;
	}
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return code;
}

enum engine_result engine_fail_typed(struct engine_error *err,
				     enum engine_result code, const char *type,
				     const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return code;
	err->code = code;
	err->field = NULL;
	err->type = type;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return code;
}

enum engine_result engine_store_fail(struct engine_error *err,
				     enum store_result rc, const char *what)
{
	switch (rc) {
	case STORE_OK: return ENGINE_OK;
	case STORE_NOT_FOUND:
		return engine_fail(err, ENGINE_NOT_FOUND, NULL, "no such %s",
				   what);
	case STORE_CONFLICT:
		return engine_fail(err, ENGINE_CONFLICT, NULL,
				   "the %s clashes with one that exists", what);
	case STORE_UNAVAILABLE:
		return engine_fail(err, ENGINE_UNAVAILABLE, NULL,
				   "the database cannot be reached; try again "
				   "shortly");
	case STORE_ERROR: break;
	}
	return engine_fail(err, ENGINE_ERROR, NULL,
			   "the database failed while handling the %s; the "
			   "server log has the cause",
			   what);
}
