/*
 * The responder the OCSP targets ask: a SQLite store in a scratch
 * folder with one root CA whose key and name are fixed, so that the
 * CertIDs of the committed corpus name it, and two certificates of
 * fixed serials, one good and one revoked (the serials are in
 * make_corpus.py).
 */
#ifndef PKIAAS_OCSP_FIXTURE_H
#define PKIAAS_OCSP_FIXTURE_H

#include "http/http.h"

struct ocsp_fixture {
	struct app app;
	char ca_id[RAND_ID_LEN + 1];
};

/* Made on the first call; the process ends when it cannot be. */
struct ocsp_fixture *ocsp_fixture(void);
/* Checks a handler's answer: 200 and one DER OCSPResponse; aborts. */
void ocsp_fixture_check(const struct http_response *resp);

#endif
