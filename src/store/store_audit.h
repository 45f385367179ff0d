/*
 * The audit log: one append-only table of every state-changing action.
 * Each row carries the SHA-256 of its fields and of the previous row's
 * hash, so that a changed, inserted or deleted row breaks the chain.
 * Part of store.h; include that.
 */
#ifndef PKIAAS_STORE_AUDIT_H
#define PKIAAS_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * What happened. Strings are borrowed; any but action and outcome may be
 * NULL. Mutating store functions take one and append it in the same
 * transaction as their change, so an action and its record are durable
 * together or not at all.
 */
struct store_audit {
	const char *tenant_id;	 /* NULL for server-wide actions */
	const char *actor_id;	 /* user id, NULL for the system */
	const char *actor_name;	 /* username, or "pkiaasd" */
	const char *action;	 /* "object.verb": "token.create" */
	const char *object_type; /* "token", "user", ... */
	const char *object_id;
	const char *address; /* client address */
	const char *outcome; /* "success", "denied" or "failed" */
	const char *detail;  /* short text for people, never a secret */
	int64_t at;
};

/* A stored row; strings owned, freed by store_audit_entry_free. */
struct store_audit_entry {
	int64_t seq;
	char *id;
	char *tenant_id, *actor_id, *actor_name, *action, *object_type,
	    *object_id, *address, *outcome, *detail;
	int64_t at;
	char *prev_hash, *hash; /* lowercase hex */
};

struct store_audit_list {
	struct store_audit_entry *items;
	size_t n;
	int has_more; /* a next page exists: pass items[n-1].seq as before */
};

/* Filters of store_audit_list; NULL or 0 leaves one out. */
struct store_audit_filter {
	const char *action, *actor_name, *object_id, *outcome;
	int64_t since, until; /* at >= since, at <= until */
	int64_t before_seq;   /* the cursor: entries older than this */
};

/* Appends one entry on its own (for refused and failed actions). */
enum store_result store_audit_append(struct store *st,
				     const struct store_audit *a);
/* A tenant's entries, newest first, at most limit. */
enum store_result store_audit_list(struct store *st, const char *tenant_id,
				   const struct store_audit_filter *f,
				   size_t limit, struct store_audit_list *out);
enum store_result store_audit_get(struct store *st, const char *tenant_id,
				  const char *id,
				  struct store_audit_entry *out);
void store_audit_entry_free(struct store_audit_entry *e);
void store_audit_list_free(struct store_audit_list *l);

/* What store_audit_verify found. */
struct store_audit_check {
	int64_t rows;	  /* rows read */
	int64_t bad_seq;  /* first row that breaks the chain, or 0 */
	char reason[128]; /* why, when bad_seq is set */
	int64_t head_seq; /* the last row */
	char head_hash[65];
};

/*
 * Walks the whole chain in order. STORE_OK with bad_seq 0 when intact;
 * STORE_OK with bad_seq set when a row was changed, inserted or deleted.
 */
enum store_result store_audit_verify(struct store *st,
				     struct store_audit_check *out);

#endif
