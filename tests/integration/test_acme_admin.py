"""ACME administration against a real server, as docs/acme.md shows it:
policies with pre-approved domains (bad ones refused naming the item,
nothing stored), EABs whose HMAC key is shown once and never again, use
counts and expiries kept, the roles (an auditor reads, an operator
hands out EABs, only an admin manages policies), another tenant's ids
answering 404, and the same through the pkiaas client.

Not checked here: deleting a policy while an account is bound to it
(409). Accounts are made only by the ACME protocol (newAccount with an
EAB); tests/interop registers real clients and checks it there."""

import base64
import calendar
import json
import re
import time

import harness
from harness import Server
from test_cli import Cli, admin_password
from test_pki import database_dump
from test_tenant_isolation import call, local, login_token

NO_ID = "zzzzzzzzzzzzzzzz"
POLICIES = "/api/v1/acme/policies"

_world = None


class World:
    """One server, its admin's token, a CA and its Web Server template."""

    def __init__(self):
        self.s = Server().start()
        self.password = admin_password(self.s)
        self.admin = login_token(self.s, "admin", self.password)
        self.n = 0
        self.ca, self.template = self.new_ca("acme-root")

    def unique(self, stem):
        self.n += 1
        return f"{stem}-{self.n}"

    def new_ca(self, name, token=None):
        status, ca = call(self.s, "POST", "/api/v1/cas", token or self.admin,
                          {"name": name, "kind": "root",
                           "subject": {"CN": name}})
        assert status == 201, ca
        status, tpls = call(self.s, "GET",
                            "/api/v1/templates?ca_id=" + ca["id"],
                            token or self.admin)
        assert status == 200, tpls
        web = [t for t in tpls["items"] if t["name"] == "Web Server"]
        assert len(web) == 1, tpls
        return ca, web[0]

    def user_token(self, role):
        """A new member of the default tenant with role; their token."""
        name = self.unique(role)
        password = "a long password " + name
        status, u = call(self.s, "POST", "/api/v1/users", self.admin,
                         {"username": name, "password": password,
                          "role": role})
        assert status == 201, u
        return login_token(self.s, name, password)

    def policy(self, domains=(), token=None, **extra):
        body = {"name": self.unique("policy"),
                "template_id": self.template["id"], "domains": list(domains),
                **extra}
        status, p = call(self.s, "POST", POLICIES, token or self.admin, body)
        assert status == 201, p
        return p

    def eab(self, policy, token=None, **body):
        body.setdefault("name", self.unique("eab"))
        status, headers, raw = self.s.request(
            "POST", f"{POLICIES}/{policy['id']}/eabs",
            body=json.dumps(body).encode(),
            headers={"Authorization": "Bearer " + (token or self.admin),
                     "Content-Type": "application/json"})
        assert status == 201, raw
        assert headers.get("cache-control") == "no-store", headers
        return json.loads(raw)

    def policies(self):
        status, page = call(self.s, "GET", POLICIES + "?limit=200",
                            self.admin)
        assert status == 200, page
        return page["items"]


def world():
    global _world
    if _world is None:
        _world = World()
    return _world


