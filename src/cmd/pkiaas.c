/*
 * pkiaas: the command-line client of a pkiaasd server (docs/cli.md).
 * This file reads the global options and finds the command; the commands
 * live in pkiaas_*.c, one file per resource.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cmd/pkiaas_args.h"
#include "cmd/pkiaas_cli.h"
#include "cmd/pkiaas_cmds.h"

/* Every command, in the order of docs/cli.md. */
static const struct cli_command commands[] = {
    {NULL, "login",
     "--server URL [--cacert FILE] [--username NAME] [--tenant NAME] "
     "[--password-stdin] [--token-name NAME]",
     "log in and store a new API token", cmd_login},
    {NULL, "logout", "", "revoke the stored token and forget it", cmd_logout},
    {NULL, "whoami", "", "the user, tenant, role and token in use", cmd_whoami},
    {"token", "create", "--name NAME [--role ROLE] [--expires-in-days N]",
     "a new API token; its secret is printed once", cmd_token_create},
    {"token", "list", "", "API tokens (an admin sees the tenant's)",
     cmd_token_list},
    {"token", "revoke", "ID", "revoke a token", cmd_token_revoke},
    {"user", "list", "", "members of the tenant", cmd_user_list},
    {"user", "add", "USERNAME --role ROLE [--password-stdin]",
     "a new user; a password is made unless --password-stdin", cmd_user_add},
    {"user", "show", "USER", "one user (USER: id or username)", cmd_user_show},
    {"user", "update", "USER [--role ROLE] [--disable] [--enable]",
     "change a user's role, or disable or enable them", cmd_user_update},
    {"user", "remove", "USER", "remove a user from the tenant",
     cmd_user_remove},
    {"user", "passwd", "[--password-stdin]", "change your own password",
     cmd_user_passwd},
    {"invite", "create", "--role ROLE [--note TEXT]",
     "an invitation; its token is printed once", cmd_invite_create},
    {"invite", "list", "", "invitations", cmd_invite_list},
    {"invite", "revoke", "ID", "withdraw an open invitation",
     cmd_invite_revoke},
    {"invite", "accept", "TOKEN [--username NAME [--password-stdin]]",
     "join the inviting tenant, as yourself or a new user", cmd_invite_accept},
    {"audit", "list",
     "[--action A] [--actor USERNAME] [--object ID] [--outcome O] "
     "[--since TIME] [--until TIME] [--limit N] [--all]",
     "audit entries, newest first", cmd_audit_list},
    {"audit", "show", "ID", "one audit entry", cmd_audit_show},
    {"tenant", "list", "", "the tenants you belong to", cmd_tenant_list},
    {"ca", "create",
     "NAME --root|--intermediate [--key-type T] [--cn CN] [--o O] [--ou OU] "
     "[--c C] [--hash H] [--pss] [--days N] [--path-length N] [--parent CA] "
     "[--parent-template T] [--key-file PEM] [--description TEXT] "
     "[--cps-url URL] [--certificate-settings JSON|@FILE]",
     "a root CA, or an intermediate (signed by --parent, or a CSR)",
     cmd_ca_create},
    {"ca", "list", "", "the tenant's CAs", cmd_ca_list},
    {"ca", "show", "CA", "one CA (CA: id or name)", cmd_ca_show},
    {"ca", "csr", "CA [--out FILE]", "a pending intermediate's CSR",
     cmd_ca_csr},
    {"ca", "import", "CA --cert FILE",
     "activate a pending intermediate with its certificate and chain",
     cmd_ca_import},
    {"ca", "chain", "CA [--out FILE]", "the CA's certificate and its issuers",
     cmd_ca_chain},
    {"ca", "update",
     "CA [--description TEXT] [--cps-url URL] [--service-key-type T] "
     "[--service-hash H]",
     "change a CA's description, CPS URL or service settings", cmd_ca_update},
    {"ca", "delete", "CA --confirm NAME",
     "delete a CA with its templates and certificates", cmd_ca_delete},
    {"template", "starters", "", "what new templates start from",
     cmd_template_starters},
    {"template", "create", "NAME --ca CA [--starter S] [--settings JSON|@FILE]",
     "a template of a CA", cmd_template_create},
    {"template", "list", "[--ca CA]", "templates, of one CA with --ca",
     cmd_template_list},
    {"template", "show", "T [--ca CA]", "one template (T: id or name)",
     cmd_template_show},
    {"template", "update", "T [--ca CA] [--name NAME] [--settings JSON|@FILE]",
     "rename a template or change its settings", cmd_template_update},
    {"template", "delete", "T [--ca CA]",
     "delete a template none of whose certificates is active",
     cmd_template_delete},
    {"request", "submit", "--template T [--ca CA] --csr FILE",
     "submit a CSR to a template", cmd_request_submit},
    {"request", "list", "[--status S]", "certificate requests",
     cmd_request_list},
    {"request", "show", "ID", "one request, decoded", cmd_request_show},
    {"request", "approve",
     "ID... [--cn CN] [--subject A=V]... [--san TYPE:V]... [--days N] "
     "[--not-before TIME] [--not-after TIME]",
     "sign pending requests, optionally overriding what they ask",
     cmd_request_approve},
    {"request", "decline", "ID... --reason TEXT", "decline pending requests",
     cmd_request_decline},
    {"request", "preapprove",
     "--template T [--ca CA] [--cn CN] [--subject A=V]... [--san TYPE:V]... "
     "[--days N] [--not-before TIME] [--not-after TIME]",
     "a pre-approved request; its claim is printed once",
     cmd_request_preapprove},
    {"request", "claim", "--claim TOKEN --csr FILE [--out FILE]",
     "the certificate of a pre-approved request, without a login",
     cmd_request_claim},
    {"cert", "list",
     "[--status S] [--ca CA] [--template T] [--search TEXT] [--serial HEX] "
     "[--expiring-within-days N]",
     "issued certificates", cmd_cert_list},
    {"cert", "show", "C", "one certificate (C: id or serial)", cmd_cert_show},
    {"cert", "download", "C [--format pem|der|pem-chain|pkcs7] [--out FILE]",
     "a certificate, alone or with its chain", cmd_cert_download},
    {"cert", "revoke", "C [--reason R] [--invalidity-date TIME]",
     "revoke a certificate", cmd_cert_revoke},
    {"cert", "release", "C", "release a certificate from certificateHold",
     cmd_cert_release},
    {"cert", "renew", "--cert FILE --key FILE --csr FILE [--out FILE]",
     "renew a certificate with its key, without a login", cmd_cert_renew},
    {"acme policy", "create",
     "NAME --template T [--ca CA] [--domain D]... [--domains-file FILE]",
     "an ACME policy: the template that signs, pre-approved domains",
     cmd_acme_policy_create},
    {"acme policy", "list", "[--ca CA]", "ACME policies, of one CA with --ca",
     cmd_acme_policy_list},
    {"acme policy", "show", "P", "one ACME policy (P: id or name)",
     cmd_acme_policy_show},
    {"acme policy", "update",
     "P [--name NAME] [--template T [--ca CA]] [--domain D]... "
     "[--domains-file FILE] [--add-domain D]... [--remove-domain D]... "
     "[--no-domains]",
     "rename a policy, change its template or its domains",
     cmd_acme_policy_update},
    {"acme policy", "delete", "P",
     "delete a policy no account is bound to, and its EABs",
     cmd_acme_policy_delete},
    {"acme eab", "create",
     "--policy P --name NAME [--uses N] [--expires TIME | --days N]",
     "an external account binding; its HMAC key is printed once",
     cmd_acme_eab_create},
    {"acme eab", "list", "--policy P", "a policy's EABs, never their keys",
     cmd_acme_eab_list},
    {"acme eab", "delete", "ID",
     "delete an EAB; accounts registered with it stay bound",
     cmd_acme_eab_delete},
    {"acme account", "list", "[--policy P]",
     "ACME accounts, of one policy with --policy", cmd_acme_account_list},
    {"acme account", "show", "ID", "one ACME account", cmd_acme_account_show},
    {"acme account", "deactivate", "ID", "deactivate an ACME account for good",
     cmd_acme_account_deactivate},
    {"acme order", "list", "ACCOUNT", "an ACME account's orders",
     cmd_acme_order_list},
    {NULL, "status", "--server URL [--cacert FILE]",
     "ask the server's /healthz and /readyz", cmd_status},
    {NULL, "version", "", "versions of pkiaas, OpenSSL and libcurl",
     cmd_version},
};
#define NCOMMANDS (sizeof(commands) / sizeof(*commands))

