/*
 * The one clock. All wall-clock time in pkiaas comes from here, so that
 * tests can move it: PKIAAS_CLOCK_OFFSET (seconds, may be negative) is
 * added to the system time when the variable is set at start.
 */
#ifndef PKIAAS_CLOCK_H
#define PKIAAS_CLOCK_H

#include <stdint.h>

/* Seconds in a day, for validities given in days. */
#define CLOCK_DAY 86400
/* How far a stored time (a cached CRL's or OCSP response's thisUpdate)
 * may lie ahead of now, as another node's clock may run, before it
 * counts as made under a clock that has since been put back. */
#define CLOCK_SKEW_SECONDS 60

/* Reads PKIAAS_CLOCK_OFFSET; returns -1 when it is set but not a number. */
int clock_init(void);
/* Seconds since the epoch. */
int64_t clock_now(void);
/* An ASN.1 time (of a certificate, a CRL) as seconds since the epoch;
 * 0 when it does not convert. */
struct asn1_string_st;
int64_t clock_asn1_seconds(const struct asn1_string_st *t);
/* Microseconds on a monotonic clock, for durations only. */
int64_t clock_monotonic_us(void);

#endif