def refused(reply, status, field=None):
    got, doc = reply
    assert got == status, (got, doc)
    assert doc["status"] == status and doc["detail"], doc
    if field is not None:
        assert doc.get("field") == field, doc
    return doc


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_policy_is_made_read_listed_and_changed():
    w = world()
    p = w.policy(["WWW.Example.TEST", "*.Corp.Example.test", "xn--bcher-kva.test"])
    assert p["domains"] == ["www.example.test", "*.corp.example.test",
                            "xn--bcher-kva.test"], p
    assert p["ca_id"] == w.ca["id"], p
    assert p["template_id"] == w.template["id"], p
    assert set(p) == {"id", "name", "ca_id", "template_id", "domains",
                      "created_at"}, p
    status, got = call(w.s, "GET", f"{POLICIES}/{p['id']}", w.admin)
    assert status == 200 and got == p, got

    # The list, and its ?ca_id= filter: a policy of another CA.
    ca2, tpl2 = w.new_ca(w.unique("acme-other"))
    status, other = call(w.s, "POST", POLICIES, w.admin,
                         {"name": w.unique("policy"),
                          "template_id": tpl2["id"]})
    assert status == 201 and other["domains"] == [], other
    assert other["ca_id"] == ca2["id"], other
    ids = {x["id"] for x in w.policies()}
    assert {p["id"], other["id"]} <= ids, ids
    status, page = call(w.s, "GET", f"{POLICIES}?ca_id={ca2['id']}",
                        w.admin)
    assert status == 200, page
    assert [x["id"] for x in page["items"]] == [other["id"]], page
    status, page = call(w.s, "GET", f"{POLICIES}?limit=1", w.admin)
    assert status == 200 and len(page["items"]) == 1, page
    assert page["next_cursor"], page

    # PATCH: each member alone; the CA follows the template.
    status, changed = call(w.s, "PATCH", f"{POLICIES}/{p['id']}", w.admin,
                           {"domains": ["a.example.test"]})
    assert status == 200 and changed["domains"] == ["a.example.test"], changed
    assert changed["name"] == p["name"], changed
    status, changed = call(w.s, "PATCH", f"{POLICIES}/{p['id']}", w.admin,
                           {"template_id": tpl2["id"], "name": "renamed"})
    assert status == 200, changed
    assert changed["ca_id"] == ca2["id"] and changed["name"] == "renamed"
    assert changed["domains"] == ["a.example.test"], changed
    refused(call(w.s, "PATCH", f"{POLICIES}/{other['id']}", w.admin,
                 {"name": "renamed"}), 409, "name")

    status, audit = call(w.s, "GET", "/api/v1/audit?object_id=" + p["id"],
                         w.admin)
    assert status == 200, audit
    actions = [e["action"] for e in audit["items"]]
    assert actions == ["acme_policy.update", "acme_policy.update",
                       "acme_policy.create"], actions


BAD_DOMAINS = [
    "", "*", "*.", "1.2.3.4", "::1", "[::1]", "10.0.0.1", "a..example.test",
    ".example.test", "example.test.", "-a.example.test", "a-.example.test",
    "under_score.test", "space here.test", "x" * 64 + ".test",
    ("a" * 60 + ".") * 5 + "test", "*.*.example.test", "a.*.example.test",
    "b\u00fccher.test", "host.123", "a/b.test", "http://a.test",
]


def test_bad_domains_and_names_are_refused_and_nothing_is_stored():
    w = world()
    before = w.policies()
    name = w.unique("bad")
    for bad in BAD_DOMAINS:
        doc = refused(call(w.s, "POST", POLICIES, w.admin,
                           {"name": name, "template_id": w.template["id"],
                            "domains": ["ok.example.test", bad]}),
                      400, "domains[1]")
        # The detail names the domain too, for the CLI's one line.
        named = f'"{bad}"' if 0 < len(bad) < 80 else "domains[1]"
        assert named in doc["detail"], (bad, doc)
    doc = refused(call(w.s, "POST", POLICIES, w.admin,
                       {"name": name, "template_id": w.template["id"],
                        "domains": ["a.example.test", "b.example.test",
                                    "A.Example.Test"]}), 400, "domains[2]")
    assert "twice" in doc["detail"] and "domains[0]" in doc["detail"], doc
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": name, "template_id": w.template["id"],
                  "domains": ["ok.example.test", 5]}), 400, "domains[1]")
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": name, "template_id": w.template["id"],
                  "domains": [f"h{i}.example.test" for i in range(1001)]}),
            400, "domains")
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": name, "template_id": w.template["id"],
                  "domains": "a.example.test"}), 400, "domains")
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": "", "template_id": w.template["id"]}), 400, "name")
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": "x" * 129, "template_id": w.template["id"]}), 400,
            "name")
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": "tab\there", "template_id": w.template["id"]}),
            400, "name")
    refused(call(w.s, "POST", POLICIES, w.admin, {"name": name}), 400,
            "template_id")
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": name, "template_id": NO_ID}), 404, "template_id")
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": name, "template_id": w.template["id"],
                  "colour": "red"}), 400, "colour")
    # A template for CA certificates cannot sign for ACME.
    status, sub = call(w.s, "POST", "/api/v1/templates", w.admin,
                       {"ca_id": w.ca["id"], "name": w.unique("sub-ca"),
                        "starter": "certificate-authority"})
    assert status == 201, sub
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": name, "template_id": sub["id"]}), 400,
            "template_id")
    taken = w.policy()
    refused(call(w.s, "POST", POLICIES, w.admin,
                 {"name": taken["name"], "template_id": w.template["id"]}),
            409, "name")
    # An update is checked the same way and changes nothing.
    p = w.policy(["keep.example.test"])
    for body, field in (({"domains": ["1.2.3.4"]}, "domains[0]"),
                        ({"name": ""}, "name"),
                        ({"template_id": sub["id"]}, "template_id"),
                        ({"domains": ["ok.test"], "name": "\x7f"}, "name")):
        refused(call(w.s, "PATCH", f"{POLICIES}/{p['id']}", w.admin, body),
                400, field)
    status, same = call(w.s, "GET", f"{POLICIES}/{p['id']}", w.admin)
    assert status == 200 and same == p, same
    after = {x["id"] for x in w.policies()}
    assert after == {x["id"] for x in before} | {taken["id"], p["id"]}


