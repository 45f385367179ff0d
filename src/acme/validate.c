#include "acme/validate.h"

#include <stdarg.h>
#include <stdio.h>

enum acme_validate_outcome
acme_validate_fail(struct acme_validate_error *err,
		   enum acme_validate_outcome outcome, const char *type,
		   const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return outcome;
	err->type = type;
	va_start(ap, fmt);
	vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
	va_end(ap);
	return outcome;
}
