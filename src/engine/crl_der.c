/*
 * The DER of a CRL, written by hand rather than through OpenSSL's
 * X509_CRL, which holds every entry as objects: hundreds of MB for a
 * million. The layout in the buffer, once finished:
 *
 *   [slack] CertificateList header, TBSCertList header, version,
 *   signature, issuer, thisUpdate, nextUpdate, revokedCertificates
 *   header, entries..., [0] crlExtensions, signatureAlgorithm,
 *   signatureValue
 *
 * The headers are written last into the room kept before the entries,
 * which is why the slack: their lengths are known only then.
 */
#include "engine/crl_der.h"

#include <stdlib.h>
#include <string.h>

#include "lib/hex.h"
#include "lib/log.h"

#define TAG_INTEGER	     0x02
#define TAG_BIT_STRING	     0x03
#define TAG_UTC_TIME	     0x17
#define TAG_GENERALIZED_TIME 0x18
#define TAG_SEQUENCE	     0x30
#define TAG_EXPLICIT_0	     0xa0

/* The longest tag and length: four length octets cover CRL_DER_MAX. */
#define HEADER_MAX 6
/* A time as DER: tag, length and YYYYMMDDHHMMSSZ. */
#define TIME_MAX 17
/* The longest entry, whose content is under 128 octets: serial 23,
 * revocationDate 17, extensions 2 + 12 + 26. */
#define ENTRY_MAX 82
/* Octets of a serial's value, as RFC 5280 4.1.2.2 bounds them. */
#define SERIAL_MAX 20
/* What the buffer holds at first after the header. */
#define INITIAL_CAP (64u << 10)
#define DAY	    86400
/* The times a year of four digits can write: 0000 to 9999. */
#define TIME_MIN (-62167219200LL)
#define TIME_END 253402300800LL

/* An entry's reasonCode and invalidityDate extensions up to their
 * values: the ENUMERATED's octet, the GeneralizedTime (RFC 5280 5.3). */
static const uint8_t reason_prefix[] = {0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d,
					0x15, 0x04, 0x03, 0x0a, 0x01};
static const uint8_t invalidity_prefix[] = {0x30, 0x18, 0x06, 0x03, 0x55,
					    0x1d, 0x18, 0x04, 0x11};
/* version v2 (RFC 5280 5.1.2.1). */
static const uint8_t version_v2[] = {TAG_INTEGER, 0x01, 0x01};

/* Octets a tag with the length n takes. */
static size_t header_len(size_t n)
{
	size_t len = 2;

	if (n >= 0x80)
		for (; n > 0; n >>= 8)
			len++;
	return len;
}

/* Writes a tag with the length n at p; the octets written. */
static size_t header_put(uint8_t *p, uint8_t tag, size_t n)
{
	size_t len = header_len(n);

	p[0] = tag;
	if (len == 2) {
		p[1] = (uint8_t)n;
		return len;
	}
	p[1] = (uint8_t)(0x80 | (len - 2));
	for (size_t i = len - 1; i >= 2; i--, n >>= 8)
		p[i] = (uint8_t)n;
	return len;
}

/* Room for n more octets at the end of w. */
static int reserve(struct crl_der *w, size_t n)
{
	size_t cap = w->cap > 0 ? w->cap : INITIAL_CAP;
	uint8_t *grown;

	if (w->buf != NULL && n <= w->cap - w->len)
		return 0;
	if (n > CRL_DER_MAX - w->len) {
		log_event(LOG_ERROR, "crl.build",
			  "entries=%zu error=\"the CRL would pass %u MiB\" "
			  "hint=\"revoked certificates stay listed until they "
			  "expire; shorter certificate lifetimes keep the CRL "
			  "smaller\"",
			  w->count, CRL_DER_MAX >> 20);
		return -1;
	}
	while (cap < w->len + n)
		cap = cap <= CRL_DER_MAX / 2 ? 2 * cap : CRL_DER_MAX;
	if ((grown = realloc(w->buf, cap)) == NULL) {
		log_event(LOG_ERROR, "crl.build",
			  "entries=%zu bytes=%zu error=\"out of memory\"",
			  w->count, cap);
		return -1;
	}
	w->buf = grown;
	w->cap = cap;
	return 0;
}

/* Year, month and day of a day counted from 1970-01-01, proleptic
 * Gregorian: counted from 0000-03-01 in 400-year eras, so that the
 * leap day closes each year. */
static void civil_date(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097; /* day of the era */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153; /* month from March */

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = era * 400 + yoe + (*m <= 2);
}