def test_eab_key_is_shown_once_and_kept_sealed():
    w = world()
    p = w.policy(["*.eab.example.test"])
    expires = int(time.time()) + 7 * 86400
    e = w.eab(p, uses_allowed=3, expires_at=expires)
    key = e["hmac_key"]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key), key
    assert len(b64url(key)) == 32, key
    assert e["key_id"] == e["id"] and e["policy_id"] == p["id"], e
    assert e["uses_allowed"] == 3 and e["uses"] == 0, e
    assert e["expires_at"] == expires and e["status"] == "active", e
    port = w.s.https_port
    url = f"https://localhost:{port}/acme/directory"
    assert e["directory_url"] == url, e
    for client in ("certbot", "lego"):
        line = e["commands"][client]
        assert line.startswith(client + " ") and url in line, line
        assert e["id"] in line and key in line, line
    assert "--eab-kid " + e["id"] in e["commands"]["certbot"]
    assert "--eab-hmac-key=" + key in e["commands"]["certbot"]
    assert "--kid " + e["id"] in e["commands"]["lego"]
    assert "--hmac=" + key in e["commands"]["lego"]

    # Never again: not in the list, the audit log, the log or the store.
    status, _, raw = w.s.request(
        "GET", f"{POLICIES}/{p['id']}/eabs",
        headers={"Authorization": "Bearer " + w.admin})
    assert status == 200 and key.encode() not in raw, raw
    page = json.loads(raw)
    listed = [x for x in page["items"] if x["id"] == e["id"]]
    assert len(listed) == 1, page
    assert "hmac_key" not in listed[0] and "commands" not in listed[0]
    assert listed[0]["uses_allowed"] == 3 and listed[0]["uses"] == 0
    assert listed[0]["expires_at"] == expires, listed
    status, _, raw = w.s.request(
        "GET", "/api/v1/audit?limit=200",
        headers={"Authorization": "Bearer " + w.admin})
    assert status == 200 and key.encode() not in raw
    assert b"acme_eab.create" in raw, raw[:300]
    assert key not in w.s.log() and key not in w.s.output()
    raw_key = b64url(key)
    for blob in database_dump(w.s):
        assert key.encode() not in blob and raw_key not in blob

    # Defaults: one use, 30 days.
    before = int(time.time())
    d = w.eab(p)
    assert d["uses_allowed"] == 1, d
    assert before + 30 * 86400 - 5 <= d["expires_at"] <= \
        int(time.time()) + 30 * 86400 + 5, d
    assert d["hmac_key"] != key and d["id"] != e["id"]


