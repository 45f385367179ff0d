#include "lib/log.h"

#include <openssl/err.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest line written; longer ones are cut. */
#define LOG_LINE_MAX 4096

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static enum log_level min_level = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;
static char *log_path;
static _Thread_local char request_id[40];

int log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(*level_names); i++)
		if (strcmp(name, level_names[i]) == 0)
			return (int)i;
	return -1;
}

void log_set_level(enum log_level level)
{
	min_level = level;
}

static FILE *log_stream(void)
{
	return log_file != NULL ? log_file : stderr;
}

int log_open(const char *path)
{
	FILE *f = NULL;

	if (path != NULL && *path != '\0') {
		f = fopen(path, "a");
		if (f == NULL)
			return -1;
		setvbuf(f, NULL, _IOLBF, 0);
	}
	pthread_mutex_lock(&log_lock);
	if (log_file != NULL)
		fclose(log_file);
	log_file = f;
	free(log_path);
	log_path = path != NULL && *path != '\0' ? strdup(path) : NULL;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

int log_reopen(void)
{
	char *path;
	int rc;

	pthread_mutex_lock(&log_lock);
	path = log_path != NULL ? strdup(log_path) : NULL;
	pthread_mutex_unlock(&log_lock);
	if (path == NULL)
		return 0;
	rc = log_open(path);
	free(path);
	return rc;
}

void log_set_request_id(const char *id)
{
	if (id == NULL)
		request_id[0] = '\0';
	else
		snprintf(request_id, sizeof(request_id), "%s", id);
}

const char *log_request_id(void)
{
	return request_id;
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	struct timespec ts;
	struct tm tm;
	size_t n;
	va_list ap;

	if (level < min_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof(line) - n, ".%03ldZ level=%s event=%s",
		      ts.tv_nsec / 1000000, level_names[level], event);
	if (request_id[0] != '\0' && n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, " request_id=%s",
			      request_id);
	if (fmt != NULL && *fmt != '\0' && n + 1 < sizeof(line)) {
		line[n++] = ' ';
		va_start(ap, fmt);
		n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		va_end(ap);
	}
	if (n >= sizeof(line))
		n = sizeof(line) - 1;

	pthread_mutex_lock(&log_lock);
	fprintf(log_stream(), "%.*s\n", (int)n, line);
	fflush(log_stream());
	pthread_mutex_unlock(&log_lock);
}

char *log_quote(const char *s, char *out, size_t n)
{
	size_t o = 0;

	if (n < 3) {
		if (n > 0)
			out[0] = '\0';
		return out;
	}
	out[o++] = '"';
	for (; *s != '\0' && o + 3 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			out[o++] = '\\';
		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

void log_openssl_errors(const char *event, const char *what)
{
	unsigned long e;
	char buf[256];
	char quoted[300];

	e = ERR_get_error();
	if (e == 0) {
		log_event(LOG_ERROR, event, "what=%s", what);
		return;
	}
	for (; e != 0; e = ERR_get_error()) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_event(LOG_ERROR, event, "what=%s openssl=%s", what,
			  log_quote(buf, quoted, sizeof(quoted)));
	}
}
