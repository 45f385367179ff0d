/*
 * The DNS stub resolver against a tiny DNS server in a thread of this
 * test (UDP and TCP on one loopback port) that answers each case with
 * hand-made wire bytes: good answers, CNAME chains, truncation and the
 * TCP retry, and hostile answers (compression loops, cut records, RDATA
 * past the end, a wrong id or question) that must be refused without a
 * crash. Then the parser alone under random mutations, the query encoder
 * and the resolver settings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acme/dns.h"
#include "lib/clock.h"
#include "testutil.h"

#define MSG_MAX	     8192
#define QNAME	     "q.example.test"
#define QNAME_PTR    12	    /* the question's name, right after the header */
#define SHORT_MS     300    /* timeout of the cases that get no answer */
#define FLAGS	     0x8180 /* QR, RD, RA */
#define T_A	     1
#define T_NS	     2
#define T_CNAME	     5
#define T_SOA	     6
#define T_TXT	     16
#define QUERIES_KEPT 8

/* Building messages. */

struct msg {
	unsigned char b[MSG_MAX];
	size_t len;
};

static void put(struct msg *m, const void *p, size_t n)
{
	assert_true(m->len + n <= sizeof(m->b));
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static void put8(struct msg *m, unsigned v)
{
	unsigned char c = (unsigned char)v;

	put(m, &c, 1);
}

static void put16(struct msg *m, unsigned v)
{
	put8(m, v >> 8);
	put8(m, v & 0xff);
}

static void put32(struct msg *m, uint32_t v)
{
	put16(m, v >> 16);
	put16(m, v & 0xffff);
}

/* Writes a dotted name uncompressed; returns its offset. */
static size_t put_name(struct msg *m, const char *dotted)
{
	size_t at = m->len;
	const char *p = dotted;

	while (*p != '\0') {
		size_t n = strcspn(p, ".");

		put8(m, (unsigned)n);
		put(m, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	put8(m, 0);
	return at;
}

static void put_ptr(struct msg *m, size_t off)
{
	put16(m, 0xc000 | (unsigned)off);
}

/* The fixed part of a record after its owner. */
static void put_rr(struct msg *m, unsigned type, unsigned rdlen)
{
	put16(m, type);
	put16(m, 1);
	put32(m, 60);
	put16(m, rdlen);
}

/* Header answering q (its id) with the question copied. */
static void answer_start(struct msg *m, const unsigned char *q, size_t qlen,
			 unsigned flags, unsigned an, unsigned ns, unsigned ar)
{
	m->len = 0;
	put(m, q, 2);
	put16(m, flags);
	put16(m, 1);
	put16(m, an);
	put16(m, ns);
	put16(m, ar);
	put(m, q + 12, qlen - 12);
}

static void rr_a(struct msg *m, size_t owner_ptr, unsigned last)
{
	put_ptr(m, owner_ptr);
	put_rr(m, T_A, 4);
	put8(m, 192);
	put8(m, 0);
	put8(m, 2);
	put8(m, last);
}

static void rr_txt(struct msg *m, size_t owner_ptr, const char *txt)
{
	size_t n = strlen(txt);

	put_ptr(m, owner_ptr);
	put_rr(m, T_TXT, (unsigned)n + 1);
	put8(m, (unsigned)n);
	put(m, txt, n);
}

static void rr_soa(struct msg *m)
{
	size_t rd;

	put_name(m, "example.test");
	put_rr(m, T_SOA, 0);
	rd = m->len;
	put_name(m, "ns.example.test");
	put_name(m, "admin.example.test");
	for (int i = 0; i < 5; i++)
		put32(m, 60);
	m->b[rd - 2] = (unsigned char)((m->len - rd) >> 8);
	m->b[rd - 1] = (unsigned char)(m->len - rd);
}

/* The stub server. */

struct reply {
	struct msg m[2];
	int n;
};

typedef void (*responder)(const unsigned char *q, size_t qlen, int tcp,
			  struct reply *r);

static struct {
	int udp, tcp, port, stop[2];
	pthread_t thread;
	pthread_mutex_t lock;
	responder respond;
	int udp_queries, tcp_queries;
	uint16_t ids[QUERIES_KEPT];
	uint16_t ports[QUERIES_KEPT];
} stub = {.udp = -1, .tcp = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

static responder stub_responder(void)
{
	responder r;

	pthread_mutex_lock(&stub.lock);
	r = stub.respond;
	pthread_mutex_unlock(&stub.lock);
	return r;
}

static void stub_udp(void)
{
	unsigned char q[512];
	struct sockaddr_in from;
	socklen_t flen = sizeof(from);
	struct reply r = {.n = 0};
	ssize_t n;

	n = recvfrom(stub.udp, q, sizeof(q), 0, (struct sockaddr *)&from,
		     &flen);
	if (n < 12)
		return;
	pthread_mutex_lock(&stub.lock);
	if (stub.udp_queries < QUERIES_KEPT) {
		stub.ids[stub.udp_queries] = (uint16_t)(q[0] << 8 | q[1]);
		stub.ports[stub.udp_queries] = ntohs(from.sin_port);
	}
	stub.udp_queries++;
	pthread_mutex_unlock(&stub.lock);
	stub_responder()(q, (size_t)n, 0, &r);
	for (int i = 0; i < r.n; i++)
		sendto(stub.udp, r.m[i].b, r.m[i].len, 0,
		       (struct sockaddr *)&from, flen);
}

static int read_full(int fd, unsigned char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(fd, buf + done, len - done, 0);

		if (n <= 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

static void stub_tcp(void)
{
	unsigned char hdr[2], q[512];
	struct timeval tv = {2, 0};
	struct reply r = {.n = 0};
	size_t qlen;
	int c = accept(stub.tcp, NULL, NULL);

	if (c < 0)
		return;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (read_full(c, hdr, 2) != 0)
		goto out;
	qlen = (size_t)(hdr[0] << 8 | hdr[1]);
	if (qlen < 12 || qlen > sizeof(q) || read_full(c, q, qlen) != 0)
		goto out;
	pthread_mutex_lock(&stub.lock);
	stub.tcp_queries++;
	pthread_mutex_unlock(&stub.lock);
	stub_responder()(q, qlen, 1, &r);
	if (r.n > 0) {
		hdr[0] = (unsigned char)(r.m[0].len >> 8);
		hdr[1] = (unsigned char)r.m[0].len;
		send(c, hdr, 2, MSG_NOSIGNAL);
		send(c, r.m[0].b, r.m[0].len, MSG_NOSIGNAL);
	}
out:
	close(c);
}

static void *stub_main(void *arg)
{
	(void)arg;
	for (;;) {
		struct pollfd p[3] = {{.fd = stub.stop[0], .events = POLLIN},
				      {.fd = stub.udp, .events = POLLIN},
				      {.fd = stub.tcp, .events = POLLIN}};

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN)
			stub_udp();
		if (p[2].revents & POLLIN)
			stub_tcp();
	}
	return NULL;
}

static int bound4(int type, int port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int port_of(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		return -1;
	return ntohs(sin.sin_port);
}

static int stub_start(void **state)
{
	(void)state;
	for (int i = 0; i < 50 && stub.tcp < 0; i++) {
		stub.udp = bound4(SOCK_DGRAM, 0);
		stub.port = port_of(stub.udp);
		stub.tcp = bound4(SOCK_STREAM, stub.port);
		if (stub.tcp < 0)
			close(stub.udp);
	}
	if (stub.tcp < 0 || listen(stub.tcp, 8) != 0 || pipe(stub.stop) != 0)
		return -1;
	return pthread_create(&stub.thread, NULL, stub_main, NULL) == 0 ? 0
									: -1;
}

static int stub_stop(void **state)
{
	(void)state;
	if (write(stub.stop[1], "x", 1) == 1)
		pthread_join(stub.thread, NULL);
	close(stub.udp);
	close(stub.tcp);
	return 0;
}

/* Asks the stub, answering with fn, for type at QNAME. */
static enum dns_status ask(responder fn, enum dns_type type, int timeout_ms,
			   struct dns_answer *ans)
{
	struct dns_server srv;
	char spec[32];

	pthread_mutex_lock(&stub.lock);
	stub.respond = fn;
	pthread_mutex_unlock(&stub.lock);
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", stub.port);
	assert_int_equal(dns_server_parse(spec, &srv), 0);
	return dns_query(&srv, QNAME, type, timeout_ms, ans);
}

/* The status, and a detail whenever it is not OK. */
static void expect_status(enum dns_status got, const struct dns_answer *ans,
			  enum dns_status want)
{
	if (got != want || ans->status != got)
		fail_msg("status %d, want %d (%s)", got, want, ans->detail);
	if (want != DNS_OK) {
		assert_true(strlen(ans->detail) > 0);
		print_message("    %s\n", ans->detail);
	}
}

/* Answers. */

static void resp_a(const unsigned char *q, size_t qlen, int tcp,
		   struct reply *r)
{
	(void)tcp;
	answer_start(&r->m[0], q, qlen, FLAGS, 2, 0, 0);
	rr_a(&r->m[0], QNAME_PTR, 1);
	rr_a(&r->m[0], QNAME_PTR, 2);
	r->n = 1;
}

/* The question echoed in another case (as 0x20 resolvers do). */
static void resp_a_upper(const unsigned char *q, size_t qlen, int tcp,
			 struct reply *r)
{
	resp_a(q, qlen, tcp, r);
	for (size_t i = 12; i < qlen - 4; i++)
		if (r->m[0].b[i] >= 'a' && r->m[0].b[i] <= 'z')
			r->m[0].b[i] -= 32;
}

/*
 * QNAME -> a.example.test -> b.example.test, A at the end, in scrambled
 * order, the last link compressed inside RDATA, plus records of another
 * owner and another class to ignore.
 */
static void resp_chain(const unsigned char *q, size_t qlen, int tcp,
		       struct reply *r)
{
	struct msg *m = &r->m[0];
	size_t b;

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 5, 0, 0);
	b = put_name(m, "b.example.test");
	put_rr(m, T_A, 4);
	put32(m, 0xc0000207);
	put_name(m, "a.example.test");
	put_rr(m, T_CNAME, 2);
	put_ptr(m, b);
	put_name(m, "x.example.test");
	put_rr(m, T_A, 4);
	put32(m, 0xc0000209);
	put_ptr(m, QNAME_PTR);
	put_rr(m, T_CNAME, 16);
	put_name(m, "a.example.test");
	put_ptr(m, b);
	put16(m, T_A);
	put16(m, 3); /* class CH */
	put32(m, 60);
	put16(m, 4);
	put32(m, 0xc0000208);
	r->n = 1;
}

static void resp_cname_loop(const unsigned char *q, size_t qlen, int tcp,
			    struct reply *r)
{
	struct msg *m = &r->m[0];
	size_t a;

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 2, 0, 0);
	put_ptr(m, QNAME_PTR);
	put_rr(m, T_CNAME, 16);
	a = put_name(m, "a.example.test");
	put_ptr(m, a);
	put_rr(m, T_CNAME, 2);
	put_ptr(m, QNAME_PTR);
	r->n = 1;
}

static void resp_two_cnames(const unsigned char *q, size_t qlen, int tcp,
			    struct reply *r)
{
	struct msg *m = &r->m[0];

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 2, 0, 0);
	put_ptr(m, QNAME_PTR);
	put_rr(m, T_CNAME, 16);
	put_name(m, "a.example.test");
	put_ptr(m, QNAME_PTR);
	put_rr(m, T_CNAME, 16);
	put_name(m, "b.example.test");
	r->n = 1;
}

/* A pointer to itself. */
static void resp_ptr_self(const unsigned char *q, size_t qlen, int tcp,
			  struct reply *r)
{
	struct msg *m = &r->m[0];

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 1, 0, 0);
	put_ptr(m, m->len);
	put_rr(m, T_A, 4);
	put32(m, 0xc0000201);
	r->n = 1;
}

/* A label, then a pointer back to that label: a loop through labels. */
static void resp_ptr_label_loop(const unsigned char *q, size_t qlen, int tcp,
				struct reply *r)
{
	struct msg *m = &r->m[0];
	size_t at;

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 1, 0, 0);
	at = m->len;
	put8(m, 1);
	put8(m, 'a');
	put_ptr(m, at);
	put_rr(m, T_A, 4);
	put32(m, 0xc0000201);
	r->n = 1;
}

/* Two pointers that point at each other (one goes forward). */
static void resp_ptr_pair(const unsigned char *q, size_t qlen, int tcp,
			  struct reply *r)
{
	struct msg *m = &r->m[0];
	size_t at;

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 1, 0, 0);
	at = m->len;
	put_ptr(m, at + 2);
	put_ptr(m, at);
	put_rr(m, T_A, 4);
	put32(m, 0xc0000201);
	r->n = 1;
}