static uint8_t *two_digits(uint8_t *p, int64_t v)
{
	p[0] = (uint8_t)('0' + v / 10);
	p[1] = (uint8_t)('0' + v % 10);
	return p + 2;
}

static int time_ok(int64_t t)
{
	return t >= TIME_MIN && t < TIME_END;
}

/*
 * Writes t (time_ok) at p as RFC 5280 4.1.2.5 says: UTCTime from 1950
 * through 2049, else GeneralizedTime, which generalized forces. The
 * octets written.
 */
static size_t time_put(uint8_t *p, int64_t t, int generalized)
{
	int64_t days = t / DAY, secs = t % DAY, y;
	uint8_t *q = p + 2;
	int m, d;

	if (secs < 0) {
		secs += DAY;
		days--;
	}
	civil_date(days, &y, &m, &d);
	generalized = generalized || y < 1950 || y >= 2050;
	if (generalized)
		q = two_digits(q, y / 100);
	q = two_digits(q, y % 100);
	q = two_digits(q, m);
	q = two_digits(q, d);
	q = two_digits(q, secs / 3600);
	q = two_digits(q, secs / 60 % 60);
	q = two_digits(q, secs % 60);
	*q++ = 'Z';
	p[0] = generalized ? TAG_GENERALIZED_TIME : TAG_UTC_TIME;
	p[1] = (uint8_t)(q - p - 2);
	return (size_t)(q - p);
}

/*
 * Writes the serial hex as a positive INTEGER at p; the octets written,
 * 0 when it is not hex of at most SERIAL_MAX octets.
 */
static size_t serial_put(uint8_t *p, const char *hex)
{
	uint8_t v[SERIAL_MAX];
	size_t n, octets, pad;

	while (hex[0] == '0' && hex[1] != '\0')
		hex++;
	n = strlen(hex);
	octets = (n + 1) / 2;
	if (n == 0 || octets > SERIAL_MAX)
		return 0;
	/* An odd count of digits: the first octet has one. */
	for (size_t i = 0, j = 0; i < octets; i++) {
		int hi = i == 0 && n % 2 == 1 ? 0 : hex_digit(hex[j++]);
		int lo = hex_digit(hex[j++]);

		if (hi < 0 || lo < 0)
			return 0;
		v[i] = (uint8_t)(hi << 4 | lo);
	}
	/* A leading zero octet keeps a high first bit from the sign. */
	pad = v[0] >> 7;
	p[0] = TAG_INTEGER;
	p[1] = (uint8_t)(octets + pad);
	p[2] = 0;
	memcpy(p + 2 + pad, v, octets);
	return 2 + pad + octets;
}

/* A copy of n octets at p; NULL when memory runs out. */
static uint8_t *bytes_dup(const uint8_t *p, size_t n)
{
	uint8_t *out = malloc(n > 0 ? n : 1);

	if (out != NULL && n > 0)
		memcpy(out, p, n);
	return out;
}

/* The front of the TBSCertList: version, signature, issuer, thisUpdate
 * and nextUpdate. */
static int front_make(struct crl_der *w, const struct crl_der_head *h)
{
	uint8_t *p;

	if (!time_ok(h->this_update) || !time_ok(h->next_update))
		return -1;
	w->front = malloc(sizeof(version_v2) + h->alg_len + h->issuer_len +
			  2 * TIME_MAX);
	if (w->front == NULL)
		return -1;
	p = w->front;
	memcpy(p, version_v2, sizeof(version_v2));
	p += sizeof(version_v2);
	memcpy(p, h->alg, h->alg_len);
	w->alg = p;
	w->alg_len = h->alg_len;
	p += h->alg_len;
	memcpy(p, h->issuer, h->issuer_len);
	p += h->issuer_len;
	p += time_put(p, h->this_update, 0);
	p += time_put(p, h->next_update, 0);
	w->front_len = (size_t)(p - w->front);
	return 0;
}

int crl_der_start(struct crl_der *w, const struct crl_der_head *head)
{
	memset(w, 0, sizeof(*w));
	if (front_make(w, head) != 0 ||
	    (w->exts = bytes_dup(head->exts, head->exts_len)) == NULL) {
		log_event(LOG_ERROR, "crl.build",
			  "error=\"out of memory, or a time past year 9999\"");
		return -1;
	}
	w->exts_len = head->exts_len;
	/* Room for three headers, the front's two and the entries'. */
	w->entries = w->len = 3 * HEADER_MAX + w->front_len;
	return reserve(w, INITIAL_CAP);
}