def test_eab_limits_are_checked():
    w = world()
    p = w.policy()
    path = f"{POLICIES}/{p['id']}/eabs"
    now = int(time.time())
    for body, field in (({"name": "x", "uses_allowed": 0}, "uses_allowed"),
                        ({"name": "x", "uses_allowed": -1}, "uses_allowed"),
                        ({"name": "x", "uses_allowed": 1000001},
                         "uses_allowed"),
                        ({"name": "x", "uses_allowed": "2"}, "uses_allowed"),
                        ({"name": "x", "expires_at": now - 10},
                         "expires_at"),
                        ({"name": "x", "expires_at": 0}, "expires_at"),
                        ({"name": "x", "expires_at": now + 11 * 366 * 86400},
                         "expires_at"),
                        ({"name": ""}, "name"), ({}, "name"),
                        ({"name": "x", "key": "mine"}, "key")):
        refused(call(w.s, "POST", path, w.admin, body), 400, field)
    refused(call(w.s, "POST", f"{POLICIES}/{NO_ID}/eabs", w.admin,
                 {"name": "x"}), 404)
    e = w.eab(p, name="laptop", uses_allowed=1000000,
              expires_at=now + 3650 * 86400)
    refused(call(w.s, "POST", path, w.admin, {"name": "laptop"}), 409, "name")
    status, page = call(w.s, "GET", path, w.admin)
    assert status == 200 and [x["id"] for x in page["items"]] == [e["id"]]

    # Deleting an EAB; a second delete finds nothing.
    status, _ = call(w.s, "DELETE", f"/api/v1/acme/eabs/{e['id']}", w.admin)
    assert status == 204
    refused(call(w.s, "DELETE", f"/api/v1/acme/eabs/{e['id']}", w.admin),
            404)
    status, page = call(w.s, "GET", path, w.admin)
    assert status == 200 and page["items"] == [], page


def test_policy_delete_takes_its_eabs():
    w = world()
    p = w.policy(["gone.example.test"])
    e1, e2 = w.eab(p), w.eab(p)
    status, accounts = call(w.s, "GET",
                            "/api/v1/acme/accounts?policy_id=" + p["id"],
                            w.admin)
    assert status == 200 and accounts["items"] == [], accounts
    status, _ = call(w.s, "DELETE", f"{POLICIES}/{p['id']}", w.admin)
    assert status == 204
    refused(call(w.s, "GET", f"{POLICIES}/{p['id']}", w.admin), 404)
    refused(call(w.s, "GET", f"{POLICIES}/{p['id']}/eabs", w.admin), 404)
    for e in (e1, e2):
        refused(call(w.s, "DELETE", f"/api/v1/acme/eabs/{e['id']}",
                     w.admin), 404)
    refused(call(w.s, "DELETE", f"{POLICIES}/{p['id']}", w.admin), 404)
    # The name is free again.
    status, again = call(w.s, "POST", POLICIES, w.admin,
                         {"name": p["name"],
                          "template_id": w.template["id"]})
    assert status == 201, again


def test_accounts_and_orders_views():
    w = world()
    status, page = call(w.s, "GET", "/api/v1/acme/accounts", w.admin)
    assert status == 200 and page["next_cursor"] is None, page
    refused(call(w.s, "GET", "/api/v1/acme/accounts?policy_id=" + NO_ID,
                 w.admin), 404)
    refused(call(w.s, "GET", "/api/v1/acme/accounts/" + NO_ID, w.admin), 404)
    refused(call(w.s, "GET", f"/api/v1/acme/accounts/{NO_ID}/orders",
                 w.admin), 404)
    refused(call(w.s, "POST", f"/api/v1/acme/accounts/{NO_ID}/deactivate",
                 w.admin), 404)
    refused(call(w.s, "POST", f"/api/v1/acme/accounts/{NO_ID}/deactivate",
                 w.admin, {"why": "x"}), 400, "why")


