/*
 * CAs, templates, certificates and requests in the store, on the
 * backend that PKIAAS_TEST_BACKEND names (sqlite, the default, or
 * postgres), each test on a new database of its own. Tenants are set
 * up, and rows and audit entries counted, with plain SQL beside the
 * store. Registered once per backend: PKIAAS_TEST_PER_BACKEND.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "testutil.h"
#include "testutil_db.h"

#define POOL	4
#define URL_MAX 512
#define NOW	1700000000
#define DAY	86400

struct fixture {
	struct store *st;
	char url[URL_MAX];
};

/*
 * Runs sql on the fixture's database beside the store, and returns the
 * integer in the first column of its first row (0 when none).
 */
static long long sql(void **state, const char *text)
{
	const struct fixture *f = *state;

	return testutil_db_int(f->url, text);
}

/* Rows of audit_log with action. */
static long long audit_count(void **state, const char *action)
{
	char q[160];

	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM audit_log WHERE action = '%s'", action);
	return sql(state, q);
}

/* Rows of table that match where. */
static long long rows_where(void **state, const char *table, const char *where)
{
	char q[256];

	snprintf(q, sizeof(q), "SELECT count(*) FROM %s WHERE %s", table,
		 where);
	return sql(state, q);
}

/* A new migrated database with tenants ta and tb. */
static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	testutil_db_url(f->url, sizeof(f->url));
	assert_int_equal(store_open(f->url, NULL, POOL, &f->st), STORE_OK);
	assert_int_equal(store_migrate(f->st, NULL, NULL), STORE_OK);
	*state = f;
	sql(state, "INSERT INTO tenants (id, name, created_at) VALUES "
		   "('ta', 'alpha', 1), ('tb', 'beta', 2)");
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	testutil_db_drop(f->url);
	free(f);
	return 0;
}

static struct store *store_of(void **state)
{
	return ((struct fixture *)*state)->st;
}

static struct store_audit audit_of(const char *tenant_id, const char *action,
				   const char *object_id)
{
	return (struct store_audit){.tenant_id = tenant_id,
				    .actor_id = "u1",
				    .actor_name = "alice",
				    .action = action,
				    .object_id = object_id,
				    .address = "192.0.2.1",
				    .outcome = "success",
				    .at = NOW};
}

static uint8_t key_bytes[] = {0x30, 0x01, 0x02, 0x00, 0x7f};
static uint8_t cert_bytes[] = {0x30, 0x82, 0x00, 0x00, 0x01};
static uint8_t csr_bytes[] = {0x30, 0x03, 0x00, 0xff};

/* An active root CA, or a pending intermediate under parent_id. */
static struct store_ca ca_of(char *id, char *tenant_id, char *name,
			     char *parent_id)
{
	struct store_ca ca = {.id = id,
			      .tenant_id = tenant_id,
			      .name = name,
			      .description = "for tests",
			      .kind = "root",
			      .status = "active",
			      .key_type = "ec-p256",
			      .key_sealed = key_bytes,
			      .key_len = sizeof(key_bytes),
			      .cert_der = cert_bytes,
			      .cert_len = sizeof(cert_bytes),
			      .subject = "CN=Test Root",
			      .serial = "0a1b",
			      .not_before = NOW - DAY,
			      .not_after = NOW + 3650 * DAY,
			      .settings = "{\"hash\":\"sha256\"}",
			      .parent_id = parent_id,
			      .created_at = NOW};

	if (parent_id != NULL) {
		ca.kind = "intermediate";
		ca.status = "pending";
		ca.cert_der = NULL;
		ca.cert_len = 0;
		ca.csr_der = csr_bytes;
		ca.csr_len = sizeof(csr_bytes);
		ca.subject = "CN=Test Sub";
		ca.serial = NULL;
		ca.not_before = ca.not_after = 0;
	}
	return ca;
}

static void ca_insert(void **state, char *id, char *tenant_id, char *name,
		      char *parent_id)
{
	struct store_ca ca = ca_of(id, tenant_id, name, parent_id);
	struct store_audit a = audit_of(tenant_id, "ca.create", id);

	assert_int_equal(store_ca_insert(store_of(state), &ca, &a), STORE_OK);
}

static struct store_template template_of(char *id, char *tenant_id, char *ca_id,
					 char *name)
{
	return (struct store_template){.id = id,
				       .tenant_id = tenant_id,
				       .ca_id = ca_id,
				       .name = name,
				       .settings = "{\"profile\":\"tls\"}",
				       .created_at = NOW,
				       .updated_at = NOW};
}

static void template_insert(void **state, char *id, char *tenant_id,
			    char *ca_id, char *name)
{
	struct store_template t = template_of(id, tenant_id, ca_id, name);
	struct store_audit a = audit_of(tenant_id, "template.create", id);

	assert_int_equal(store_template_insert(store_of(state), &t, &a),
			 STORE_OK);
}

/* A certificate valid from a day ago until not_after. */
static struct store_certificate cert_of(char *id, char *tenant_id, char *ca_id,
					char *template_id, char *serial,
					int64_t not_after)
{
	return (struct store_certificate){.id = id,
					  .tenant_id = tenant_id,
					  .ca_id = ca_id,
					  .template_id = template_id,
					  .serial = serial,
					  .subject = "CN=host.example",
					  .sans = "DNS:host.example",
					  .key_type = "ec-p256",
					  .not_before = NOW - DAY,
					  .not_after = not_after,
					  .der = cert_bytes,
					  .der_len = sizeof(cert_bytes),
					  .created_at = NOW - DAY};
}

static void cert_insert(void **state, const struct store_certificate *c)
{
	struct store_audit a =
	    audit_of(c->tenant_id, "certificate.issue", c->id);

	assert_int_equal(store_certificate_insert(store_of(state), c, &a),
			 STORE_OK);
}

static void cert_add(void **state, char *id, char *tenant_id, char *ca_id,
		     char *template_id, char *serial, int64_t not_after)
{
	struct store_certificate c =
	    cert_of(id, tenant_id, ca_id, template_id, serial, not_after);

	cert_insert(state, &c);
}

static struct store_request request_of(char *id, char *tenant_id,
				       char *template_id, char *status)
{
	struct store_request r = {.id = id,
				  .tenant_id = tenant_id,
				  .template_id = template_id,
				  .status = status,
				  .csr_der = csr_bytes,
				  .csr_len = sizeof(csr_bytes),
				  .subject = "CN=host.example",
				  .requested_by = "u1",
				  .created_at = NOW};

	if (strcmp(status, "preapproved") == 0) {
		r.csr_der = NULL;
		r.csr_len = 0;
		r.subject = NULL;
		r.overrides = "{\"subject\":\"CN=device\"}";
	}
	return r;
}

static void request_insert(void **state, char *id, char *tenant_id,
			   char *template_id, char *status, char *claim_hash)
{
	struct store_request r = request_of(id, tenant_id, template_id, status);
	struct store_audit a = audit_of(tenant_id, "request.create", id);

	r.claim_hash = claim_hash;
	assert_int_equal(store_request_insert(store_of(state), &r, &a),
			 STORE_OK);
}

/* CA r1 of ta and r9 of tb, each with a template (t1, t9). */
static void pki_setup(void **state)
{
	ca_insert(state, "r1", "ta", "Root", NULL);
	ca_insert(state, "r9", "tb", "Root", NULL);
	template_insert(state, "t1", "ta", "r1", "tls");
	template_insert(state, "t9", "tb", "r9", "tls");
}

