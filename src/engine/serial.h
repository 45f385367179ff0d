/*
 * Certificate serial numbers: 16 bytes from the CSPRNG, positive and
 * without a leading zero byte, so every serial has the same length.
 */
#ifndef PKIAAS_SERIAL_H
#define PKIAAS_SERIAL_H

#include <openssl/asn1.h>

#define SERIAL_LEN 16

/* A new random serial; NULL with the cause logged. */
ASN1_INTEGER *serial_random(void);
/* A serial as lowercase hex, the form the store keeps; a new string. */
char *serial_text(const ASN1_INTEGER *serial);

#endif