def test_roles():
    w = world()
    auditor, operator = w.user_token("auditor"), w.user_token("operator")
    p = w.policy(["roles.example.test"])
    e = w.eab(p)
    body = {"name": w.unique("policy"), "template_id": w.template["id"]}
    for token in (auditor, operator):
        # Both read everything.
        assert call(w.s, "GET", POLICIES, token)[0] == 200
        assert call(w.s, "GET", f"{POLICIES}/{p['id']}", token)[0] == 200
        status, page = call(w.s, "GET", f"{POLICIES}/{p['id']}/eabs", token)
        assert status == 200 and e["id"] in {x["id"] for x in
                                             page["items"]}, page
        assert call(w.s, "GET", "/api/v1/acme/accounts", token)[0] == 200
        # Only an admin manages policies.
        refused(call(w.s, "POST", POLICIES, token, body), 403)
        refused(call(w.s, "PATCH", f"{POLICIES}/{p['id']}", token,
                     {"name": "mine"}), 403)
        refused(call(w.s, "DELETE", f"{POLICIES}/{p['id']}", token), 403)
    # An auditor hands out no EAB; an operator does, and withdraws it.
    refused(call(w.s, "POST", f"{POLICIES}/{p['id']}/eabs", auditor,
                 {"name": "auditor's"}), 403)
    refused(call(w.s, "DELETE", f"/api/v1/acme/eabs/{e['id']}", auditor), 403)
    refused(call(w.s, "POST", f"/api/v1/acme/accounts/{NO_ID}/deactivate",
                 auditor), 403)
    mine = w.eab(p, token=operator, name="operator's")
    assert len(b64url(mine["hmac_key"])) == 32, mine
    status, _ = call(w.s, "DELETE", f"/api/v1/acme/eabs/{mine['id']}",
                     operator)
    assert status == 204
    status, same = call(w.s, "GET", f"{POLICIES}/{p['id']}", w.admin)
    assert status == 200 and same == p, same
    assert body["name"] not in {x["name"] for x in w.policies()}
    status, audit = call(w.s, "GET", "/api/v1/audit?outcome=denied&limit=200",
                         w.admin)
    assert status == 200, audit
    denied = {e["action"] for e in audit["items"]}
    assert {"acme_policy.create", "acme_policy.update", "acme_policy.delete",
            "acme_eab.create", "acme_eab.delete"} <= denied, denied


def test_another_tenant_gets_404_for_every_id():
    w = world()
    r = local(w.s, "tenant", "add", "acme-beta")
    assert r.returncode == 0, r
    r = local(w.s, "user", "add", "acme-bob", "--role", "admin", "--tenant",
              "acme-beta", "--password-stdin",
              stdin="bob's acme password\n")
    assert r.returncode == 0, r
    beta = login_token(w.s, "acme-bob", "bob's acme password")
    p = w.policy(["mine.example.test"])
    e = w.eab(p)
    _, beta_tpl = w.new_ca("beta-root", beta)
    for method, path, body in [
            ("GET", f"{POLICIES}/{p['id']}", None),
            ("PATCH", f"{POLICIES}/{p['id']}", {"name": "taken"}),
            ("DELETE", f"{POLICIES}/{p['id']}", None),
            ("GET", f"{POLICIES}/{p['id']}/eabs", None),
            ("POST", f"{POLICIES}/{p['id']}/eabs", {"name": "theirs"}),
            ("DELETE", f"/api/v1/acme/eabs/{e['id']}", None),
            ("GET", f"/api/v1/acme/accounts?policy_id={p['id']}", None)]:
        status, doc = call(w.s, method, path, beta, body)
        assert status == 404, (method, path, status, doc)
    # Their policy cannot take our template, nor ours theirs.
    refused(call(w.s, "POST", POLICIES, beta,
                 {"name": "theirs", "template_id": w.template["id"]}), 404,
            "template_id")
    refused(call(w.s, "PATCH", f"{POLICIES}/{p['id']}", w.admin,
                 {"template_id": beta_tpl["id"]}), 404, "template_id")
    status, page = call(w.s, "GET", POLICIES, beta)
    assert status == 200 and page["items"] == [], page
    status, same = call(w.s, "GET", f"{POLICIES}/{p['id']}", w.admin)
    assert status == 200 and same == p, same
    status, page = call(w.s, "GET", f"{POLICIES}/{p['id']}/eabs", w.admin)
    assert e["id"] in {x["id"] for x in page["items"]}, page


ACME_COMMANDS = ["acme policy create", "acme policy list",
                 "acme policy show", "acme policy update",
                 "acme policy delete", "acme eab create", "acme eab list",
                 "acme eab delete", "acme account list", "acme account show",
                 "acme account deactivate", "acme order list"]


