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
/* pkiaas_ca.c */
cli_run_fn cmd_ca_create;
cli_run_fn cmd_ca_list;
cli_run_fn cmd_ca_show;
cli_run_fn cmd_ca_csr;
cli_run_fn cmd_ca_import;
cli_run_fn cmd_ca_chain;
cli_run_fn cmd_ca_update;
cli_run_fn cmd_ca_delete;
/* pkiaas_template.c */
cli_run_fn cmd_template_starters;
cli_run_fn cmd_template_create;
cli_run_fn cmd_template_list;
cli_run_fn cmd_template_show;
cli_run_fn cmd_template_update;
cli_run_fn cmd_template_delete;
/* pkiaas_request.c */
cli_run_fn cmd_request_submit;
cli_run_fn cmd_request_list;
cli_run_fn cmd_request_show;
cli_run_fn cmd_request_approve;
cli_run_fn cmd_request_decline;
cli_run_fn cmd_request_preapprove;
cli_run_fn cmd_request_claim;
/* pkiaas_cert.c */
cli_run_fn cmd_cert_list;
cli_run_fn cmd_cert_show;
cli_run_fn cmd_cert_download;
cli_run_fn cmd_cert_revoke;
cli_run_fn cmd_cert_release;
cli_run_fn cmd_cert_renew;
/* pkiaas_acme.c: policies, EABs, accounts and orders of ACME. */
cli_run_fn cmd_acme_policy_create;
cli_run_fn cmd_acme_policy_list;
cli_run_fn cmd_acme_policy_show;
cli_run_fn cmd_acme_policy_update;
cli_run_fn cmd_acme_policy_delete;
cli_run_fn cmd_acme_eab_create;
cli_run_fn cmd_acme_eab_list;
cli_run_fn cmd_acme_eab_delete;
cli_run_fn cmd_acme_account_list;
cli_run_fn cmd_acme_account_show;
cli_run_fn cmd_acme_account_deactivate;
cli_run_fn cmd_acme_order_list;

#endif