/*
 * Whether a command's group (NULL for none) is group, or lies in the
 * family group names: "acme policy" lies in "acme".
 */
static int group_within(const char *cmd_group, const char *group)
{
	size_t len = strlen(group);

	return cmd_group != NULL && strncmp(cmd_group, group, len) == 0 &&
	       (cmd_group[len] == '\0' || cmd_group[len] == ' ');
}

/* Lists the commands of group (NULL: all of them) on out. */
static void usage(FILE *out, const char *group)
{
	fprintf(out, "usage: pkiaas [GLOBAL OPTIONS] COMMAND [SUBCOMMAND] "
		     "[OPTIONS]\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct cli_command *c = &commands[i];

		int width = c->group ? 15 - (int)strlen(c->group) : 16;

		if (group != NULL && !group_within(c->group, group))
			continue;
		/* A name too long for the column puts its summary below. */
		fprintf(out, "  %s%s%-*s%s%s\n", c->group ? c->group : "",
			c->group ? " " : "", width, c->name,
			(int)strlen(c->name) > width ? "\n                   "
						     : " ",
			c->summary);
	}
	fprintf(out, "\nglobal options:\n"
		     "  --server URL    the server (or PKIAAS_SERVER)\n"
		     "  --token TOKEN   an API token (or PKIAAS_TOKEN)\n"
		     "  --cacert FILE   a root certificate to trust (or "
		     "PKIAAS_CACERT)\n"
		     "  --json          print the server's JSON\n\n"
		     "Every command takes --help. Documentation: "
		     "docs/cli.md\n");
}

