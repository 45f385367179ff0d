/*
 * The hash-chained audit log. Appends are serialised (SQLite's write
 * lock, or a PostgreSQL advisory lock held to the end of the caller's
 * transaction), so every row knows the one before it.
 *
 * The hash of a row is the lowercase hex SHA-256 of this byte string:
 * the text "pkiaas-audit-v1", then the fields seq, id, tenant_id, at,
 * actor_id, actor_name, action, object_type, object_id, address,
 * outcome, detail and prev_hash, in that order, each encoded as
 *
 *   NULL     the byte 0x00
 *   integer  the byte 0x01, then 8 bytes: the value, big-endian, two's
 *            complement
 *   text     the byte 0x02, then 8 bytes: the length in bytes,
 *            big-endian, then the bytes themselves (no terminator)
 *
 * so that no two different rows give the same string: NULL differs from
 * "", and no text can run into the next field. The first row's
 * prev_hash is 64 '0' characters. docs/operations.md repeats this.
 */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/rand.h"
#include "store/db.h"
#include "store/store_backend.h"

#define HASH_HEX_LEN 64
#define HASH_DOMAIN  "pkiaas-audit-v1"
/* Rows store_audit_verify reads per statement. */
#define VERIFY_BATCH 500
/* Longest statement store_audit_list builds. */
#define LIST_SQL_MAX 1024

/* Tags of the encoding above. */
#define TAG_NULL 0x00
#define TAG_INT	 0x01
#define TAG_TEXT 0x02

/* Every column, in the order of enum audit_col. */
#define AUDIT_COLUMNS                                                          \
	"seq, id, tenant_id, at, actor_id, actor_name, action, "               \
	"object_type, object_id, address, outcome, detail, prev_hash, hash"

enum audit_col {
	COL_SEQ,
	COL_ID,
	COL_TENANT_ID,
	COL_AT,
	COL_ACTOR_ID,
	COL_ACTOR_NAME,
	COL_ACTION,
	COL_OBJECT_TYPE,
	COL_OBJECT_ID,
	COL_ADDRESS,
	COL_OUTCOME,
	COL_DETAIL,
	COL_PREV_HASH,
	COL_HASH,
};