/* A pointer into the header. */
static void resp_ptr_header(const unsigned char *q, size_t qlen, int tcp,
			    struct reply *r)
{
	struct msg *m = &r->m[0];

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 1, 0, 0);
	put_ptr(m, 2);
	put_rr(m, T_A, 4);
	put32(m, 0xc0000201);
	r->n = 1;
}

/*
 * A name longer than 255 bytes made of 63-byte labels, each ending in a
 * pointer to the one before (all pointing back), hidden in the RDATA of
 * a record of a type nobody reads.
 */
static void resp_name_long(const unsigned char *q, size_t qlen, int tcp,
			   struct reply *r)
{
	struct msg *m = &r->m[0];
	char label[63];
	size_t prev = QNAME_PTR;

	(void)tcp;
	memset(label, 'x', sizeof(label));
	answer_start(m, q, qlen, FLAGS, 2, 0, 0);
	put_ptr(m, QNAME_PTR);
	put_rr(m, 10, 5 * (1 + 63 + 2));
	for (int i = 0; i < 5; i++) {
		size_t at = m->len;

		put8(m, 63);
		put(m, label, 63);
		put_ptr(m, prev);
		prev = at;
	}
	put_ptr(m, prev);
	put_rr(m, T_A, 4);
	put32(m, 0xc0000201);
	r->n = 1;
}

