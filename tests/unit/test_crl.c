/*
 * CRLs as a relying party reads them, through OpenSSL: for CAs of each
 * key family with a few thousand revoked certificates stored, the CRL
 * parses with nothing after it, verifies under the CA's key, and lists
 * exactly the revoked certificates not yet expired, each with its date,
 * reason code and invalidity date; its number and authority key id are
 * right. Also a CRL with no entries, times from 2050 on, and serials in
 * the store that no CRL can carry. Registered once per backend:
 * PKIAAS_TEST_PER_BACKEND.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/accounts.h"
#include "engine/ca.h"
#include "engine/crl.h"
#include "lib/clock.h"
#include "testutil.h"
#include "testutil_db.h"

#define URL_MAX	   512
#define BASE_URL   "http://pki.example.test:8080"
#define KEK_B64	   "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define TENANT	   "tenant0000000001"
#define DAY	   86400
#define SERIAL_HEX 64

/* Revoked certificates listed by the CA with many, by the others (whose
 * CRLs differ in their signature only), and revoked ones expired. */
#define N_MANY	  2000
#define N_FEW	  100
#define N_EXPIRED 40
/* 2050-01-01T00:00:00Z, where UTCTime ends (RFC 5280 4.1.2.5). */
#define Y2050 2524608000LL

struct fixture {
	struct store *st;
	struct kek *kek;
	struct ca_context ctx;
	struct principal who;
	int64_t now;
	char url[URL_MAX];
	int serial_seq; /* for ids and the short serials */
	int ca_seq;	/* for CA names */
};

/* A revoked certificate as the CRL must list it. */
struct entry {
	char serial[SERIAL_HEX + 1]; /* as OpenSSL prints it, lowercase */
	int64_t revoked_at;
	int reason; /* -1: no reason code */
	int64_t invalidity_date;
};

/* A CA made for one test. */
struct test_ca {
	struct store_ca ca;
	X509 *cert;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct store_tenant t = {.id = TENANT, .name = "acme", .created_at = 1};

