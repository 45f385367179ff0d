/*
 * Deadlines for connections to deliver a request whole. libmicrohttpd's
 * own timeout counts idle time only, so a client that sends a byte a
 * second (a slow loris) would keep its connection for ever; a watch
 * shuts such a connection down when its deadline passes, and
 * libmicrohttpd then closes it as it closes any connection the peer
 * dropped.
 */
#ifndef PKIAAS_HTTP_WATCH_H
#define PKIAAS_HTTP_WATCH_H

#include <microhttpd.h>

struct http_watch;

/*
 * A watch giving each connection timeout seconds from its start, and
 * from the end of each answer, to deliver its next request; port names
 * it in the log. Its thread looks once a second. NULL on failure.
 */
struct http_watch *http_watch_start(const char *port, unsigned timeout);
/* Stops the thread; every daemon it watched must be stopped first.
 * Accepts NULL. */
void http_watch_stop(struct http_watch *w);
/* The MHD_OPTION_NOTIFY_CONNECTION callback; cls is the watch. */
void http_watch_notify(void *cls, struct MHD_Connection *conn,
		       void **socket_context,
		       enum MHD_ConnectionNotificationCode toe);
/* The headers of a request on conn have arrived. */
void http_watch_begin(struct MHD_Connection *conn);
/* conn's request has arrived whole: no deadline while it is answered. */
void http_watch_pause(struct MHD_Connection *conn);
/* conn's request has been answered: the next is due within the timeout
 * (or, once the watch drains, the connection is shut). */
void http_watch_resume(struct MHD_Connection *conn);
/*
 * For a stop: shuts every connection that has no request begun (an idle
 * keep-alive one), and each other one once its answer is sent, so that
 * only requests in flight hold the stop up.
 */
void http_watch_drain(struct http_watch *w);

#endif
