#include "ocsp_fixture.h"

#include <limits.h>
#include <openssl/ocsp.h>
#include <stdio.h>
#include <string.h>

#include "engine/accounts.h"
#include "engine/ca.h"
#include "fuzz.h"
#include "lib/clock.h"

#define KEK_B64	 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define TENANT	 "fuzztenant000001"
#define DAY	 86400
#define URL_MAX	 (PATH_MAX + 16)
#define BASE_URL "http://pki.fuzz.test"

/* The CA's key: test material for the fuzz targets only. */
static const char ca_key_pem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+tYQBrVajShMBPpa\n"
    "TEwspWcNiBFb+TBXUdqvN3vCdLWhRANCAARrv3tP3MdVhJuy34sw2et4H4hf+Coi\n"
    "kWHO1zmA21bcsEyHgLDSgILDWnlrWH09+fNRHEGYhAiEmWRcQHz8oZok\n"
    "-----END PRIVATE KEY-----\n";

/* The serials make_corpus.py asks about. */
#define SERIAL_GOOD    "4100000000000000000000000000000a"
#define SERIAL_REVOKED "4100000000000000000000000000000b"

static struct ocsp_fixture fixture;
static struct kek *kek;

/* A certificate row of serial under the CA; the DER is not read. */
static void certificate_put(const char *id, const char *serial, int revoke,
			    int64_t now)
{
	static uint8_t der[] = {0x30, 0x00};
	struct store_certificate c = {.id = (char *)id,
				      .tenant_id = TENANT,
				      .ca_id = fixture.ca_id,
				      .serial = (char *)serial,
				      .subject = "CN=fuzz",
				      .sans = "",
				      .key_type = "ecdsa-p256",
				      .not_before = now - DAY,
				      .not_after = now + 90 * DAY,
				      .der = der,
				      .der_len = sizeof(der),
				      .created_at = now - DAY};
	struct store *st = fixture.app.store;

	if (store_certificate_insert(st, &c, NULL) != STORE_OK ||
	    (revoke && store_certificate_revoke(st, TENANT, id, now - 3600,
						"keyCompromise", now - 7200,
						NULL) != STORE_OK))
		fuzz_fail("ocsp_fixture: cannot store certificate %s", id);
}

static void ca_make(int64_t now)
{
	struct store_tenant t = {
	    .id = TENANT, .name = "fuzz", .created_at = now};
	struct ca_create in = {.name = "Fuzz Root",
			       .kind = "root",
			       .key_pem = ca_key_pem,
			       .subject = {.cn = "pkiaas fuzz root"},
			       .path_length = -1};
	struct ca_context ctx = {fixture.app.store, kek, BASE_URL, NULL};
	struct engine_error err = {0};
	struct principal who;
	struct store_ca ca;

	if (store_tenant_insert(fixture.app.store, &t, NULL) != STORE_OK)
		fuzz_fail("ocsp_fixture: cannot store the tenant");
	accounts_local_principal(&who, TENANT);
	if (ca_create(&ctx, &who, &in, now - DAY, &ca, &err) != ENGINE_OK)
		fuzz_fail("ocsp_fixture: ca_create: %s", err.detail);
	snprintf(fixture.ca_id, sizeof(fixture.ca_id), "%s", ca.id);
	store_ca_free(&ca);
}

struct ocsp_fixture *ocsp_fixture(void)
{
	int64_t now = clock_now();
	char url[URL_MAX];
	struct store *st;

	if (fixture.app.store != NULL)
		return &fixture;
	fuzz_init();
	snprintf(url, sizeof(url), "sqlite:%s/fuzz.db", fuzz_tmpdir());
	if (store_open(url, NULL, 2, &st) != STORE_OK ||
	    store_migrate(st, NULL, NULL) != STORE_OK ||
	    kek_load(fuzz_tmpdir(), KEK_B64, &kek, NULL) != 0)
		fuzz_fail("ocsp_fixture: cannot open the store in %s",
			  fuzz_tmpdir());
	fixture.app.store = st;
	fixture.app.kek = kek;
	fixture.app.base_url = BASE_URL;
	fixture.app.started_at = now;
	ca_make(now);
	certificate_put("fuzzcertgood0001", SERIAL_GOOD, 0, now);
	certificate_put("fuzzcertrevoked1", SERIAL_REVOKED, 1, now);
	return &fixture;
}

/* The answer's status and, when successful, each certificate's. */
static void answer_show(OCSP_RESPONSE *r)
{
	OCSP_BASICRESP *bs = OCSP_response_get1_basic(r);

	fprintf(stderr, "  ocsp: %s",
		OCSP_response_status_str(OCSP_response_status(r)));
	for (int i = 0; bs != NULL && i < OCSP_resp_count(bs); i++) {
		int reason = -1,
		    st = OCSP_single_get0_status(OCSP_resp_get0(bs, i), &reason,
						 NULL, NULL, NULL);

		fprintf(stderr, " %s", OCSP_cert_status_str(st));
	}
	fprintf(stderr, "%s\n",
		bs != NULL && OCSP_BASICRESP_get_ext_by_NID(
				  bs, NID_id_pkix_OCSP_Nonce, -1) >= 0
		    ? " (nonce)"
		    : "");
	OCSP_BASICRESP_free(bs);
}

void ocsp_fixture_check(const struct http_response *resp)
{
	const unsigned char *p = (const unsigned char *)resp->body;
	OCSP_RESPONSE *r;

	if (resp->status == 304)
		return;
	if (resp->status != 200 || resp->body == NULL)
		fuzz_fail("ocsp: answered %d, not an OCSP response",
			  resp->status);
	r = d2i_OCSP_RESPONSE(NULL, &p, (long)resp->len);
	if (r == NULL || p != (const unsigned char *)resp->body + resp->len)
		fuzz_fail("ocsp: the answer is not one DER OCSPResponse");
	if (fuzz_verbose())
		answer_show(r);
	OCSP_RESPONSE_free(r);
}