	assert_non_null(f);
	testutil_db_url(f->url, sizeof(f->url));
	assert_int_equal(store_open(f->url, NULL, 4, &f->st), STORE_OK);
	assert_int_equal(store_migrate(f->st, NULL, NULL), STORE_OK);
	assert_int_equal(kek_load(testutil_tmpdir(), KEK_B64, &f->kek, NULL),
			 0);
	assert_int_equal(store_tenant_insert(f->st, &t, NULL), STORE_OK);
	accounts_local_principal(&f->who, t.id);
	f->ctx = (struct ca_context){f->st, f->kek, BASE_URL, NULL};
	f->now = (int64_t)time(NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kek_free(f->kek);
	store_close(f->st);
	testutil_db_drop(f->url);
	free(f);
	return 0;
}

static void ca_make(struct fixture *f, const char *key_type, int pss,
		    int64_t now, struct test_ca *out)
{
	char name[64];
	struct ca_create in = {.name = name,
			       .kind = "root",
			       .key_type = key_type,
			       .pss = pss,
			       .subject = {.cn = key_type, .o = "Example"},
			       .path_length = -1};
	struct engine_error err = {0};
	const unsigned char *p;
	enum engine_result res;

	snprintf(name, sizeof(name), "%s %d", key_type, f->ca_seq++);
	res = ca_create(&f->ctx, &f->who, &in, now, &out->ca, &err);
	if (res != ENGINE_OK)
		fprintf(stderr, "ca_create %s: %s\n", key_type, err.detail);
	assert_int_equal(res, ENGINE_OK);
	p = out->ca.cert_der;
	out->cert = d2i_X509(NULL, &p, (long)out->ca.cert_len);
	assert_non_null(out->cert);
}

static void ca_free(struct test_ca *c)
{
	X509_free(c->cert);
	store_ca_free(&c->ca);
}

/* hex as OpenSSL prints the number: lowercase, no leading zero octet. */
static void serial_canonical(const char *hex, char out[SERIAL_HEX + 1])
{
	BIGNUM *bn = NULL;
	char *s;

	assert_true(BN_hex2bn(&bn, hex) > 0);
	s = BN_bn2hex(bn);
	assert_true(strlen(s) <= SERIAL_HEX);
	for (size_t i = 0; s[i] != '\0'; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'F' ? s[i] + 32 : s[i]);
	out[strlen(s)] = '\0';
	OPENSSL_free(s);
	BN_free(bn);
}

/* Stores one certificate of ca with serial as given; revoked_at 0 for
 * one not revoked. The DER is a stand-in: the CRL never reads it. */
static void cert_store(struct fixture *f, const struct test_ca *ca,
		       const char *serial, int64_t not_after,
		       int64_t revoked_at, const char *reason,
		       int64_t invalidity_date)
{
	static uint8_t der[] = {0x30, 0x00};
	char id[32];
	struct store_certificate c = {.id = id,
				      .tenant_id = TENANT,
				      .ca_id = ca->ca.id,
				      .serial = (char *)serial,
				      .subject = "CN=leaf",
				      .sans = "",
				      .key_type = "ecdsa-p256",
				      .not_before = f->now - DAY,
				      .not_after = not_after,
				      .der = der,
				      .der_len = sizeof(der),
				      .revoked_at = revoked_at,
				      .revocation_reason = (char *)reason,
				      .invalidity_date = invalidity_date,
				      .created_at = f->now};

	snprintf(id, sizeof(id), "cert%012d", f->serial_seq++);
	assert_int_equal(store_certificate_insert(f->st, &c, NULL), STORE_OK);
}

/* A serial as pkiaas makes them (16 random octets, the first 01xxxxxx),
 * or now and then one with the high bit set, or a short one of an odd
 * count of digits: the edges of the INTEGER encoding. */
static void serial_make(struct fixture *f, int i, char out[SERIAL_HEX + 1])
{
	unsigned char raw[16];

	if (i % 97 == 5) {
		snprintf(out, SERIAL_HEX + 1, "%x", 0x100 + f->serial_seq);
		return;
	}
	assert_int_equal(RAND_bytes(raw, sizeof(raw)), 1);
	raw[0] = (unsigned char)(i % 89 == 3 ? raw[0] | 0x80
					     : (raw[0] & 0x7f) | 0x40);
	for (size_t k = 0; k < sizeof(raw); k++)
		snprintf(out + 2 * k, 3, "%02x", raw[k]);
}

/* The reason names in turn, "unspecified" and none among them. */
static const char *reason_pick(int i, int *code)
{
	static const char *const names[] = {
	    "keyCompromise",   "cACompromise", "affiliationChanged",
	    "superseded",      "unspecified",  "cessationOfOperation",
	    "certificateHold", NULL,	       "privilegeWithdrawn",
	    "aACompromise"};
	const char *name = names[i % (sizeof(names) / sizeof(*names))];

	*code = crl_reason_code(name);
	return name;
}

/*
 * Stores n revoked certificates of ca that the CRL at now must list
 * (into want), N_EXPIRED revoked ones expired by then, and as many not
 * revoked.
 */
static void revoked_store(struct fixture *f, const struct test_ca *ca,
			  int64_t now, struct entry *want, int n)
{
	char serial[SERIAL_HEX + 1];

	for (int i = 0; i < n; i++) {
		struct entry *e = &want[i];
		const char *reason = reason_pick(i, &e->reason);

		serial_make(f, i, serial);
		serial_canonical(serial, e->serial);
		e->revoked_at = now - DAY - i;
		e->invalidity_date = i % 7 == 0 ? now - 2 * DAY - i : 0;
		cert_store(f, ca, serial, now + 90 * DAY, e->revoked_at, reason,
			   e->invalidity_date);
	}
	for (int i = 0; i < N_EXPIRED; i++) {
		serial_make(f, i, serial);
		cert_store(f, ca, serial, now - 1, now - 2 * DAY, "superseded",
			   0);
		serial_make(f, i, serial);
		cert_store(f, ca, serial, now + 90 * DAY, 0, NULL, 0);
	}
}

/* The CRL of ca at now as a relying party checks it: parsed with no
 * trailing bytes, signed by the CA, version 2, issuer and window. */
static X509_CRL *crl_fetch(struct fixture *f, const struct test_ca *ca,
			   int64_t now, struct crl_document *d)
{
	struct engine_error err = {0};
	const unsigned char *p;
	X509_CRL *crl;

	assert_int_equal(crl_get(&f->ctx, ca->ca.id, NULL, now, d, &err),
			 ENGINE_OK);
	p = d->der;
	crl = d2i_X509_CRL(NULL, &p, (long)d->len);
	assert_non_null(crl);
	assert_ptr_equal(p, d->der + d->len);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(ca->cert)), 1);
	assert_int_equal(X509_CRL_get_version(crl), X509_CRL_VERSION_2);
	assert_int_equal(X509_NAME_cmp(X509_CRL_get_issuer(crl),
				       X509_get_subject_name(ca->cert)),
			 0);
	assert_int_equal(clock_asn1_seconds(X509_CRL_get0_lastUpdate(crl)),
			 d->this_update);
	assert_int_equal(clock_asn1_seconds(X509_CRL_get0_nextUpdate(crl)),
			 d->next_update);
	return crl;
}

