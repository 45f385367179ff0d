/*
 * Who may do what. A caller is a principal: a user acting in one tenant
 * with one role, through a login session or an API token. Roles grant
 * sets of permissions; the engine checks them, handlers never do.
 */
#ifndef PKIAAS_ACCESS_H
#define PKIAAS_ACCESS_H

#include <stdint.h>

#include "engine/result.h"
#include "lib/rand.h"

enum access_permission {
	ACCESS_READ = 1u << 0,	  /* CAs, templates, requests, certs, users */
	ACCESS_OPERATE = 1u << 1, /* requests, approvals, revocation */
	ACCESS_ADMIN = 1u << 2,	  /* users, invitations, CAs, templates */
	ACCESS_AUDIT = 1u << 3,	  /* the audit log */
};

enum principal_kind { PRINCIPAL_SESSION, PRINCIPAL_TOKEN };

#define ACCESS_NAME_MAX 128
#define ACCESS_HASH_HEX 65

struct principal {
	enum principal_kind kind;
	char tenant_id[RAND_ID_LEN + 1];
	char user_id[RAND_ID_LEN + 1];
	char username[ACCESS_NAME_MAX];
	char role[16];	      /* effective: a token's, or the member's */
	unsigned permissions; /* of role */
	char token_id[RAND_ID_LEN + 1]; /* PRINCIPAL_TOKEN */
	char session[ACCESS_HASH_HEX];	/* PRINCIPAL_SESSION: its hash */
	char csrf[48];			/* PRINCIPAL_SESSION */
	char address[64];		/* the client's, for the audit log */
};

/* The permissions of "admin", "operator" or "auditor"; 0 for others. */
unsigned access_role_permissions(const char *role);
/* 1 for a role name pkiaas knows. */
int access_role_valid(const char *role);
/* 1 when narrower grants nothing that wider does not. */
int access_role_within(const char *narrower, const char *wider);
/*
 * ENGINE_OK when who holds every permission of need; otherwise
 * ENGINE_FORBIDDEN with a detail naming the role that would do.
 */
enum engine_result access_require(const struct principal *who, unsigned need,
				  struct engine_error *err);

#endif
