/*
 * Logging: one line per event, "key=value" pairs after a timestamp, a level
 * and an event name. Lines written while a request is served carry its id.
 */
#ifndef PKIAAS_LOG_H
#define PKIAAS_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Parses "debug", "info", "warn" or "error"; -1 for anything else. */
int log_level_parse(const char *name);
void log_set_level(enum log_level level);
/* Sends lines to path (appending), or to stderr when path is NULL or "". */
int log_open(const char *path);
/* Reopens the file given to log_open (after rotation, on SIGHUP). */
int log_reopen(void);

/* The request id stamped on this thread's lines; NULL clears it. */
void log_set_request_id(const char *id);
/* This thread's request id, "" when it has none. */
const char *log_request_id(void);

/*
 * Writes one line: event is a short name ("http.request"), fmt the
 * key=value pairs. Values with spaces must be quoted by the caller with
 * log_quote.
 */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Quotes s for a value (doubling no characters: \ and " are escaped) into
 * a buffer of size n; returns out. */
char *log_quote(const char *s, char *out, size_t n);

/* Logs and clears OpenSSL's error queue, naming what failed. */
void log_openssl_errors(const char *event, const char *what);

#endif