/* cRLNumber is the document's; authorityKeyIdentifier the CA's SKID. */
static void crl_exts_check(X509_CRL *crl, const struct test_ca *ca,
			   const struct crl_document *d)
{
	ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	AUTHORITY_KEYID *aki =
	    X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, NULL, NULL);

	assert_non_null(n);
	assert_int_equal(ASN1_INTEGER_get(n), d->number);
	assert_non_null(aki);
	assert_non_null(aki->keyid);
	assert_int_equal(ASN1_OCTET_STRING_cmp(
			     aki->keyid, X509_get0_subject_key_id(ca->cert)),
			 0);
	assert_int_equal(X509_CRL_get_ext_count(crl), 2);
	ASN1_INTEGER_free(n);
	AUTHORITY_KEYID_free(aki);
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->serial,
		      ((const struct entry *)b)->serial);
}

/* The reason code of r, -1 for none. */
static int revoked_reason(X509_REVOKED *r)
{
	ASN1_ENUMERATED *e =
	    X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
	int code = e != NULL ? (int)ASN1_ENUMERATED_get(e) : -1;

	ASN1_ENUMERATED_free(e);
	return code;
}

/* The invalidity date of r, 0 for none; always a GeneralizedTime. */
static int64_t revoked_invalidity(X509_REVOKED *r)
{
	ASN1_GENERALIZEDTIME *t =
	    X509_REVOKED_get_ext_d2i(r, NID_invalidity_date, NULL, NULL);
	int64_t at = 0;

	if (t != NULL) {
		assert_int_equal(ASN1_STRING_type(t), V_ASN1_GENERALIZEDTIME);
		at = clock_asn1_seconds(t);
	}
	ASN1_GENERALIZEDTIME_free(t);
	return at;
}

/* The entry of want (n, sorted) for r; fails when there is none. */
static const struct entry *entry_find(X509_REVOKED *r, const struct entry *want,
				      size_t n)
{
	BIGNUM *bn =
	    ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(r), NULL);
	char *hex = BN_bn2hex(bn);
	struct entry key = {0};
	const struct entry *e;

	assert_non_null(hex);
	serial_canonical(hex, key.serial);
	e = bsearch(&key, want, n, sizeof(*want), entry_cmp);
	if (e == NULL)
		fail_msg("serial %s is listed but was not revoked", key.serial);
	OPENSSL_free(hex);
	BN_free(bn);
	return e;
}

/* The CRL lists exactly want (n entries, sorted by entry_cmp). */
static void entries_check(X509_CRL *crl, const struct entry *want, size_t n)
{
	STACK_OF(X509_REVOKED) *list = X509_CRL_get_REVOKED(crl);
	char *seen = calloc(n, 1);

	assert_non_null(seen);
	assert_int_equal(sk_X509_REVOKED_num(list), (int)n);
	for (int i = 0; i < sk_X509_REVOKED_num(list); i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(list, i);
		const struct entry *e = entry_find(r, want, n);

		assert_false(seen[e - want]);
		seen[e - want] = 1;
		assert_int_equal(
		    clock_asn1_seconds(X509_REVOKED_get0_revocationDate(r)),
		    e->revoked_at);
		assert_int_equal(revoked_reason(r), e->reason);
		assert_int_equal(revoked_invalidity(r), e->invalidity_date);
	}
	free(seen);
}

/* A CA of key_type with n entries: its CRL as checked above, the
 * signature under the algorithm sig_nid. */
static void crl_check_key_type(void **state, const char *key_type, int pss,
			       int sig_nid, int n)
{
	struct fixture *f = *state;
	struct entry *want = calloc((size_t)n, sizeof(*want));
	struct crl_document d;
	struct test_ca ca;
	X509_CRL *crl;

	assert_non_null(want);
	ca_make(f, key_type, pss, f->now, &ca);
	revoked_store(f, &ca, f->now, want, n);
	qsort(want, (size_t)n, sizeof(*want), entry_cmp);
	crl = crl_fetch(f, &ca, f->now, &d);
	assert_int_equal(X509_CRL_get_signature_nid(crl), sig_nid);
	crl_exts_check(crl, &ca, &d);
	entries_check(crl, want, (size_t)n);
	X509_CRL_free(crl);
	crl_document_free(&d);
	ca_free(&ca);
	free(want);
}

static void test_crl_ecdsa_p256(void **state)
{
	crl_check_key_type(state, "ecdsa-p256", 0, NID_ecdsa_with_SHA256,
			   N_MANY);
}

static void test_crl_rsa_pss(void **state)
{
	crl_check_key_type(state, "rsa-2048", 1, NID_rsassaPss, N_FEW);
}

static void test_crl_ed25519(void **state)
{
	crl_check_key_type(state, "ed25519", 0, NID_ED25519, N_FEW);
}

