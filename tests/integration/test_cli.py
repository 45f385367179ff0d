"""pkiaas, the command-line client, as a user meets it against a real
server: login and the stored configuration, tokens and their roles,
users, invitations, the audit log, tenants, logout, and the exit codes
of docs/cli.md. Each test has a configuration folder of its own."""

import http.server
import json
import os
import pty
import re
import select
import signal
import stat
import subprocess
import ssl
import termios
import threading
import time

import harness
from harness import Server

CLI = os.path.join(harness.BIN, "pkiaas")

# Every command of docs/cli.md; each must answer --help with exit 0.
COMMANDS = ["login", "logout", "whoami", "token create", "token list",
            "token revoke", "user list", "user add", "user show",
            "user update", "user remove", "user passwd", "invite create",
            "invite list", "invite revoke", "invite accept", "audit list",
            "audit show", "tenant list", "status", "version"]

_server = None


def server():
    """One server shared by the tests; each test makes its own users."""
    global _server
    if _server is None:
        _server = Server().start()
    return _server


def url(s):
    return f"https://localhost:{s.https_port}"


def admin_password(s):
    m = re.search(r"Login: +admin / (\S+)", s.output())
    assert m, s.output()
    return m.group(1)


class Cli:
    """Runs pkiaas with a configuration folder of its own (not made yet,
    so that pkiaas creates it)."""

    def __init__(self):
        self.config = os.path.join(harness.tmpdir(), "pkiaas")

    def env(self):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("PKIAAS_")}
        env.update(PKIAAS_CONFIG_DIR=self.config, HOME=self.config)
        return env

    def run(self, *args, input=None, expect=0):
        p = subprocess.run([CLI, *args], input=input, capture_output=True,
                           text=True, env=self.env(), timeout=60)
        if expect is not None:
            assert p.returncode == expect, (
                f"pkiaas {' '.join(args)}: exit {p.returncode}, "
                f"expected {expect}\n{p.stdout}{p.stderr}")
        return p

    def json(self, *args, input=None):
        return json.loads(self.run("--json", *args, input=input).stdout)

    def login(self, s, username, password, *extra, expect=0):
        return self.run("login", "--server", url(s), "--cacert", s.root,
                        "--username", username, "--password-stdin",
                        *extra, input=password + "\n", expect=expect)

    def stored(self):
        with open(os.path.join(self.config, "config.json")) as f:
            return json.load(f)


class Terminal:
    """pkiaas on a pseudo-terminal of its own, as a person types."""

    def __init__(self, cli, *args):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(CLI, [CLI, *args], cli.env())
            finally:
                os._exit(127)
        self.seen = b""

    def expect(self, text, timeout=30):
        """Reads until text shows; what came so far."""
        deadline = time.monotonic() + timeout
        while text.encode() not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"no {text!r} in {self.seen!r}"
            if not select.select([self.fd], [], [], left)[0]:
                continue
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # EIO: the program ended
                chunk = b""
            assert chunk, f"no {text!r} in {self.seen!r}"
            self.seen += chunk
        return self.seen.decode(errors="replace")

    def type(self, text):
        os.write(self.fd, text.encode())

    def echo(self):
        return bool(termios.tcgetattr(self.fd)[3] & termios.ECHO)

    def wait(self):
        """The exit code (negative: the signal); reads what is left."""
        while select.select([self.fd], [], [], 30)[0]:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.seen += chunk
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def close(self):
        os.close(self.fd)


def admin_cli(s):
    cli = Cli()
    cli.login(s, "admin", admin_password(s))
    return cli


_users = 0


def new_user(admin, role, password="a long enough password"):
    """A new member of the tenant, made by admin; (username, id)."""
    global _users
    _users += 1
    name = f"{role}{_users}"
    user = admin.json("user", "add", name, "--role", role,
                      "--password-stdin", input=password + "\n")
    assert user["username"] == name and user["role"] == role, user
    return name, user["id"]


