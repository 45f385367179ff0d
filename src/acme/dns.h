/*
 * A small DNS stub resolver (RFC 1035) for the ACME validators: asks one
 * recursive server for A, AAAA or TXT records over UDP, again over TCP
 * when the answer is truncated, and parses the answer strictly, since it
 * comes from outside. It never uses the system resolver.
 */
#ifndef PKIAAS_ACME_DNS_H
#define PKIAAS_ACME_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DNS_PORT	53
#define DNS_NAME_MAX	255   /* a name in wire form, RFC 1035 2.3.4 */
#define DNS_CNAME_MAX	8     /* CNAME links followed in one answer */
#define DNS_RECORDS_MAX 16    /* records of the asked type kept */
#define DNS_TXT_MAX	512   /* longest TXT value kept (strings joined) */
#define DNS_UDP_MAX	4096  /* longest UDP answer read; longer: ignored */
#define DNS_TCP_MAX	16384 /* longest TCP answer read; longer: refused */
#define DNS_QUERY_MAX	(12 + DNS_NAME_MAX + 4)
#define DNS_DETAIL_MAX	160

enum dns_type {
	DNS_TYPE_A = 1,
	DNS_TYPE_CNAME = 5,
	DNS_TYPE_TXT = 16,
	DNS_TYPE_AAAA = 28,
};

enum dns_status {
	DNS_OK,	       /* records of the type (count + skipped > 0) */
	DNS_NXDOMAIN,  /* the name does not exist (RCODE 3) */
	DNS_NODATA,    /* the name exists, without records of the type */
	DNS_RETRY,     /* no usable answer: timeout, unreachable, SERVFAIL,
			  REFUSED or another server error */
	DNS_MALFORMED, /* an answer that breaks RFC 1035 or our limits */
	DNS_BADNAME,   /* the name asked for is not a host name */
	DNS_ERROR,     /* a local failure (socket, resolver setting) */
};

/* A recursive server to ask. */
struct dns_server {
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

struct dns_record {
	size_t len;
	/* A: 4 bytes, AAAA: 16, TXT: its character-strings joined */
	unsigned char data[DNS_TXT_MAX];
};

/* What one query found. */
struct dns_answer {
	enum dns_status status;
	enum dns_type type;
	size_t count;	/* records in rec */
	size_t skipped; /* records of the type past DNS_RECORDS_MAX, or TXT
			   values longer than DNS_TXT_MAX: not kept */
	struct dns_record rec[DNS_RECORDS_MAX];
	char name[256]; /* owner of the records: the end of the CNAME
			   chain, dotted, for messages */
	char detail[DNS_DETAIL_MAX]; /* what went wrong, for messages */
};

/* How dns_message_parse judged a message. */
enum dns_parse {
	DNS_PARSE_DONE,	     /* an answer to the query: ans is filled */
	DNS_PARSE_FOREIGN,   /* not an answer to this query (id, question
				or QR differ): to be ignored */
	DNS_PARSE_TRUNCATED, /* TC is set: to be asked again over TCP */
};

/*
 * Parses "IP", "IP:PORT" or "[IPv6]:PORT" (port 53 by default) into srv;
 * NULL or "" reads the first nameserver of /etc/resolv.conf. No name is
 * looked up. Returns 0, or -1 (logged, saying what to fix).
 */
int dns_server_parse(const char *spec, struct dns_server *srv);
/* The first "nameserver" line of a resolv.conf(5) file. 0 or -1. */
int dns_server_from_file(const char *path, struct dns_server *srv);

/*
 * Asks srv for the records of type (A, AAAA or TXT) at name (dotted,
 * ASCII, with or without the final dot), waiting timeout_ms at most in
 * all, following the CNAME chain inside the answer. Fills ans (always)
 * and returns ans->status.
 */
enum dns_status dns_query(const struct dns_server *srv, const char *name,
			  enum dns_type type, int timeout_ms,
			  struct dns_answer *ans);

/* 1 when a query that ended in st may give another answer later. */
int dns_status_retryable(enum dns_status st);

/* The socket address of an A or AAAA record, with port. 0 or -1. */
int dns_record_sockaddr(const struct dns_record *rec, int port,
			struct sockaddr_storage *ss, socklen_t *len);

/*
 * The wire format, exposed for the tests and the fuzzer.
 * dns_query_encode writes the query for name and type with id and RD set
 * into buf; returns its length, or 0 when name is not a host name (labels
 * of 1 to 63 letters, digits, '-' or '_', 255 bytes at most).
 * dns_message_parse judges msg as an answer to query (as encoded above).
 */
size_t dns_query_encode(const char *name, enum dns_type type, uint16_t id,
			unsigned char *buf, size_t size);
enum dns_parse dns_message_parse(const unsigned char *query, size_t qlen,
				 const unsigned char *msg, size_t len,
				 struct dns_answer *ans);

#endif