static void test_crl_ml_dsa_65(void **state)
{
	crl_check_key_type(state, "ml-dsa-65", 0, NID_ML_DSA_65, N_FEW);
}

static void test_crl_slh_dsa(void **state)
{
	crl_check_key_type(state, "slh-dsa-sha2-128f", 0, NID_SLH_DSA_SHA2_128f,
			   N_FEW);
}

/* RFC 5280 5.1.2.6: a CRL with no entries has no list at all. */
static void test_crl_empty(void **state)
{
	struct fixture *f = *state;
	struct crl_document d;
	struct test_ca ca;
	X509_CRL *crl;

	ca_make(f, "ecdsa-p256", 0, f->now, &ca);
	/* Expired and never revoked: neither is listed. */
	cert_store(f, &ca, "4a01", f->now - 1, f->now - DAY, "superseded", 0);
	cert_store(f, &ca, "4a02", f->now + DAY, 0, NULL, 0);
	crl = crl_fetch(f, &ca, f->now, &d);
	assert_null(X509_CRL_get_REVOKED(crl));
	crl_exts_check(crl, &ca, &d);
	X509_CRL_free(crl);
	crl_document_free(&d);
	ca_free(&ca);
}

/* UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5,
 * 5.1.2.4): for the window and the entries' dates alike. */
static void test_crl_times_from_2050(void **state)
{
	struct fixture *f = *state;
	int64_t now = Y2050 + 400 * DAY;
	struct crl_document d;
	struct test_ca ca;
	X509_CRL *crl;
	X509_REVOKED *r;
	ASN1_INTEGER *sn = ASN1_INTEGER_new();

	ca_make(f, "ecdsa-p256", 0, now - DAY, &ca);
	cert_store(f, &ca, "4b01", now + DAY, Y2050 - 1, "superseded", 0);
	cert_store(f, &ca, "4b02", now + DAY, Y2050, "superseded", Y2050 - 1);
	crl = crl_fetch(f, &ca, now, &d);
	assert_int_equal(ASN1_STRING_type(X509_CRL_get0_lastUpdate(crl)),
			 V_ASN1_GENERALIZEDTIME);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 2);

	assert_int_equal(ASN1_INTEGER_set_int64(sn, 0x4b01), 1);
	assert_int_equal(X509_CRL_get0_by_serial(crl, &r, sn), 1);
	assert_int_equal(ASN1_STRING_type(X509_REVOKED_get0_revocationDate(r)),
			 V_ASN1_UTCTIME);
	assert_int_equal(
	    clock_asn1_seconds(X509_REVOKED_get0_revocationDate(r)), Y2050 - 1);

	assert_int_equal(ASN1_INTEGER_set_int64(sn, 0x4b02), 1);
	assert_int_equal(X509_CRL_get0_by_serial(crl, &r, sn), 1);
	assert_int_equal(ASN1_STRING_type(X509_REVOKED_get0_revocationDate(r)),
			 V_ASN1_GENERALIZEDTIME);
	assert_int_equal(
	    clock_asn1_seconds(X509_REVOKED_get0_revocationDate(r)), Y2050);
	assert_int_equal(revoked_invalidity(r), Y2050 - 1);

	ASN1_INTEGER_free(sn);
	X509_CRL_free(crl);
	crl_document_free(&d);
	ca_free(&ca);
}

/* A stored serial no CRL can carry fails the CRL: none is served with
 * the entry left out or garbled. */
static void crl_refused_for_serial(struct fixture *f, const char *serial)
{
	struct engine_error err = {0};
	struct crl_document d;
	struct test_ca ca;

	ca_make(f, "ecdsa-p256", 0, f->now, &ca);
	cert_store(f, &ca, "4c01", f->now + DAY, f->now - DAY, "superseded", 0);
	cert_store(f, &ca, serial, f->now + DAY, f->now - DAY, "superseded", 0);
	assert_int_equal(crl_get(&f->ctx, ca.ca.id, NULL, f->now, &d, &err),
			 ENGINE_ERROR);
	assert_null(d.der);
	ca_free(&ca);
}

static void test_crl_bad_serials(void **state)
{
	struct fixture *f = *state;

	crl_refused_for_serial(f, "4c0g");
	crl_refused_for_serial(f, "-4c02");
	/* 21 octets: past RFC 5280 4.1.2.2's 20. */
	crl_refused_for_serial(f, "4c0102030405060708091011121314151617181920");
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_crl_ecdsa_p256),	    TEST(test_crl_rsa_pss),
	    TEST(test_crl_ed25519),	    TEST(test_crl_ml_dsa_65),
	    TEST(test_crl_slh_dsa),	    TEST(test_crl_empty),
	    TEST(test_crl_times_from_2050), TEST(test_crl_bad_serials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
