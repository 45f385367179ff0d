#include "acme/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/rand.h"

#define DNS_HEADER_LEN	   12
#define DNS_CLASS_IN	   1
#define DNS_FLAG_QR	   0x8000
#define DNS_FLAG_TC	   0x0200
#define DNS_FLAG_RD	   0x0100
#define DNS_OPCODE(f)	   (((f) >> 11) & 0xf)
#define DNS_RCODE(f)	   ((f)&0xf)
#define DNS_RCODE_NOERROR  0
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_REFUSED  5
#define DNS_LABEL_MAX	   63
#define DNS_RR_FIXED	   10 /* TYPE, CLASS, TTL, RDLENGTH */
#define DNS_UDP_SENDS	   3  /* UDP queries sent before giving up */
#define DNS_PORT_TRIES	   8  /* random source ports tried */
#define DNS_PORT_LOW	   1024
#define RESOLV_CONF	   "/etc/resolv.conf"
#define RESOLV_LINE_MAX	   512
#define SERVER_SPEC_MAX	   128

/* A name in wire form, uncompressed. */
struct wire_name {
	size_t len;
	unsigned char b[DNS_NAME_MAX];
};

/* One resource record as read from a message. */
struct rr {
	struct wire_name owner;
	uint16_t type, class;
	size_t rdata, rdlen; /* offset and length of RDATA in the message */
};

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void answer_reset(struct dns_answer *ans, enum dns_type type)
{
	memset(ans, 0, sizeof(*ans));
	ans->type = type;
}

