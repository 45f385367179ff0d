/* Randomness, all from OpenSSL's CSPRNG. */
#ifndef PKIAAS_RAND_H
#define PKIAAS_RAND_H

#include <stddef.h>

/* Fills buf; returns 0, or -1 when the CSPRNG failed (logged). */
int rand_bytes(void *buf, size_t len);
/*
 * Writes a random id of len characters from a lowercase alphabet without
 * look-alikes, NUL-terminated, into out (size len + 1). Returns 0 or -1.
 */
int rand_id(char *out, size_t len);

/* Length of the ids of stored objects: 16 characters, 80 bits. */
#define RAND_ID_LEN 16

/*
 * Writes an id of RAND_ID_LEN characters from the same alphabet that
 * sorts by creation: 9 characters of the time in milliseconds, then 7
 * that count up from a random start, so a process never makes the same
 * one twice. Stored objects made at a high rate (certificates, requests,
 * audit entries, ACME orders) take these: each insert then lands beside
 * the last in the database's indexes instead of at a random place.
 * Returns 0 or -1.
 */
int rand_id_ordered(char *out);

#endif
