/*
 * ACME orders. An order's authorisations and challenges live in its
 * document, rewritten whole under a version check, so that a request
 * thread and a validation worker (of any node) never undo each other's
 * change. Workers find due validations by next_check_at and hold an
 * order with a lease while they check it.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"

/* The columns every read selects, in the order order_read takes. */
#define ORDER_COLUMNS                                                          \
	"id, tenant_id, account_id, status, document, certificate_id, "        \
	"replaces, version, expires_at, next_check_at, lease_until, "          \
	"created_at"

static enum store_result order_read(const struct db_rows *rows, size_t row,
				    void *item)
{
	struct store_acme_order *out = item;
	char **text[] = {&out->id,	&out->tenant_id, &out->account_id,
			 &out->status,	&out->document,	 &out->certificate_id,
			 &out->replaces};
	enum store_result rc = STORE_OK;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < DB_N(text) && rc == STORE_OK; i++)
		rc = db_text_copy(rows, row, i, text[i]);
	out->version = db_int(rows, row, 7);
	out->expires_at = db_int(rows, row, 8);
	out->next_check_at = db_int(rows, row, 9);
	out->lease_until = db_int(rows, row, 10);
	out->created_at = db_int(rows, row, 11);
	if (rc != STORE_OK)
		store_acme_order_free(out);
	return rc;
}

/* The one order of rows into out; none is STORE_NOT_FOUND. */
static enum store_result order_one(enum store_result rc, struct db_rows *rows,
				   struct store_acme_order *out)
{
	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK && rows->n_rows == 0)
		rc = STORE_NOT_FOUND;
	if (rc == STORE_OK)
		rc = order_read(rows, 0, out);
	db_rows_free(rows);
	return rc;
}

static enum store_result order_insert_run(struct db_conn *c, void *arg)
{
	const struct store_acme_order *o = arg;
	const struct db_param r[] = {DB_TEXT(o->replaces)};
	const struct db_param p[] = {
	    DB_TEXT(o->id),	    DB_TEXT(o->tenant_id),
	    DB_TEXT(o->account_id), DB_TEXT(o->status),
	    DB_TEXT(o->document),   DB_TEXT(o->certificate_id),
	    DB_TEXT(o->replaces),   DB_INT(o->version),
	    DB_INT(o->expires_at),  db_time(o->next_check_at),
	    DB_INT(o->lease_until), DB_INT(o->created_at)};
	struct db_rows rows;
	enum store_result rc = STORE_OK;

	if (o->replaces != NULL) {
		rc =
		    db_exec(c, "acme_order_insert",
			    "SELECT count(*) FROM acme_orders WHERE replaces = "
			    "$1 AND status <> 'invalid'",
			    r, DB_N(r), &rows);
		if (rc == STORE_OK && db_int(&rows, 0, 0) > 0)
			rc = STORE_CONFLICT;
		db_rows_free(&rows);
	}
	if (rc == STORE_OK)
		rc = db_exec(c, "acme_order_insert",
			     "INSERT INTO acme_orders (" ORDER_COLUMNS
			     ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
			     "$10, $11, $12)",
			     p, DB_N(p), NULL);
	return rc;
}

enum store_result store_acme_order_insert(struct store *st,
					  const struct store_acme_order *o,
					  const struct store_audit *a)
{
	return db_transact(st, "acme_order_insert", order_insert_run, (void *)o,
			   a);
}

enum store_result store_acme_order_find(struct store *st, const char *id,
					struct store_acme_order *out)
{
	const struct db_param p[] = {DB_TEXT(id)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "acme_order_find",
		   "SELECT " ORDER_COLUMNS " FROM acme_orders WHERE id = $1", p,
		   DB_N(p), &rows);

	return order_one(rc, &rows, out);
}

enum store_result
store_acme_order_find_certificate(struct store *st, const char *certificate_id,
				  struct store_acme_order *out)
{
	const struct db_param p[] = {DB_TEXT(certificate_id)};
	struct db_rows rows;
	enum store_result rc = db_run(
	    st, "acme_order_find_certificate",
	    "SELECT " ORDER_COLUMNS " FROM acme_orders WHERE certificate_id = "
	    "$1",
	    p, DB_N(p), &rows);

	return order_one(rc, &rows, out);
}

