/*
 * API tokens, invitations and login throttling in the store, on the
 * backend that PKIAAS_TEST_BACKEND names (sqlite, the default, or
 * postgres), each test on a new database of its own. Tenants, users and
 * memberships are set up, and audit rows counted, with plain SQL beside
 * the store. Registered once per backend: PKIAAS_TEST_PER_BACKEND.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <pthread.h>
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
#define SLACK	60
#define WINDOW	300
#define THREADS 4
#define ROUNDS	25

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

/*
 * A new migrated database with tenants ta and tb; alice (u1, admin) and
 * bob (u2, operator) are members of ta, carol (u3, admin) of tb, and
 * dave (u4) of none.
 */
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
	sql(state, "INSERT INTO users (id, username, password_hash, disabled, "
		   "created_at) VALUES ('u1', 'alice', 'h1', 0, 11), "
		   "('u2', 'bob', 'h2', 1, 12), ('u3', 'carol', 'h3', 0, 13), "
		   "('u4', 'dave', 'h4', 0, 14)");
	sql(state, "INSERT INTO memberships (tenant_id, user_id, role, "
		   "created_at) VALUES ('ta', 'u1', 'admin', 21), "
		   "('ta', 'u2', 'operator', 22), ('tb', 'u3', 'admin', 23)");
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

static struct store_token token_of(char *id, char *tenant_id, char *user_id)
{
	return (struct store_token){.id = id,
				    .tenant_id = tenant_id,
				    .user_id = user_id,
				    .name = "deploy",
				    .role = "auditor",
				    .secret_hash = "5e",
				    .created_at = NOW};
}

static void token_insert(void **state, char *id, char *tenant_id, char *user_id)
{
	struct store_token t = token_of(id, tenant_id, user_id);
	struct store_audit a = audit_of(tenant_id, "token.create", id);

	assert_int_equal(store_token_insert(store_of(state), &t, &a), STORE_OK);
}

static void test_token_insert_get_find(void **state)
{
	struct store *st = store_of(state);
	struct store_token t = token_of("tok1", "ta", "u1");
	struct store_token dup = token_of("tok1", "tb", "u3");
	struct store_audit a = audit_of("ta", "token.create", "tok1");
	struct store_token got;
	struct store_user user;

	t.expires_at = NOW + 3600;
	assert_int_equal(store_token_insert(st, &t, &a), STORE_OK);
	assert_int_equal(audit_count(state, "token.create"), 1);

	/* A taken id is a conflict, and leaves no audit entry. */
	assert_int_equal(store_token_insert(st, &dup, &a), STORE_CONFLICT);
	assert_int_equal(audit_count(state, "token.create"), 1);

	assert_int_equal(store_token_get(st, "ta", "tok1", &got), STORE_OK);
	assert_string_equal(got.id, "tok1");
	assert_string_equal(got.tenant_id, "ta");
	assert_string_equal(got.user_id, "u1");
	assert_string_equal(got.username, "alice");
	assert_string_equal(got.name, "deploy");
	assert_string_equal(got.role, "auditor");
	assert_string_equal(got.secret_hash, "5e");
	assert_true(got.created_at == NOW);
	assert_true(got.expires_at == NOW + 3600);
	assert_true(got.last_used_at == 0);
	assert_true(got.revoked_at == 0);
	store_token_free(&got);
	store_token_free(&got);
	store_token_free(NULL);

	/* 0 was stored as NULL, not as 0. */
	assert_int_equal(sql(state, "SELECT count(*) FROM api_tokens WHERE "
				    "last_used_at IS NULL AND revoked_at IS "
				    "NULL AND expires_at IS NOT NULL"),
			 1);

	/* Another tenant's token does not exist for this one. */
	token_insert(state, "tok3", "tb", "u3");
	assert_int_equal(store_token_get(st, "ta", "tok3", &got),
			 STORE_NOT_FOUND);
	assert_null(got.id);
	assert_int_equal(store_token_get(st, "tb", "tok1", &got),
			 STORE_NOT_FOUND);
	assert_int_equal(store_token_get(st, "ta", "nope", &got),
			 STORE_NOT_FOUND);

	/* By id alone, with the user as a member of the token's tenant. */
	assert_int_equal(store_token_find(st, "tok1", &got, &user), STORE_OK);
	assert_string_equal(got.tenant_id, "ta");
	assert_string_equal(got.role, "auditor");
	assert_string_equal(user.id, "u1");
	assert_string_equal(user.tenant_id, "ta");
	assert_string_equal(user.username, "alice");
	assert_string_equal(user.role, "admin");
	assert_int_equal(user.disabled, 0);
	assert_true(user.created_at == 11);
	store_token_free(&got);
	store_user_free(&user);

	assert_int_equal(store_token_find(st, "tok3", &got, &user), STORE_OK);
	assert_string_equal(user.tenant_id, "tb");
	assert_string_equal(user.username, "carol");
	store_token_free(&got);
	store_user_free(&user);

	assert_int_equal(store_token_find(st, "nope", &got, &user),
			 STORE_NOT_FOUND);
	assert_null(got.id);
	assert_null(user.id);
	assert_int_equal(store_error_count(st), 0);
}

