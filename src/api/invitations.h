/* The invitation endpoints under /api/v1/invitations. */
#ifndef PKIAAS_API_INVITATIONS_H
#define PKIAAS_API_INVITATIONS_H

#include "http/http.h"

/* POST /api/v1/invitations: 201 with the token, shown this once. */
void api_invitation_create(struct http_request *req,
			   struct http_response *resp);
/* GET /api/v1/invitations: open and past ones, never their tokens. */
void api_invitation_list(struct http_request *req, struct http_response *resp);
/* DELETE /api/v1/invitations/{id}: withdraws an open invitation. */
void api_invitation_revoke(struct http_request *req,
			   struct http_response *resp);
/*
 * POST /api/v1/invitations/accept: with a login, joins its tenant;
 * without one, makes the user from username and password first.
 */
void api_invitation_accept(struct http_request *req,
			   struct http_response *resp);

#endif