def user_cli(s, admin, role, password="a long enough password"):
    name, _ = new_user(admin, role, password)
    cli = Cli()
    cli.login(s, name, password)
    return cli, name


def accept(token, *options):
    """invite accept's arguments: options, then the token, which may start
    with '-' (base64url); one that starts with "--" goes after --."""
    rest = ["--", token] if token.startswith("--") else [token]
    return ["invite", "accept", *options, *rest]


def token_of(output):
    m = re.search(r"\b(pkiaas_\S+)", output)
    assert m, output
    return m.group(1)


def test_help_on_every_command_and_usage_errors():
    cli = Cli()
    for command in COMMANDS:
        p = cli.run(*command.split(), "--help")
        assert p.stdout.startswith(f"usage: pkiaas {command}"), p.stdout
    for group in ("token", "user", "invite", "audit", "tenant"):
        assert f"{group} list" in cli.run(group, "--help").stdout
    assert "whoami" in cli.run("--help").stdout
    assert "user add" in cli.run("help").stdout
    bad = [[], ["frobnicate"], ["token"], ["token", "frob"],
           ["whoami", "--frob"], ["whoami", "extra"], ["--frob", "whoami"],
           ["--server"], ["user", "add"], ["user", "show"],
           ["user", "add", "x", "--role", "king"],
           ["user", "update", "x"],
           ["user", "update", "x", "--disable", "--enable"],
           ["token", "create"], ["token", "create", "--name", "x", "--role",
                                 "root"],
           ["token", "create", "--name", "x", "--expires-in-days", "0"],
           ["token", "create", "--name", "x", "--expires-in-days", "9x"],
           ["invite", "create"], ["invite", "accept"],
           ["invite", "accept", "t", "--password-stdin"],
           ["audit", "list", "--since", "yesterday"],
           ["audit", "list", "--until", "2026-13-01T00:00:00Z"],
           ["audit", "list", "--limit", "201"],
           ["audit", "list", "--outcome", "maybe"],
           ["login", "--password-stdin", "--server", "https://x"],
           ["--server", "http://localhost:1", "--token", "t", "whoami"]]
    for args in bad:
        p = cli.run(*args, expect=2)
        assert p.stderr.startswith("pkiaas: ") or "usage:" in p.stderr, p
    assert not os.path.exists(cli.config), "usage errors wrote config"
    # A misspelled option's value may be a secret: it is not echoed.
    for args in (["whoami", "--tokn", "s3cret-value"],
                 ["whoami", "--tokn=s3cret-value"],
                 ["--tokn=s3cret-value", "whoami"]):
        p = cli.run(*args, expect=2)
        assert "s3cret" not in p.stdout + p.stderr, p


def test_login_stores_a_token_and_whoami_reads_it():
    s = server()
    password = admin_password(s)
    cli = Cli()
    p = cli.login(s, "admin", password)
    assert "admin" in p.stdout, p
    assert password not in p.stdout + p.stderr
    assert stat.S_IMODE(os.stat(cli.config).st_mode) == 0o700
    conf = os.path.join(cli.config, "config.json")
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o600
    stored = cli.stored()
    assert stored["server"] == url(s), stored
    assert stored["token"].startswith("pkiaas_"), stored
    assert stored["token"] not in p.stdout + p.stderr
    assert password not in json.dumps(stored)
    with open(stored["cacert"]) as f, open(s.root) as g:
        assert f.read() == g.read()
    assert os.path.dirname(stored["cacert"]) == cli.config
    assert not [n for n in os.listdir(cli.config) if ".tmp" in n]

    table = cli.run("whoami").stdout
    assert re.search(r"^user +admin$", table, re.M), table
    assert re.search(r"^role +admin$", table, re.M), table
    assert re.search(r"^auth +token$", table, re.M), table
    assert re.search(r"^TENANT +ROLE +ID$", table, re.M), table
    assert stored["token"] not in table
    me = cli.json("whoami")
    assert me["user"]["username"] == "admin" and me["role"] == "admin", me
    assert me["auth"] == "token", me
    assert me["token"]["name"].startswith("pkiaas CLI on "), me
    assert any(t["id"] == me["tenant"]["id"] for t in me["tenants"]), me

    # The login session was ended once the token was made.
    audit = cli.json("audit", "list", "--actor", "admin", "--limit", "200")
    actions = [e["action"] for e in audit["items"]]
    assert "auth.login" in actions and "auth.logout" in actions, actions

    named = Cli()
    named.login(s, "admin", password, "--token-name", "laptop")
    assert named.json("whoami")["token"]["name"] == "laptop"

    # Logging in again replaces the stored token and revokes the old one.
    first = me["token"]["id"]
    cli.login(s, "admin", password)
    assert cli.stored()["token"] != stored["token"]
    tokens = {t["id"]: t for t in cli.json("token", "list")["items"]}
    assert tokens[first]["revoked_at"] is not None, tokens[first]
    assert tokens[cli.json("whoami")["token"]["id"]]["revoked_at"] is None


