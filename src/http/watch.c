#include "http/watch.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/clock.h"
#include "lib/log.h"

/* How often the watch looks at its connections. */
#define WATCH_TICK_US 1000000

/* One open connection; in the watch's list while libmicrohttpd has it. */
struct watched {
	struct http_watch *w;
	struct watched *prev, *next;
	int fd;
	int64_t deadline_us; /* 0 while a request is answered */
	int begun;	     /* a request's headers have arrived */
};

struct http_watch {
	pthread_mutex_t lock; /* the list, each deadline, stopping */
	pthread_cond_t wake;  /* on CLOCK_MONOTONIC, as clock_monotonic_us */
	pthread_t thread;
	struct watched *head;
	int64_t timeout_us;
	int stopping;
	int draining; /* idle connections are shut at once */
	char port[16];
};

/*
 * Shuts down every connection past its deadline. The fd is still the
 * connection's: libmicrohttpd tells a close (which takes the entry out
 * under the lock) before it closes the socket.
 */
static void watch_expire(struct http_watch *w, int64_t now)
{
	unsigned n = 0;

	for (struct watched *c = w->head; c != NULL; c = c->next) {
		if (c->deadline_us == 0 || c->deadline_us > now)
			continue;
		shutdown(c->fd, SHUT_RDWR);
		c->deadline_us = 0;
		n++;
	}
	if (n > 0)
		log_event(LOG_WARN, "http.slow_request",
			  "port=%s connections=%u error=\"no whole request "
			  "within %lld seconds; closed\" hint=\"raise "
			  "request_timeout if clients are this slow\"",
			  w->port, n, (long long)(w->timeout_us / 1000000));
}

static void *watch_run(void *arg)
{
	struct http_watch *w = arg;
	struct timespec until;
	int64_t now;

	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		now = clock_monotonic_us();
		watch_expire(w, now);
		now += WATCH_TICK_US;
		until.tv_sec = (time_t)(now / 1000000);
		until.tv_nsec = (long)(now % 1000000) * 1000;
		pthread_cond_timedwait(&w->wake, &w->lock, &until);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct http_watch *http_watch_start(const char *port, unsigned timeout)
{
	struct http_watch *w = calloc(1, sizeof(*w));
	pthread_condattr_t attr;
	int ok;

	if (w == NULL)
		return NULL;
	w->timeout_us = (int64_t)timeout * 1000000;
	snprintf(w->port, sizeof(w->port), "%s", port);
	pthread_mutex_init(&w->lock, NULL);
	ok = pthread_condattr_init(&attr) == 0;
	ok = ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(&w->wake, &attr) == 0;
	pthread_condattr_destroy(&attr);
	if (!ok) {
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	if (pthread_create(&w->thread, NULL, watch_run, w) != 0) {
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return NULL;
	}
	return w;
}

void http_watch_stop(struct http_watch *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	while (w->head != NULL) {
		struct watched *c = w->head;

		w->head = c->next;
		free(c);
	}
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* Opens an entry for conn, or leaves it unwatched when memory is short. */
static void watch_add(struct http_watch *w, struct MHD_Connection *conn,
		      void **socket_context)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct watched *c = info != NULL ? calloc(1, sizeof(*c)) : NULL;

	*socket_context = c;
	if (c == NULL)
		return;
	c->w = w;
	c->fd = info->connect_fd;
	pthread_mutex_lock(&w->lock);
	c->deadline_us = clock_monotonic_us() + w->timeout_us;
	c->next = w->head;
	if (w->head != NULL)
		w->head->prev = c;
	w->head = c;
	pthread_mutex_unlock(&w->lock);
}

static void watch_remove(struct watched *c)
{
	struct http_watch *w = c->w;

	pthread_mutex_lock(&w->lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&w->lock);
	free(c);
}

void http_watch_notify(void *cls, struct MHD_Connection *conn,
		       void **socket_context,
		       enum MHD_ConnectionNotificationCode toe)
{
	if (toe == MHD_CONNECTION_NOTIFY_STARTED)
		watch_add(cls, conn, socket_context);
	else if (*socket_context != NULL) {
		watch_remove(*socket_context);
		*socket_context = NULL;
	}
}

/*
 * conn's entry with its watch locked, or NULL when it is not watched
 * (memory was short). The caller unlocks c->w->lock.
 */
static struct watched *watched_lock(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct watched *c = info != NULL ? info->socket_context : NULL;

	if (c != NULL)
		pthread_mutex_lock(&c->w->lock);
	return c;
}

void http_watch_begin(struct MHD_Connection *conn)
{
	struct watched *c = watched_lock(conn);

	if (c != NULL) {
		c->begun = 1;
		pthread_mutex_unlock(&c->w->lock);
	}
}

void http_watch_pause(struct MHD_Connection *conn)
{
	struct watched *c = watched_lock(conn);

	if (c != NULL) {
		c->deadline_us = 0;
		pthread_mutex_unlock(&c->w->lock);
	}
}

void http_watch_resume(struct MHD_Connection *conn)
{
	struct watched *c = watched_lock(conn);

	if (c == NULL)
		return;
	c->begun = 0;
	c->deadline_us = clock_monotonic_us() + c->w->timeout_us;
	if (c->w->draining)
		shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&c->w->lock);
}

void http_watch_drain(struct http_watch *w)
{
	pthread_mutex_lock(&w->lock);
	w->draining = 1;
	for (struct watched *c = w->head; c != NULL; c = c->next)
		if (!c->begun)
			shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&w->lock);
}
