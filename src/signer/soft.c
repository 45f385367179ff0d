#include "signer/soft.h"

#include <openssl/crypto.h>
#include <openssl/pem.h>

#include "lib/log.h"

int soft_key_seal(const struct kek *kek, const char *aad, EVP_PKEY *key,
		  uint8_t **sealed, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *pem = NULL;
	long pem_len;
	int rc = -1;

	if (bio == NULL ||
	    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) !=
		1 ||
	    (pem_len = BIO_get_mem_data(bio, &pem)) <= 0) {
		log_openssl_errors("signer.seal", "PEM_write_bio_PrivateKey");
		goto out;
	}
	rc = kek_seal(kek, aad, (const uint8_t *)pem, (size_t)pem_len, sealed,
		      len);
out:
	BIO_free(bio);
	return rc;
}

EVP_PKEY *soft_key_open(const struct kek *kek, const char *aad,
			const uint8_t *sealed, size_t len)
{
	uint8_t *pem = NULL;
	size_t pem_len = 0;
	EVP_PKEY *key = NULL;
	BIO *bio;

	if (kek_open(kek, aad, sealed, len, &pem, &pem_len) != 0) {
		log_event(LOG_ERROR, "signer.open",
			  "key=%s error=\"the sealed key does not open under "
			  "this key-encryption key\"",
			  aad);
		return NULL;
	}
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	if (bio != NULL)
		key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	if (key == NULL)
		log_openssl_errors("signer.open", aad);
	BIO_free(bio);
	OPENSSL_clear_free(pem, pem_len);
	return key;
}