def test_wrong_password_says_nothing_about_the_user():
    s = server()
    cli = Cli()
    wrong = cli.login(s, "admin", "not the password", expect=4)
    nobody = cli.login(s, "nobody-here", "not the password", expect=4)
    assert wrong.stderr == nobody.stderr, (wrong.stderr, nobody.stderr)
    assert "(HTTP 401)" in wrong.stderr, wrong.stderr
    assert not re.search(r"exist|unknown|no such|not found", wrong.stderr,
                         re.I), wrong.stderr
    assert "not the password" not in wrong.stdout + wrong.stderr
    assert not os.path.exists(os.path.join(cli.config, "config.json"))
    assert cli.run("whoami", expect=4).stderr.startswith("pkiaas: not "
                                                         "logged in")


def test_tokens_create_list_revoke_and_roles():
    s = server()
    admin = admin_cli(s)
    p = admin.run("token", "create", "--name", "ci-deploy", "--role",
                  "operator", "--expires-in-days", "90")
    secret = token_of(p.stdout)
    tid = re.search(r"^id +(\S+)$", p.stdout, re.M).group(1)
    base = ["--server", url(s), "--cacert", s.root, "--token", secret]
    me = Cli().json(*base, "whoami")
    assert me["role"] == "operator" and me["token"]["id"] == tid, me
    assert me["token"]["expires_at"] is not None, me

    listed = admin.run("token", "list").stdout
    assert re.search(rf"^{tid} +ci-deploy +operator +admin ", listed,
                     re.M), listed
    assert secret not in listed
    items = admin.json("token", "list")["items"]
    assert any(t["id"] == tid for t in items), items
    assert not any("token" in t for t in items), items

    admin.run("token", "revoke", tid)
    assert Cli().run(*base, "whoami", expect=4).stderr.endswith(
        "(HTTP 401)\n")
    revoked = [t for t in admin.json("token", "list")["items"]
               if t["id"] == tid]
    assert revoked[0]["revoked_at"] is not None, revoked
    admin.run("token", "revoke", "zzzzzzzzzzzzzzzz", expect=5)

    # An auditor token of an admin cannot do what an admin can.
    aud = token_of(admin.run("token", "create", "--name", "read-only",
                             "--role", "auditor").stdout)
    p = Cli().run("--server", url(s), "--cacert", s.root, "--token", aud,
                  "user", "add", "mallory", "--role", "admin",
                  "--password-stdin", input="a long enough password\n",
                  expect=4)
    assert "(HTTP 403)" in p.stderr, p.stderr
    assert "mallory" not in admin.run("user", "list").stdout

    # A token may not be wider than its user's role.
    op, _ = user_cli(s, admin, "operator")
    p = op.run("token", "create", "--name", "wide", "--role", "admin",
               expect=1)
    assert "(HTTP 400)" in p.stderr, p.stderr
    assert op.json("token", "create", "--name", "same", "--role",
                   "operator")["role"] == "operator"
    # An operator sees only its own tokens.
    names = {t["name"] for t in op.json("token", "list")["items"]}
    assert "ci-deploy" not in names and "same" in names, names