static void test_ca_insert_get_find(void **state)
{
	struct store *st = store_of(state);
	struct store_ca same_name = ca_of("r2", "ta", "Root", NULL);
	struct store_ca foreign_parent = ca_of("s2", "ta", "Sub", "r9");
	struct store_audit a = audit_of("ta", "ca.create", "r2");
	struct store_ca got;

	ca_insert(state, "r1", "ta", "Root", NULL);
	ca_insert(state, "s1", "ta", "Sub", "r1");
	ca_insert(state, "r9", "tb", "Root", NULL);
	assert_int_equal(audit_count(state, "ca.create"), 3);

	assert_int_equal(store_ca_get(st, "ta", "r1", &got), STORE_OK);
	assert_string_equal(got.id, "r1");
	assert_string_equal(got.tenant_id, "ta");
	assert_string_equal(got.name, "Root");
	assert_string_equal(got.description, "for tests");
	assert_string_equal(got.kind, "root");
	assert_string_equal(got.status, "active");
	assert_string_equal(got.key_type, "ec-p256");
	assert_int_equal(got.key_len, sizeof(key_bytes));
	assert_memory_equal(got.key_sealed, key_bytes, sizeof(key_bytes));
	assert_int_equal(got.cert_len, sizeof(cert_bytes));
	assert_memory_equal(got.cert_der, cert_bytes, sizeof(cert_bytes));
	assert_null(got.csr_der);
	assert_null(got.chain_pem);
	assert_string_equal(got.subject, "CN=Test Root");
	assert_string_equal(got.serial, "0a1b");
	assert_true(got.not_before == NOW - DAY);
	assert_true(got.not_after == NOW + 3650 * DAY);
	assert_string_equal(got.settings, "{\"hash\":\"sha256\"}");
	assert_null(got.parent_id);
	assert_true(got.created_at == NOW);
	store_ca_free(&got);
	store_ca_free(&got);
	store_ca_free(NULL);

	/* The pending intermediate: a CSR, no certificate, NULL times. */
	assert_int_equal(store_ca_get(st, "ta", "s1", &got), STORE_OK);
	assert_string_equal(got.kind, "intermediate");
	assert_string_equal(got.status, "pending");
	assert_null(got.cert_der);
	assert_int_equal(got.cert_len, 0);
	assert_int_equal(got.csr_len, sizeof(csr_bytes));
	assert_memory_equal(got.csr_der, csr_bytes, sizeof(csr_bytes));
	assert_null(got.serial);
	assert_true(got.not_before == 0 && got.not_after == 0);
	assert_string_equal(got.parent_id, "r1");
	store_ca_free(&got);
	assert_int_equal(rows_where(state, "cas",
				    "id = 's1' AND not_before IS NULL AND "
				    "not_after IS NULL AND cert_der IS NULL"),
			 1);

	/* A name is unique in its tenant only; the id everywhere. */
	assert_int_equal(store_ca_insert(st, &same_name, &a), STORE_CONFLICT);
	same_name.id = "r1";
	same_name.name = "Other";
	assert_int_equal(store_ca_insert(st, &same_name, &a), STORE_CONFLICT);
	assert_int_equal(audit_count(state, "ca.create"), 3);

	/* Another tenant's CA is no parent, and leaves nothing behind. */
	assert_int_equal(store_ca_insert(st, &foreign_parent, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(rows_where(state, "cas", "id = 's2'"), 0);

	/* Another tenant's CA is not there for this one. */
	assert_int_equal(store_ca_get(st, "ta", "r9", &got), STORE_NOT_FOUND);
	assert_null(got.id);
	assert_int_equal(store_ca_get(st, "tb", "r1", &got), STORE_NOT_FOUND);
	assert_int_equal(store_ca_get(st, "ta", "nope", &got), STORE_NOT_FOUND);

	/* The public endpoints find any tenant's CA by id. */
	assert_int_equal(store_ca_find(st, "r9", &got), STORE_OK);
	assert_string_equal(got.tenant_id, "tb");
	store_ca_free(&got);
	assert_int_equal(store_ca_find(st, "nope", &got), STORE_NOT_FOUND);
	assert_null(got.id);
	assert_int_equal(store_error_count(st), 0);
}

static void test_ca_list(void **state)
{
	static char *const ids[] = {"c1", "c2", "c3", "c4", "c5", "c6", "c7"};
	static char *const names[] = {"n1", "n2", "n3", "n4", "n5", "n6", "n7"};
	struct store *st = store_of(state);
	struct store_ca_list page;
	char after[16] = "";
	size_t seen = 0, pages = 0;
	int more;

	for (size_t i = 0; i < 7; i++) {
		size_t k = (i * 3) % 7;

		ca_insert(state, ids[k], "ta", names[k], NULL);
	}
	ca_insert(state, "c0", "tb", "n0", NULL);

	/* Pages of 3 give each of ta's CAs once, in order. */
	do {
		assert_int_equal(
		    store_ca_list(st, "ta", seen > 0 ? after : NULL, 3, &page),
		    STORE_OK);
		assert_true(page.n <= 3);
		for (size_t i = 0; i < page.n; i++, seen++) {
			assert_true(seen < 7);
			assert_string_equal(page.items[i].id, ids[seen]);
			assert_string_equal(page.items[i].tenant_id, "ta");
		}
		if (page.n > 0)
			snprintf(after, sizeof(after), "%s",
				 page.items[page.n - 1].id);
		more = page.has_more;
		assert_int_equal(more, seen < 7);
		store_ca_list_free(&page);
		pages++;
	} while (more && pages < 10);
	assert_int_equal(seen, 7);
	assert_int_equal(pages, 3);
	store_ca_list_free(&page);
	store_ca_list_free(NULL);

	/* A limit of 0 is 1; tb sees its one CA only. */
	assert_int_equal(store_ca_list(st, "ta", NULL, 0, &page), STORE_OK);
	assert_int_equal(page.n, 1);
	assert_int_equal(page.has_more, 1);
	store_ca_list_free(&page);
	assert_int_equal(store_ca_list(st, "tb", NULL, (size_t)-1, &page),
			 STORE_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.items[0].id, "c0");
	assert_int_equal(page.has_more, 0);
	store_ca_list_free(&page);
	assert_int_equal(store_error_count(st), 0);
}

static void test_ca_update_activate(void **state)
{
	struct store *st = store_of(state);
	struct store_ca ca = ca_of("r1", "ta", "Root", NULL);
	struct store_ca sub = ca_of("s1", "ta", "Sub", "r1");
	struct store_audit up = audit_of("ta", "ca.update", "r1");
	struct store_audit act = audit_of("ta", "ca.activate", "s1");
	struct store_ca got;

	ca_insert(state, "r1", "ta", "Root", NULL);
	ca_insert(state, "s1", "ta", "Sub", "r1");
	ca_insert(state, "r9", "tb", "Root", NULL);

	ca.description = "renamed";
	ca.settings = "{\"hash\":\"sha384\"}";
	ca.name = "ignored";
	assert_int_equal(store_ca_update(st, &ca, &up), STORE_OK);
	assert_int_equal(store_ca_get(st, "ta", "r1", &got), STORE_OK);
	assert_string_equal(got.description, "renamed");
	assert_string_equal(got.settings, "{\"hash\":\"sha384\"}");
	assert_string_equal(got.name, "Root");
	store_ca_free(&got);
	assert_int_equal(audit_count(state, "ca.update"), 1);

	/* Another tenant's CA cannot be updated through this one. */
	ca.id = "r9";
	assert_int_equal(store_ca_update(st, &ca, &up), STORE_NOT_FOUND);
	assert_int_equal(store_ca_get(st, "tb", "r9", &got), STORE_OK);
	assert_string_equal(got.description, "for tests");
	store_ca_free(&got);
	assert_int_equal(audit_count(state, "ca.update"), 1);

	/* The pending intermediate takes its certificate once. */
	sub.cert_der = cert_bytes;
	sub.cert_len = sizeof(cert_bytes);
	sub.chain_pem = "-----BEGIN CERTIFICATE-----\n";
	sub.subject = "CN=Test Sub,O=Example";
	sub.serial = "77";
	sub.not_before = NOW;
	sub.not_after = NOW + 365 * DAY;
	assert_int_equal(store_ca_activate(st, &sub, &act), STORE_OK);
	assert_int_equal(store_ca_get(st, "ta", "s1", &got), STORE_OK);
	assert_string_equal(got.status, "active");
	assert_int_equal(got.cert_len, sizeof(cert_bytes));
	assert_memory_equal(got.cert_der, cert_bytes, sizeof(cert_bytes));
	assert_string_equal(got.chain_pem, "-----BEGIN CERTIFICATE-----\n");
	assert_string_equal(got.subject, "CN=Test Sub,O=Example");
	assert_string_equal(got.serial, "77");
	assert_true(got.not_before == NOW);
	assert_true(got.not_after == NOW + 365 * DAY);
	assert_int_equal(got.csr_len, sizeof(csr_bytes));
	store_ca_free(&got);
	assert_int_equal(audit_count(state, "ca.activate"), 1);

	/* Not pending any more, or never: a conflict. */
	assert_int_equal(store_ca_activate(st, &sub, &act), STORE_CONFLICT);
	sub.id = "r1";
	assert_int_equal(store_ca_activate(st, &sub, &act), STORE_CONFLICT);
	sub.id = "r9";
	assert_int_equal(store_ca_activate(st, &sub, &act), STORE_NOT_FOUND);
	sub.id = "nope";
	assert_int_equal(store_ca_activate(st, &sub, &act), STORE_NOT_FOUND);
	assert_int_equal(audit_count(state, "ca.activate"), 1);
	assert_int_equal(store_error_count(st), 0);
}

/* Everything under a CA goes with it; other CAs keep theirs. */
static void test_ca_delete(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("ta", "ca.delete", "r1");
	struct store_audit issue = audit_of("ta", "certificate.issue", "x1");
	struct store_certificate c =
	    cert_of("x1", "ta", "r1", "t1", "01", NOW + DAY);
	struct store_request r = request_of("q1", "ta", "t1", "pending");
	struct store_ca got;

	pki_setup(state);
	ca_insert(state, "r2", "ta", "Other", NULL);
	ca_insert(state, "s1", "ta", "Sub", "r1");
	template_insert(state, "t2", "ta", "r1", "smime");
	template_insert(state, "t3", "ta", "r2", "tls");
	request_insert(state, "q1", "ta", "t1", "pending", NULL);
	request_insert(state, "q2", "ta", "t2", "pending", NULL);
	request_insert(state, "q3", "ta", "t3", "pending", NULL);
	request_insert(state, "q9", "tb", "t9", "pending", NULL);
	cert_add(state, "x2", "ta", "r1", NULL, "02", NOW + DAY);
	cert_add(state, "x3", "ta", "r2", "t3", "01", NOW + DAY);
	cert_add(state, "x9", "tb", "r9", "t9", "01", NOW + DAY);
	/* q1 is issued as x1: the request points at its certificate. */
	c.request_id = "q1";
	r.decided_at = NOW;
	r.decided_by = "u1";
	assert_int_equal(store_issue_commit(st, &c, &r, NULL, &issue),
			 STORE_OK);

	/* Another tenant's CA is not found, and nothing is gone. */
	assert_int_equal(store_ca_delete(st, "tb", "r1", &a), STORE_NOT_FOUND);
	assert_int_equal(store_ca_delete(st, "ta", "r9", &a), STORE_NOT_FOUND);
	assert_int_equal(rows_where(state, "certificates", "ca_id = 'r1'"), 2);
	assert_int_equal(rows_where(state, "templates", "ca_id = 'r1'"), 2);
	assert_int_equal(rows_where(state, "requests", "1 = 1"), 4);
	assert_int_equal(audit_count(state, "ca.delete"), 0);

	assert_int_equal(store_ca_delete(st, "ta", "r1", &a), STORE_OK);
	assert_int_equal(audit_count(state, "ca.delete"), 1);
	assert_int_equal(store_ca_get(st, "ta", "r1", &got), STORE_NOT_FOUND);
	assert_int_equal(rows_where(state, "cas", "id = 'r1'"), 0);
	assert_int_equal(rows_where(state, "certificates", "ca_id = 'r1'"), 0);
	assert_int_equal(rows_where(state, "templates", "ca_id = 'r1'"), 0);
	assert_int_equal(rows_where(state, "requests", "id IN ('q1', 'q2')"),
			 0);

	/* The sub-CA stays, without its parent; the rest is untouched. */
	assert_int_equal(store_ca_get(st, "ta", "s1", &got), STORE_OK);
	assert_null(got.parent_id);
	store_ca_free(&got);
	assert_int_equal(rows_where(state, "certificates", "1 = 1"), 2);
	assert_int_equal(rows_where(state, "templates", "1 = 1"), 2);
	assert_int_equal(rows_where(state, "requests", "1 = 1"), 2);
	assert_int_equal(rows_where(state, "cas", "1 = 1"), 3);

	assert_int_equal(store_ca_delete(st, "ta", "r1", &a), STORE_NOT_FOUND);
	assert_int_equal(audit_count(state, "ca.delete"), 1);
	assert_int_equal(store_error_count(st), 0);
}

static void test_template_insert_get_update(void **state)
{
	struct store *st = store_of(state);
	struct store_template t = template_of("t2", "ta", "r1", "tls");
	struct store_audit a = audit_of("ta", "template.create", "t2");
	struct store_audit up = audit_of("ta", "template.update", "t1");
	struct store_template got;

	pki_setup(state);
	ca_insert(state, "r2", "ta", "Other", NULL);
	assert_int_equal(audit_count(state, "template.create"), 2);

	assert_int_equal(store_template_get(st, "ta", "t1", &got), STORE_OK);
	assert_string_equal(got.id, "t1");
	assert_string_equal(got.tenant_id, "ta");
	assert_string_equal(got.ca_id, "r1");
	assert_string_equal(got.name, "tls");
	assert_string_equal(got.settings, "{\"profile\":\"tls\"}");
	assert_true(got.created_at == NOW);
	assert_true(got.updated_at == NOW);
	store_template_free(&got);
	store_template_free(&got);
	store_template_free(NULL);

	/* A name is unique for its CA only. */
	assert_int_equal(store_template_insert(st, &t, &a), STORE_CONFLICT);
	t.ca_id = "r2";
	assert_int_equal(store_template_insert(st, &t, &a), STORE_OK);
	assert_int_equal(audit_count(state, "template.create"), 3);

	/* No template under another tenant's CA, or under none. */
	t.id = "t3";
	t.ca_id = "r9";
	assert_int_equal(store_template_insert(st, &t, &a), STORE_NOT_FOUND);
	t.ca_id = "nope";
	assert_int_equal(store_template_insert(st, &t, &a), STORE_NOT_FOUND);
	assert_int_equal(rows_where(state, "templates", "id = 't3'"), 0);
	assert_int_equal(audit_count(state, "template.create"), 3);

	assert_int_equal(store_template_get(st, "ta", "t9", &got),
			 STORE_NOT_FOUND);
	assert_null(got.id);
	assert_int_equal(store_template_get(st, "tb", "t1", &got),
			 STORE_NOT_FOUND);

	/* Name and settings change; the CA does not. */
	t = template_of("t1", "ta", "r2", "tls-server");
	t.settings = "{\"profile\":\"server\"}";
	t.updated_at = NOW + 60;
	assert_int_equal(store_template_update(st, &t, &up), STORE_OK);
	assert_int_equal(store_template_get(st, "ta", "t1", &got), STORE_OK);
	assert_string_equal(got.ca_id, "r1");
	assert_string_equal(got.name, "tls-server");
	assert_string_equal(got.settings, "{\"profile\":\"server\"}");
	assert_true(got.created_at == NOW);
	assert_true(got.updated_at == NOW + 60);
	store_template_free(&got);
	assert_int_equal(audit_count(state, "template.update"), 1);

	/* A name taken for the CA; another tenant's template. */
	t = template_of("t2", "ta", "r2", "tls");
	template_insert(state, "t4", "ta", "r2", "taken");
	t.name = "taken";
	assert_int_equal(store_template_update(st, &t, &up), STORE_CONFLICT);
	t.id = "t9";
	t.tenant_id = "ta";
	t.name = "stolen";
	assert_int_equal(store_template_update(st, &t, &up), STORE_NOT_FOUND);
	assert_int_equal(store_template_get(st, "tb", "t9", &got), STORE_OK);
	assert_string_equal(got.name, "tls");
	store_template_free(&got);
	assert_int_equal(audit_count(state, "template.update"), 1);
	assert_int_equal(store_error_count(st), 0);
}

static void test_template_list(void **state)
{
	static char *const ids[] = {"p1", "p2", "p3", "p4", "p5", "p6", "p7"};
	static char *const names[] = {"n1", "n2", "n3", "n4", "n5", "n6", "n7"};
	struct store *st = store_of(state);
	struct store_template_list page;
	char after[16] = "";
	size_t seen = 0, pages = 0;
	int more;

	ca_insert(state, "r1", "ta", "Root", NULL);
	ca_insert(state, "r2", "ta", "Other", NULL);
	ca_insert(state, "r9", "tb", "Root", NULL);
	/* p2 and p5 are r2's. */
	for (size_t i = 0; i < 7; i++) {
		size_t k = (i * 3) % 7;

		template_insert(state, ids[k], "ta", k % 3 == 1 ? "r2" : "r1",
				names[k]);
	}
	template_insert(state, "p0", "tb", "r9", "n0");

	do {
		assert_int_equal(store_template_list(st, "ta", NULL,
						     seen > 0 ? after : NULL, 3,
						     &page),
				 STORE_OK);
		assert_true(page.n <= 3);
		for (size_t i = 0; i < page.n; i++, seen++) {
			assert_true(seen < 7);
			assert_string_equal(page.items[i].id, ids[seen]);
		}
		if (page.n > 0)
			snprintf(after, sizeof(after), "%s",
				 page.items[page.n - 1].id);
		more = page.has_more;
		assert_int_equal(more, seen < 7);
		store_template_list_free(&page);
		pages++;
	} while (more && pages < 10);
	assert_int_equal(seen, 7);
	assert_int_equal(pages, 3);
	store_template_list_free(NULL);

	assert_int_equal(store_template_list(st, "ta", "r2", NULL, 100, &page),
			 STORE_OK);
	assert_int_equal(page.n, 2);
	assert_string_equal(page.items[0].id, "p2");
	assert_string_equal(page.items[1].id, "p5");
	assert_int_equal(page.has_more, 0);
	store_template_list_free(&page);

	/* Another tenant's CA filters to nothing here. */
	assert_int_equal(store_template_list(st, "ta", "r9", NULL, 100, &page),
			 STORE_OK);
	assert_int_equal(page.n, 0);
	store_template_list_free(&page);
	assert_int_equal(store_template_list(st, "tb", NULL, NULL, 100, &page),
			 STORE_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.items[0].id, "p0");
	store_template_list_free(&page);
	assert_int_equal(store_error_count(st), 0);
}

/*
 * A template with a certificate still in force stays; once its
 * certificates have expired or been revoked for good, it goes with its
 * requests and leaves the certificates without a template.
 */
static void test_template_delete(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("ta", "template.delete", "t1");
	struct store_audit rv = audit_of("ta", "certificate.revoke", "x1");
	struct store_certificate got;

	pki_setup(state);
	template_insert(state, "t2", "ta", "r1", "other");
	cert_add(state, "x1", "ta", "r1", "t1", "01", NOW + DAY);
	cert_add(state, "x2", "ta", "r1", "t1", "02", NOW - 1);
	cert_add(state, "x3", "ta", "r1", "t1", "03", NOW);
	cert_add(state, "x4", "ta", "r1", "t2", "04", NOW + DAY);
	request_insert(state, "q1", "ta", "t1", "pending", NULL);
	request_insert(state, "q2", "ta", "t2", "pending", NULL);

	/* x1 is valid: it keeps the template. */
	assert_int_equal(store_template_delete(st, "ta", "t1", NOW, &a),
			 STORE_CONFLICT);

	/* On hold it may come back, so it still does. */
	assert_int_equal(store_certificate_revoke(st, "ta", "x1", NOW,
						  "certificateHold", 0, &rv),
			 STORE_OK);
	assert_int_equal(store_template_delete(st, "ta", "t1", NOW, &a),
			 STORE_CONFLICT);
	assert_int_equal(rows_where(state, "templates", "id = 't1'"), 1);
	assert_int_equal(rows_where(state, "requests", "id = 'q1'"), 1);
	assert_int_equal(audit_count(state, "template.delete"), 0);

	/* An expired hold no longer counts. */
	assert_int_equal(store_template_delete(st, "ta", "t1", NOW + DAY, &a),
			 STORE_OK);
	assert_int_equal(audit_count(state, "template.delete"), 1);
	assert_int_equal(rows_where(state, "templates", "id = 't1'"), 0);
	assert_int_equal(rows_where(state, "requests", "id = 'q1'"), 0);
	assert_int_equal(rows_where(state, "certificates",
				    "template_id IS NULL AND id IN ('x1', "
				    "'x2', 'x3')"),
			 3);
	assert_int_equal(store_certificate_get(st, "ta", "x1", &got), STORE_OK);
	assert_null(got.template_id);
	assert_string_equal(got.revocation_reason, "certificateHold");
	store_certificate_free(&got);

	/* Revoked for good: the template may go at once. */
	assert_int_equal(store_template_delete(st, "ta", "t2", NOW, &a),
			 STORE_CONFLICT);
	assert_int_equal(store_certificate_revoke(st, "ta", "x4", NOW,
						  "keyCompromise", 0, &rv),
			 STORE_OK);
	assert_int_equal(store_template_delete(st, "ta", "t2", NOW, &a),
			 STORE_OK);
	assert_int_equal(rows_where(state, "requests", "1 = 1"), 0);
	assert_int_equal(rows_where(state, "certificates", "1 = 1"), 4);

	/* Another tenant's template, or one gone already. */
	assert_int_equal(store_template_delete(st, "ta", "t9", NOW, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(store_template_delete(st, "ta", "t1", NOW, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(rows_where(state, "templates", "id = 't9'"), 1);
	assert_int_equal(audit_count(state, "template.delete"), 2);
	assert_int_equal(store_error_count(st), 0);
}

static void test_certificate_insert_get_find(void **state)
{
	struct store *st = store_of(state);
	struct store_certificate c =
	    cert_of("x1", "ta", "r1", "t1", "00ff", NOW + DAY);
	struct store_audit a = audit_of("ta", "certificate.issue", "x2");
	struct store_certificate got;

	pki_setup(state);
	ca_insert(state, "r2", "ta", "Other", NULL);
	template_insert(state, "t2", "ta", "r2", "tls");
	c.request_id = "q1";
	c.sans = "DNS:host.example, IP:192.0.2.7";
	cert_insert(state, &c);
	assert_int_equal(audit_count(state, "certificate.issue"), 1);

	assert_int_equal(store_certificate_get(st, "ta", "x1", &got), STORE_OK);
	assert_string_equal(got.id, "x1");
	assert_string_equal(got.tenant_id, "ta");
	assert_string_equal(got.ca_id, "r1");
	assert_string_equal(got.template_id, "t1");
	assert_string_equal(got.request_id, "q1");
	assert_string_equal(got.serial, "00ff");
	assert_string_equal(got.subject, "CN=host.example");
	assert_string_equal(got.sans, "DNS:host.example, IP:192.0.2.7");
	assert_string_equal(got.key_type, "ec-p256");
	assert_true(got.not_before == NOW - DAY);
	assert_true(got.not_after == NOW + DAY);
	assert_int_equal(got.der_len, sizeof(cert_bytes));
	assert_memory_equal(got.der, cert_bytes, sizeof(cert_bytes));
	assert_true(got.revoked_at == 0);
	assert_null(got.revocation_reason);
	assert_true(got.invalidity_date == 0);
	assert_true(got.created_at == NOW - DAY);
	store_certificate_free(&got);
	store_certificate_free(&got);
	store_certificate_free(NULL);
	assert_int_equal(rows_where(state, "certificates",
				    "revoked_at IS NULL AND invalidity_date "
				    "IS NULL"),
			 1);

	/* A serial is unique per CA: taken under r1, free under r2. */
	c = cert_of("x2", "ta", "r1", NULL, "00ff", NOW + DAY);
	assert_int_equal(store_certificate_insert(st, &c, &a), STORE_CONFLICT);
	assert_int_equal(audit_count(state, "certificate.issue"), 1);
	c.ca_id = "r2";
	assert_int_equal(store_certificate_insert(st, &c, &a), STORE_OK);
	c = cert_of("x9", "tb", "r9", "t9", "00ff", NOW + DAY);
	cert_insert(state, &c);
	assert_int_equal(audit_count(state, "certificate.issue"), 3);

	/* Not under another tenant's CA, nor another CA's template. */
	c = cert_of("x3", "ta", "r9", NULL, "03", NOW + DAY);
	assert_int_equal(store_certificate_insert(st, &c, &a), STORE_NOT_FOUND);
	c = cert_of("x3", "ta", "r1", "t2", "03", NOW + DAY);
	assert_int_equal(store_certificate_insert(st, &c, &a), STORE_NOT_FOUND);
	c = cert_of("x3", "ta", "r1", "t9", "03", NOW + DAY);
	assert_int_equal(store_certificate_insert(st, &c, &a), STORE_NOT_FOUND);
	assert_int_equal(rows_where(state, "certificates", "id = 'x3'"), 0);
	assert_int_equal(audit_count(state, "certificate.issue"), 3);

	/* By CA and serial, for OCSP; any tenant. */
	assert_int_equal(store_certificate_find(st, "r2", "00ff", &got),
			 STORE_OK);
	assert_string_equal(got.id, "x2");
	assert_null(got.template_id);
	assert_null(got.request_id);
	store_certificate_free(&got);
	assert_int_equal(store_certificate_find(st, "r9", "00ff", &got),
			 STORE_OK);
	assert_string_equal(got.id, "x9");
	store_certificate_free(&got);
	assert_int_equal(store_certificate_find(st, "r1", "0100", &got),
			 STORE_NOT_FOUND);
	assert_null(got.id);

	assert_int_equal(store_certificate_get(st, "ta", "x9", &got),
			 STORE_NOT_FOUND);
	assert_int_equal(store_certificate_get(st, "tb", "x1", &got),
			 STORE_NOT_FOUND);
	assert_null(got.id);
	assert_int_equal(store_error_count(st), 0);
}

/* The ids that a certificate list with f gives, comma-separated. */
static void list_ids(void **state, const struct store_certificate_filter *f,
		     const char *want)
{
	struct store_certificate_list l;
	char have[256] = "";
	size_t len = 0;

	assert_int_equal(
	    store_certificate_list(store_of(state), "ta", f, NULL, 100, &l),
	    STORE_OK);
	for (size_t i = 0; i < l.n; i++) {
		assert_string_equal(l.items[i].tenant_id, "ta");
		len += (size_t)snprintf(have + len, sizeof(have) - len, "%s%s",
					i > 0 ? "," : "", l.items[i].id);
		assert_true(len < sizeof(have));
	}
	assert_int_equal(l.has_more, 0);
	store_certificate_list_free(&l);
	assert_string_equal(have, want);
}

static void test_certificate_list_filters(void **state)
{
	struct store *st = store_of(state);
	struct store_audit rv = audit_of("ta", "certificate.revoke", "x");
	struct store_certificate c;
	struct store_certificate_list l;
	struct store_certificate_filter f = {.now = NOW};

	pki_setup(state);
	ca_insert(state, "r2", "ta", "Other", NULL);
	template_insert(state, "t2", "ta", "r2", "tls");
	/* a: valid long; b: valid, expiring in a day; c: expired; */
	cert_add(state, "a", "ta", "r1", "t1", "0a", NOW + 90 * DAY);
	c = cert_of("b", "ta", "r1", "t1", "0b", NOW + DAY);
	c.subject = "CN=Mail Server,O=Example";
	c.sans = "DNS:MX1.example.org, email:post_master@example.org";
	cert_insert(state, &c);
	cert_add(state, "c", "ta", "r1", NULL, "0c", NOW);
	/* d: revoked; e: on hold and expiring; f: under r2, 100% odd. */
	cert_add(state, "d", "ta", "r1", "t1", "0d", NOW + 90 * DAY);
	cert_add(state, "e", "ta", "r1", "t1", "0e", NOW + DAY);
	c = cert_of("f", "ta", "r2", "t2", "0a", NOW + 30 * DAY);
	c.subject = "CN=100% odd\\name";
	c.sans = "DNS:odd.example";
	cert_insert(state, &c);
	/* Another tenant's certificate matches every filter but the tenant. */
	c = cert_of("g", "tb", "r9", "t9", "0a", NOW + DAY);
	c.subject = "CN=Mail Server 100% odd\\name";
	cert_insert(state, &c);
	assert_int_equal(store_certificate_revoke(st, "ta", "d", NOW,
						  "keyCompromise", 0, &rv),
			 STORE_OK);
	assert_int_equal(store_certificate_revoke(st, "ta", "e", NOW,
						  "certificateHold", 0, &rv),
			 STORE_OK);

	list_ids(state, NULL, "a,b,c,d,e,f");
	list_ids(state, &f, "a,b,c,d,e,f");

	f.status = "valid";
	list_ids(state, &f, "a,b,f");
	f.status = "revoked";
	list_ids(state, &f, "d,e");
	f.status = "expired";
	list_ids(state, &f, "c");
	/* Later, more have expired; revoked ones stay revoked. */
	f.now = NOW + 60 * DAY;
	list_ids(state, &f, "b,c,f");
	f.status = "valid";
	list_ids(state, &f, "a");
	f = (struct store_certificate_filter){.now = NOW};

	f.ca_id = "r2";
	list_ids(state, &f, "f");
	f.ca_id = "r9";
	list_ids(state, &f, "");
	f.ca_id = NULL;
	f.template_id = "t1";
	list_ids(state, &f, "a,b,d,e");
	f.template_id = "t9";
	list_ids(state, &f, "");
	f.template_id = NULL;

	f.serial = "0a";
	list_ids(state, &f, "a,f");
	f.serial = "0A";
	list_ids(state, &f, "");
	f.serial = "0";
	list_ids(state, &f, "");
	f.serial = NULL;

	/* Text: anywhere in subject or SANs, case-insensitive. */
	f.text = "mail server";
	list_ids(state, &f, "b");
	f.text = "mx1.EXAMPLE";
	list_ids(state, &f, "b");
	f.text = "example";
	list_ids(state, &f, "a,b,c,d,e,f");
	/* %, _ and \ are themselves, not patterns. */
	f.text = "100%";
	list_ids(state, &f, "f");
	f.text = "%";
	list_ids(state, &f, "f");
	f.text = "post_master";
	list_ids(state, &f, "b");
	f.text = "post_";
	list_ids(state, &f, "b");
	f.text = "_";
	list_ids(state, &f, "b");
	f.text = "st_m";
	list_ids(state, &f, "b");
	f.text = "s_m";
	list_ids(state, &f, "");
	f.text = "odd\\name";
	list_ids(state, &f, "f");
	f.text = "\\";
	list_ids(state, &f, "f");
	f.text = "no such host";
	list_ids(state, &f, "");
	f.text = NULL;

	/* Expiring: valid now and ending by then; the hold is not valid. */
	f.expiring_before = NOW + 2 * DAY;
	list_ids(state, &f, "b");
	f.expiring_before = NOW + 30 * DAY;
	list_ids(state, &f, "b,f");
	f.now = NOW + 2 * DAY;
	list_ids(state, &f, "f");

	/* Filters combine. */
	f = (struct store_certificate_filter){
	    .now = NOW, .status = "valid", .ca_id = "r1", .text = "example"};
	list_ids(state, &f, "a,b");
	f.expiring_before = NOW + DAY;
	f.template_id = "t1";
	f.serial = "0b";
	list_ids(state, &f, "b");

	/* A status the store does not know is an error, not a filter. */
	f = (struct store_certificate_filter){.now = NOW, .status = "bogus"};
	assert_int_equal(store_certificate_list(st, "ta", &f, NULL, 10, &l),
			 STORE_ERROR);
	assert_int_equal(l.n, 0);
	assert_null(l.items);
	store_certificate_list_free(&l);

	/* tb sees its own only. */
	assert_int_equal(store_certificate_list(st, "tb", NULL, NULL, 10, &l),
			 STORE_OK);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].id, "g");
	store_certificate_list_free(&l);
	store_certificate_list_free(NULL);
}

static void test_certificate_list_paging(void **state)
{
	static char *const ids[] = {"k1", "k2", "k3", "k4", "k5", "k6", "k7"};
	static char *const serials[] = {"01", "02", "03", "04",
					"05", "06", "07"};
	struct store *st = store_of(state);
	struct store_certificate_filter f = {.now = NOW, .status = "valid"};
	struct store_certificate_list page;
	char after[16] = "";
	size_t seen = 0, pages = 0;
	int more;

	pki_setup(state);
	for (size_t i = 0; i < 7; i++) {
		size_t k = (i * 3) % 7;

		cert_add(state, ids[k], "ta", "r1", "t1", serials[k],
			 NOW + DAY);
	}
	cert_add(state, "k0", "tb", "r9", "t9", "01", NOW + DAY);
	cert_add(state, "k8", "ta", "r1", "t1", "08", NOW - DAY);

	/* Pages of 3 of the valid ones give each once, in order. */
	do {
		assert_int_equal(store_certificate_list(st, "ta", &f,
							seen > 0 ? after : NULL,
							3, &page),
				 STORE_OK);
		assert_true(page.n <= 3);
		for (size_t i = 0; i < page.n; i++, seen++) {
			assert_true(seen < 7);
			assert_string_equal(page.items[i].id, ids[seen]);
		}
		if (page.n > 0)
			snprintf(after, sizeof(after), "%s",
				 page.items[page.n - 1].id);
		more = page.has_more;
		assert_int_equal(more, seen < 7);
		store_certificate_list_free(&page);
		pages++;
	} while (more && pages < 10);
	assert_int_equal(seen, 7);
	assert_int_equal(pages, 3);

	/* A limit of 0 is 1; after the last there is nothing. */
	assert_int_equal(store_certificate_list(st, "ta", NULL, NULL, 0, &page),
			 STORE_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.items[0].id, "k1");
	assert_int_equal(page.has_more, 1);
	store_certificate_list_free(&page);
	assert_int_equal(
	    store_certificate_list(st, "ta", NULL, "k8", 10, &page), STORE_OK);
	assert_int_equal(page.n, 0);
	assert_int_equal(page.has_more, 0);
	store_certificate_list_free(&page);
	assert_int_equal(store_error_count(st), 0);
}

static void test_certificate_revoke(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("ta", "certificate.revoke", "x1");
	struct store_certificate got;

	pki_setup(state);
	cert_add(state, "x1", "ta", "r1", "t1", "01", NOW + DAY);
	cert_add(state, "x2", "ta", "r1", "t1", "02", NOW + DAY);
	cert_add(state, "x9", "tb", "r9", "t9", "01", NOW + DAY);

	/* Not revoked: nothing to release. */
	assert_int_equal(
	    store_certificate_revoke(st, "ta", "x1", NOW, NULL, 0, &a),
	    STORE_CONFLICT);

	assert_int_equal(store_certificate_revoke(st, "ta", "x1", NOW + 5,
						  "keyCompromise", NOW - 9, &a),
			 STORE_OK);
	assert_int_equal(audit_count(state, "certificate.revoke"), 1);
	assert_int_equal(store_certificate_get(st, "ta", "x1", &got), STORE_OK);
	assert_true(got.revoked_at == NOW + 5);
	assert_string_equal(got.revocation_reason, "keyCompromise");
	assert_true(got.invalidity_date == NOW - 9);
	store_certificate_free(&got);

	/* Revoked for good: neither again nor released; it stays as is. */
	assert_int_equal(store_certificate_revoke(st, "ta", "x1", NOW + 9,
						  "superseded", 0, &a),
			 STORE_CONFLICT);
	assert_int_equal(store_certificate_revoke(st, "ta", "x1", NOW + 9,
						  "certificateHold", 0, &a),
			 STORE_CONFLICT);
	assert_int_equal(
	    store_certificate_revoke(st, "ta", "x1", NOW + 9, NULL, 0, &a),
	    STORE_CONFLICT);
	assert_int_equal(store_certificate_get(st, "ta", "x1", &got), STORE_OK);
	assert_true(got.revoked_at == NOW + 5);
	assert_string_equal(got.revocation_reason, "keyCompromise");
	store_certificate_free(&got);
	assert_int_equal(audit_count(state, "certificate.revoke"), 1);

	/* On hold, then released: as if never revoked. */
	assert_int_equal(store_certificate_revoke(st, "ta", "x2", NOW,
						  "certificateHold", NOW, &a),
			 STORE_OK);
	assert_int_equal(
	    store_certificate_revoke(st, "ta", "x2", NOW + 1, NULL, 0, &a),
	    STORE_OK);
	assert_int_equal(store_certificate_get(st, "ta", "x2", &got), STORE_OK);
	assert_true(got.revoked_at == 0);
	assert_null(got.revocation_reason);
	assert_true(got.invalidity_date == 0);
	store_certificate_free(&got);
	assert_int_equal(rows_where(state, "certificates",
				    "id = 'x2' AND revoked_at IS NULL AND "
				    "revocation_reason IS NULL AND "
				    "invalidity_date IS NULL"),
			 1);
	assert_int_equal(
	    store_certificate_revoke(st, "ta", "x2", NOW + 1, NULL, 0, &a),
	    STORE_CONFLICT);

	/* On hold, then revoked for good: the new reason replaces it. */
	assert_int_equal(store_certificate_revoke(st, "ta", "x2", NOW + 2,
						  "certificateHold", 0, &a),
			 STORE_OK);
	assert_int_equal(store_certificate_revoke(st, "ta", "x2", NOW + 3,
						  "cessationOfOperation", 0,
						  &a),
			 STORE_OK);
	assert_int_equal(store_certificate_get(st, "ta", "x2", &got), STORE_OK);
	assert_true(got.revoked_at == NOW + 3);
	assert_string_equal(got.revocation_reason, "cessationOfOperation");
	store_certificate_free(&got);
	assert_int_equal(audit_count(state, "certificate.revoke"), 5);

	/* Another tenant's certificate, or none, is not found. */
	assert_int_equal(store_certificate_revoke(st, "ta", "x9", NOW,
						  "keyCompromise", 0, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(
	    store_certificate_revoke(st, "ta", "x9", NOW, NULL, 0, &a),
	    STORE_NOT_FOUND);
	assert_int_equal(store_certificate_revoke(st, "ta", "nope", NOW,
						  "keyCompromise", 0, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(store_certificate_get(st, "tb", "x9", &got), STORE_OK);
	assert_true(got.revoked_at == 0);
	store_certificate_free(&got);
	assert_int_equal(audit_count(state, "certificate.revoke"), 5);
	assert_int_equal(store_error_count(st), 0);
}

static void test_request_insert_get_find(void **state)
{
	struct store *st = store_of(state);
	struct store_request r = request_of("q3", "ta", "t1", "preapproved");
	struct store_audit a = audit_of("ta", "request.create", "q3");
	struct store_request got;

	pki_setup(state);
	request_insert(state, "q1", "ta", "t1", "pending", NULL);
	request_insert(state, "q2", "ta", "t1", "preapproved", "c1a1");
	request_insert(state, "q9", "tb", "t9", "preapproved", "c9a9");
	assert_int_equal(audit_count(state, "request.create"), 3);

	assert_int_equal(store_request_get(st, "ta", "q1", &got), STORE_OK);
	assert_string_equal(got.id, "q1");
	assert_string_equal(got.tenant_id, "ta");
	assert_string_equal(got.template_id, "t1");
	assert_string_equal(got.status, "pending");
	assert_int_equal(got.csr_len, sizeof(csr_bytes));
	assert_memory_equal(got.csr_der, csr_bytes, sizeof(csr_bytes));
	assert_string_equal(got.subject, "CN=host.example");
	assert_null(got.overrides);
	assert_null(got.claim_hash);
	assert_string_equal(got.requested_by, "u1");
	assert_true(got.created_at == NOW);
	assert_true(got.decided_at == 0);
	assert_null(got.decided_by);
	assert_null(got.decline_reason);
	assert_null(got.certificate_id);
	store_request_free(&got);
	store_request_free(&got);
	store_request_free(NULL);

	assert_int_equal(store_request_get(st, "ta", "q2", &got), STORE_OK);
	assert_string_equal(got.status, "preapproved");
	assert_null(got.csr_der);
	assert_int_equal(got.csr_len, 0);
	assert_string_equal(got.overrides, "{\"subject\":\"CN=device\"}");
	assert_string_equal(got.claim_hash, "c1a1");
	store_request_free(&got);
	assert_int_equal(rows_where(state, "requests",
				    "id = 'q2' AND csr_der IS NULL AND "
				    "decided_at IS NULL"),
			 1);

	/* A claim hash is unique, across tenants too. */
	r.claim_hash = "c9a9";
	assert_int_equal(store_request_insert(st, &r, &a), STORE_CONFLICT);
	/* No request under another tenant's template. */
	r.claim_hash = "c3a3";
	r.template_id = "t9";
	assert_int_equal(store_request_insert(st, &r, &a), STORE_NOT_FOUND);
	assert_int_equal(rows_where(state, "requests", "id = 'q3'"), 0);
	assert_int_equal(audit_count(state, "request.create"), 3);

	assert_int_equal(store_request_get(st, "ta", "q9", &got),
			 STORE_NOT_FOUND);
	assert_null(got.id);
	assert_int_equal(store_request_get(st, "tb", "q1", &got),
			 STORE_NOT_FOUND);

	/* The claim finds the pre-approval in any tenant. */
	assert_int_equal(store_request_find_claim(st, "c9a9", &got), STORE_OK);
	assert_string_equal(got.id, "q9");
	assert_string_equal(got.tenant_id, "tb");
	store_request_free(&got);
	assert_int_equal(store_request_find_claim(st, "nope", &got),
			 STORE_NOT_FOUND);
	assert_null(got.id);
	assert_int_equal(store_error_count(st), 0);
}

static void test_request_list(void **state)
{
	static char *const ids[] = {"q1", "q2", "q3", "q4", "q5", "q6", "q7"};
	struct store *st = store_of(state);
	struct store_request_list page;
	char after[16] = "";
	size_t seen = 0, pages = 0;
	int more;

	pki_setup(state);
	/* q2 and q5 are pre-approvals. */
	for (size_t i = 0; i < 7; i++) {
		size_t k = (i * 3) % 7;

		request_insert(state, ids[k], "ta", "t1",
			       k % 3 == 1 ? "preapproved" : "pending", NULL);
	}
	request_insert(state, "q0", "tb", "t9", "pending", NULL);

	do {
		assert_int_equal(store_request_list(st, "ta", NULL,
						    seen > 0 ? after : NULL, 3,
						    &page),
				 STORE_OK);
		assert_true(page.n <= 3);
		for (size_t i = 0; i < page.n; i++, seen++) {
			assert_true(seen < 7);
			assert_string_equal(page.items[i].id, ids[seen]);
		}
		if (page.n > 0)
			snprintf(after, sizeof(after), "%s",
				 page.items[page.n - 1].id);
		more = page.has_more;
		assert_int_equal(more, seen < 7);
		store_request_list_free(&page);
		pages++;
	} while (more && pages < 10);
	assert_int_equal(seen, 7);
	assert_int_equal(pages, 3);
	store_request_list_free(NULL);

	assert_int_equal(
	    store_request_list(st, "ta", "preapproved", NULL, 100, &page),
	    STORE_OK);
	assert_int_equal(page.n, 2);
	assert_string_equal(page.items[0].id, "q2");
	assert_string_equal(page.items[1].id, "q5");
	store_request_list_free(&page);
	assert_int_equal(
	    store_request_list(st, "ta", "pending", "q4", 100, &page),
	    STORE_OK);
	assert_int_equal(page.n, 2);
	assert_string_equal(page.items[0].id, "q6");
	assert_string_equal(page.items[1].id, "q7");
	store_request_list_free(&page);
	assert_int_equal(
	    store_request_list(st, "ta", "issued", NULL, 100, &page), STORE_OK);
	assert_int_equal(page.n, 0);
	store_request_list_free(&page);
	assert_int_equal(store_request_list(st, "tb", NULL, NULL, 100, &page),
			 STORE_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.items[0].id, "q0");
	store_request_list_free(&page);
	assert_int_equal(store_error_count(st), 0);
}

static void test_request_decline(void **state)
{
	struct store *st = store_of(state);
	struct store_request r = {.id = "q1",
				  .tenant_id = "ta",
				  .decided_at = NOW + 7,
				  .decided_by = "u2",
				  .decline_reason = "wrong team"};
	struct store_audit a = audit_of("ta", "request.decline", "q1");
	struct store_request got;

	pki_setup(state);
	request_insert(state, "q1", "ta", "t1", "pending", NULL);
	request_insert(state, "q2", "ta", "t1", "preapproved", "c2");
	request_insert(state, "q9", "tb", "t9", "pending", NULL);

	assert_int_equal(store_request_decline(st, &r, &a), STORE_OK);
	assert_int_equal(audit_count(state, "request.decline"), 1);
	assert_int_equal(store_request_get(st, "ta", "q1", &got), STORE_OK);
	assert_string_equal(got.status, "declined");
	assert_true(got.decided_at == NOW + 7);
	assert_string_equal(got.decided_by, "u2");
	assert_string_equal(got.decline_reason, "wrong team");
	store_request_free(&got);

	/* Declined already, or not pending: a conflict. */
	assert_int_equal(store_request_decline(st, &r, &a), STORE_CONFLICT);
	r.id = "q2";
	assert_int_equal(store_request_decline(st, &r, &a), STORE_CONFLICT);

	/* Another tenant's request, or none. */
	r.id = "q9";
	assert_int_equal(store_request_decline(st, &r, &a), STORE_NOT_FOUND);
	r.id = "nope";
	assert_int_equal(store_request_decline(st, &r, &a), STORE_NOT_FOUND);
	assert_int_equal(store_request_get(st, "tb", "q9", &got), STORE_OK);
	assert_string_equal(got.status, "pending");
	store_request_free(&got);
	assert_int_equal(audit_count(state, "request.decline"), 1);
	assert_int_equal(store_error_count(st), 0);
}

/* A request is issued once: the second try stores nothing. */
static void test_issue_commit_request(void **state)
{
	struct store *st = store_of(state);
	struct store_certificate c =
	    cert_of("x1", "ta", "r1", "t1", "01", NOW + DAY);
	struct store_request r = {.id = "q1",
				  .tenant_id = "ta",
				  .decided_at = NOW,
				  .decided_by = "u2"};
	struct store_audit a = audit_of("ta", "certificate.issue", "x1");
	struct store_request got;

	pki_setup(state);
	request_insert(state, "q1", "ta", "t1", "pending", NULL);
	request_insert(state, "q9", "tb", "t9", "pending", NULL);
	c.request_id = "q1";

	assert_int_equal(store_issue_commit(st, &c, &r, NULL, &a), STORE_OK);
	assert_int_equal(audit_count(state, "certificate.issue"), 1);
	assert_int_equal(store_request_get(st, "ta", "q1", &got), STORE_OK);
	assert_string_equal(got.status, "issued");
	assert_string_equal(got.certificate_id, "x1");
	assert_true(got.decided_at == NOW);
	assert_string_equal(got.decided_by, "u2");
	/* The CSR it came with stays. */
	assert_memory_equal(got.csr_der, csr_bytes, sizeof(csr_bytes));
	store_request_free(&got);
	assert_int_equal(rows_where(state, "certificates", "id = 'x1'"), 1);

	/* Again, with another certificate: a conflict, and no certificate. */
	c.id = "x2";
	c.serial = "02";
	assert_int_equal(store_issue_commit(st, &c, &r, NULL, &a),
			 STORE_CONFLICT);
	assert_int_equal(rows_where(state, "certificates", "1 = 1"), 1);
	assert_int_equal(store_request_get(st, "ta", "q1", &got), STORE_OK);
	assert_string_equal(got.certificate_id, "x1");
	store_request_free(&got);
	assert_int_equal(audit_count(state, "certificate.issue"), 1);

	/* A declined request cannot be issued either. */
	request_insert(state, "q2", "ta", "t1", "pending", NULL);
	sql(state, "UPDATE requests SET status = 'declined' WHERE id = 'q2'");
	r.id = "q2";
	assert_int_equal(store_issue_commit(st, &c, &r, NULL, &a),
			 STORE_CONFLICT);

	/* Another tenant's request is not found, and nothing is stored. */
	r.id = "q9";
	assert_int_equal(store_issue_commit(st, &c, &r, NULL, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(store_request_get(st, "tb", "q9", &got), STORE_OK);
	assert_string_equal(got.status, "pending");
	store_request_free(&got);

	/* A taken serial stores nothing and leaves the request open. */
	request_insert(state, "q3", "ta", "t1", "pending", NULL);
	r.id = "q3";
	c.serial = "01";
	assert_int_equal(store_issue_commit(st, &c, &r, NULL, &a),
			 STORE_CONFLICT);
	assert_int_equal(store_request_get(st, "ta", "q3", &got), STORE_OK);
	assert_string_equal(got.status, "pending");
	assert_null(got.certificate_id);
	store_request_free(&got);

	/* The request's tenant must be the certificate's. */
	r.tenant_id = "tb";
	assert_int_equal(store_issue_commit(st, &c, &r, NULL, &a), STORE_ERROR);
	assert_int_equal(rows_where(state, "certificates", "1 = 1"), 1);
	assert_int_equal(audit_count(state, "certificate.issue"), 1);
}

/* A claimed pre-approval keeps the CSR it was claimed with. */
static void test_issue_commit_claim(void **state)
{
	struct store *st = store_of(state);
	struct store_certificate c =
	    cert_of("x1", "ta", "r1", "t1", "01", NOW + DAY);
	struct store_request r = {.id = "q1",
				  .tenant_id = "ta",
				  .csr_der = csr_bytes,
				  .csr_len = sizeof(csr_bytes),
				  .decided_at = NOW};
	struct store_audit a = audit_of("ta", "certificate.issue", "x1");
	struct store_request got;

	pki_setup(state);
	request_insert(state, "q1", "ta", "t1", "preapproved", "c1");

	assert_int_equal(store_issue_commit(st, &c, &r, NULL, &a), STORE_OK);
	assert_int_equal(store_request_get(st, "ta", "q1", &got), STORE_OK);
	assert_string_equal(got.status, "issued");
	assert_string_equal(got.certificate_id, "x1");
	assert_int_equal(got.csr_len, sizeof(csr_bytes));
	assert_memory_equal(got.csr_der, csr_bytes, sizeof(csr_bytes));
	assert_null(got.decided_by);
	store_request_free(&got);

	/* A claimed token finds nothing any more. */
	assert_int_equal(store_request_find_claim(st, "c1", &got),
			 STORE_NOT_FOUND);
	c.id = "x2";
	c.serial = "02";
	assert_int_equal(store_issue_commit(st, &c, &r, NULL, &a),
			 STORE_CONFLICT);
	assert_int_equal(rows_where(state, "certificates", "1 = 1"), 1);
	assert_int_equal(audit_count(state, "certificate.issue"), 1);
	assert_int_equal(store_error_count(st), 0);
}

/* A renewal supersedes its predecessor in the same transaction. */
static void test_issue_commit_renewal(void **state)
{
	struct store *st = store_of(state);
	struct store_certificate c =
	    cert_of("x2", "ta", "r1", "t1", "02", NOW + 90 * DAY);
	struct store_audit a = audit_of("ta", "certificate.renew", "x2");
	struct store_certificate got;

	pki_setup(state);
	cert_add(state, "x1", "ta", "r1", "t1", "01", NOW + DAY);
	cert_add(state, "x3", "ta", "r1", "t1", "03", NOW + DAY);
	cert_add(state, "x9", "tb", "r9", "t9", "01", NOW + DAY);
	c.created_at = NOW + 11;

	assert_int_equal(store_issue_commit(st, &c, NULL, "x1", &a), STORE_OK);
	assert_int_equal(audit_count(state, "certificate.renew"), 1);
	assert_int_equal(store_certificate_get(st, "ta", "x1", &got), STORE_OK);
	assert_true(got.revoked_at == NOW + 11);
	assert_string_equal(got.revocation_reason, "superseded");
	store_certificate_free(&got);
	assert_int_equal(store_certificate_get(st, "ta", "x2", &got), STORE_OK);
	assert_true(got.revoked_at == 0);
	assert_null(got.request_id);
	store_certificate_free(&got);

	/* A predecessor revoked already keeps its own reason. */
	assert_int_equal(store_certificate_revoke(st, "ta", "x3", NOW,
						  "keyCompromise", 0, &a),
			 STORE_OK);
	c = cert_of("x4", "ta", "r1", "t1", "04", NOW + 90 * DAY);
	assert_int_equal(store_issue_commit(st, &c, NULL, "x3", &a), STORE_OK);
	assert_int_equal(store_certificate_get(st, "ta", "x3", &got), STORE_OK);
	assert_true(got.revoked_at == NOW);
	assert_string_equal(got.revocation_reason, "keyCompromise");
	store_certificate_free(&got);

	/* Another tenant's certificate is not superseded from here. */
	c = cert_of("x5", "ta", "r1", "t1", "05", NOW + 90 * DAY);
	assert_int_equal(store_issue_commit(st, &c, NULL, "x9", &a), STORE_OK);
	assert_int_equal(store_certificate_get(st, "tb", "x9", &got), STORE_OK);
	assert_true(got.revoked_at == 0);
	store_certificate_free(&got);

	/* A taken serial: no certificate, and the predecessor stays. */
	c = cert_of("x6", "ta", "r1", "t1", "05", NOW + 90 * DAY);
	assert_int_equal(store_issue_commit(st, &c, NULL, "x2", &a),
			 STORE_CONFLICT);
	assert_int_equal(rows_where(state, "certificates",
				    "id = 'x2' AND revoked_at IS NULL"),
			 1);
	assert_int_equal(rows_where(state, "certificates", "id = 'x6'"), 0);
	assert_int_equal(audit_count(state, "certificate.renew"), 4);
	assert_int_equal(store_error_count(st), 0);
}

#define TEST(f)                                                                \
	cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_ca_insert_get_find),
	    TEST(test_ca_list),
	    TEST(test_ca_update_activate),
	    TEST(test_ca_delete),
	    TEST(test_template_insert_get_update),
	    TEST(test_template_list),
	    TEST(test_template_delete),
	    TEST(test_certificate_insert_get_find),
	    TEST(test_certificate_list_filters),
	    TEST(test_certificate_list_paging),
	    TEST(test_certificate_revoke),
	    TEST(test_request_insert_get_find),
	    TEST(test_request_list),
	    TEST(test_request_decline),
	    TEST(test_issue_commit_request),
	    TEST(test_issue_commit_claim),
	    TEST(test_issue_commit_renewal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