/* The prev_hash of row 1. */
static const char genesis_hash[HASH_HEX_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct hasher {
	EVP_MD_CTX *ctx;
	int ok;
};

static void hash_bytes(struct hasher *h, const void *p, size_t n)
{
	if (h->ok && n > 0 && EVP_DigestUpdate(h->ctx, p, n) != 1)
		h->ok = 0;
}

static void hash_tagged(struct hasher *h, uint8_t tag, uint64_t v)
{
	uint8_t b[9];

	b[0] = tag;
	for (int i = 0; i < 8; i++)
		b[1 + i] = (uint8_t)(v >> (56 - 8 * i));
	hash_bytes(h, b, sizeof(b));
}

static void hash_int(struct hasher *h, int64_t v)
{
	hash_tagged(h, TAG_INT, (uint64_t)v);
}

static void hash_text(struct hasher *h, const char *s)
{
	static const uint8_t null_tag = TAG_NULL;
	size_t n;

	if (s == NULL) {
		hash_bytes(h, &null_tag, 1);
		return;
	}
	n = strlen(s);
	hash_tagged(h, TAG_TEXT, n);
	hash_bytes(h, s, n);
}

/*
 * Writes the hash of a row (the encoding at the top of this file) as
 * lowercase hex into out. 0, or -1 when OpenSSL failed (logged).
 */
static int audit_hash(int64_t seq, const char *id, const struct store_audit *a,
		      const char *prev_hash, char out[HASH_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t md[32];
	unsigned int md_len = 0;
	struct hasher h = {EVP_MD_CTX_new(), 1};

	h.ok =
	    h.ctx != NULL && EVP_DigestInit_ex(h.ctx, EVP_sha256(), NULL) == 1;
	hash_text(&h, HASH_DOMAIN);
	hash_int(&h, seq);
	hash_text(&h, id);
	hash_text(&h, a->tenant_id);
	hash_int(&h, a->at);
	hash_text(&h, a->actor_id);
	hash_text(&h, a->actor_name);
	hash_text(&h, a->action);
	hash_text(&h, a->object_type);
	hash_text(&h, a->object_id);
	hash_text(&h, a->address);
	hash_text(&h, a->outcome);
	hash_text(&h, a->detail);
	hash_text(&h, prev_hash);
	if (h.ok && (EVP_DigestFinal_ex(h.ctx, md, &md_len) != 1 ||
		     md_len != sizeof(md)))
		h.ok = 0;
	EVP_MD_CTX_free(h.ctx);
	if (!h.ok) {
		log_openssl_errors("store.audit", "SHA-256");
		return -1;
	}
	for (size_t i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[HASH_HEX_LEN] = '\0';
	return 0;
}

/* The fields of row i as a struct store_audit; strings borrowed. */
static void audit_of_row(const struct db_rows *rows, size_t i,
			 struct store_audit *a)
{
	*a = (struct store_audit){
	    .tenant_id = db_text(rows, i, COL_TENANT_ID),
	    .actor_id = db_text(rows, i, COL_ACTOR_ID),
	    .actor_name = db_text(rows, i, COL_ACTOR_NAME),
	    .action = db_text(rows, i, COL_ACTION),
	    .object_type = db_text(rows, i, COL_OBJECT_TYPE),
	    .object_id = db_text(rows, i, COL_OBJECT_ID),
	    .address = db_text(rows, i, COL_ADDRESS),
	    .outcome = db_text(rows, i, COL_OUTCOME),
	    .detail = db_text(rows, i, COL_DETAIL),
	    .at = db_int(rows, i, COL_AT),
	};
}

static enum store_result audit_refuse(struct store *st, const char *why)
{
	log_event(LOG_ERROR, "store.error", "op=audit_append error=\"%s\"",
		  why);
	return store_counted(st, STORE_ERROR);
}

/*
 * The newest row's seq and a copy of its hash (the start value when the
 * log is empty); the caller frees *hash.
 */
static enum store_result audit_head(struct db_conn *c, int64_t *seq,
				    char **hash)
{
	struct db_rows rows;
	enum store_result rc =
	    db_exec(c, "audit_append",
		    "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
		    NULL, 0, &rows);

	*seq = 0;
	*hash = NULL;
	if (rc == STORE_OK && rows.n_rows == 1) {
		*seq = db_int(&rows, 0, 0);
		rc = db_text_copy(&rows, 0, 1, hash);
	} else if (rc == STORE_OK) {
		*hash = strdup(genesis_hash);
	}
	if (rc == STORE_OK && *hash == NULL)
		rc = audit_refuse(c->st, "out of memory");
	db_rows_free(&rows);
	return rc;
}

enum store_result store_audit_append_tx(struct db_conn *c,
					const struct store_audit *a)
{
	const char *lock = c->st->ops->audit_lock_sql;
	char id[RAND_ID_LEN + 1], hash[HASH_HEX_LEN + 1], *prev = NULL;
	struct store_audit row;
	int64_t seq;
	enum store_result rc;

	if (a == NULL)
		return STORE_OK;
	if (a->action == NULL || a->outcome == NULL)
		return audit_refuse(c->st, "an entry needs action and outcome");
	row = *a;
	if (row.at == 0)
		row.at = clock_now();

	rc = lock != NULL ? db_exec(c, "audit_append", lock, NULL, 0, NULL)
			  : STORE_OK;
	if (rc == STORE_OK)
		rc = audit_head(c, &seq, &prev);
	if (rc == STORE_OK && seq == INT64_MAX)
		rc = audit_refuse(c->st, "seq is at its largest value");
	if (rc == STORE_OK && (rand_id_ordered(id) != 0 ||
			       audit_hash(seq + 1, id, &row, prev, hash) != 0))
		rc = audit_refuse(c->st, "no id or hash for the entry");
	if (rc == STORE_OK) {
		const struct db_param p[] = {
		    DB_INT(seq + 1),	    DB_TEXT(id),
		    DB_TEXT(row.tenant_id), DB_INT(row.at),
		    DB_TEXT(row.actor_id),  DB_TEXT(row.actor_name),
		    DB_TEXT(row.action),    DB_TEXT(row.object_type),
		    DB_TEXT(row.object_id), DB_TEXT(row.address),
		    DB_TEXT(row.outcome),   DB_TEXT(row.detail),
		    DB_TEXT(prev),	    DB_TEXT(hash)};

		rc = db_exec(c, "audit_append",
			     "INSERT INTO audit_log (" AUDIT_COLUMNS
			     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
			     "$10, $11, $12, $13, $14)",
			     p, DB_N(p), NULL);
	}
	free(prev);
	return rc;
}

/* Nothing but the entry that db_transact appends. */
static enum store_result audit_only(struct db_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return STORE_OK;
}

enum store_result store_audit_append(struct store *st,
				     const struct store_audit *a)
{
	if (a == NULL)
		return STORE_OK;
	return db_transact(st, "audit_append", audit_only, NULL, a);
}

/* Copies row i into e; on failure e holds what was copied. */
static enum store_result entry_read(const struct db_rows *rows, size_t i,
				    struct store_audit_entry *e)
{
	char **text[] = {
	    [COL_ID] = &e->id,
	    [COL_TENANT_ID] = &e->tenant_id,
	    [COL_ACTOR_ID] = &e->actor_id,
	    [COL_ACTOR_NAME] = &e->actor_name,
	    [COL_ACTION] = &e->action,
	    [COL_OBJECT_TYPE] = &e->object_type,
	    [COL_OBJECT_ID] = &e->object_id,
	    [COL_ADDRESS] = &e->address,
	    [COL_OUTCOME] = &e->outcome,
	    [COL_DETAIL] = &e->detail,
	    [COL_PREV_HASH] = &e->prev_hash,
	    [COL_HASH] = &e->hash,
	};
	enum store_result rc = STORE_OK;

	memset(e, 0, sizeof(*e));
	e->seq = db_int(rows, i, COL_SEQ);
	e->at = db_int(rows, i, COL_AT);
	for (size_t col = 0; col < DB_N(text) && rc == STORE_OK; col++)
		if (text[col] != NULL)
			rc = db_text_copy(rows, i, col, text[col]);
	return rc;
}

/* A statement being built from fixed fragments and numbered params. */
struct query {
	char sql[LIST_SQL_MAX];
	size_t len;
	struct db_param p[DB_PARAMS_MAX];
	size_t n;
	int bad; /* too long or too many parameters */
};

/* Appends fragment and "$n" for the next parameter, bound to v. */
static void query_add(struct query *q, const char *fragment, struct db_param v)
{
	int w;

	if (q->bad || q->n == DB_PARAMS_MAX) {
		q->bad = 1;
		return;
	}
	w = snprintf(q->sql + q->len, sizeof(q->sql) - q->len, "%s$%zu",
		     fragment, q->n + 1);
	if (w < 0 || (size_t)w >= sizeof(q->sql) - q->len) {
		q->bad = 1;
		return;
	}
	q->len += (size_t)w;
	q->p[q->n++] = v;
}

static void query_text(struct query *q, const char *fragment, const char *v)
{
	if (v != NULL)
		query_add(q, fragment, DB_TEXT(v));
}

static void query_int(struct query *q, const char *fragment, int64_t v)
{
	if (v != 0)
		query_add(q, fragment, DB_INT(v));
}

/*
 * The statement of store_audit_list: every filter set in f becomes one
 * fixed "AND column op $n" fragment; values only ever travel as params.
 */
static void list_query(struct query *q, const char *tenant_id,
		       const struct store_audit_filter *f, size_t fetch)
{
	static const struct store_audit_filter none;

	if (f == NULL)
		f = &none;
	q->len = (size_t)snprintf(q->sql, sizeof(q->sql), "%s",
				  "SELECT " AUDIT_COLUMNS " FROM audit_log ");
	query_add(q, "WHERE tenant_id = ", DB_TEXT(tenant_id));
	query_text(q, " AND action = ", f->action);
	query_text(q, " AND actor_name = ", f->actor_name);
	query_text(q, " AND object_id = ", f->object_id);
	query_text(q, " AND outcome = ", f->outcome);
	query_int(q, " AND at >= ", f->since);
	query_int(q, " AND at <= ", f->until);
	query_int(q, " AND seq < ", f->before_seq);
	query_add(q, " ORDER BY seq DESC LIMIT ", DB_INT((int64_t)fetch));
}

/*
 * A NULL tenant_id matches no row: server-wide entries are seen only by
 * store_audit_verify.
 */
enum store_result store_audit_list(struct store *st, const char *tenant_id,
				   const struct store_audit_filter *f,
				   size_t limit, struct store_audit_list *out)
{
	struct query q = {0};
	struct db_rows rows = {0};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	if (limit < 1)
		limit = 1;
	if (limit > STORE_LIST_MAX)
		limit = STORE_LIST_MAX;
	list_query(&q, tenant_id, f, limit + 1);
	if (q.bad) {
		log_event(LOG_ERROR, "store.error",
			  "op=audit_list error=\"statement too long\"");
		return store_counted(st, STORE_ERROR);
	}
	if (tenant_id != NULL)
		rc = db_run(st, "audit_list", q.sql, q.p, q.n, &rows);
	if (rc == STORE_OK) {
		out->has_more = rows.n_rows > limit;
		out->n = rows.n_rows > limit ? limit : rows.n_rows;
	}
	if (rc == STORE_OK && out->n > 0 &&
	    (out->items = calloc(out->n, sizeof(*out->items))) == NULL) {
		out->n = 0;
		rc = audit_refuse(st, "out of memory");
	}
	for (size_t i = 0; rc == STORE_OK && i < out->n; i++)
		rc = entry_read(&rows, i, &out->items[i]);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_audit_list_free(out);
	return rc;
}

enum store_result store_audit_get(struct store *st, const char *tenant_id,
				  const char *id, struct store_audit_entry *out)
{
	const struct db_param p[] = {DB_TEXT(tenant_id), DB_TEXT(id)};
	struct db_rows rows;
	enum store_result rc = db_run(st, "audit_get",
				      "SELECT " AUDIT_COLUMNS " FROM audit_log "
				      "WHERE tenant_id = $1 AND id = $2",
				      p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows.n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = entry_read(&rows, 0, out);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_audit_entry_free(out);
	return rc;
}

void store_audit_entry_free(struct store_audit_entry *e)
{
	if (e == NULL)
		return;
	free(e->id);
	free(e->tenant_id);
	free(e->actor_id);
	free(e->actor_name);
	free(e->action);
	free(e->object_type);
	free(e->object_id);
	free(e->address);
	free(e->outcome);
	free(e->detail);
	free(e->prev_hash);
	free(e->hash);
	memset(e, 0, sizeof(*e));
}

void store_audit_list_free(struct store_audit_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_audit_entry_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

/* Where store_audit_verify is in the chain. */
struct walk {
	int64_t expect;		     /* the seq the next row must have */
	char prev[HASH_HEX_LEN + 1]; /* the previous row's hash */
	int prev_odd;		     /* ... which was not 64 characters */
	struct store_audit_check *out;
};

static void walk_break(struct walk *w, int64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first row that breaks the chain, and why. */
static void walk_break(struct walk *w, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	if (w->out->bad_seq != 0)
		return;
	w->out->bad_seq = seq;
	va_start(ap, fmt);
	vsnprintf(w->out->reason, sizeof(w->out->reason), fmt, ap);
	va_end(ap);
}

/* A gap before row seq: the rows from w->expect were deleted. */
static void walk_gap(struct walk *w, int64_t seq)
{
	int64_t from = w->expect, to = seq - 1;

	if (from == 1 && from == to)
		walk_break(w, from,
			   "row 1 missing before row %" PRId64 " (deleted)",
			   seq);
	else if (from == 1)
		walk_break(w, from,
			   "rows 1-%" PRId64 " missing before row %" PRId64
			   " (deleted)",
			   to, seq);
	else if (from == to)
		walk_break(w, from,
			   "row %" PRId64 " missing after row %" PRId64
			   " (deleted)",
			   from, from - 1);
	else
		walk_break(w, from,
			   "rows %" PRId64 "-%" PRId64
			   " missing after row %" PRId64 " (deleted)",
			   from, to, from - 1);
}

/*
 * Checks row i against its own fields and the row before it. 0, or -1
 * when the hash could not be computed.
 */
static int walk_row(struct walk *w, const struct db_rows *rows, size_t i)
{
	int64_t seq = db_int(rows, i, COL_SEQ);
	const char *id = db_text(rows, i, COL_ID);
	const char *prev = db_text(rows, i, COL_PREV_HASH);
	const char *hash = db_text(rows, i, COL_HASH);
	char want[HASH_HEX_LEN + 1];
	struct store_audit a;

	audit_of_row(rows, i, &a);
	if (audit_hash(seq, id, &a, prev, want) != 0)
		return -1;
	if (seq < 1)
		walk_break(
		    w, 1, "row %" PRId64 " comes before row 1 (inserted)", seq);
	else if (seq > w->expect)
		walk_gap(w, seq);
	if (hash == NULL || strcmp(hash, want) != 0)
		walk_break(w, seq,
			   "row %" PRId64
			   ": hash does not match its fields (changed)",
			   seq);
	if (prev == NULL || w->prev_odd || strcmp(prev, w->prev) != 0) {
		if (seq == 1)
			walk_break(w, seq,
				   "row 1: prev_hash is not the start "
				   "value (changed)");
		else
			walk_break(w, seq,
				   "row %" PRId64
				   ": prev_hash is not the hash of row %" PRId64
				   " (a row inserted or replaced)",
				   seq, w->expect - 1);
	}

	w->out->rows++;
	w->out->head_seq = seq;
	w->expect = seq < INT64_MAX ? seq + 1 : seq;
	w->prev_odd = hash == NULL || strlen(hash) != HASH_HEX_LEN;
	snprintf(w->prev, sizeof(w->prev), "%s", hash != NULL ? hash : "");
	memcpy(w->out->head_hash, w->prev, sizeof(w->out->head_hash));
	return 0;
}

/*
 * Reads the table in seq order, VERIFY_BATCH rows at a time, from the
 * smallest seq there is (a forged row 0 is read too), and checks every
 * row; only the first break is reported, but the walk goes on to the
 * head so that rows, head_seq and head_hash describe the whole table.
 */
enum store_result store_audit_verify(struct store *st,
				     struct store_audit_check *out)
{
	struct walk w = {.expect = 1, .out = out};
	int64_t cursor = INT64_MIN;
	enum store_result rc = STORE_OK;
	size_t n;

	memset(out, 0, sizeof(*out));
	memcpy(w.prev, genesis_hash, sizeof(w.prev));
	memcpy(out->head_hash, genesis_hash, sizeof(out->head_hash));
	do {
		const struct db_param p[] = {DB_INT(cursor),
					     DB_INT(VERIFY_BATCH)};
		struct db_rows rows;

		rc = db_run(st, "audit_verify",
			    "SELECT " AUDIT_COLUMNS " FROM audit_log "
			    "WHERE seq > $1 ORDER BY seq LIMIT $2",
			    p, DB_N(p), &rows);
		n = rows.n_rows;
		for (size_t i = 0; rc == STORE_OK && i < n; i++)
			if (walk_row(&w, &rows, i) != 0)
				rc = store_counted(st, STORE_ERROR);
		if (n > 0)
			cursor = db_int(&rows, n - 1, COL_SEQ);
		db_rows_free(&rows);
	} while (rc == STORE_OK && n == VERIFY_BATCH);
	return rc;
}