def test_users_add_list_show_update_remove():
    s = server()
    admin = admin_cli(s)
    alice, alice_id = new_user(admin, "operator")
    # Without --password-stdin a password is made and printed once.
    p = admin.run("user", "add", "bob", "--role", "auditor")
    bob_password = re.search(r"^password +(\S+)$", p.stdout, re.M).group(1)
    assert len(bob_password) >= 12, p.stdout
    bob = Cli()
    bob.login(s, "bob", bob_password)
    assert bob.json("whoami")["role"] == "auditor"
    admin.run("user", "add", "bob", "--role", "auditor", "--password-stdin",
              input="another long password\n", expect=1)

    listed = admin.run("user", "list").stdout
    assert re.search(r"^ID +USERNAME +ROLE +DISABLED +CREATED$", listed,
                     re.M), listed
    assert re.search(rf"^{alice_id} +{alice} +operator +no ", listed,
                     re.M), listed
    by_name = admin.json("user", "show", alice)
    by_id = admin.json("user", "show", alice_id)
    assert by_name == by_id and by_name["id"] == alice_id, by_name
    assert re.search(rf"^username +{alice}$",
                     admin.run("user", "show", alice_id).stdout, re.M)
    admin.run("user", "show", "nobody-at-all", expect=5)
    admin.run("user", "show", "zzzzzzzzzzzzzzzz", expect=5)

    changed = admin.json("user", "update", alice, "--role", "auditor")
    assert changed["role"] == "auditor", changed
    assert admin.json("user", "show", alice)["role"] == "auditor"
    admin.run("user", "update", alice, "--disable")
    assert admin.json("user", "show", alice_id)["disabled"] is True
    Cli().login(s, alice, "a long enough password", expect=4)
    admin.run("user", "update", alice_id, "--enable")
    Cli().login(s, alice, "a long enough password")
    # An admin cannot disable themself.
    admin.run("user", "update", "admin", "--disable", expect=1)

    admin.run("user", "remove", "bob")
    admin.run("user", "show", "bob", expect=5)
    bob.run("whoami", expect=4)
    assert "bob" not in admin.run("user", "list").stdout
    # Operators read users but do not manage them.
    op, _ = user_cli(s, admin, "operator")
    assert alice in op.run("user", "list").stdout
    op.run("user", "remove", alice, expect=4)


def test_user_passwd_changes_the_password():
    s = server()
    admin = admin_cli(s)
    cli, name = user_cli(s, admin, "operator", "the first password")
    p = cli.run("user", "passwd", "--password-stdin",
                input="wrong current one\nthe second password\n", expect=1)
    assert "(HTTP 400)" in p.stderr, p.stderr
    p = cli.run("user", "passwd", "--password-stdin",
                input="the first password\nshort\n", expect=1)
    assert "(HTTP 400)" in p.stderr, p.stderr
    p = cli.run("user", "passwd", "--password-stdin",
                input="the first password\nthe second password\n")
    assert "password" not in p.stdout.replace("Password changed", ""), p
    Cli().login(s, name, "the first password", expect=4)
    Cli().login(s, name, "the second password")
    # The stored token keeps working.
    assert cli.json("whoami")["user"]["username"] == name