static enum dns_status answer_set(struct dns_answer *ans, enum dns_status st,
				  const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum dns_status answer_set(struct dns_answer *ans, enum dns_status st,
				  const char *fmt, ...)
{
	va_list ap;

	ans->status = st;
	va_start(ap, fmt);
	vsnprintf(ans->detail, sizeof(ans->detail), fmt, ap);
	va_end(ap);
	return st;
}

static const char *type_name(enum dns_type type)
{
	switch (type) {
	case DNS_TYPE_A: return "A";
	case DNS_TYPE_AAAA: return "AAAA";
	case DNS_TYPE_TXT: return "TXT";
	case DNS_TYPE_CNAME: return "CNAME";
	}
	return "?";
}

static const char *status_name(enum dns_status st)
{
	switch (st) {
	case DNS_OK: return "ok";
	case DNS_NXDOMAIN: return "nxdomain";
	case DNS_NODATA: return "nodata";
	case DNS_RETRY: return "retry";
	case DNS_MALFORMED: return "malformed";
	case DNS_BADNAME: return "badname";
	case DNS_ERROR: return "error";
	}
	return "?";
}

/* Names: text to wire form and back, reading, comparing. */

/* ASCII only, whatever the locale. */
static int host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static unsigned char ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Encodes a dotted host name; -1 when it is not one. */
static int name_from_text(const char *text, struct wire_name *out)
{
	size_t tlen = strlen(text), start = 0, n = 0;

	if (tlen > 0 && text[tlen - 1] == '.')
		tlen--;
	if (tlen == 0)
		return -1;
	for (size_t i = 0; i <= tlen; i++) {
		size_t llen;

		if (i < tlen && text[i] != '.') {
			if (!host_char((unsigned char)text[i]))
				return -1;
			continue;
		}
		llen = i - start;
		if (llen < 1 || llen > DNS_LABEL_MAX ||
		    n + 1 + llen + 1 > DNS_NAME_MAX)
			return -1;
		out->b[n++] = (unsigned char)llen;
		memcpy(out->b + n, text + start, llen);
		n += llen;
		start = i + 1;
	}
	out->b[n++] = 0;
	out->len = n;
	return 0;
}

/* Writes a wire name as dotted text without the final dot, escaping what
 * is not a host character as \DDD, into out (size n). */
static void name_to_text(const struct wire_name *w, char *out, size_t n)
{
	size_t o = 0, i = 0;

	if (n < 2)
		return;
	while (i < w->len && w->b[i] != 0) {
		size_t llen = w->b[i++];

		if (o > 0 && o + 1 < n)
			out[o++] = '.';
		for (size_t j = 0; j < llen && i < w->len; j++, i++) {
			unsigned char c = w->b[i];

			if (host_char(c) && o + 1 < n)
				out[o++] = (char)c;
			else if (!host_char(c) && o + 4 < n)
				o += (size_t)snprintf(out + o, n - o, "\\%03u",
						      c);
		}
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
}

static int name_equal(const struct wire_name *a, const struct wire_name *b)
{
	if (a->len != b->len)
		return 0;
	/* Length bytes are at most 63, below 'A': lowering them is a no-op. */
	for (size_t i = 0; i < a->len; i++)
		if (ascii_lower(a->b[i]) != ascii_lower(b->b[i]))
			return 0;
	return 1;
}

/*
 * Reads the name at off, following compression pointers (RFC 1035
 * 4.1.4). Each pointer must point before the start of the labels it
 * ends, so pointers only go backwards and cannot loop. Returns the offset
 * just past the name where it starts, or 0 with ans->detail set.
 */
static size_t name_read(const unsigned char *msg, size_t len, size_t off,
			struct wire_name *out, struct dns_answer *ans)
{
	size_t pos = off, seg = off, end = 0, n = 0;

	for (;;) {
		unsigned char c;

		if (pos >= len) {
			answer_set(ans, DNS_MALFORMED,
				   "name at byte %zu runs past the end", off);
			return 0;
		}
		c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t ptr;

			if (pos + 1 >= len) {
				answer_set(ans, DNS_MALFORMED,
					   "pointer at byte %zu is cut", pos);
				return 0;
			}
			ptr = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			if (ptr >= seg || ptr < DNS_HEADER_LEN) {
				answer_set(ans, DNS_MALFORMED,
					   "compression pointer at byte %zu "
					   "points %s (RFC 1035 4.1.4)",
					   pos,
					   ptr < DNS_HEADER_LEN
					       ? "into the header"
					       : "forward or into its name");
				return 0;
			}
			if (end == 0)
				end = pos + 2;
			pos = seg = ptr;
			continue;
		}
		if ((c & 0xc0) != 0) {
			answer_set(ans, DNS_MALFORMED,
				   "reserved label type at byte %zu", pos);
			return 0;
		}
		if (c == 0)
			break;
		if (pos + 1 + c > len || n + 1 + c + 1 > DNS_NAME_MAX) {
			answer_set(ans, DNS_MALFORMED,
				   "name at byte %zu is cut or longer than "
				   "255 bytes",
				   off);
			return 0;
		}
		memcpy(out->b + n, msg + pos, 1 + (size_t)c);
		n += 1 + (size_t)c;
		pos += 1 + (size_t)c;
	}
	out->b[n++] = 0;
	out->len = n;
	return end != 0 ? end : pos + 1;
}

/* Records. */

/* Checks the RDATA of the types we read (class IN). 0 or -1. */
static int rdata_check(const unsigned char *msg, size_t len,
		       const struct rr *rr, struct dns_answer *ans)
{
	size_t end = rr->rdata + rr->rdlen, p;
	struct wire_name target;

	switch (rr->type) {
	case DNS_TYPE_A:
	case DNS_TYPE_AAAA:
		if (rr->rdlen == (rr->type == DNS_TYPE_A ? 4u : 16u))
			return 0;
		answer_set(ans, DNS_MALFORMED,
			   "%s record at byte %zu has %zu bytes of RDATA",
			   type_name(rr->type), rr->rdata, rr->rdlen);
		return -1;
	case DNS_TYPE_CNAME:
		p = name_read(msg, len, rr->rdata, &target, ans);
		if (p == 0)
			return -1;
		if (p == end)
			return 0;
		answer_set(ans, DNS_MALFORMED,
			   "CNAME at byte %zu does not fill its RDATA",
			   rr->rdata);
		return -1;
	case DNS_TYPE_TXT:
		for (p = rr->rdata; p < end; p += 1 + (size_t)msg[p])
			;
		if (rr->rdlen > 0 && p == end)
			return 0;
		answer_set(ans, DNS_MALFORMED,
			   "TXT strings at byte %zu do not fill its RDATA",
			   rr->rdata);
		return -1;
	}
	return 0;
}

/* Reads the record at *off and moves *off past it. 0, or -1 with
 * ans->detail set. */
static int rr_read(const unsigned char *msg, size_t len, size_t *off,
		   struct rr *rr, struct dns_answer *ans)
{
	size_t p = name_read(msg, len, *off, &rr->owner, ans);

	if (p == 0)
		return -1;
	if (len - p < DNS_RR_FIXED) {
		answer_set(ans, DNS_MALFORMED, "record at byte %zu is cut",
			   *off);
		return -1;
	}
	rr->type = get16(msg + p);
	rr->class = get16(msg + p + 2);
	rr->rdlen = get16(msg + p + 8);
	rr->rdata = p + DNS_RR_FIXED;
	if (rr->rdlen > len - rr->rdata) {
		answer_set(ans, DNS_MALFORMED,
			   "RDATA length %zu at byte %zu runs past the end",
			   rr->rdlen, p + 8);
		return -1;
	}
	if (rr->class == DNS_CLASS_IN && rdata_check(msg, len, rr, ans) != 0)
		return -1;
	*off = rr->rdata + rr->rdlen;
	return 0;
}

/* The sections of a checked answer. */
struct msg_view {
	const unsigned char *msg;
	size_t len;
	size_t answers; /* offset of the answer section */
	uint16_t ancount;
};

/*
 * The CNAME target of name in the answer section into next: 1 when there
 * is one, 0 when none, -1 when there are two (RFC 2181 10.1).
 */
static int chain_next(const struct msg_view *v, const struct wire_name *name,
		      struct wire_name *next, struct dns_answer *ans)
{
	size_t off = v->answers;
	int found = 0;
	struct rr rr;

	for (unsigned i = 0; i < v->ancount; i++) {
		if (rr_read(v->msg, v->len, &off, &rr, ans) != 0)
			return -1;
		if (rr.type != DNS_TYPE_CNAME || rr.class != DNS_CLASS_IN ||
		    !name_equal(&rr.owner, name))
			continue;
		if (found++) {
			answer_set(ans, DNS_MALFORMED,
				   "two CNAME records for one name");
			return -1;
		}
		if (name_read(v->msg, v->len, rr.rdata, next, ans) == 0)
			return -1;
	}
	return found;
}

/* Keeps the records of type owned by name from the answer section. */
static int records_collect(const struct msg_view *v,
			   const struct wire_name *name, enum dns_type type,
			   struct dns_answer *ans)
{
	size_t off = v->answers;
	struct rr rr;

	for (unsigned i = 0; i < v->ancount; i++) {
		struct dns_record *rec = &ans->rec[ans->count];
		size_t total = 0;

		if (rr_read(v->msg, v->len, &off, &rr, ans) != 0)
			return -1;
		if (rr.type != type || rr.class != DNS_CLASS_IN ||
		    !name_equal(&rr.owner, name))
			continue;
		if (type == DNS_TYPE_TXT)
			for (size_t p = rr.rdata; p < rr.rdata + rr.rdlen;
			     p += 1 + (size_t)v->msg[p])
				total += v->msg[p];
		else
			total = rr.rdlen;
		if (ans->count == DNS_RECORDS_MAX || total > DNS_TXT_MAX) {
			ans->skipped++;
			continue;
		}
		if (type != DNS_TYPE_TXT) {
			memcpy(rec->data, v->msg + rr.rdata, rr.rdlen);
		} else {
			total = 0;
			for (size_t p = rr.rdata; p < rr.rdata + rr.rdlen;
			     p += 1 + (size_t)v->msg[p]) {
				memcpy(rec->data + total, v->msg + p + 1,
				       v->msg[p]);
				total += v->msg[p];
			}
		}
		rec->len = total;
		ans->count++;
	}
	return 0;
}

/* Follows the CNAME chain from the question and keeps what it ends in. */
static void answer_collect(const struct msg_view *v,
			   const struct wire_name *qname, int nxdomain,
			   struct dns_answer *ans)
{
	struct wire_name cur = *qname, next;
	int hops = 0, r;

	while ((r = chain_next(v, &cur, &next, ans)) == 1) {
		if (++hops > DNS_CNAME_MAX) {
			answer_set(ans, DNS_MALFORMED,
				   "CNAME chain longer than %d links",
				   DNS_CNAME_MAX);
			return;
		}
		cur = next;
	}
	if (r < 0 || records_collect(v, &cur, ans->type, ans) != 0)
		return;
	name_to_text(&cur, ans->name, sizeof(ans->name));
	if (nxdomain)
		answer_set(ans, DNS_NXDOMAIN, "%s does not exist (NXDOMAIN)",
			   ans->name);
	else if (ans->count + ans->skipped == 0)
		answer_set(ans, DNS_NODATA, "no %s record at %s",
			   type_name(ans->type), ans->name);
	else
		ans->status = DNS_OK;
}

/* The wire format. */

size_t dns_query_encode(const char *name, enum dns_type type, uint16_t id,
			unsigned char *buf, size_t size)
{
	struct wire_name w;

	if (name_from_text(name, &w) != 0 || size < DNS_HEADER_LEN + w.len + 4)
		return 0;
	memset(buf, 0, DNS_HEADER_LEN);
	put16(buf, id);
	put16(buf + 2, DNS_FLAG_RD);
	put16(buf + 4, 1);
	memcpy(buf + DNS_HEADER_LEN, w.b, w.len);
	put16(buf + DNS_HEADER_LEN + w.len, (uint16_t)type);
	put16(buf + DNS_HEADER_LEN + w.len + 2, DNS_CLASS_IN);
	return DNS_HEADER_LEN + w.len + 4;
}

/* Names of the RCODEs that give DNS_RETRY. */
static const char *rcode_name(unsigned rcode)
{
	switch (rcode) {
	case 1: return "FORMERR";
	case DNS_RCODE_SERVFAIL: return "SERVFAIL";
	case 4: return "NOTIMP";
	case DNS_RCODE_REFUSED: return "REFUSED";
	}
	return "an unknown RCODE";
}

/* Checks that the message is an answer to the question; DONE with
 * ans->status set when it cannot tell. */
static enum dns_parse question_check(const unsigned char *query, size_t qlen,
				     const unsigned char *msg, size_t len,
				     struct wire_name *qname, size_t *off,
				     struct dns_answer *ans)
{
	struct wire_name mine, theirs;
	size_t p;

	if (name_read(query, qlen, DNS_HEADER_LEN, &mine, ans) == 0)
		return DNS_PARSE_DONE;
	p = name_read(msg, len, DNS_HEADER_LEN, &theirs, ans);
	if (p == 0)
		return DNS_PARSE_DONE;
	if (len - p < 4) {
		answer_set(ans, DNS_MALFORMED, "question is cut");
		return DNS_PARSE_DONE;
	}
	if (!name_equal(&mine, &theirs) ||
	    memcmp(msg + p, query + qlen - 4, 4) != 0)
		return DNS_PARSE_FOREIGN;
	*qname = mine;
	*off = p + 4;
	return DNS_PARSE_DONE;
}

/*
 * The header: our id, a response, a standard query, one question. 1 to
 * go on, 0 when ans is final, -1 when the message is not for us.
 */
static int header_check(const unsigned char *query, const unsigned char *msg,
			size_t len, struct dns_answer *ans)
{
	unsigned flags, rcode, qdcount;

	if (len < 2 || get16(msg) != get16(query))
		return -1;
	if (len < DNS_HEADER_LEN) {
		answer_set(ans, DNS_MALFORMED, "header is cut (%zu bytes)",
			   len);
		return 0;
	}
	flags = get16(msg + 2);
	rcode = DNS_RCODE(flags);
	qdcount = get16(msg + 4);
	if (!(flags & DNS_FLAG_QR))
		return -1;
	if (DNS_OPCODE(flags) != 0) {
		answer_set(ans, DNS_MALFORMED, "answer has opcode %u",
			   DNS_OPCODE(flags));
		return 0;
	}
	/* Some servers drop the question from an error answer. */
	if (qdcount == 0 && rcode != DNS_RCODE_NOERROR &&
	    rcode != DNS_RCODE_NXDOMAIN) {
		answer_set(ans, DNS_RETRY, "resolver answered %s",
			   rcode_name(rcode));
		return 0;
	}
	if (qdcount != 1) {
		answer_set(ans, DNS_MALFORMED, "answer has %u questions",
			   qdcount);
		return 0;
	}
	return 1;
}

enum dns_parse dns_message_parse(const unsigned char *query, size_t qlen,
				 const unsigned char *msg, size_t len,
				 struct dns_answer *ans)
{
	struct msg_view v = {.msg = msg, .len = len};
	struct wire_name qname;
	unsigned flags, rcode, records;
	size_t off = 0;
	enum dns_parse r;
	struct rr rr;

	answer_reset(ans, (enum dns_type)get16(query + qlen - 4));
	ans->status = DNS_MALFORMED;
	if (name_read(query, qlen, DNS_HEADER_LEN, &qname, ans) != 0)
		name_to_text(&qname, ans->name, sizeof(ans->name));
	switch (header_check(query, msg, len, ans)) {
	case -1: return DNS_PARSE_FOREIGN;
	case 0: return DNS_PARSE_DONE;
	}
	flags = get16(msg + 2);
	rcode = DNS_RCODE(flags);

	/* The question, then TC and RCODE. */
	r = question_check(query, qlen, msg, len, &qname, &off, ans);
	if (r != DNS_PARSE_DONE || off == 0)
		return r;
	if (flags & DNS_FLAG_TC)
		return DNS_PARSE_TRUNCATED;
	if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN) {
		answer_set(ans, DNS_RETRY, "resolver answered %s",
			   rcode_name(rcode));
		return DNS_PARSE_DONE;
	}

	/* Every record of every section must parse, and fill the message. */
	v.answers = off;
	v.ancount = get16(msg + 6);
	records = (unsigned)v.ancount + get16(msg + 8) + get16(msg + 10);
	for (unsigned i = 0; i < records; i++)
		if (rr_read(msg, len, &off, &rr, ans) != 0)
			return DNS_PARSE_DONE;
	if (off != len) {
		answer_set(ans, DNS_MALFORMED,
			   "%zu bytes after the last record", len - off);
		return DNS_PARSE_DONE;
	}
	answer_collect(&v, &qname, rcode == DNS_RCODE_NXDOMAIN, ans);
	return DNS_PARSE_DONE;
}