static int is_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 ||
	       strcmp(arg, "help") == 0;
}

/* Whether name is a group of subcommands. */
static int is_group(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (commands[i].group && strcmp(commands[i].group, name) == 0)
			return 1;
	return 0;
}

/* Whether name is a family of groups ("acme" of "acme policy"). */
static int is_family(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (group_within(commands[i].group, name) &&
		    strcmp(commands[i].group, name) != 0)
			return 1;
	return 0;
}

/* The command named by group (or NULL) and name, or NULL. */
static const struct cli_command *command_find(const char *group,
					      const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct cli_command *c = &commands[i];

		if ((group == NULL) != (c->group == NULL))
			continue;
		if (group != NULL && strcmp(c->group, group) != 0)
			continue;
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

/*
 * Finds and runs the command at argv[0]; its exit code. A family's
 * group is its name and the next word: "acme policy".
 */
static int dispatch(struct cli_globals *g, int argc, char **argv)
{
	const char *group = NULL;
	const struct cli_command *cmd;
	char family[32];

	if (is_family(argv[0])) {
		if (argc < 2 || is_help(argv[1])) {
			usage(argc < 2 ? stderr : stdout, argv[0]);
			return argc < 2 ? CLI_USAGE : CLI_OK;
		}
		if (snprintf(family, sizeof(family), "%s %s", argv[0],
			     argv[1]) >= (int)sizeof(family) ||
		    !is_group(family)) {
			fprintf(stderr, "pkiaas: unknown command '%s %.20s'\n",
				argv[0], argv[1]);
			usage(stderr, argv[0]);
			return CLI_USAGE;
		}
		argv[1] = family;
		argv++;
		argc--;
	}
	if (is_group(argv[0])) {
		group = argv[0];
		if (argc < 2 || is_help(argv[1])) {
			usage(argc < 2 ? stderr : stdout, group);
			return argc < 2 ? CLI_USAGE : CLI_OK;
		}
		argv++;
		argc--;
	}
	cmd = command_find(group, argv[0]);
	if (cmd == NULL) {
		fprintf(stderr, "pkiaas: unknown command '%s%s%s'\n",
			group ? group : "", group ? " " : "", argv[0]);
		usage(stderr, group);
		return CLI_USAGE;
	}
	return cmd->run(cmd, g, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	struct cli_globals g = {0};
	int i = 1, rc;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (is_help(argv[i])) {
			usage(stdout, NULL);
			return CLI_OK;
		}
		if (strcmp(argv[i], "--version") == 0)
			return cmd_version(command_find(NULL, "version"), &g, 0,
					   argv + i);
		rc = args_global(argc, argv, &i, &g);
		if (rc <= 0) {
			if (rc == 0)
				args_unknown(argv[i]);
			usage(stderr, NULL);
			return CLI_USAGE;
		}
	}
	if (i >= argc) {
		usage(stderr, NULL);
		return CLI_USAGE;
	}
	if (is_help(argv[i])) {
		usage(stdout, i + 1 < argc && (is_group(argv[i + 1]) ||
					       is_family(argv[i + 1]))
				  ? argv[i + 1]
				  : NULL);
		return CLI_OK;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "pkiaas: cannot start libcurl\n");
		return CLI_REFUSED;
	}
	rc = dispatch(&g, argc - i, argv + i);
	curl_global_cleanup();
	return rc;
}