def test_invitations_create_accept_once_and_revoke():
    s = server()
    admin = admin_cli(s)
    p = admin.run("invite", "create", "--role", "operator", "--note",
                  "for carol")
    token = re.search(r"^token +(\S+)$", p.stdout, re.M).group(1)
    iid = re.search(r"^id +(\S+)$", p.stdout, re.M).group(1)
    listed = admin.run("invite", "list").stdout
    assert re.search(rf"^{iid} +operator +for carol ", listed, re.M), listed
    assert token not in listed
    assert not any("token" in i
                   for i in admin.json("invite", "list")["items"])

    newcomer = Cli()
    base = ["--server", url(s), "--cacert", s.root]
    newcomer.run(*base, *accept(token, "--username", "carol",
                                "--password-stdin"),
                 input="carol's long password\n")
    newcomer.login(s, "carol", "carol's long password")
    me = newcomer.json("whoami")
    assert me["user"]["username"] == "carol" and me["role"] == "operator"
    again = Cli().run(*base, *accept(token, "--username", "dave",
                                     "--password-stdin"),
                      input="dave's long password\n", expect=5)
    assert "(HTTP 404)" in again.stderr, again.stderr
    Cli().login(s, "dave", "dave's long password", expect=4)
    accepted = [i for i in admin.json("invite", "list")["items"]
                if i["id"] == iid]
    assert accepted[0]["accepted_at"] is not None, accepted

    withdrawn = admin.json("invite", "create", "--role", "auditor")
    admin.run("invite", "revoke", withdrawn["id"])
    Cli().run(*base, *accept(withdrawn["token"], "--username", "erin",
                             "--password-stdin"),
              input="erin's long password\n", expect=5)
    # Tokens are base64url: a leading '-' is no option.
    admin.run("invite", "accept", "-_not-a-token", expect=5)
    admin.run("invite", "accept", "--", "--not-a-token", expect=5)
    admin.run("invite", "revoke", withdrawn["id"], expect=5)
    # Only admins invite.
    carol_tries = newcomer.run("invite", "create", "--role", "operator",
                               expect=4)
    assert "(HTTP 403)" in carol_tries.stderr


