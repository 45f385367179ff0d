#include "engine/serial.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <string.h>

#include "lib/log.h"
#include "lib/rand.h"

ASN1_INTEGER *serial_random(void)
{
	unsigned char raw[SERIAL_LEN];
	ASN1_INTEGER *serial = NULL;
	BIGNUM *bn;

	if (rand_bytes(raw, sizeof(raw)) != 0)
		return NULL;
	/* Top bit clear: positive. Next bit set: no leading zero byte. */
	raw[0] = (unsigned char)((raw[0] & 0x7f) | 0x40);
	bn = BN_bin2bn(raw, sizeof(raw), NULL);
	if (bn != NULL)
		serial = BN_to_ASN1_INTEGER(bn, NULL);
	if (serial == NULL)
		log_openssl_errors("serial.random", "BN_to_ASN1_INTEGER");
	BN_free(bn);
	return serial;
}

char *serial_text(const ASN1_INTEGER *serial)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
	char *hex = bn != NULL ? BN_bn2hex(bn) : NULL, *out = NULL;

	for (char *p = hex; p != NULL && *p != '\0'; p++)
		*p = (char)(*p >= 'A' && *p <= 'F' ? *p + 32 : *p);
	if (hex != NULL)
		out = strdup(hex);
	OPENSSL_free(hex);
	BN_free(bn);
	return out;
}