static void resp_label_reserved(const unsigned char *q, size_t qlen, int tcp,
				struct reply *r)
{
	struct msg *m = &r->m[0];

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 1, 0, 0);
	put8(m, 0x41);
	put8(m, 'a');
	put8(m, 0);
	put_rr(m, T_A, 4);
	put32(m, 0xc0000201);
	r->n = 1;
}

static void resp_record_cut(const unsigned char *q, size_t qlen, int tcp,
			    struct reply *r)
{
	struct msg *m = &r->m[0];

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 1, 0, 0);
	put_ptr(m, QNAME_PTR);
	put16(m, T_A);
	put16(m, 1);
	r->n = 1;
}

static void resp_rdlen_past_end(const unsigned char *q, size_t qlen, int tcp,
				struct reply *r)
{
	struct msg *m = &r->m[0];

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 1, 0, 0);
	put_ptr(m, QNAME_PTR);
	put_rr(m, T_A, 200);
	put32(m, 0xc0000201);
	r->n = 1;
}

static void resp_a_rdlen5(const unsigned char *q, size_t qlen, int tcp,
			  struct reply *r)
{
	struct msg *m = &r->m[0];

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 1, 0, 0);
	put_ptr(m, QNAME_PTR);
	put_rr(m, T_A, 5);
	put32(m, 0xc0000201);
	put8(m, 0);
	r->n = 1;
}