def pkiaasd_local(s, *args, input=None):
    """Runs a local pkiaasd administration command on s's database."""
    cmd = [os.path.join(harness.BIN, "pkiaasd"), *args, "--data", s.data]
    if s.database:
        cmd += ["--database", s.database]
    p = subprocess.run(cmd, input=input, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p
    return p


def test_invitation_for_a_logged_in_user_of_another_tenant():
    s = server()
    pkiaasd_local(s, "tenant", "add", "lab")
    pkiaasd_local(s, "user", "add", "labadmin", "--tenant", "lab", "--role",
                  "admin", "--password-stdin",
                  input="the lab admin's password\n")
    lab = Cli()
    lab.login(s, "labadmin", "the lab admin's password")
    token = lab.json("invite", "create", "--role", "auditor")["token"]

    admin = admin_cli(s)
    member, name = user_cli(s, admin, "operator")
    p = member.run(*accept(token))
    assert "Joined tenant" in p.stdout, p
    roles = {t["name"]: t["role"]
             for t in member.json("tenant", "list")["items"]}
    assert roles == {"default": "operator", "lab": "auditor"}, roles
    me = member.json("whoami")
    assert me["tenant"]["name"] == "default", me
    assert {t["name"] for t in me["tenants"]} == {"default", "lab"}, me
    member.run(*accept(token), expect=5)

    # --tenant picks the tenant that the login and its token act in.
    member.login(s, name, "a long enough password", "--tenant", "lab")
    me = member.json("whoami")
    assert me["tenant"]["name"] == "lab" and me["role"] == "auditor", me
    assert member.json("audit", "list")["items"]
    member.run("user", "add", "x", "--role", "auditor", "--password-stdin",
               input="a long enough password\n", expect=4)
    Cli().login(s, name, "a long enough password", "--tenant", "nowhere",
                expect=4)


def test_audit_lists_filters_and_pages():
    s = server()
    admin = admin_cli(s)
    name, uid = new_user(admin, "operator")
    admin.run("user", "update", name, "--role", "auditor")
    token = admin.json("token", "create", "--name", "audited")

    entries = admin.json("audit", "list", "--limit", "200")["items"]
    mine = {(e["action"], e["object_id"]) for e in entries
            if (e["actor"] or {}).get("username") == "admin"}
    assert ("user.create", uid) in mine, entries[:5]
    assert ("user.update", uid) in mine, entries[:5]
    assert ("token.create", token["id"]) in mine, entries[:5]
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(seqs, reverse=True), "not newest first"

    table = admin.run("audit", "list").stdout
    assert re.search(r"^SEQ +AT +ACTOR +ACTION +OUTCOME", table, re.M)
    assert re.search(rf" admin +user\.update +success +{uid} ", table), table

    only = admin.json("audit", "list", "--action", "user.create")["items"]
    assert only and all(e["action"] == "user.create" for e in only), only
    assert any(e["object_id"] == uid for e in only)
    by_object = admin.json("audit", "list", "--object", uid)["items"]
    assert {e["action"] for e in by_object} == {"user.create",
                                                "user.update"}, by_object
    since = admin.json("audit", "list", "--since",
                       str(entries[0]["at"] + 10))["items"]
    assert since == [], since
    until = admin.json("audit", "list", "--until", "2000-01-01T00:00:00Z")
    assert until["items"] == [], until

    # One page of two, then every page.
    page = admin.run("--json", "audit", "list", "--limit", "2")
    first = json.loads(page.stdout)
    assert len(first["items"]) == 2 and first["next_cursor"], first
    p = admin.run("audit", "list", "--limit", "2")
    assert "--all" in p.stderr, p.stderr
    every = admin.json("audit", "list", "--limit", "2", "--all")
    assert len(every["items"]) > 2 and every["next_cursor"] is None
    assert [e["id"] for e in every["items"]][:len(entries)] == \
        [e["id"] for e in entries][:len(every["items"])]
    assert len({e["id"] for e in every["items"]}) == len(every["items"])

    one = admin.json("audit", "show", only[0]["id"])
    assert one["id"] == only[0]["id"] and one["action"] == "user.create"
    assert re.search(r"^action +user\.create$",
                     admin.run("audit", "show", only[0]["id"]).stdout, re.M)
    admin.run("audit", "show", "zzzzzzzzzzzzzzzz", expect=5)
    # Auditors read the log, operators do not.
    aud, _ = user_cli(s, admin, "auditor")
    assert aud.json("audit", "list")["items"]
    op, _ = user_cli(s, admin, "operator")
    op.run("audit", "list", expect=4)


def test_tenant_list():
    s = server()
    admin = admin_cli(s)
    me = admin.json("whoami")
    tenants = admin.json("tenant", "list")["items"]
    assert [(t["id"], t["name"], t["role"]) for t in tenants] == \
        [(me["tenant"]["id"], me["tenant"]["name"], "admin")], tenants
    table = admin.run("tenant", "list").stdout
    assert re.search(rf"^{me['tenant']['id']} +{me['tenant']['name']} "
                     r"+admin$", table, re.M), table


def test_logout_revokes_the_token():
    s = server()
    admin = admin_cli(s)
    old = admin.stored()["token"]
    p = admin.run("logout")
    assert old not in p.stdout + p.stderr
    assert "token" not in admin.stored(), admin.stored()
    assert admin.stored()["server"] == url(s)
    admin.run("whoami", expect=4)
    admin.run("--token", old, "whoami", expect=4)
    Cli().run("--server", url(s), "--cacert", s.root, "--token", old,
              "whoami", expect=4)
    admin.run("logout", expect=4)
    # Logging in again uses the stored server and root.
    admin.run("login", "--username", "admin", "--password-stdin",
              input=admin_password(s) + "\n")
    assert admin.json("whoami")["user"]["username"] == "admin"


def test_unreachable_and_untrusted_servers():
    s = server()
    cli = Cli()
    closed = f"https://localhost:{harness.free_port()}"
    p = cli.run("--server", closed, "--token", "pkiaas_x", "whoami",
                expect=3)
    assert "cannot reach" in p.stderr, p.stderr
    cli.run("status", "--server", closed, expect=3)
    cli.run("login", "--server", closed, "--username", "admin",
            "--password-stdin", input="x\n", expect=3)
    # Without the server's root, the system's trust store does not know
    # it; another server's root is no better.
    p = cli.run("--server", url(s), "--token", "pkiaas_x", "whoami",
                expect=3)
    assert "--cacert" in p.stderr, p.stderr
    other = Server().start()
    try:
        cli.run("login", "--server", url(s), "--cacert", other.root,
                "--username", "admin", "--password-stdin",
                input=admin_password(s) + "\n", expect=3)
        assert not os.path.exists(os.path.join(cli.config, "config.json"))
    finally:
        other.stop()
    cli.run("login", "--server", url(s), "--cacert", "/nonexistent.pem",
            "--username", "admin", "--password-stdin", input="x\n",
            expect=2)
    cli.run("--server", url(s), "--cacert", "/nonexistent.pem", "--token",
            "pkiaas_x", "whoami", expect=2)
    cli.run("status", "--server", url(s), "--cacert", s.root)


def test_password_prompts_on_the_terminal_without_echo():
    s = server()
    password = admin_password(s)
    cli = Cli()
    t = Terminal(cli, "login", "--server", url(s), "--cacert", s.root)
    try:
        t.expect("Username: ")
        t.type("admin\n")
        t.expect("Password: ")
        assert not t.echo()
        t.type(password + "\n")
        assert t.wait() == 0, t.seen
        assert password.encode() not in t.seen, t.seen
        assert b"Logged in" in t.seen, t.seen
        assert t.echo(), "echo not restored"
    finally:
        t.close()
    assert cli.json("whoami")["user"]["username"] == "admin"

    # The new password twice; differing answers change nothing.
    t = Terminal(cli, "user", "passwd")
    try:
        t.expect("Current password: ")
        t.type(password + "\n")
        t.expect("New password: ")
        t.type("one new password\n")
        t.expect("New password again: ")
        t.type("another new password\n")
        assert t.wait() == 2, t.seen
        assert b"differ" in t.seen and t.echo(), t.seen
        assert b"new password\r\n" not in t.seen, t.seen
    finally:
        t.close()
    Cli().login(s, "admin", password)

    # Interrupted at the prompt, the terminal gets its echo back.
    t = Terminal(cli, "login", "--username", "admin")
    try:
        t.expect("Password: ")
        t.type("half typed\x03")
        assert t.wait() == -signal.SIGINT, t.seen
        assert t.echo(), "echo not restored after ^C"
        assert b"half typed" not in t.seen, t.seen
    finally:
        t.close()


def test_login_attempts_are_throttled():
    s = server()
    cli = Cli()
    for _ in range(5):
        cli.login(s, "throttled", "a wrong password", expect=4)
    p = cli.login(s, "throttled", "a wrong password", expect=1)
    assert "(HTTP 429)" in p.stderr, p.stderr
    assert re.search(r"try again in \d+ seconds", p.stderr), p.stderr


def test_a_damaged_configuration_is_named():
    s = server()
    cli = admin_cli(s)
    conf = os.path.join(cli.config, "config.json")
    with open(conf, "w") as f:
        f.write("{not json")
    p = cli.run("whoami", expect=2)
    assert conf in p.stderr, p.stderr
    with open(conf, "w") as f:
        json.dump({"server": url(s), "token": 7}, f)
    cli.run("whoami", expect=2)
    os.chmod(conf, 0o644)
    cli.login(s, "admin", admin_password(s))
    assert stat.S_IMODE(os.stat(conf).st_mode) == 0o600


def openssl_program():
    prefix = os.environ.get("PKIAAS_OPENSSL_PREFIX", "")
    built = os.path.join(prefix, "bin", "openssl") if prefix else ""
    if built and os.access(built, os.X_OK):
        return built
    for d in os.environ.get("PATH", "/usr/bin").split(":"):
        if os.access(os.path.join(d, "openssl"), os.X_OK):
            return os.path.join(d, "openssl")
    raise harness.SkipTest("no openssl program for a throwaway certificate")


class Hostile(http.server.BaseHTTPRequestHandler):
    """Answers that a broken or malicious server might send."""

    seen = []  # (path, Authorization) of every request

    def log_message(self, *args):
        pass

    def send(self, status, body, ctype="application/json", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        Hostile.seen.append((self.path, self.headers.get("Authorization")))
        path = self.path.split("?")[0]
        if path == "/api/v1/me":
            self.send(200, b"[" + b"0," * (5 << 20) + b"0]")
        elif path == "/api/v1/users":
            self.send(200, b"<html>not json</html>", "text/html")
        elif path == "/api/v1/tokens":
            self.send(200, b'{"items": [], "next_cursor": "again"}')
        elif path == "/api/v1/tenants":
            detail = "\x1b]0;pwned\x07evil\x1b[2J\u009b31m"
            self.send(403, json.dumps({"type": "about:blank", "title": "x",
                                       "status": 403,
                                       "detail": detail}).encode(),
                      "application/problem+json")
        elif path == "/api/v1/invitations":
            self.send(500, b"oops", "text/plain")
        elif path == "/api/v1/audit":
            self.send(429, b'{"status": 429, "detail": "slow down"}',
                      "application/problem+json", [("Retry-After", "7")])
        else:
            self.send(302, b"", headers=[("Location",
                                          "https://elsewhere.invalid/")])


def test_hostile_answers_are_refused_cleanly():
    d = harness.tmpdir()
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    subprocess.run([openssl_program(), "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "1", "-subj",
                    "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost"],
                   check=True, capture_output=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = ["--server", f"https://localhost:{httpd.server_port}",
                "--cacert", cert, "--token", "pkiaas_fake_token"]
        cli = Cli()
        p = cli.run(*base, "whoami", expect=1)
        assert "larger than" in p.stderr, p.stderr
        p = cli.run(*base, "user", "list", expect=1)
        assert "not JSON" in p.stderr, p.stderr
        p = cli.run(*base, "token", "list", expect=1)
        assert "do not end" in p.stderr, p.stderr
        p = cli.run(*base, "tenant", "list", expect=4)
        assert "\x1b" not in p.stderr and "\u009b" not in p.stderr, p
        assert "evil" in p.stderr and "(HTTP 403)" in p.stderr, p.stderr
        p = cli.run(*base, "invite", "list", expect=1)
        assert "HTTP 500" in p.stderr, p.stderr
        p = cli.run(*base, "audit", "list", expect=1)
        assert "slow down (HTTP 429)" in p.stderr, p.stderr
        assert "try again in 7 seconds" in p.stderr, p.stderr
        p = cli.run(*base, "audit", "show", "x", expect=1)
        assert "HTTP 302" in p.stderr, p.stderr
        assert all(auth == "Bearer pkiaas_fake_token"
                   for _, auth in Hostile.seen), Hostile.seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_stored_token_goes_only_to_its_server():
    s = server()
    admin = admin_cli(s)
    other = f"https://localhost:{harness.free_port()}"
    # Another server gets neither the stored token nor the stored root.
    p = admin.run("--server", other, "whoami", expect=4)
    assert "not logged in" in p.stderr, p.stderr


def main():
    try:
        harness.run(test_help_on_every_command_and_usage_errors,
                    test_login_stores_a_token_and_whoami_reads_it,
                    test_wrong_password_says_nothing_about_the_user,
                    test_tokens_create_list_revoke_and_roles,
                    test_users_add_list_show_update_remove,
                    test_user_passwd_changes_the_password,
                    test_invitations_create_accept_once_and_revoke,
                    test_invitation_for_a_logged_in_user_of_another_tenant,
                    test_audit_lists_filters_and_pages,
                    test_tenant_list,
                    test_logout_revokes_the_token,
                    test_password_prompts_on_the_terminal_without_echo,
                    test_unreachable_and_untrusted_servers,
                    test_login_attempts_are_throttled,
                    test_a_damaged_configuration_is_named,
                    test_hostile_answers_are_refused_cleanly,
                    test_stored_token_goes_only_to_its_server)
    finally:
        if _server is not None:
            _server.stop()


if __name__ == "__main__":
    main()