/* A disabled user shows as such; a user who left the tenant not at all. */
static void test_token_find_membership(void **state)
{
	struct store *st = store_of(state);
	struct store_token got;
	struct store_user user;

	token_insert(state, "tok2", "ta", "u2");
	assert_int_equal(store_token_find(st, "tok2", &got, &user), STORE_OK);
	assert_string_equal(user.role, "operator");
	assert_int_equal(user.disabled, 1);
	store_token_free(&got);
	store_user_free(&user);

	sql(state, "DELETE FROM memberships WHERE tenant_id = 'ta' AND "
		   "user_id = 'u2'");
	assert_int_equal(store_token_find(st, "tok2", &got, &user),
			 STORE_NOT_FOUND);
	assert_null(got.id);
	assert_null(user.id);

	/* Membership of another tenant does not stand in for it. */
	sql(state, "INSERT INTO memberships (tenant_id, user_id, role, "
		   "created_at) VALUES ('tb', 'u2', 'admin', 30)");
	assert_int_equal(store_token_find(st, "tok2", &got, &user),
			 STORE_NOT_FOUND);
	assert_int_equal(store_error_count(st), 0);
}

static void test_token_list(void **state)
{
	static char *const ids[] = {"k1", "k2", "k3", "k4", "k5", "k6", "k7"};
	struct store *st = store_of(state);
	struct store_token_list page;
	char after[16] = "";
	size_t seen = 0, pages = 0;
	int more;

	/* Inserted out of order; k2 and k5 are bob's. */
	for (size_t i = 0; i < 7; i++) {
		size_t k = (i * 3) % 7;

		token_insert(state, ids[k], "ta", k % 3 == 1 ? "u2" : "u1");
	}
	token_insert(state, "k0", "tb", "u3");

	/* Pages of 3 give each of ta's tokens once, in order. */
	do {
		assert_int_equal(store_token_list(st, "ta", NULL,
						  seen > 0 ? after : NULL, 3,
						  &page),
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
		store_token_list_free(&page);
		pages++;
	} while (more && pages < 10);
	assert_int_equal(seen, 7);
	assert_int_equal(pages, 3);

	/* Bob's only. */
	assert_int_equal(store_token_list(st, "ta", "u2", NULL, 100, &page),
			 STORE_OK);
	assert_int_equal(page.n, 2);
	assert_string_equal(page.items[0].id, "k2");
	assert_string_equal(page.items[0].username, "bob");
	assert_string_equal(page.items[1].id, "k5");
	assert_int_equal(page.has_more, 0);
	store_token_list_free(&page);
	store_token_list_free(&page);
	store_token_list_free(NULL);

	/* Another tenant's user filters to nothing here. */
	assert_int_equal(store_token_list(st, "ta", "u3", NULL, 100, &page),
			 STORE_OK);
	assert_int_equal(page.n, 0);
	assert_int_equal(page.has_more, 0);
	store_token_list_free(&page);

	/* A limit of 0 is 1; one far too large is STORE_LIST_MAX. */
	assert_int_equal(store_token_list(st, "ta", NULL, NULL, 0, &page),
			 STORE_OK);
	assert_int_equal(page.n, 1);
	assert_int_equal(page.has_more, 1);
	store_token_list_free(&page);
	assert_int_equal(
	    store_token_list(st, "tb", NULL, NULL, (size_t)-1, &page),
	    STORE_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.items[0].id, "k0");
	assert_int_equal(page.has_more, 0);
	store_token_list_free(&page);

	/* After the last id there is nothing. */
	assert_int_equal(store_token_list(st, "ta", NULL, "k7", 10, &page),
			 STORE_OK);
	assert_int_equal(page.n, 0);
	store_token_list_free(&page);
	assert_int_equal(store_error_count(st), 0);
}

static void test_token_revoke(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("ta", "token.revoke", "tok1");
	struct store_token got;
	struct store_user user;

	token_insert(state, "tok1", "ta", "u1");
	token_insert(state, "tok3", "tb", "u3");

	assert_int_equal(store_token_revoke(st, "ta", "tok1", NOW + 5, &a),
			 STORE_OK);
	assert_int_equal(audit_count(state, "token.revoke"), 1);
	assert_int_equal(store_token_get(st, "ta", "tok1", &got), STORE_OK);
	assert_true(got.revoked_at == NOW + 5);
	store_token_free(&got);

	/* Twice is a conflict, and keeps the first time. */
	assert_int_equal(store_token_revoke(st, "ta", "tok1", NOW + 9, &a),
			 STORE_CONFLICT);
	assert_int_equal(store_token_get(st, "ta", "tok1", &got), STORE_OK);
	assert_true(got.revoked_at == NOW + 5);
	store_token_free(&got);

	/* Another tenant's token, or none, is not found and stays as is. */
	assert_int_equal(store_token_revoke(st, "ta", "tok3", NOW, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(store_token_revoke(st, "ta", "nope", NOW, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(store_token_get(st, "tb", "tok3", &got), STORE_OK);
	assert_true(got.revoked_at == 0);
	store_token_free(&got);
	assert_int_equal(audit_count(state, "token.revoke"), 1);

	/* A revoked token is still found, for the caller to refuse. */
	assert_int_equal(store_token_find(st, "tok1", &got, &user), STORE_OK);
	assert_true(got.revoked_at == NOW + 5);
	store_token_free(&got);
	store_user_free(&user);
	assert_int_equal(store_error_count(st), 0);
}

/* A use is recorded at most once in SLACK seconds. */
static void test_token_touch(void **state)
{
	struct store *st = store_of(state);
	struct store_token got;

	token_insert(state, "tok1", "ta", "u1");
	assert_int_equal(store_token_touch(st, "tok1", NOW, SLACK), STORE_OK);
	assert_int_equal(store_token_get(st, "ta", "tok1", &got), STORE_OK);
	assert_true(got.last_used_at == NOW);
	store_token_free(&got);

	assert_int_equal(store_token_touch(st, "tok1", NOW + SLACK - 1, SLACK),
			 STORE_OK);
	assert_int_equal(store_token_get(st, "ta", "tok1", &got), STORE_OK);
	assert_true(got.last_used_at == NOW);
	store_token_free(&got);

	assert_int_equal(store_token_touch(st, "tok1", NOW + SLACK, SLACK),
			 STORE_OK);
	assert_int_equal(store_token_get(st, "ta", "tok1", &got), STORE_OK);
	assert_true(got.last_used_at == NOW + SLACK);
	store_token_free(&got);

	assert_int_equal(store_token_touch(st, "nope", NOW, SLACK), STORE_OK);
	assert_int_equal(store_error_count(st), 0);
}

static struct store_invitation invitation_of(char *id, char *tenant_id,
					     char *secret_hash)
{
	return (struct store_invitation){.id = id,
					 .tenant_id = tenant_id,
					 .role = "operator",
					 .secret_hash = secret_hash,
					 .created_by = "u1",
					 .created_at = NOW,
					 .expires_at = NOW + 3600};
}

static void invitation_insert(void **state, char *id, char *tenant_id,
			      char *secret_hash)
{
	struct store_invitation inv = invitation_of(id, tenant_id, secret_hash);
	struct store_audit a = audit_of(tenant_id, "invitation.create", id);

	assert_int_equal(store_invitation_insert(store_of(state), &inv, &a),
			 STORE_OK);
}

static void test_invitation_insert_get(void **state)
{
	struct store *st = store_of(state);
	struct store_invitation inv = invitation_of("i1", "ta", "h-i1");
	struct store_invitation same_hash = invitation_of("i2", "ta", "h-i1");
	struct store_audit a = audit_of("ta", "invitation.create", "i1");
	struct store_invitation got;

	inv.note = "for the night shift";
	assert_int_equal(store_invitation_insert(st, &inv, &a), STORE_OK);
	assert_int_equal(store_invitation_insert(st, &same_hash, &a),
			 STORE_CONFLICT);
	assert_int_equal(store_invitation_insert(st, &inv, &a), STORE_CONFLICT);
	assert_int_equal(audit_count(state, "invitation.create"), 1);

	assert_int_equal(store_invitation_get(st, "ta", "i1", &got), STORE_OK);
	assert_string_equal(got.id, "i1");
	assert_string_equal(got.tenant_id, "ta");
	assert_string_equal(got.role, "operator");
	assert_string_equal(got.note, "for the night shift");
	assert_string_equal(got.secret_hash, "h-i1");
	assert_string_equal(got.created_by, "u1");
	assert_true(got.created_at == NOW);
	assert_true(got.expires_at == NOW + 3600);
	assert_true(got.accepted_at == 0);
	assert_true(got.revoked_at == 0);
	assert_null(got.accepted_by);
	store_invitation_free(&got);
	store_invitation_free(&got);
	store_invitation_free(NULL);

	assert_int_equal(store_invitation_get(st, "tb", "i1", &got),
			 STORE_NOT_FOUND);
	assert_null(got.id);
	assert_int_equal(store_invitation_get(st, "ta", "nope", &got),
			 STORE_NOT_FOUND);

	/* By the hash of its token, in any tenant. */
	assert_int_equal(store_invitation_find(st, "h-i1", &got), STORE_OK);
	assert_string_equal(got.id, "i1");
	store_invitation_free(&got);
	assert_int_equal(store_invitation_find(st, "h-none", &got),
			 STORE_NOT_FOUND);
	assert_int_equal(store_error_count(st), 0);
}

static void test_invitation_list(void **state)
{
	static char *const ids[] = {"i1", "i2", "i3", "i4", "i5"};
	static char *const hashes[] = {"h-i1", "h-i2", "h-i3", "h-i4", "h-i5"};
	struct store *st = store_of(state);
	struct store_invitation_list page;
	const char *after = NULL;
	char last[16];
	size_t seen = 0;

	for (size_t i = 5; i-- > 0;)
		invitation_insert(state, ids[i], "ta", hashes[i]);
	invitation_insert(state, "i0", "tb", "h-i0");

	for (int round = 0; round < 3; round++) {
		assert_int_equal(
		    store_invitation_list(st, "ta", after, 2, &page), STORE_OK);
		for (size_t i = 0; i < page.n; i++, seen++) {
			assert_true(seen < 5);
			assert_string_equal(page.items[i].id, ids[seen]);
		}
		assert_int_equal(page.has_more, round < 2);
		if (page.n > 0) {
			snprintf(last, sizeof(last), "%s",
				 page.items[page.n - 1].id);
			after = last;
		}
		store_invitation_list_free(&page);
	}
	assert_int_equal(seen, 5);
	store_invitation_list_free(NULL);

	assert_int_equal(store_invitation_list(st, "tb", NULL, 0, &page),
			 STORE_OK);
	assert_int_equal(page.n, 1);
	assert_string_equal(page.items[0].id, "i0");
	assert_int_equal(page.has_more, 0);
	store_invitation_list_free(&page);
	assert_int_equal(store_error_count(st), 0);
}

static void test_invitation_revoke(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("ta", "invitation.revoke", "i1");
	struct store_audit accept = audit_of("ta", "invitation.accept", "i2");
	struct store_invitation got;

	invitation_insert(state, "i1", "ta", "h-i1");
	invitation_insert(state, "i2", "ta", "h-i2");

	/* Another tenant's invitation is not found. */
	assert_int_equal(store_invitation_revoke(st, "tb", "i1", NOW, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(store_invitation_revoke(st, "ta", "i1", NOW + 1, &a),
			 STORE_OK);
	assert_int_equal(store_invitation_get(st, "ta", "i1", &got), STORE_OK);
	assert_true(got.revoked_at == NOW + 1);
	store_invitation_free(&got);

	/* Only an open one can be withdrawn. */
	assert_int_equal(store_invitation_revoke(st, "ta", "i1", NOW + 2, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(
	    store_invitation_accept(st, "i2", "u3", NULL, NOW, &accept),
	    STORE_OK);
	assert_int_equal(store_invitation_revoke(st, "ta", "i2", NOW + 2, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(audit_count(state, "invitation.revoke"), 1);

	/* A revoked invitation cannot be accepted. */
	assert_int_equal(
	    store_invitation_accept(st, "i1", "u4", NULL, NOW, &accept),
	    STORE_NOT_FOUND);
	assert_int_equal(sql(state, "SELECT count(*) FROM memberships WHERE "
				    "user_id = 'u4'"),
			 0);
	assert_int_equal(audit_count(state, "invitation.accept"), 1);
	assert_int_equal(store_error_count(st), 0);
}

static void test_invitation_accept_existing(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("tb", "invitation.accept", "i1");
	struct store_invitation got;

	/* alice of ta joins tb as an operator. */
	invitation_insert(state, "i1", "tb", "h-i1");
	assert_int_equal(store_invitation_accept(st, "i1", "u1", NULL, NOW, &a),
			 STORE_OK);
	assert_int_equal(audit_count(state, "invitation.accept"), 1);
	assert_int_equal(sql(state, "SELECT count(*) FROM memberships WHERE "
				    "tenant_id = 'tb' AND user_id = 'u1' AND "
				    "role = 'operator'"),
			 1);
	assert_int_equal(store_invitation_get(st, "tb", "i1", &got), STORE_OK);
	assert_true(got.accepted_at == NOW);
	assert_string_equal(got.accepted_by, "u1");
	store_invitation_free(&got);

	/* Once only, by anyone. */
	assert_int_equal(store_invitation_accept(st, "i1", "u4", NULL, NOW, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(
	    store_invitation_accept(st, "nope", "u4", NULL, NOW, &a),
	    STORE_NOT_FOUND);
	assert_int_equal(sql(state, "SELECT count(*) FROM memberships WHERE "
				    "user_id = 'u4'"),
			 0);
	assert_int_equal(audit_count(state, "invitation.accept"), 1);
	assert_int_equal(store_error_count(st), 0);
}

/* A member already is a conflict, and the invitation stays open. */
static void test_invitation_accept_member(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("ta", "invitation.accept", "i1");
	struct store_invitation got;

	invitation_insert(state, "i1", "ta", "h-i1");
	assert_int_equal(store_invitation_accept(st, "i1", "u2", NULL, NOW, &a),
			 STORE_CONFLICT);
	assert_int_equal(store_invitation_get(st, "ta", "i1", &got), STORE_OK);
	assert_true(got.accepted_at == 0);
	assert_null(got.accepted_by);
	store_invitation_free(&got);
	assert_int_equal(sql(state, "SELECT count(*) FROM memberships WHERE "
				    "tenant_id = 'ta' AND user_id = 'u2' AND "
				    "role = 'operator'"),
			 1);
	assert_int_equal(audit_count(state, "invitation.accept"), 0);
	assert_int_equal(store_error_count(st), 0);
}

static void test_invitation_accept_new(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("ta", "invitation.accept", "i1");
	struct store_user erin = {.id = "u5",
				  .tenant_id = "tb",
				  .username = "erin",
				  .password_hash = "h5",
				  .role = "admin",
				  .created_at = NOW};
	struct store_user user;
	struct store_token got;
	struct store_token t = token_of("tok5", "ta", "u5");
	struct store_audit ta = audit_of("ta", "token.create", "tok5");

	invitation_insert(state, "i1", "ta", "h-i1");
	assert_int_equal(
	    store_invitation_accept(st, "i1", "u5", &erin, NOW, &a), STORE_OK);
	assert_int_equal(sql(state, "SELECT count(*) FROM users WHERE id = "
				    "'u5' AND username = 'erin' AND "
				    "password_hash = 'h5'"),
			 1);
	/* The invitation's tenant and role, not the ones of new_user. */
	assert_int_equal(sql(state, "SELECT count(*) FROM memberships WHERE "
				    "user_id = 'u5'"),
			 1);
	assert_int_equal(store_token_insert(st, &t, &ta), STORE_OK);
	assert_int_equal(store_token_find(st, "tok5", &got, &user), STORE_OK);
	assert_string_equal(user.tenant_id, "ta");
	assert_string_equal(user.role, "operator");
	assert_string_equal(user.username, "erin");
	store_token_free(&got);
	store_user_free(&user);
	assert_int_equal(audit_count(state, "invitation.accept"), 1);

	/* A second time creates nobody. */
	erin.id = "u6";
	erin.username = "frank";
	assert_int_equal(
	    store_invitation_accept(st, "i1", "u6", &erin, NOW, &a),
	    STORE_NOT_FOUND);
	assert_int_equal(
	    sql(state, "SELECT count(*) FROM users WHERE id = 'u6'"), 0);
	assert_int_equal(store_error_count(st), 0);
}

/* A taken username is a conflict, and the whole transaction goes. */
static void test_invitation_accept_taken(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("ta", "invitation.accept", "i1");
	struct store_user again = {.id = "u7",
				   .username = "carol",
				   .password_hash = "h7",
				   .created_at = NOW};
	struct store_user taken_id = {.id = "u3",
				      .username = "gina",
				      .password_hash = "h7",
				      .created_at = NOW};
	struct store_invitation got;

	invitation_insert(state, "i1", "ta", "h-i1");
	assert_int_equal(
	    store_invitation_accept(st, "i1", "u7", &again, NOW, &a),
	    STORE_CONFLICT);
	assert_int_equal(
	    store_invitation_accept(st, "i1", "u3", &taken_id, NOW, &a),
	    STORE_CONFLICT);
	assert_int_equal(store_invitation_get(st, "ta", "i1", &got), STORE_OK);
	assert_true(got.accepted_at == 0);
	assert_null(got.accepted_by);
	store_invitation_free(&got);
	assert_int_equal(
	    sql(state, "SELECT count(*) FROM users WHERE id = 'u7'"), 0);
	assert_int_equal(sql(state, "SELECT count(*) FROM users WHERE "
				    "username = 'gina'"),
			 0);
	assert_int_equal(sql(state, "SELECT count(*) FROM memberships WHERE "
				    "tenant_id = 'ta'"),
			 2);
	assert_int_equal(audit_count(state, "invitation.accept"), 0);

	/* It is still open, so a free username gets in. */
	again.username = "gina";
	assert_int_equal(
	    store_invitation_accept(st, "i1", "u7", &again, NOW, &a), STORE_OK);
	assert_int_equal(store_error_count(st), 0);

	/* A new user whose id is not the accepting one is refused. */
	invitation_insert(state, "i2", "ta", "h-i2");
	again.username = "hugo";
	assert_int_equal(
	    store_invitation_accept(st, "i2", "u8", &again, NOW, &a),
	    STORE_ERROR);
}

/* Open until expires_at, not at it. */
static void test_invitation_accept_expired(void **state)
{
	struct store *st = store_of(state);
	struct store_audit a = audit_of("ta", "invitation.accept", "i1");
	struct store_invitation inv = invitation_of("i1", "ta", "h-i1");

	assert_int_equal(store_invitation_insert(st, &inv, &a), STORE_OK);
	assert_int_equal(
	    store_invitation_accept(st, "i1", "u4", NULL, inv.expires_at, &a),
	    STORE_NOT_FOUND);
	assert_int_equal(store_invitation_accept(st, "i1", "u4", NULL,
						 inv.expires_at + 100, &a),
			 STORE_NOT_FOUND);
	assert_int_equal(sql(state, "SELECT count(*) FROM memberships WHERE "
				    "user_id = 'u4'"),
			 0);
	assert_int_equal(store_invitation_accept(st, "i1", "u4", NULL,
						 inv.expires_at - 1, &a),
			 STORE_OK);
	assert_int_equal(store_error_count(st), 0);
}

static void test_login_failures(void **state)
{
	struct store *st = store_of(state);
	int64_t failures = -1, start = -1;

	assert_int_equal(store_login_failures_get(st, "user:alice", NOW, WINDOW,
						  &failures, &start),
			 STORE_OK);
	assert_true(failures == 0);
	assert_true(start == 0);

	/* Three failures in the window count up from its first. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_login_failure_add(st, "user:alice",
							 NOW + i * 10, WINDOW),
				 STORE_OK);
	assert_int_equal(
	    store_login_failure_add(st, "addr:192.0.2.1", NOW, WINDOW),
	    STORE_OK);
	assert_int_equal(store_login_failures_get(st, "user:alice", NOW + 100,
						  WINDOW, &failures, &start),
			 STORE_OK);
	assert_true(failures == 3);
	assert_true(start == NOW);
	assert_int_equal(store_login_failures_get(st, "addr:192.0.2.1",
						  NOW + 100, WINDOW, &failures,
						  &start),
			 STORE_OK);
	assert_true(failures == 1);

	/* The window ends WINDOW seconds after its first failure. */
	assert_int_equal(store_login_failures_get(st, "user:alice",
						  NOW + WINDOW - 1, WINDOW,
						  &failures, &start),
			 STORE_OK);
	assert_true(failures == 3);
	assert_int_equal(store_login_failures_get(st, "user:alice",
						  NOW + WINDOW, WINDOW,
						  &failures, &start),
			 STORE_OK);
	assert_true(failures == 0);
	assert_true(start == 0);

	/* A failure after it starts a new window. */
	assert_int_equal(
	    store_login_failure_add(st, "user:alice", NOW + WINDOW + 5, WINDOW),
	    STORE_OK);
	assert_int_equal(store_login_failures_get(st, "user:alice",
						  NOW + WINDOW + 6, WINDOW,
						  &failures, &start),
			 STORE_OK);
	assert_true(failures == 1);
	assert_true(start == NOW + WINDOW + 5);

	/* Clearing one key leaves the others. */
	assert_int_equal(store_login_failures_clear(st, "user:alice"),
			 STORE_OK);
	assert_int_equal(store_login_failures_clear(st, "user:nobody"),
			 STORE_OK);
	assert_int_equal(store_login_failures_get(st, "user:alice",
						  NOW + WINDOW + 6, WINDOW,
						  &failures, &start),
			 STORE_OK);
	assert_true(failures == 0);
	assert_int_equal(store_login_failures_get(st, "addr:192.0.2.1",
						  NOW + 100, WINDOW, &failures,
						  &start),
			 STORE_OK);
	assert_true(failures == 1);
	assert_int_equal(store_error_count(st), 0);
}

struct adder {
	pthread_t thread;
	struct store *st;
	int failed;
};

static void *adder_run(void *arg)
{
	struct adder *w = arg;

	for (int i = 0; i < ROUNDS; i++)
		w->failed += store_login_failure_add(w->st, "user:alice", NOW,
						     WINDOW) != STORE_OK;
	return NULL;
}

/* Nodes counting failures of one key at once lose none of them. */
static void test_login_failures_concurrent(void **state)
{
	struct store *st = store_of(state);
	struct adder w[THREADS];
	int64_t failures = -1, start = -1;

	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct adder){.st = st};
		assert_int_equal(
		    pthread_create(&w[i].thread, NULL, adder_run, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		assert_int_equal(pthread_join(w[i].thread, NULL), 0);
		assert_int_equal(w[i].failed, 0);
	}
	assert_int_equal(store_login_failures_get(st, "user:alice", NOW, WINDOW,
						  &failures, &start),
			 STORE_OK);
	assert_true(failures == THREADS * ROUNDS);
	assert_true(start == NOW);
	assert_int_equal(store_error_count(st), 0);
}

#define TEST(f)                                                                \
	cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEST(test_token_insert_get_find),
	    TEST(test_token_find_membership),
	    TEST(test_token_list),
	    TEST(test_token_revoke),
	    TEST(test_token_touch),
	    TEST(test_invitation_insert_get),
	    TEST(test_invitation_list),
	    TEST(test_invitation_revoke),
	    TEST(test_invitation_accept_existing),
	    TEST(test_invitation_accept_member),
	    TEST(test_invitation_accept_new),
	    TEST(test_invitation_accept_taken),
	    TEST(test_invitation_accept_expired),
	    TEST(test_login_failures),
	    TEST(test_login_failures_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