static void resp_txt_overrun(const unsigned char *q, size_t qlen, int tcp,
			     struct reply *r)
{
	struct msg *m = &r->m[0];

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 2, 0, 0);
	put_ptr(m, QNAME_PTR);
	put_rr(m, T_TXT, 5);
	put8(m, 10);
	put(m, "abcd", 4);
	rr_txt(m, QNAME_PTR, "tail-record-to-read-into");
	r->n = 1;
}

static void resp_trailing(const unsigned char *q, size_t qlen, int tcp,
			  struct reply *r)
{
	resp_a(q, qlen, tcp, r);
	put(&r->m[0], "\x01\x02\x03", 3);
}

static void resp_header_cut(const unsigned char *q, size_t qlen, int tcp,
			    struct reply *r)
{
	(void)tcp;
	answer_start(&r->m[0], q, qlen, FLAGS, 0, 0, 0);
	r->m[0].len = 7;
	r->n = 1;
}

static void resp_no_question(const unsigned char *q, size_t qlen, int tcp,
			     struct reply *r)
{
	(void)tcp;
	answer_start(&r->m[0], q, qlen, FLAGS, 0, 0, 0);
	r->m[0].b[5] = 0;
	r->m[0].len = 12;
	r->n = 1;
}

static void resp_refused_no_question(const unsigned char *q, size_t qlen,
				     int tcp, struct reply *r)
{
	resp_no_question(q, qlen, tcp, r);
	r->m[0].b[3] |= 5;
}

static void resp_opcode(const unsigned char *q, size_t qlen, int tcp,
			struct reply *r)
{
	resp_a(q, qlen, tcp, r);
	r->m[0].b[2] |= 0x10; /* opcode 2 */
}

static void resp_wrong_id(const unsigned char *q, size_t qlen, int tcp,
			  struct reply *r)
{
	resp_a(q, qlen, tcp, r);
	r->m[0].b[1] ^= 1;
}

/* A spoofed answer first, the real one after. */
static void resp_wrong_id_then_right(const unsigned char *q, size_t qlen,
				     int tcp, struct reply *r)
{
	resp_a(q, qlen, tcp, r);
	r->m[1] = r->m[0];
	r->m[0].b[1] ^= 1;
	r->m[0].b[r->m[0].len - 1] = 66;
	r->n = 2;
}

