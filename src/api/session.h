/* The session endpoints: login, logout, who am I, own password. */
#ifndef PKIAAS_API_SESSION_H
#define PKIAAS_API_SESSION_H

#include "http/http.h"

/* POST /api/v1/auth/login: opens a session and sets its cookie. */
void api_session_login(struct http_request *req, struct http_response *resp);
/* POST /api/v1/auth/logout: ends the session and clears the cookie. */
void api_session_logout(struct http_request *req, struct http_response *resp);
/* GET /api/v1/me: the caller, their tenant, role and tenants. */
void api_me_get(struct http_request *req, struct http_response *resp);
/* POST /api/v1/me/password: changes the caller's own password. */
void api_me_password(struct http_request *req, struct http_response *resp);

#endif