/* Sockets with a deadline (microseconds on the monotonic clock). */

/* Waits for events on fd: 1 ready, 0 deadline passed, -1 error. */
static int fd_wait(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = events};
		int64_t left = deadline - clock_monotonic_us();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)((left + 999) / 1000));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Binds fd to a random source port; the kernel's choice when that
 * keeps failing (Linux picks that one at random too). */
static void udp_bind_random(int fd, const struct dns_server *srv)
{
	struct sockaddr_storage ss;

	for (int i = 0; i < DNS_PORT_TRIES; i++) {
		uint16_t r, port;

		if (rand_bytes(&r, sizeof(r)) != 0)
			return;
		port = (uint16_t)(DNS_PORT_LOW + r % (65536 - DNS_PORT_LOW));
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = srv->addr.ss_family;
		if (ss.ss_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		else
			((struct sockaddr_in *)&ss)->sin_port = htons(port);
		if (bind(fd, (struct sockaddr *)&ss, srv->addrlen) == 0)
			return;
	}
}

/* A UDP socket from a random port, connected to srv so that the kernel
 * drops datagrams from anywhere else. -1 with ans->detail. */
static int udp_open(const struct dns_server *srv, struct dns_answer *ans)
{
	int fd = socket(srv->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		answer_set(ans, DNS_ERROR, "socket: %s", strerror(errno));
		return -1;
	}
	udp_bind_random(fd, srv);
	if (connect(fd, (const struct sockaddr *)&srv->addr, srv->addrlen)) {
		answer_set(ans, DNS_RETRY, "resolver unreachable: %s",
			   strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends the query over UDP (again after a third of the time left, up
 * to DNS_UDP_SENDS times) until an answer to it comes or the deadline
 * passes. */
static enum dns_parse udp_exchange(const struct dns_server *srv,
				   const unsigned char *q, size_t qlen,
				   int64_t deadline, struct dns_answer *ans)
{
	unsigned char buf[DNS_UDP_MAX];
	int64_t now, next_send = 0;
	enum dns_parse r = DNS_PARSE_DONE;
	int fd = udp_open(srv, ans), sends = 0;

	if (fd < 0)
		return r;
	for (;;) {
		ssize_t n;
		int w;

		now = clock_monotonic_us();
		if (now >= next_send && sends < DNS_UDP_SENDS) {
			if (send(fd, q, qlen, 0) < 0 && errno != EINTR) {
				answer_set(ans, DNS_RETRY,
					   "resolver unreachable: %s",
					   strerror(errno));
				goto out;
			}
			sends++;
			next_send = now + (deadline - now) /
					      (DNS_UDP_SENDS - sends + 1);
		}
		w = fd_wait(fd, POLLIN,
			    sends < DNS_UDP_SENDS && next_send < deadline
				? next_send
				: deadline);
		if (w == 0 && clock_monotonic_us() >= deadline) {
			answer_set(ans, DNS_RETRY,
				   "no answer from the resolver in time");
			goto out;
		}
		if (w <= 0) {
			if (w < 0) {
				answer_set(ans, DNS_RETRY, "poll: %s",
					   strerror(errno));
				goto out;
			}
			continue;
		}
		n = recv(fd, buf, sizeof(buf), MSG_TRUNC | MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			answer_set(ans, DNS_RETRY, "resolver unreachable: %s",
				   strerror(errno));
			goto out;
		}
		if ((size_t)n > sizeof(buf))
			continue;
		r = dns_message_parse(q, qlen, buf, (size_t)n, ans);
		if (r != DNS_PARSE_FOREIGN)
			goto out;
	}
out:
	close(fd);
	return r;
}

/* Connects a TCP socket to srv before the deadline; -1 with
 * ans->detail. */
static int tcp_connect(const struct dns_server *srv, int64_t deadline,
		       struct dns_answer *ans)
{
	int fd, err = 0, w;
	socklen_t len = sizeof(err);

	fd = socket(srv->addr.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		answer_set(ans, DNS_ERROR, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)&srv->addr, srv->addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS) {
		err = errno;
	} else {
		w = fd_wait(fd, POLLOUT, deadline);
		if (w == 0)
			err = ETIMEDOUT;
		else if (w < 0 ||
			 getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
	}
	if (err == 0)
		return fd;
	answer_set(ans, DNS_RETRY, "TCP to the resolver: %s", strerror(err));
	close(fd);
	return -1;
}

/* Moves len bytes through fd (reading when rd) before the deadline. 0,
 * or -1 with errno (ETIMEDOUT, ECONNRESET on an early end). */
static int tcp_io(int fd, unsigned char *buf, size_t len, int rd,
		  int64_t deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;
		int w = fd_wait(fd, rd ? POLLIN : POLLOUT, deadline);

		if (w <= 0) {
			if (w == 0)
				errno = ETIMEDOUT;
			return -1;
		}
		n = rd ? recv(fd, buf + done, len - done, 0)
		       : send(fd, buf + done, len - done, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Asks again over TCP (RFC 1035 4.2.2, RFC 7766) after a truncated UDP
 * answer. */
static void tcp_exchange(const struct dns_server *srv, const unsigned char *q,
			 size_t qlen, int64_t deadline, struct dns_answer *ans)
{
	unsigned char out[2 + DNS_QUERY_MAX], hdr[2];
	unsigned char *buf = NULL;
	size_t len;
	int fd;

	fd = tcp_connect(srv, deadline, ans);
	if (fd < 0)
		return;
	put16(out, (uint16_t)qlen);
	memcpy(out + 2, q, qlen);
	if (tcp_io(fd, out, qlen + 2, 0, deadline) != 0 ||
	    tcp_io(fd, hdr, 2, 1, deadline) != 0) {
		answer_set(ans, DNS_RETRY, "TCP to the resolver: %s",
			   strerror(errno));
		goto out;
	}
	len = get16(hdr);
	if (len > DNS_TCP_MAX) {
		answer_set(ans, DNS_MALFORMED,
			   "TCP answer of %zu bytes, more than %d", len,
			   DNS_TCP_MAX);
		goto out;
	}
	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL) {
		answer_set(ans, DNS_ERROR, "out of memory");
		goto out;
	}
	if (tcp_io(fd, buf, len, 1, deadline) != 0) {
		answer_set(ans, DNS_RETRY, "TCP to the resolver: %s",
			   strerror(errno));
		goto out;
	}
	switch (dns_message_parse(q, qlen, buf, len, ans)) {
	case DNS_PARSE_DONE: break;
	case DNS_PARSE_FOREIGN:
		answer_set(ans, DNS_MALFORMED,
			   "TCP answer does not match the query");
		break;
	case DNS_PARSE_TRUNCATED:
		answer_set(ans, DNS_MALFORMED, "TCP answer has TC set");
		break;
	}
out:
	free(buf);
	close(fd);
}

enum dns_status dns_query(const struct dns_server *srv, const char *name,
			  enum dns_type type, int timeout_ms,
			  struct dns_answer *ans)
{
	unsigned char q[DNS_QUERY_MAX];
	int64_t deadline = clock_monotonic_us() + (int64_t)timeout_ms * 1000;
	uint16_t id;
	size_t qlen;
	char qname[300], qdetail[DNS_DETAIL_MAX + 8];

	answer_reset(ans, type);
	snprintf(ans->name, sizeof(ans->name), "%s", name);
	if (type != DNS_TYPE_A && type != DNS_TYPE_AAAA && type != DNS_TYPE_TXT)
		return answer_set(ans, DNS_ERROR, "type %d not supported",
				  (int)type);
	if (rand_bytes(&id, sizeof(id)) != 0)
		return answer_set(ans, DNS_ERROR, "no random query id");
	qlen = dns_query_encode(name, type, id, q, sizeof(q));
	if (qlen == 0)
		return answer_set(ans, DNS_BADNAME, "not a host name");

	if (udp_exchange(srv, q, qlen, deadline, ans) == DNS_PARSE_TRUNCATED)
		tcp_exchange(srv, q, qlen, deadline, ans);
	log_event(LOG_DEBUG, "acme.dns.query",
		  "name=%s type=%s status=%s records=%zu detail=%s",
		  log_quote(name, qname, sizeof(qname)), type_name(type),
		  status_name(ans->status), ans->count,
		  log_quote(ans->detail, qdetail, sizeof(qdetail)));
	return ans->status;
}

int dns_status_retryable(enum dns_status st)
{
	return st == DNS_RETRY || st == DNS_ERROR;
}

int dns_record_sockaddr(const struct dns_record *rec, int port,
			struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (rec->len == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		memcpy(&sin->sin_addr, rec->data, 4);
		*len = sizeof(*sin);
		return 0;
	}
	if (rec->len == 16) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		memcpy(&sin6->sin6_addr, rec->data, 16);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* Resolver settings. */

static void server_warn(const char *what, const char *value)
{
	char quoted[SERVER_SPEC_MAX + 8];

	log_event(LOG_WARN, "acme.dns.resolver",
		  "what=\"%s\" value=%s fix=\"set the ACME resolver to IP, "
		  "IP:PORT or [IPv6]:PORT, or give /etc/resolv.conf a "
		  "nameserver line\"",
		  what, log_quote(value, quoted, sizeof(quoted)));
}

/*
 * A numeric host and port (NULL: 53); no name is looked up. IPv4 in
 * dotted-quad form only (not inet_aton's "1.2.3"), IPv6 maybe with a
 * "%scope".
 */
static int server_set(const char *host, const char *port,
		      struct dns_server *srv)
{
	struct addrinfo hints = {.ai_family = AF_INET6,
				 .ai_socktype = SOCK_DGRAM,
				 .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct sockaddr_in *sin = (struct sockaddr_in *)&srv->addr;
	struct addrinfo *res = NULL;
	char *end;
	long p = DNS_PORT;

	if (port != NULL) {
		errno = 0;
		p = strtol(port, &end, 10);
		if (!(*port >= '0' && *port <= '9') || *end != '\0' ||
		    errno != 0 || p < 1 || p > 65535)
			return -1;
	}
	memset(srv, 0, sizeof(*srv));
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		srv->addrlen = sizeof(*sin);
		return 0;
	}
	if (strchr(host, ':') == NULL ||
	    getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL ||
	    res->ai_addrlen > sizeof(srv->addr)) {
		if (res != NULL)
			freeaddrinfo(res);
		return -1;
	}
	memcpy(&srv->addr, res->ai_addr, res->ai_addrlen);
	srv->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	((struct sockaddr_in6 *)&srv->addr)->sin6_port = htons((uint16_t)p);
	return 0;
}

int dns_server_parse(const char *spec, struct dns_server *srv)
{
	char host[SERVER_SPEC_MAX];
	const char *port = NULL, *colon;
	size_t len;

	if (spec == NULL || *spec == '\0')
		return dns_server_from_file(RESOLV_CONF, srv);
	len = strlen(spec);
	if (len >= sizeof(host))
		goto bad;
	memcpy(host, spec, len + 1);
	if (host[0] == '[') {
		char *close = strchr(host, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			goto bad;
		if (close[1] == ':')
			port = spec + (close - host) + 2;
		*close = '\0';
		memmove(host, host + 1, strlen(host));
	} else if ((colon = strchr(spec, ':')) != NULL &&
		   strchr(colon + 1, ':') == NULL) {
		host[colon - spec] = '\0';
		port = colon + 1;
	}
	if (server_set(host, port, srv) == 0)
		return 0;
bad:
	server_warn("not an address", spec);
	return -1;
}

int dns_server_from_file(const char *path, struct dns_server *srv)
{
	char line[RESOLV_LINE_MAX];
	FILE *f = fopen(path, "re");
	int found = -1;

	if (f == NULL) {
		server_warn(strerror(errno), path);
		return -1;
	}
	while (found != 0 && fgets(line, sizeof(line), f) != NULL) {
		char *save = NULL, *key, *addr;

		key = strtok_r(line, " \t\r\n", &save);
		if (key == NULL || strcmp(key, "nameserver") != 0)
			continue;
		addr = strtok_r(NULL, " \t\r\n#;", &save);
		if (addr != NULL && strlen(addr) < SERVER_SPEC_MAX &&
		    server_set(addr, NULL, srv) == 0)
			found = 0;
	}
	fclose(f);
	if (found != 0)
		server_warn("no usable nameserver line", path);
	return found;
}