static void resp_wrong_question(const unsigned char *q, size_t qlen, int tcp,
				struct reply *r)
{
	resp_a(q, qlen, tcp, r);
	r->m[0].b[13] = 'z'; /* "q" -> "z" */
}

static void resp_wrong_qtype(const unsigned char *q, size_t qlen, int tcp,
			     struct reply *r)
{
	resp_a(q, qlen, tcp, r);
	r->m[0].b[qlen - 3] = T_NS;
}

static void resp_not_response(const unsigned char *q, size_t qlen, int tcp,
			      struct reply *r)
{
	resp_a(q, qlen, tcp, r);
	r->m[0].b[2] &= 0x7f;
}

static void resp_nxdomain(const unsigned char *q, size_t qlen, int tcp,
			  struct reply *r)
{
	(void)tcp;
	answer_start(&r->m[0], q, qlen, FLAGS | 3, 0, 1, 0);
	rr_soa(&r->m[0]);
	r->n = 1;
}

static void resp_nodata(const unsigned char *q, size_t qlen, int tcp,
			struct reply *r)
{
	(void)tcp;
	answer_start(&r->m[0], q, qlen, FLAGS, 0, 1, 0);
	rr_soa(&r->m[0]);
	r->n = 1;
}

static void resp_servfail(const unsigned char *q, size_t qlen, int tcp,
			  struct reply *r)
{
	(void)tcp;
	answer_start(&r->m[0], q, qlen, FLAGS | 2, 0, 0, 0);
	r->n = 1;
}

static void resp_refused(const unsigned char *q, size_t qlen, int tcp,
			 struct reply *r)
{
	(void)tcp;
	answer_start(&r->m[0], q, qlen, FLAGS | 5, 0, 0, 0);
	r->n = 1;
}

/* Over UDP: TC set; over TCP: 20 TXT records, one too long to keep. */
static void resp_truncated(const unsigned char *q, size_t qlen, int tcp,
			   struct reply *r)
{
	struct msg *m = &r->m[0];
	char v[32], big[201];

	r->n = 1;
	if (!tcp) {
		answer_start(m, q, qlen, FLAGS | 0x0200, 0, 0, 0);
		return;
	}
	memset(big, 'b', 200);
	big[200] = '\0';
	answer_start(m, q, qlen, FLAGS, 21, 0, 0);
	put_ptr(m, QNAME_PTR);
	put_rr(m, T_TXT, 3 * 201);
	for (int i = 0; i < 3; i++) {
		put8(m, 200);
		put(m, big, 200);
	}
	for (int i = 0; i < 20; i++) {
		snprintf(v, sizeof(v), "value-%02d", i);
		rr_txt(m, QNAME_PTR, v);
	}
}

static void resp_truncated_tcp_foreign(const unsigned char *q, size_t qlen,
				       int tcp, struct reply *r)
{
	resp_truncated(q, qlen, tcp, r);
	if (tcp)
		r->m[0].b[0] ^= 0xff;
}

static void resp_truncated_twice(const unsigned char *q, size_t qlen, int tcp,
				 struct reply *r)
{
	(void)tcp;
	answer_start(&r->m[0], q, qlen, FLAGS | 0x0200, 0, 0, 0);
	r->n = 1;
}

static void resp_txt_strings(const unsigned char *q, size_t qlen, int tcp,
			     struct reply *r)
{
	struct msg *m = &r->m[0];

	(void)tcp;
	answer_start(m, q, qlen, FLAGS, 1, 0, 0);
	put_ptr(m, QNAME_PTR);
	put_rr(m, T_TXT, 4 + 4 + 1);
	put(m,
	    "\x03"
	    "abc"
	    "\x03"
	    "def"
	    "\x00",
	    9);
	r->n = 1;
}

static void resp_silent(const unsigned char *q, size_t qlen, int tcp,
			struct reply *r)
{
	(void)q;
	(void)qlen;
	(void)tcp;
	r->n = 0;
}

/* The cases. */