def test_cli():
    w = world()
    cli = Cli()
    for command in ACME_COMMANDS:
        p = cli.run(*command.split(), "--help")
        assert p.stdout.startswith(f"usage: pkiaas {command}"), p.stdout
    top = cli.run("acme", "--help").stdout
    assert all(c in top for c in ACME_COMMANDS), top
    assert "acme policy create" in cli.run("--help").stdout
    cli.run("acme", expect=2)
    cli.run("acme", "policy", expect=2)
    cli.run("acme", "nothing", "list", expect=2)
    cli.run("acme", "policy", "explode", expect=2)
    cli.run("acme", "policy", "create", "x", expect=2)  # no --template
    cli.run("acme", "eab", "create", "--policy", "p", expect=2)  # no --name
    cli.run("acme", "eab", "create", "--policy", "p", "--name", "n",
            "--uses", "0", expect=2)
    cli.login(w.s, "admin", w.password)

    name = w.unique("cli-policy")
    p = cli.json("acme", "policy", "create", name, "--template",
                 "Web Server", "--ca", w.ca["name"], "--domain",
                 "Www.Cli.Example.test,*.cli.example.test", "--domain",
                 "api.cli.example.test")
    assert p["domains"] == ["www.cli.example.test", "*.cli.example.test",
                            "api.cli.example.test"], p
    shown = cli.run("acme", "policy", "show", name).stdout
    assert p["id"] in shown and "  *.cli.example.test" in shown, shown
    assert name in cli.run("acme", "policy", "list").stdout
    listed = cli.json("acme", "policy", "list", "--ca", w.ca["id"])["items"]
    assert p["id"] in {x["id"] for x in listed}, listed
    r = cli.run("acme", "policy", "create", w.unique("x"), "--template",
                "Web Server", "--ca", w.ca["name"], "--domain", "1.2.3.4",
                expect=1)
    assert "domains[0]" in r.stderr or "IP address" in r.stderr, r

    u = cli.json("acme", "policy", "update", name, "--add-domain",
                 "new.cli.example.test", "--remove-domain",
                 "API.cli.example.test")
    assert u["domains"] == ["www.cli.example.test", "*.cli.example.test",
                            "new.cli.example.test"], u
    cli.run("acme", "policy", "update", name, "--remove-domain",
            "absent.example.test", expect=1)
    u = cli.json("acme", "policy", "update", p["id"], "--no-domains",
                 "--name", name + "-b")
    assert u["domains"] == [] and u["name"] == name + "-b", u
    name += "-b"

    e = cli.json("acme", "eab", "create", "--policy", name, "--name",
                 "web-1", "--uses", "2", "--days", "10")
    assert len(b64url(e["hmac_key"])) == 32 and e["uses_allowed"] == 2, e
    assert abs(e["expires_at"] - (time.time() + 10 * 86400)) < 60, e
    r = cli.run("acme", "eab", "create", "--policy", name, "--name", "web-2",
                "--expires", "2031-01-02T03:04:05Z")
    key = re.search(r"hmac key +(\S+)", r.stdout)
    assert key and len(b64url(key.group(1))) == 32, r.stdout
    assert "certbot certonly" in r.stdout and "lego --server" in r.stdout
    assert "only this once" in r.stderr, r.stderr
    table = cli.run("acme", "eab", "list", "--policy", name).stdout
    assert "web-1" in table and "web-2" in table, table
    assert e["hmac_key"] not in table and key.group(1) not in table
    listed = cli.json("acme", "eab", "list", "--policy", name)["items"]
    assert {x["name"]: x["expires_at"] for x in listed}["web-2"] == \
        calendar.timegm((2031, 1, 2, 3, 4, 5)), listed
    assert all("hmac_key" not in x for x in listed), listed
    cli.run("acme", "eab", "delete", e["id"])
    cli.run("acme", "eab", "delete", e["id"], expect=5)
    assert "web-1" not in cli.run("acme", "eab", "list", "--policy",
                                  name).stdout

    assert cli.json("acme", "account", "list", "--policy",
                    name)["items"] == []
    cli.run("acme", "account", "show", NO_ID, expect=5)
    cli.run("acme", "account", "deactivate", NO_ID, expect=5)
    cli.run("acme", "order", "list", NO_ID, expect=5)
    cli.run("acme", "policy", "show", "no-such-policy", expect=5)

    cli.run("acme", "policy", "delete", name)
    cli.run("acme", "policy", "show", p["id"], expect=5)


if __name__ == "__main__":
    try:
        harness.run(test_policy_is_made_read_listed_and_changed,
                    test_bad_domains_and_names_are_refused_and_nothing_is_stored,
                    test_eab_key_is_shown_once_and_kept_sealed,
                    test_eab_limits_are_checked,
                    test_policy_delete_takes_its_eabs,
                    test_accounts_and_orders_views, test_roles,
                    test_another_tenant_gets_404_for_every_id, test_cli)
    finally:
        if _world is not None:
            _world.s.stop()