/* Writes the extensions of an entry at p; the octets written. */
static size_t entry_exts_put(uint8_t *p, int reason, int64_t invalidity_date)
{
	size_t len =
	    (reason >= 0 ? sizeof(reason_prefix) + 1 : 0) +
	    (invalidity_date != 0 ? sizeof(invalidity_prefix) + TIME_MAX : 0);
	uint8_t *q = p;

	if (len == 0)
		return 0;
	q += header_put(q, TAG_SEQUENCE, len);
	if (reason >= 0) {
		memcpy(q, reason_prefix, sizeof(reason_prefix));
		q += sizeof(reason_prefix);
		*q++ = (uint8_t)reason;
	}
	if (invalidity_date != 0) {
		memcpy(q, invalidity_prefix, sizeof(invalidity_prefix));
		q += sizeof(invalidity_prefix);
		q += time_put(q, invalidity_date, 1);
	}
	return (size_t)(q - p);
}

static int entry_refuse(const char *serial, const char *why)
{
	char quoted[2 * SERIAL_MAX + 16];

	log_event(LOG_ERROR, "crl.build", "serial=%s error=\"%s\"",
		  log_quote(serial, quoted, sizeof(quoted)), why);
	return -1;
}

int crl_der_entry_add(struct crl_der *w, const char *serial, int64_t revoked_at,
		      int reason, int64_t invalidity_date)
{
	uint8_t *p, *q;
	size_t n;

	if (!time_ok(revoked_at) ||
	    (invalidity_date != 0 && !time_ok(invalidity_date)))
		return entry_refuse(serial, "a time outside years 0 to 9999");
	if (reserve(w, ENTRY_MAX) != 0)
		return -1;
	p = w->buf + w->len;
	q = p + 2;
	if ((n = serial_put(q, serial)) == 0)
		return entry_refuse(serial, "not hex of at most 20 octets");
	q += n;
	q += time_put(q, revoked_at, 0);
	q += entry_exts_put(q, reason, invalidity_date);
	p[0] = TAG_SEQUENCE;
	p[1] = (uint8_t)(q - p - 2);
	w->len += (size_t)(q - p);
	w->count++;
	return 0;
}

int crl_der_close(struct crl_der *w)
{
	size_t n = w->len - w->entries, at = w->entries;

	if (w->exts_len > 0) {
		if (reserve(w, HEADER_MAX + w->exts_len) != 0)
			return -1;
		w->len +=
		    header_put(w->buf + w->len, TAG_EXPLICIT_0, w->exts_len);
		memcpy(w->buf + w->len, w->exts, w->exts_len);
		w->len += w->exts_len;
	}
	/* RFC 5280 5.1.2.6: with no entries, no list. */
	if (n > 0) {
		at -= header_len(n);
		header_put(w->buf + at, TAG_SEQUENCE, n);
	}
	at -= w->front_len;
	memcpy(w->buf + at, w->front, w->front_len);
	n = w->len - at;
	at -= header_len(n);
	header_put(w->buf + at, TAG_SEQUENCE, n);
	w->tbs = at;
	w->tbs_len = w->len - at;
	return 0;
}

int crl_der_finish(struct crl_der *w, const uint8_t *sig, size_t sig_len,
		   uint8_t **der, size_t *len)
{
	size_t n, at;

	if (reserve(w, w->alg_len + HEADER_MAX + 1 + sig_len) != 0)
		return -1;
	memcpy(w->buf + w->len, w->alg, w->alg_len);
	w->len += w->alg_len;
	w->len += header_put(w->buf + w->len, TAG_BIT_STRING, sig_len + 1);
	w->buf[w->len++] = 0; /* no unused bits */
	memcpy(w->buf + w->len, sig, sig_len);
	w->len += sig_len;
	n = w->len - w->tbs;
	at = w->tbs - header_len(n);
	header_put(w->buf + at, TAG_SEQUENCE, n);
	/* The caller frees the buffer, so the CRL must start it: what is
	 * left of the room is a few octets, none past 16 MiB. */
	if (at > 0)
		memmove(w->buf, w->buf + at, w->len - at);
	*der = w->buf;
	*len = w->len - at;
	w->buf = NULL;
	crl_der_free(w);
	return 0;
}

void crl_der_free(struct crl_der *w)
{
	if (w == NULL)
		return;
	free(w->buf);
	free(w->front);
	free(w->exts);
	memset(w, 0, sizeof(*w));
}