static void test_answer_a(void **state)
{
	struct dns_answer ans;

	(void)state;
	expect_status(ask(resp_a, DNS_TYPE_A, 2000, &ans), &ans, DNS_OK);
	assert_int_equal(ans.count, 2);
	assert_int_equal(ans.rec[0].len, 4);
	assert_memory_equal(ans.rec[0].data, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(ans.rec[1].data, "\xc0\x00\x02\x02", 4);
	assert_string_equal(ans.name, QNAME);
	expect_status(ask(resp_a_upper, DNS_TYPE_A, 2000, &ans), &ans, DNS_OK);
}

static void test_answer_cname_chain(void **state)
{
	struct dns_answer ans;

	(void)state;
	expect_status(ask(resp_chain, DNS_TYPE_A, 2000, &ans), &ans, DNS_OK);
	assert_int_equal(ans.count, 1);
	assert_memory_equal(ans.rec[0].data, "\xc0\x00\x02\x07", 4);
	assert_string_equal(ans.name, "b.example.test");
	expect_status(ask(resp_cname_loop, DNS_TYPE_A, 2000, &ans), &ans,
		      DNS_MALFORMED);
	expect_status(ask(resp_two_cnames, DNS_TYPE_A, 2000, &ans), &ans,
		      DNS_MALFORMED);
}

static void test_answer_txt(void **state)
{
	struct dns_answer ans;

	(void)state;
	expect_status(ask(resp_txt_strings, DNS_TYPE_TXT, 2000, &ans), &ans,
		      DNS_OK);
	assert_int_equal(ans.count, 1);
	assert_int_equal(ans.rec[0].len, 6);
	assert_memory_equal(ans.rec[0].data, "abcdef", 6);
}

static void test_answer_negative(void **state)
{
	struct dns_answer ans;

	(void)state;
	expect_status(ask(resp_nxdomain, DNS_TYPE_A, 2000, &ans), &ans,
		      DNS_NXDOMAIN);
	expect_status(ask(resp_nodata, DNS_TYPE_A, 2000, &ans), &ans,
		      DNS_NODATA);
	/* Records the question did not ask for are no answer. */
	expect_status(ask(resp_a, DNS_TYPE_TXT, 2000, &ans), &ans, DNS_NODATA);
	expect_status(ask(resp_servfail, DNS_TYPE_A, 2000, &ans), &ans,
		      DNS_RETRY);
	expect_status(ask(resp_refused, DNS_TYPE_A, 2000, &ans), &ans,
		      DNS_RETRY);
	expect_status(ask(resp_refused_no_question, DNS_TYPE_A, 2000, &ans),
		      &ans, DNS_RETRY);
}

static void test_truncated_then_tcp(void **state)
{
	struct dns_answer ans;
	int before;

	(void)state;
	pthread_mutex_lock(&stub.lock);
	before = stub.tcp_queries;
	pthread_mutex_unlock(&stub.lock);
	expect_status(ask(resp_truncated, DNS_TYPE_TXT, 2000, &ans), &ans,
		      DNS_OK);
	pthread_mutex_lock(&stub.lock);
	assert_int_equal(stub.tcp_queries, before + 1);
	pthread_mutex_unlock(&stub.lock);
	assert_int_equal(ans.count, DNS_RECORDS_MAX);
	assert_int_equal(ans.skipped, 5); /* the 600-byte one, 4 past 16 */
	assert_memory_equal(ans.rec[0].data, "value-00", 8);
	expect_status(ask(resp_truncated_tcp_foreign, DNS_TYPE_TXT, 2000, &ans),
		      &ans, DNS_MALFORMED);
	expect_status(ask(resp_truncated_twice, DNS_TYPE_TXT, 2000, &ans), &ans,
		      DNS_MALFORMED);
}

static void test_hostile_compression(void **state)
{
	static const responder cases[] = {
	    resp_ptr_self,   resp_ptr_label_loop, resp_ptr_pair,
	    resp_ptr_header, resp_name_long,	  resp_label_reserved,
	};
	struct dns_answer ans;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		expect_status(ask(cases[i], DNS_TYPE_A, 2000, &ans), &ans,
			      DNS_MALFORMED);
}

static void test_hostile_records(void **state)
{
	static const responder cases[] = {
	    resp_record_cut, resp_rdlen_past_end, resp_a_rdlen5, resp_trailing,
	    resp_header_cut, resp_no_question,	  resp_opcode,
	};
	struct dns_answer ans;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		expect_status(ask(cases[i], DNS_TYPE_A, 2000, &ans), &ans,
			      DNS_MALFORMED);
	expect_status(ask(resp_txt_overrun, DNS_TYPE_TXT, 2000, &ans), &ans,
		      DNS_MALFORMED);
}

/* Answers to another query are ignored: no answer comes in time. */
static void test_foreign_answers_ignored(void **state)
{
	static const responder cases[] = {
	    resp_wrong_id,     resp_wrong_question, resp_wrong_qtype,
	    resp_not_response, resp_silent,
	};
	struct dns_answer ans;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		expect_status(ask(cases[i], DNS_TYPE_A, SHORT_MS, &ans), &ans,
			      DNS_RETRY);
	expect_status(ask(resp_wrong_id_then_right, DNS_TYPE_A, 2000, &ans),
		      &ans, DNS_OK);
	assert_memory_equal(ans.rec[1].data, "\xc0\x00\x02\x02", 4);
}

static void test_random_id_and_port(void **state)
{
	struct dns_answer ans;
	int first, same_id = 1, same_port = 1;

	(void)state;
	pthread_mutex_lock(&stub.lock);
	stub.udp_queries = 0;
	pthread_mutex_unlock(&stub.lock);
	for (int i = 0; i < 4; i++)
		expect_status(ask(resp_a, DNS_TYPE_A, 2000, &ans), &ans,
			      DNS_OK);
	pthread_mutex_lock(&stub.lock);
	first = stub.udp_queries;
	for (int i = 1; i < 4; i++) {
		same_id &= stub.ids[i] == stub.ids[0];
		same_port &= stub.ports[i] == stub.ports[0];
	}
	pthread_mutex_unlock(&stub.lock);
	assert_int_equal(first, 4);
	assert_false(same_id);
	assert_false(same_port);
}

static void test_nothing_listening(void **state)
{
	struct dns_answer ans;
	struct dns_server srv;
	char spec[32];
	int u = bound4(SOCK_DGRAM, 0);
	int64_t t0 = clock_monotonic_us();

	(void)state;
	snprintf(spec, sizeof(spec), "127.0.0.1:%d", port_of(u));
	close(u);
	assert_int_equal(dns_server_parse(spec, &srv), 0);
	expect_status(dns_query(&srv, QNAME, DNS_TYPE_A, 5000, &ans), &ans,
		      DNS_RETRY);
	/* The ICMP port unreachable ends it at once. */
	assert_true(clock_monotonic_us() - t0 < 2000000);
}

/* The parser alone: every cut and thousands of mutations of a good
 * answer, refused or parsed, never a crash. */
static void test_parse_mutations(void **state)
{
	unsigned char q[DNS_QUERY_MAX];
	size_t qlen = dns_query_encode(QNAME, DNS_TYPE_A, 0x1234, q, sizeof(q));
	struct reply good = {.n = 0};
	struct dns_answer ans;
	struct msg m;
	uint32_t seed = 12345;

	(void)state;
	assert_true(qlen > 0);
	resp_chain(q, qlen, 0, &good);
	assert_int_equal(
	    dns_message_parse(q, qlen, good.m[0].b, good.m[0].len, &ans),
	    DNS_PARSE_DONE);
	assert_int_equal(ans.status, DNS_OK);
	for (size_t cut = 0; cut < good.m[0].len; cut++)
		if (dns_message_parse(q, qlen, good.m[0].b, cut, &ans) ==
		    DNS_PARSE_DONE)
			assert_int_not_equal(ans.status, DNS_OK);
	for (int i = 0; i < 50000; i++) {
		int flips;

		memcpy(m.b, good.m[0].b, good.m[0].len);
		m.len = good.m[0].len;
		seed = seed * 1103515245 + 12345;
		flips = 1 + (int)(seed >> 28) % 4;
		for (int f = 0; f < flips; f++) {
			seed = seed * 1103515245 + 12345;
			m.b[2 + (seed >> 8) % (m.len - 2)] ^=
			    (unsigned char)(1u << ((seed >> 4) & 7));
		}
		(void)dns_message_parse(q, qlen, m.b, m.len, &ans);
		assert_true(ans.count <= DNS_RECORDS_MAX);
	}
}

static void test_query_encode(void **state)
{
	static const char *const bad[] = {
	    "",
	    ".",
	    "a..b",
	    "a b.test",
	    "a/b.test",
	    "caf\xc3\xa9.test",
	    "*.example.test",
	    "example.test..",
	};
	unsigned char q[DNS_QUERY_MAX];
	char name[300];
	size_t n;

	(void)state;
	n = dns_query_encode("Ab.example.test.", DNS_TYPE_TXT, 0xbeef, q,
			     sizeof(q));
	assert_int_equal(n, 12 + 17 + 4);
	assert_memory_equal(
	    q, "\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	assert_memory_equal(q + 12,
			    "\x02"
			    "Ab"
			    "\x07"
			    "example"
			    "\x04"
			    "test"
			    "\x00"
			    "\x00\x10\x00\x01",
			    21);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (dns_query_encode(bad[i], DNS_TYPE_A, 1, q, sizeof(q)) != 0)
			fail_msg("\"%s\" was encoded", bad[i]);

	/* Labels up to 63 bytes, names up to 253 characters. */
	memset(name, 'a', 64);
	name[64] = '\0';
	assert_int_equal(dns_query_encode(name, DNS_TYPE_A, 1, q, sizeof(q)),
			 0);
	name[63] = '\0';
	assert_int_not_equal(
	    dns_query_encode(name, DNS_TYPE_A, 1, q, sizeof(q)), 0);
	for (int i = 0; i < 4; i++) {
		memset(name + i * 64, 'a', 63);
		name[i * 64 + 63] = '.';
	}
	name[253] = '\0';
	assert_int_not_equal(
	    dns_query_encode(name, DNS_TYPE_A, 1, q, sizeof(q)), 0);
	name[253] = 'a';
	name[254] = '\0';
	assert_int_equal(dns_query_encode(name, DNS_TYPE_A, 1, q, sizeof(q)),
			 0);
	assert_int_equal(dns_query_encode("a.test", DNS_TYPE_A, 1, q, 10), 0);
}

static void test_server_parse(void **state)
{
	static const char *const bad[] = {
	    "localhost",       "1.2.3.4:0",
	    "1.2.3.4:65536",   "1.2.3.4:x",
	    "1.2.3.4:",	       "[::1",
	    "[::1]x",	       "[::1]:",
	    "1.2.3",	       "::1:53:x:y:z:w:v:u",
	    "example.test:53",
	};
	struct dns_server srv;
	const struct sockaddr_in *sin = (const void *)&srv.addr;
	const struct sockaddr_in6 *sin6 = (const void *)&srv.addr;

	(void)state;
	assert_int_equal(dns_server_parse("192.0.2.1", &srv), 0);
	assert_int_equal(srv.addr.ss_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), 53);
	assert_int_equal(dns_server_parse("192.0.2.1:5353", &srv), 0);
	assert_int_equal(ntohs(sin->sin_port), 5353);
	assert_int_equal(dns_server_parse("::1", &srv), 0);
	assert_int_equal(srv.addr.ss_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), 53);
	assert_int_equal(dns_server_parse("[2001:db8::1]:8053", &srv), 0);
	assert_int_equal(ntohs(sin6->sin6_port), 8053);
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		if (dns_server_parse(bad[i], &srv) == 0)
			fail_msg("\"%s\" was accepted", bad[i]);
}

