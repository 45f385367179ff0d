/* The commands of the pkiaas client, one file per resource. */
#ifndef PKIAAS_PKIAAS_CMDS_H
#define PKIAAS_PKIAAS_CMDS_H

#include "cmd/pkiaas_cli.h"

/* pkiaas_login.c: who the client acts as. */
cli_run_fn cmd_login;
cli_run_fn cmd_logout;
cli_run_fn cmd_whoami;
/* pkiaas_status.c */
cli_run_fn cmd_status;
cli_run_fn cmd_version;
/* pkiaas_token.c */
cli_run_fn cmd_token_create;
cli_run_fn cmd_token_list;
cli_run_fn cmd_token_revoke;
/* pkiaas_user.c */
cli_run_fn cmd_user_list;
cli_run_fn cmd_user_add;
cli_run_fn cmd_user_show;
cli_run_fn cmd_user_update;
cli_run_fn cmd_user_remove;
cli_run_fn cmd_user_passwd;
/* pkiaas_invite.c */
cli_run_fn cmd_invite_create;
cli_run_fn cmd_invite_list;
cli_run_fn cmd_invite_revoke;
cli_run_fn cmd_invite_accept;
/* pkiaas_audit.c */
cli_run_fn cmd_audit_list;
cli_run_fn cmd_audit_show;
/* pkiaas_tenant.c */
cli_run_fn cmd_tenant_list;

#endif