enum store_result store_acme_order_list(struct store *st,
					const char *account_id,
					const char *after, size_t limit,
					struct store_acme_order_list *out)
{
	size_t max = db_limit(limit);
	const struct db_param p[] = {DB_TEXT(account_id),
				     DB_TEXT(after != NULL ? after : ""),
				     DB_INT((int64_t)max + 1)};
	struct db_rows rows;
	enum store_result rc =
	    db_run(st, "acme_order_list",
		   "SELECT " ORDER_COLUMNS " FROM acme_orders WHERE "
		   "account_id = $1 AND id > $2 ORDER BY id LIMIT $3",
		   p, DB_N(p), &rows);

	memset(out, 0, sizeof(*out));
	if (rc == STORE_OK)
		rc =
		    db_rows_page(&rows, max, sizeof(*out->items), order_read,
				 (void **)&out->items, &out->n, &out->has_more);
	db_rows_free(&rows);
	if (rc != STORE_OK)
		store_acme_order_list_free(out);
	return rc;
}

enum store_result store_acme_order_update(struct store *st,
					  const struct store_acme_order *o,
					  const struct store_audit *a)
{
	const struct db_param p[] = {DB_TEXT(o->id),
				     DB_INT(o->version),
				     DB_TEXT(o->status),
				     DB_TEXT(o->document),
				     DB_TEXT(o->certificate_id),
				     db_time(o->next_check_at),
				     DB_INT(o->lease_until)};
	enum store_result rc = db_run_audited(
	    st, "acme_order_update",
	    "UPDATE acme_orders SET status = $3, document = $4, "
	    "certificate_id = $5, next_check_at = $6, lease_until = $7, "
	    "version = version + 1 WHERE id = $1 AND version = $2",
	    p, DB_N(p), 1, a);

	return rc == STORE_NOT_FOUND ? STORE_CONFLICT : rc;
}

struct order_take {
	struct db_param p[2]; /* now, lease_until */
	struct store_acme_order *out;
};

static enum store_result order_take_run(struct db_conn *c, void *arg)
{
	struct order_take *t = arg;
	struct db_rows rows;
	enum store_result rc =
	    db_exec(c, "acme_order_take",
		    "SELECT " ORDER_COLUMNS " FROM acme_orders WHERE "
		    "next_check_at IS NOT NULL AND next_check_at <= $1 AND "
		    "lease_until < $1 ORDER BY next_check_at LIMIT 1",
		    t->p, 1, &rows);
	struct db_param hold[3];

	rc = order_one(rc, &rows, t->out);
	if (rc != STORE_OK)
		return rc;
	hold[0] = DB_TEXT(t->out->id);
	hold[1] = t->p[0];
	hold[2] = t->p[1];
	rc = db_exec(c, "acme_order_take",
		     "UPDATE acme_orders SET lease_until = $3 WHERE id = $1 "
		     "AND lease_until < $2",
		     hold, DB_N(hold), &rows);
	if (rc == STORE_OK && rows.changes == 0)
		rc = STORE_NOT_FOUND;
	db_rows_free(&rows);
	if (rc == STORE_OK)
		t->out->lease_until = t->p[1].i;
	else
		store_acme_order_free(t->out);
	return rc;
}

enum store_result store_acme_order_take(struct store *st, int64_t now,
					int64_t lease_until,
					struct store_acme_order *out)
{
	struct order_take t = {{DB_INT(now), DB_INT(lease_until)}, out};
	struct db_rows rows;
	/* Idle workers look often: a read first spares the write lock. */
	enum store_result rc = db_run(
	    st, "acme_order_due",
	    "SELECT count(*) FROM acme_orders WHERE next_check_at IS NOT NULL "
	    "AND next_check_at <= $1 AND lease_until < $1",
	    t.p, 1, &rows);
	int due = rc == STORE_OK && db_int(&rows, 0, 0) > 0;

	db_rows_free(&rows);
	memset(out, 0, sizeof(*out));
	if (!due)
		return rc == STORE_OK ? STORE_NOT_FOUND : rc;
	return db_transact(st, "acme_order_take", order_take_run, &t, NULL);
}

void store_acme_order_free(struct store_acme_order *o)
{
	if (o == NULL)
		return;
	free(o->id);
	free(o->tenant_id);
	free(o->account_id);
	free(o->status);
	free(o->document);
	free(o->certificate_id);
	free(o->replaces);
	memset(o, 0, sizeof(*o));
}

void store_acme_order_list_free(struct store_acme_order_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++)
		store_acme_order_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