static void test_resolv_conf(void **state)
{
	char path[512];
	struct dns_server srv;
	const struct sockaddr_in *sin = (const void *)&srv.addr;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/resolv.conf", testutil_tmpdir());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# a comment\nsearch example.test\n"
	      "nameserver not-an-address\n"
	      "nameserver\t192.0.2.53  # the first usable one\n"
	      "nameserver 192.0.2.54\n",
	      f);
	fclose(f);
	assert_int_equal(dns_server_from_file(path, &srv), 0);
	assert_int_equal(srv.addr.ss_family, AF_INET);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), 0xc0000235);
	assert_int_equal(ntohs(sin->sin_port), 53);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("options ndots:2\n", f);
	fclose(f);
	assert_int_equal(dns_server_from_file(path, &srv), -1);
	snprintf(path, sizeof(path), "%s/missing", testutil_tmpdir());
	assert_int_equal(dns_server_from_file(path, &srv), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_answer_a),
	    cmocka_unit_test(test_answer_cname_chain),
	    cmocka_unit_test(test_answer_txt),
	    cmocka_unit_test(test_answer_negative),
	    cmocka_unit_test(test_truncated_then_tcp),
	    cmocka_unit_test(test_hostile_compression),
	    cmocka_unit_test(test_hostile_records),
	    cmocka_unit_test(test_foreign_answers_ignored),
	    cmocka_unit_test(test_random_id_and_port),
	    cmocka_unit_test(test_nothing_listening),
	    cmocka_unit_test(test_parse_mutations),
	    cmocka_unit_test(test_query_encode),
	    cmocka_unit_test(test_server_parse),
	    cmocka_unit_test(test_resolv_conf),
	};

	return cmocka_run_group_tests(tests, stub_start, stub_stop);
}
