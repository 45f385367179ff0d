/*
 * The audit log: appends, tenant-scoped lists with filters and a cursor,
 * the hash chain under concurrent appends, and store_audit_verify against
 * an attacker who writes to the database directly. Each test gets a new
 * database on the backend PKIAAS_TEST_BACKEND names (sqlite or postgres,
 * in the cluster of PKIAAS_TEST_PG). Registered once per backend:
 * PKIAAS_TEST_PER_BACKEND.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "testutil.h"
#include "testutil_db.h"

#define POOL	  4
#define THREADS	  8
#define ROUNDS	  50
#define URL_MAX	  512
#define SQL_MAX	  2048
#define BULK_ROWS 1100 /* more than two of verify's batches */
#define ZERO_HASH                                                              \
	"0000000000000000000000000000000000000000000000000000000000000000"
#define MADE_UP_HASH                                                           \
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"

struct fixture {
	struct store *st;
	char url[URL_MAX];
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	testutil_db_url(f->url, sizeof(f->url));
	assert_int_equal(store_open(f->url, NULL, POOL, &f->st), STORE_OK);
	assert_int_equal(store_migrate(f->st, NULL, NULL), STORE_OK);
	*state = f;
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

/*
 * A connection of the attacker's own, straight to the database file or
 * server, past the store.
 */
struct raw {
	sqlite3 *db;
	PGconn *pg;
};

static void raw_open(const struct fixture *f, struct raw *r)
{
	memset(r, 0, sizeof(*r));
	if (testutil_on_postgres()) {
		r->pg = PQconnectdb(f->url);
		assert_int_equal(PQstatus(r->pg), CONNECTION_OK);
		return;
	}
	assert_int_equal(strncmp(f->url, "sqlite:", 7), 0);
	assert_int_equal(sqlite3_open(f->url + 7, &r->db), SQLITE_OK);
	assert_int_equal(sqlite3_busy_timeout(r->db, 5000), SQLITE_OK);
}

/* Runs sql; 0 when it succeeded, -1 when the database refused it. */
static int raw_try(struct raw *r, const char *sql)
{
	PGresult *res;
	int ok;

	if (r->db != NULL)
		return sqlite3_exec(r->db, sql, NULL, NULL, NULL) == SQLITE_OK
			   ? 0
			   : -1;
	res = PQexec(r->pg, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
	     PQresultStatus(res) == PGRES_TUPLES_OK;
	PQclear(res);
	return ok ? 0 : -1;
}

static void raw_exec(struct raw *r, const char *sql)
{
	if (raw_try(r, sql) != 0)
		fail_msg("%s: %s", sql,
			 r->db != NULL ? sqlite3_errmsg(r->db)
				       : PQerrorMessage(r->pg));
}

static void raw_exec_f(struct raw *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void raw_exec_f(struct raw *r, const char *fmt, ...)
{
	char sql[SQL_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_true(n > 0 && n < (int)sizeof(sql));
	raw_exec(r, sql);
}

/* What an attacker does first: removes the append-only triggers. */
static void raw_drop_triggers(struct raw *r)
{
	raw_exec(r, r->db != NULL
			? "DROP TRIGGER audit_log_no_update; "
			  "DROP TRIGGER audit_log_no_delete"
			: "DROP TRIGGER audit_log_append_only ON audit_log");
}

/* Keeps a copy of row seq, to put back with raw_restore. */
static void raw_save(struct raw *r, int64_t seq)
{
	raw_exec_f(r,
		   "CREATE TABLE saved AS SELECT * FROM audit_log "
		   "WHERE seq = %" PRId64,
		   seq);
}

static void raw_restore(struct raw *r, int64_t seq)
{
	raw_exec_f(r,
		   "DELETE FROM audit_log WHERE seq = %" PRId64 "; "
		   "INSERT INTO audit_log SELECT * FROM saved; "
		   "DROP TABLE saved",
		   seq);
}

static void raw_close(struct raw *r)
{
	if (r->db != NULL)
		sqlite3_close(r->db);
	if (r->pg != NULL)
		PQfinish(r->pg);
	memset(r, 0, sizeof(*r));
}

/*
 * The hash of a row, computed here from docs/operations.md without the
 * store's code: SHA-256 over the text "pkiaas-audit-v1" and the fields,
 * each as 0x00 (NULL), 0x01 + 8-byte big-endian integer, or 0x02 +
 * 8-byte big-endian length + bytes (text).
 */
struct row {
	int64_t seq;
	const char *id, *tenant_id;
	int64_t at;
	const char *actor_id, *actor_name, *action, *object_type, *object_id,
	    *address, *outcome, *detail, *prev_hash;
};

static void put_u64(EVP_MD_CTX *ctx, uint8_t tag, uint64_t v)
{
	uint8_t b[9] = {tag};

	for (int i = 0; i < 8; i++)
		b[8 - i] = (uint8_t)(v >> (8 * i));
	assert_int_equal(EVP_DigestUpdate(ctx, b, sizeof(b)), 1);
}

static void put_text(EVP_MD_CTX *ctx, const char *s)
{
	if (s == NULL) {
		assert_int_equal(EVP_DigestUpdate(ctx, "\0", 1), 1);
		return;
	}
	put_u64(ctx, 0x02, strlen(s));
	assert_int_equal(EVP_DigestUpdate(ctx, s, strlen(s)), 1);
}

static void row_hash(const struct row *r, char out[65])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int len = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	put_text(ctx, "pkiaas-audit-v1");
	put_u64(ctx, 0x01, (uint64_t)r->seq);
	put_text(ctx, r->id);
	put_text(ctx, r->tenant_id);
	put_u64(ctx, 0x01, (uint64_t)r->at);
	put_text(ctx, r->actor_id);
	put_text(ctx, r->actor_name);
	put_text(ctx, r->action);
	put_text(ctx, r->object_type);
	put_text(ctx, r->object_id);
	put_text(ctx, r->address);
	put_text(ctx, r->outcome);
	put_text(ctx, r->detail);
	put_text(ctx, r->prev_hash);
	assert_int_equal(EVP_DigestFinal_ex(ctx, md, &len), 1);
	assert_int_equal(len, sizeof(md));
	EVP_MD_CTX_free(ctx);
	for (size_t i = 0; i < sizeof(md); i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static struct row row_of_entry(const struct store_audit_entry *e)
{
	return (struct row){
	    e->seq,	   e->id,     e->tenant_id,   e->at,	    e->actor_id,
	    e->actor_name, e->action, e->object_type, e->object_id, e->address,
	    e->outcome,	   e->detail, e->prev_hash};
}

/* A SQL literal of s, which holds no quote: 'text' or NULL. */
static const char *lit(const char *s, char *buf, size_t n)
{
	if (s == NULL)
		return "NULL";
	assert_null(strchr(s, '\''));
	assert_true(snprintf(buf, n, "'%s'", s) < (int)n);
	return buf;
}

/* Inserts r as it stands, with hash (or, when NULL, r's true hash). */
static void raw_insert(struct raw *raw, const struct row *r, const char *hash)
{
	char b[12][128], h[65];

	if (hash == NULL) {
		row_hash(r, h);
		hash = h;
	}
	raw_exec_f(raw,
		   "INSERT INTO audit_log (seq, id, tenant_id, at, actor_id, "
		   "actor_name, action, object_type, object_id, address, "
		   "outcome, detail, prev_hash, hash) VALUES (%" PRId64
		   ", %s, %s, %" PRId64 ", %s, %s, %s, %s, %s, %s, %s, %s, %s, "
		   "'%s')",
		   r->seq, lit(r->id, b[0], 128), lit(r->tenant_id, b[1], 128),
		   r->at, lit(r->actor_id, b[2], 128),
		   lit(r->actor_name, b[3], 128), lit(r->action, b[4], 128),
		   lit(r->object_type, b[5], 128), lit(r->object_id, b[6], 128),
		   lit(r->address, b[7], 128), lit(r->outcome, b[8], 128),
		   lit(r->detail, b[9], 128), lit(r->prev_hash, b[10], 128),
		   hash);
}

/* The entries of the tests with filters: tenants ta and tb, and none. */
static const struct store_audit sample[] = {
    {"ta", "u1", "alice", "token.create", "token", "t1", "10.0.0.1", "success",
     "name=ci", 1000},
    {"ta", "u2", "bob", "token.revoke", "token", "t1", "10.0.0.2", "success",
     NULL, 2000},
    {"tb", "u3", "carol", "user.create", "user", "u9", NULL, "success", NULL,
     2500},
    {"ta", NULL, "alice", "login", NULL, NULL, "10.0.0.1", "denied", "", 3000},
    {NULL, NULL, "pkiaasd", "server.start", NULL, NULL, NULL, "success", NULL,
     3500},
    {"ta", "u1", "alice", "token.create", "token", "t2", "10.0.0.1", "failed",
     "name taken", 4000},
    {"tb", "u4", "dave", "token.create", "token", "t3", NULL, "success", NULL,
     4500},
    {"ta", "u2", "bob", "user.update", "user", "u1", "10.0.0.2", "success",
     "role=auditor", 5000},
    {"ta", "u1", "alice", "token.create", "token", "t4", "10.0.0.1", "success",
     NULL, 0},
};
#define N_SAMPLE (sizeof(sample) / sizeof(*sample))

static void append_sample(struct store *st)
{
	for (size_t i = 0; i < N_SAMPLE; i++)
		assert_int_equal(store_audit_append(st, &sample[i]), STORE_OK);
}

/* Appends n entries to tenant "tx" with at = 1..n. */
static void append_n(struct store *st, int n)
{
	char object[32];
	struct store_audit a = {"tx",	 "u1",	 "alice", "token.create",
				"token", object, "::1",	  "success",
				NULL,	 0};

	for (int i = 1; i <= n; i++) {
		snprintf(object, sizeof(object), "t%d", i);
		a.at = i;
		assert_int_equal(store_audit_append(st, &a), STORE_OK);
	}
}

/* Asserts that the list of tenant with f is exactly seqs, in order. */
static void assert_list(struct store *st, const char *tenant,
			const struct store_audit_filter *f, const int64_t *seqs,
			size_t n)
{
	struct store_audit_list l;

	assert_int_equal(store_audit_list(st, tenant, f, 100, &l), STORE_OK);
	assert_int_equal(l.n, n);
	assert_false(l.has_more);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(l.items[i].seq, seqs[i]);
		assert_string_equal(l.items[i].tenant_id, tenant);
	}
	store_audit_list_free(&l);
}

static void assert_intact(struct store *st, int64_t rows)
{
	struct store_audit_check c;

	assert_int_equal(store_audit_verify(st, &c), STORE_OK);
	if (c.bad_seq != 0)
		fail_msg("broken at row %" PRId64 ": %s", c.bad_seq, c.reason);
	assert_int_equal(c.rows, rows);
	assert_int_equal(c.head_seq, rows);
	assert_int_equal(strlen(c.head_hash), 64);
}

/* Asserts that verify finds the chain broken at bad with reason. */
static void assert_broken(struct store *st, int64_t bad, const char *reason)
{
	struct store_audit_check c;

	assert_int_equal(store_audit_verify(st, &c), STORE_OK);
	assert_int_equal(c.bad_seq, bad);
	if (strstr(c.reason, reason) == NULL)
		fail_msg("reason \"%s\" lacks \"%s\"", c.reason, reason);
}

static void test_list_filters(void **state)
{
	static const struct {
		struct store_audit_filter f;
		const char *tenant;
		int64_t seqs[6];
		size_t n;
	} cases[] = {
	    {{0}, "ta", {9, 8, 6, 4, 2, 1}, 6},
	    {{0}, "tb", {7, 3}, 2},
	    {{0}, "nobody", {0}, 0},
	    {{.action = "token.create"}, "ta", {9, 6, 1}, 3},
	    {{.action = "token.create"}, "tb", {7}, 1},
	    {{.actor_name = "bob"}, "ta", {8, 2}, 2},
	    {{.actor_name = "carol"}, "ta", {0}, 0},
	    {{.object_id = "t1"}, "ta", {2, 1}, 2},
	    {{.outcome = "denied"}, "ta", {4}, 1},
	    {{.outcome = "failed"}, "ta", {6}, 1},
	    {{.since = 2000, .until = 4000}, "ta", {6, 4, 2}, 3},
	    {{.until = 1999}, "ta", {1}, 1},
	    {{.before_seq = 6}, "ta", {4, 2, 1}, 3},
	    {{.action = "token.create", .outcome = "success"}, "ta", {9, 1}, 2},
	    /* A value that would break out of a quoted string is data. */
	    {{.action = "x' OR '1'='1"}, "ta", {0}, 0},
	};
	struct store *st = ((struct fixture *)*state)->st;
	struct store_audit_list l;

	append_sample(st);
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		assert_list(st, cases[i].tenant, &cases[i].f, cases[i].seqs,
			    cases[i].n);

	/* NULL filters, a NULL tenant, and limits out of range. */
	assert_int_equal(store_audit_list(st, "ta", NULL, 100, &l), STORE_OK);
	assert_int_equal(l.n, 6);
	store_audit_list_free(&l);
	assert_int_equal(store_audit_list(st, NULL, NULL, 100, &l), STORE_OK);
	assert_int_equal(l.n, 0);
	store_audit_list_free(&l);
	assert_int_equal(store_audit_list(st, "ta", NULL, 0, &l), STORE_OK);
	assert_int_equal(l.n, 1);
	assert_true(l.has_more);
	assert_int_equal(l.items[0].seq, 9);
	store_audit_list_free(&l);
	assert_int_equal(store_audit_list(st, "ta", NULL, SIZE_MAX, &l),
			 STORE_OK);
	assert_int_equal(l.n, 6);
	assert_false(l.has_more);
	store_audit_list_free(&l);
	store_audit_list_free(&l);
	store_audit_list_free(NULL);
	assert_int_equal(store_error_count(st), 0);
}

static void test_fields_and_get(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct store_audit_list l;
	struct store_audit_entry e, other;
	char want[65];
	struct row r;

	append_sample(st);
	assert_int_equal(store_audit_list(st, "ta", NULL, 100, &l), STORE_OK);
	assert_int_equal(l.n, 6);

	/* Row 4: NULL fields stay NULL, an empty detail stays empty. */
	assert_int_equal(store_audit_get(st, "ta", l.items[3].id, &e),
			 STORE_OK);
	assert_int_equal(e.seq, 4);
	assert_int_equal(strlen(e.id), 16);
	assert_string_equal(e.tenant_id, "ta");
	assert_null(e.actor_id);
	assert_string_equal(e.actor_name, "alice");
	assert_string_equal(e.action, "login");
	assert_null(e.object_type);
	assert_null(e.object_id);
	assert_string_equal(e.address, "10.0.0.1");
	assert_string_equal(e.outcome, "denied");
	assert_string_equal(e.detail, "");
	assert_int_equal(e.at, 3000);

	/* The hash is the documented encoding, and NULL differs from "". */
	r = row_of_entry(&e);
	row_hash(&r, want);
	assert_string_equal(e.hash, want);
	r.detail = NULL;
	row_hash(&r, want);
	assert_string_not_equal(e.hash, want);

	/* Another tenant's id is not found; nor is an unknown one. */
	assert_int_equal(store_audit_get(st, "tb", e.id, &other),
			 STORE_NOT_FOUND);
	assert_null(other.id);
	assert_int_equal(store_audit_get(st, "ta", "nosuchid", &other),
			 STORE_NOT_FOUND);
	assert_int_equal(store_audit_get(st, NULL, e.id, &other),
			 STORE_NOT_FOUND);
	store_audit_entry_free(&e);
	store_audit_entry_free(&e);
	store_audit_entry_free(NULL);

	/* Each row links to the one before; at 0 is the time of append. */
	assert_string_equal(l.items[5].prev_hash, ZERO_HASH);
	for (size_t i = 0; i + 1 < l.n; i++) {
		r = row_of_entry(&l.items[i]);
		row_hash(&r, want);
		assert_string_equal(l.items[i].hash, want);
	}
	assert_true(l.items[0].at > 1600000000);
	store_audit_list_free(&l);

	assert_intact(st, N_SAMPLE);
	assert_int_equal(store_error_count(st), 0);
}

static void test_cursor(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct store_audit_filter f = {0};
	struct store_audit_list l;
	int seen[38] = {0}, pages = 0;
	int64_t last = INT64_MAX;

	append_n(st, 37);
	do {
		assert_int_equal(store_audit_list(st, "tx", &f, 5, &l),
				 STORE_OK);
		assert_true(l.n <= 5);
		for (size_t i = 0; i < l.n; i++) {
			assert_true(l.items[i].seq < last);
			last = l.items[i].seq;
			assert_true(last >= 1 && last <= 37);
			seen[last]++;
		}
		if (l.n > 0)
			f.before_seq = l.items[l.n - 1].seq;
		pages++;
		assert_true(l.has_more == (last > 1));
		store_audit_list_free(&l);
	} while (f.before_seq > 1 && pages < 100);
	assert_int_equal(pages, 8);
	for (int i = 1; i <= 37; i++)
		assert_int_equal(seen[i], 1);

	/* The cursor combines with a filter. */
	f = (struct store_audit_filter){.before_seq = 30, .since = 20};
	assert_int_equal(store_audit_list(st, "tx", &f, 100, &l), STORE_OK);
	assert_int_equal(l.n, 10);
	assert_int_equal(l.items[0].seq, 29);
	assert_int_equal(l.items[9].seq, 20);
	store_audit_list_free(&l);
}

static void test_append_edges(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct store_audit no_action = {.tenant_id = "ta",
					.outcome = "success"};
	struct store_audit no_outcome = {.tenant_id = "ta", .action = "x.y"};
	struct store_audit bad_outcome = {
	    .tenant_id = "ta", .action = "x.y", .outcome = "maybe", .at = 1};
	struct store_audit_check c;

	/* An empty log is intact, with the start value as its head. */
	assert_int_equal(store_audit_verify(st, &c), STORE_OK);
	assert_int_equal(c.bad_seq, 0);
	assert_int_equal(c.rows, 0);
	assert_int_equal(c.head_seq, 0);
	assert_string_equal(c.head_hash, ZERO_HASH);

	assert_int_equal(store_audit_append(st, NULL), STORE_OK);
	assert_int_equal(store_audit_append(st, &no_action), STORE_ERROR);
	assert_int_equal(store_audit_append(st, &no_outcome), STORE_ERROR);
	assert_int_not_equal(store_audit_append(st, &bad_outcome), STORE_OK);
	assert_int_equal(store_error_count(st), 3);
	assert_intact(st, 0);

	/* Refused appends took no seq. */
	append_n(st, 2);
	assert_intact(st, 2);
}

struct worker {
	pthread_t thread;
	struct store *st;
	int index;
	atomic_int *failures;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	char tenant[16], object[32];
	struct store_audit a = {tenant,	 NULL,	 "worker", "token.create",
				"token", object, "::1",	   "success",
				NULL,	 0};
	int bad = 0;

	snprintf(tenant, sizeof(tenant), "t%d", w->index % 2);
	for (int i = 0; i < ROUNDS; i++) {
		snprintf(object, sizeof(object), "w%d-%d", w->index, i);
		a.at = 1000 + i;
		bad += store_audit_append(w->st, &a) != STORE_OK;
	}
	atomic_fetch_add(w->failures, bad);
	return NULL;
}

/* Appends from many threads at once leave one contiguous chain. */
static void test_threads(void **state)
{
	struct store *st = ((struct fixture *)*state)->st;
	struct worker workers[THREADS];
	struct store_audit_list l;
	atomic_int failures = 0;

	for (int i = 0; i < THREADS; i++) {
		workers[i] = (struct worker){
		    .st = st, .index = i, .failures = &failures};
		assert_int_equal(pthread_create(&workers[i].thread, NULL,
						worker_run, &workers[i]),
				 0);
	}
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(workers[i].thread, NULL), 0);
	assert_int_equal(atomic_load(&failures), 0);
	assert_intact(st, THREADS * ROUNDS);
	assert_int_equal(store_audit_list(st, "t0", NULL, 1000, &l), STORE_OK);
	assert_int_equal(l.n, THREADS / 2 * ROUNDS);
	store_audit_list_free(&l);
	assert_int_equal(store_error_count(st), 0);
}

/* While the triggers stand, rows can be neither changed nor deleted. */
static void test_append_only(void **state)
{
	struct fixture *f = *state;
	struct store_audit_list l;
	struct raw raw;

	append_n(f->st, 3);
	raw_open(f, &raw);
	assert_int_equal(
	    raw_try(&raw, "UPDATE audit_log SET detail = 'x' WHERE seq = 2"),
	    -1);
	assert_int_equal(raw_try(&raw, "DELETE FROM audit_log WHERE seq = 2"),
			 -1);
	assert_int_equal(raw_try(&raw, "DELETE FROM audit_log"), -1);
	raw_close(&raw);
	assert_int_equal(store_audit_list(f->st, "tx", NULL, 10, &l), STORE_OK);
	assert_int_equal(l.n, 3);
	assert_null(l.items[1].detail);
	store_audit_list_free(&l);
	assert_intact(f->st, 3);
}

static void test_tamper_change(void **state)
{
	struct fixture *f = *state;
	struct store_audit_filter at_7 = {.before_seq = 8};
	struct store_audit_list l;
	struct store_audit_check c;
	char hash[65];
	struct row r;
	struct raw raw;

	append_n(f->st, 10);
	raw_open(f, &raw);
	raw_drop_triggers(&raw);
	raw_save(&raw, 7);

	/* A changed field breaks the row's own hash. */
	raw_exec(&raw, "UPDATE audit_log SET outcome = 'denied' WHERE seq = 7");
	assert_int_equal(store_audit_verify(f->st, &c), STORE_OK);
	assert_int_equal(c.bad_seq, 7);
	assert_string_equal(c.reason,
			    "row 7: hash does not match its fields (changed)");
	assert_int_equal(c.rows, 10);
	assert_int_equal(c.head_seq, 10);

	/* Rehashing the changed row breaks the link from the next one. */
	assert_int_equal(store_audit_list(f->st, "tx", &at_7, 1, &l), STORE_OK);
	assert_int_equal(l.items[0].seq, 7);
	r = row_of_entry(&l.items[0]);
	row_hash(&r, hash);
	store_audit_list_free(&l);
	raw_exec_f(&raw, "UPDATE audit_log SET hash = '%s' WHERE seq = 7",
		   hash);
	assert_broken(f->st, 8,
		      "row 8: prev_hash is not the hash of row 7 (a row "
		      "inserted or replaced)");

	/* A changed hash alone shows too; the saved row mends the chain. */
	raw_restore(&raw, 7);
	assert_intact(f->st, 10);
	raw_exec(&raw, "UPDATE audit_log SET hash = upper(hash) WHERE seq = 7");
	assert_broken(f->st, 7, "row 7: hash does not match");
	raw_close(&raw);
}

static void test_tamper_fields(void **state)
{
	static const char *const changes[] = {
	    "at = at + 1",
	    "tenant_id = 'ty'",
	    "tenant_id = NULL",
	    "actor_id = NULL",
	    "actor_name = 'mallory'",
	    "action = 'token.revoke'",
	    "object_type = ''",
	    "object_id = 't99'",
	    "address = '::2'",
	    "detail = ''",
	    "id = 'forgedid'",
	    "prev_hash = upper(prev_hash)",
	};
	struct fixture *f = *state;
	struct raw raw;
	char sql[256];

	append_n(f->st, 4);
	raw_open(f, &raw);
	raw_drop_triggers(&raw);
	for (size_t i = 0; i < sizeof(changes) / sizeof(*changes); i++) {
		raw_save(&raw, 3);
		snprintf(sql, sizeof(sql),
			 "UPDATE audit_log SET %s WHERE seq = 3", changes[i]);
		raw_exec(&raw, sql);
		assert_broken(f->st, 3,
			      "row 3: hash does not match its fields");
		raw_restore(&raw, 3);
	}
	raw_close(&raw);
	assert_intact(f->st, 4);
}

static void test_tamper_delete(void **state)
{
	struct fixture *f = *state;
	struct store_audit_check before, after;
	struct raw raw;

	append_n(f->st, 10);
	raw_open(f, &raw);
	raw_drop_triggers(&raw);
	raw_exec(&raw, "DELETE FROM audit_log WHERE seq = 5");
	assert_int_equal(store_audit_verify(f->st, &after), STORE_OK);
	assert_int_equal(after.bad_seq, 5);
	assert_string_equal(after.reason,
			    "row 5 missing after row 4 (deleted)");
	assert_int_equal(after.rows, 9);

	raw_exec(&raw, "DELETE FROM audit_log WHERE seq IN (6, 7)");
	assert_broken(f->st, 5, "rows 5-7 missing after row 4 (deleted)");
	raw_exec(&raw, "DELETE FROM audit_log WHERE seq = 1");
	assert_broken(f->st, 1, "row 1 missing before row 2 (deleted)");
	raw_exec(&raw, "DELETE FROM audit_log WHERE seq = 2");
	assert_broken(f->st, 1, "rows 1-2 missing before row 3 (deleted)");

	/*
	 * Deleting the newest rows leaves an intact chain: only a head
	 * recorded earlier tells.
	 */
	raw_exec(&raw, "DELETE FROM audit_log");
	append_n(f->st, 6);
	assert_int_equal(store_audit_verify(f->st, &before), STORE_OK);
	raw_exec(&raw, "DELETE FROM audit_log WHERE seq = 6");
	assert_int_equal(store_audit_verify(f->st, &after), STORE_OK);
	assert_int_equal(after.bad_seq, 0);
	assert_int_equal(after.head_seq, 5);
	assert_string_not_equal(after.head_hash, before.head_hash);
	raw_close(&raw);
}

static void test_tamper_insert(void **state)
{
	struct fixture *f = *state;
	struct store_audit_list l;
	struct store_audit_check c;
	struct raw raw;
	struct row r = {.seq = 11,
			.id = "forgedrow0000001",
			.tenant_id = "tx",
			.at = 11,
			.actor_name = "alice",
			.action = "token.create",
			.outcome = "success"};

	append_n(f->st, 10);
	assert_int_equal(store_audit_list(f->st, "tx", NULL, 100, &l),
			 STORE_OK);
	assert_int_equal(l.items[6].seq, 4);
	raw_open(f, &raw);

	/* A forged row needs no trigger dropped; a made-up hash shows. */
	r.prev_hash = l.items[0].hash;
	raw_insert(&raw, &r, MADE_UP_HASH);
	assert_broken(f->st, 11,
		      "row 11: hash does not match its fields (changed)");
	raw_drop_triggers(&raw);
	raw_exec(&raw, "DELETE FROM audit_log WHERE seq = 11");
	assert_intact(f->st, 10);

	/* A row slipped in where one was deleted breaks the next link. */
	raw_save(&raw, 5);
	raw_exec(&raw, "DELETE FROM audit_log WHERE seq = 5");
	r.seq = 5;
	r.prev_hash = l.items[6].hash;
	raw_insert(&raw, &r, NULL);
	assert_int_equal(store_audit_verify(f->st, &c), STORE_OK);
	assert_int_equal(c.bad_seq, 6);
	assert_string_equal(c.reason, "row 6: prev_hash is not the hash of "
				      "row 5 (a row inserted or replaced)");
	raw_restore(&raw, 5);
	assert_intact(f->st, 10);

	/* A row before the first. */
	r.seq = 0;
	r.id = "forgedrow0000000";
	r.prev_hash = ZERO_HASH;
	raw_insert(&raw, &r, NULL);
	assert_broken(f->st, 1, "row 0 comes before row 1 (inserted)");
	raw_exec(&raw, "DELETE FROM audit_log WHERE seq = 0");

	/*
	 * A well-forged row at the head is an append and verifies: the
	 * chain proves order and completeness, not who wrote a row.
	 */
	r = (struct row){.seq = 11,
			 .id = "forgedrow0000002",
			 .tenant_id = "tx",
			 .at = 11,
			 .actor_name = "mallory",
			 .action = "token.create",
			 .outcome = "success",
			 .prev_hash = l.items[0].hash};
	raw_insert(&raw, &r, NULL);
	assert_intact(f->st, 11);
	append_n(f->st, 1);
	assert_intact(f->st, 12);
	raw_close(&raw);
	store_audit_list_free(&l);
}

/* Chains longer than one batch of verify, and appends that follow. */
static void test_long_chain(void **state)
{
	struct fixture *f = *state;
	char prev[65] = ZERO_HASH, hash[65], id[32];
	struct store_audit_check c;
	struct raw raw;
	struct row r = {.id = id,
			.tenant_id = "tl",
			.actor_name = "alice",
			.action = "x.y",
			.object_id = "o",
			.outcome = "success",
			.prev_hash = prev};

	raw_open(f, &raw);
	raw_exec(&raw, "BEGIN");
	for (int i = 1; i <= BULK_ROWS; i++) {
		r.seq = i;
		r.at = i;
		snprintf(id, sizeof(id), "bulk%012d", i);
		row_hash(&r, hash);
		raw_insert(&raw, &r, hash);
		memcpy(prev, hash, sizeof(prev));
	}
	raw_exec(&raw, "COMMIT");
	assert_intact(f->st, BULK_ROWS);
	assert_int_equal(store_audit_verify(f->st, &c), STORE_OK);
	assert_string_equal(c.head_hash, prev);

	/* The store's next append links to the last row written here. */
	append_n(f->st, 1);
	assert_intact(f->st, BULK_ROWS + 1);

	/* A break in the third batch is found. */
	raw_drop_triggers(&raw);
	raw_exec(&raw, "UPDATE audit_log SET detail = 'x' WHERE seq = 1001");
	assert_int_equal(store_audit_verify(f->st, &c), STORE_OK);
	assert_int_equal(c.bad_seq, 1001);
	assert_int_equal(c.rows, BULK_ROWS + 1);
	assert_int_equal(c.head_seq, BULK_ROWS + 1);
	raw_close(&raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_list_filters, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_fields_and_get, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_cursor, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_append_edges, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_threads, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_append_only, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_change, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_fields, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_delete, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_tamper_insert, fixture_setup,
					    fixture_teardown),
	    cmocka_unit_test_setup_teardown(test_long_chain, fixture_setup,
					    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
