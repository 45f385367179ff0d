"""Tenant isolation and local administration: two tenants with objects of
every kind; every id of one tenant answers 404 to the other for reads,
writes and deletes, and nothing of the other tenant changes."""

import json
import os
import re
import subprocess
import tempfile

import harness
from harness import Server

PKIAASD = os.path.join(harness.BIN, "pkiaasd")


def local(s, *args, stdin=None):
    """Runs pkiaasd ARGS on s's data folder and database."""
    cmd = [PKIAASD, *args, "--data", s.data]
    if s.database:
        cmd += ["--database", s.database]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True,
                          timeout=60)


def call(s, method, path, token, body=None):
    headers = {"Authorization": "Bearer " + token}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    status, _, raw = s.request(method, path, body=data, headers=headers)
    return status, (json.loads(raw) if raw else None)


def login_token(s, username, password, tenant=None):
    """Logs in and makes an API token; returns its secret."""
    body = {"username": username, "password": password}
    if tenant:
        body["tenant"] = tenant
    status, headers, raw = s.request(
        "POST", "/api/v1/auth/login", body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"})
    assert status == 200, raw
    doc = json.loads(raw)
    cookie = headers["set-cookie"].split(";")[0]
    status, _, raw = s.request(
        "POST", "/api/v1/tokens",
        body=json.dumps({"name": "isolation"}).encode(),
        headers={"Content-Type": "application/json", "Cookie": cookie,
                 "X-CSRF-Token": doc["csrf_token"]})
    assert status == 201, raw
    return json.loads(raw)["token"]


def objects_of(s, token, tag):
    """Makes a user, a token and an invitation; returns their ids and one
    audit entry's id."""
    status, user = call(s, "POST", "/api/v1/users", token,
                        {"username": "member-" + tag,
                         "password": "a long password " + tag,
                         "role": "operator"})
    assert status == 201, user
    status, tok = call(s, "POST", "/api/v1/tokens", token,
                       {"name": "tok-" + tag, "role": "auditor"})
    assert status == 201, tok
    status, inv = call(s, "POST", "/api/v1/invitations", token,
                       {"role": "auditor"})
    assert status == 201, inv
    status, audit = call(s, "GET", "/api/v1/audit?limit=1", token)
    assert status == 200 and audit["items"], audit
    pki = pki_objects_of(s, token, tag)
    return {"user": user["id"], "token": tok["id"],
            "invitation": inv["id"], "audit": audit["items"][0]["id"],
            **pki, **acme_objects_of(s, token, tag, pki["template"])}


def csr_pem(cn):
    """A new P-256 CSR for cn, made with openssl."""
    with tempfile.TemporaryDirectory() as d:
        key, csr = os.path.join(d, "k.pem"), os.path.join(d, "r.csr")
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", key, "-subj", "/CN=" + cn, "-addext",
                        "subjectAltName=DNS:" + cn, "-out", csr],
                       check=True, capture_output=True, timeout=60)
        with open(csr) as f:
            return f.read()


def pki_objects_of(s, token, tag):
    """A CA, its template, a request and the certificate issued for it."""
    status, ca = call(s, "POST", "/api/v1/cas", token,
                      {"name": "ca-" + tag, "kind": "root",
                       "subject": {"CN": "Root " + tag}})
    assert status == 201, ca
    status, tpls = call(s, "GET", "/api/v1/templates?ca_id=" + ca["id"],
                        token)
    assert status == 200 and tpls["items"], tpls
    tpl = tpls["items"][0]["id"]
    status, req = call(s, "POST", "/api/v1/requests", token,
                       {"template_id": tpl,
                        "csr": csr_pem(tag + ".example")})
    assert status == 201, req
    status, cert = call(s, "POST", f"/api/v1/requests/{req['id']}/approve",
                        token, {})
    assert status == 200, cert
    return {"ca": ca["id"], "template": tpl, "request": req["id"],
            "certificate": cert["id"]}


def acme_objects_of(s, token, tag, template):
    """An ACME policy of the template, and an EAB of it."""
    status, policy = call(s, "POST", "/api/v1/acme/policies", token,
                          {"name": "acme-" + tag, "template_id": template,
                           "domains": [tag + ".example"]})
    assert status == 201, policy
    status, eab = call(s, "POST",
                       f"/api/v1/acme/policies/{policy['id']}/eabs", token,
                       {"name": "eab-" + tag})
    assert status == 201, eab
    return {"acme_policy": policy["id"], "acme_eab": eab["id"]}


def attempts(ids):
    """Every read, write and delete of another tenant's objects."""
    u, t, i, a = ids["user"], ids["token"], ids["invitation"], ids["audit"]
    return [("GET", f"/api/v1/users/{u}", None),
            ("PATCH", f"/api/v1/users/{u}", {"role": "admin"}),
            ("PATCH", f"/api/v1/users/{u}", {"disabled": True}),
            ("DELETE", f"/api/v1/users/{u}", None),
            ("GET", f"/api/v1/tokens/{t}", None),
            ("DELETE", f"/api/v1/tokens/{t}", None),
            ("DELETE", f"/api/v1/invitations/{i}", None),
            ("GET", f"/api/v1/audit/{a}", None)] + pki_attempts(ids) + \
        acme_attempts(ids)


def pki_attempts(ids):
    c, t, r, x = (ids["ca"], ids["template"], ids["request"],
                  ids["certificate"])
    return [("GET", f"/api/v1/cas/{c}", None),
            ("PATCH", f"/api/v1/cas/{c}", {"description": "taken"}),
            ("GET", f"/api/v1/cas/{c}/chain", None),
            ("GET", f"/api/v1/cas/{c}/csr", None),
            ("POST", f"/api/v1/cas/{c}/certificate",
             {"certificate": "-----BEGIN CERTIFICATE-----"}),
            ("DELETE", f"/api/v1/cas/{c}", {"confirm": "ca-a"}),
            ("DELETE", f"/api/v1/cas/{c}", {"confirm": "ca-b"}),
            ("GET", f"/api/v1/templates/{t}", None),
            ("PATCH", f"/api/v1/templates/{t}", {"name": "taken"}),
            ("DELETE", f"/api/v1/templates/{t}", None),
            ("GET", f"/api/v1/requests/{r}", None),
            ("POST", f"/api/v1/requests/{r}/approve", {}),
            ("POST", f"/api/v1/requests/{r}/decline", {"reason": "no"}),
            ("GET", f"/api/v1/certificates/{x}", None),
            ("GET", f"/api/v1/certificates/{x}/download", None),
            ("POST", f"/api/v1/certificates/{x}/revoke",
             {"reason": "keyCompromise"}),
            ("POST", f"/api/v1/certificates/{x}/release", None)]


def acme_attempts(ids):
    p, e, t = ids["acme_policy"], ids["acme_eab"], ids["template"]
    return [("GET", f"/api/v1/acme/policies/{p}", None),
            ("PATCH", f"/api/v1/acme/policies/{p}", {"name": "taken"}),
            ("PATCH", f"/api/v1/acme/policies/{p}", {"domains": []}),
            ("DELETE", f"/api/v1/acme/policies/{p}", None),
            ("GET", f"/api/v1/acme/policies/{p}/eabs", None),
            ("POST", f"/api/v1/acme/policies/{p}/eabs", {"name": "theirs"}),
            ("DELETE", f"/api/v1/acme/eabs/{e}", None),
            ("GET", f"/api/v1/acme/accounts?policy_id={p}", None),
            ("POST", "/api/v1/acme/policies",
             {"name": "theirs", "template_id": t})]


def test_local_admin_and_isolation():
    s = Server().start()
    try:
        admin_password = re.search(r"Login: +admin / (\S+)",
                                   s.output()).group(1)
        r = local(s, "tenant", "add", "beta")
        assert r.returncode == 0 and "tenant beta" in r.stdout, r
        r = local(s, "tenant", "add", "beta")
        assert r.returncode == 1 and "exists" in r.stderr, r
        r = local(s, "tenant", "add", "bad name!")
        assert r.returncode == 1 and "tenant name" in r.stderr, r
        r = local(s, "user", "add", "bob", "--role", "admin", "--tenant",
                  "beta", "--password-stdin", stdin="bob's password 1\n")
        assert r.returncode == 0, r
        r = local(s, "user", "add", "carol", "--role", "auditor",
                  "--tenant", "beta")
        generated = re.search(r"password: (\S+)", r.stdout)
        assert r.returncode == 0 and generated, r
        r = local(s, "user", "add", "dave", "--role", "king")
        assert r.returncode == 1 and "role" in r.stderr, r
        r = local(s, "tenant", "list")
        assert "default" in r.stdout and "beta" in r.stdout, r
        r = local(s, "user", "list", "--tenant", "beta")
        assert "bob" in r.stdout and "carol" in r.stdout, r
        assert not any(line.startswith("admin ")
                       for line in r.stdout.splitlines()), r

        alpha = login_token(s, "admin", admin_password)
        beta = login_token(s, "bob", "bob's password 1")
        carol = login_token(s, "carol", generated.group(1))
        assert call(s, "GET", "/api/v1/me", carol)[1]["role"] == "auditor"

        mine = objects_of(s, alpha, "a")
        theirs = objects_of(s, beta, "b")
        for ids, other in ((mine, beta), (theirs, alpha)):
            for method, path, body in attempts(ids):
                status, doc = call(s, method, path, other, body)
                assert status == 404, (method, path, status, doc)
        # Nothing of either tenant changed, and lists stay apart.
        for ids, own in ((mine, alpha), (theirs, beta)):
            status, user = call(s, "GET", f"/api/v1/users/{ids['user']}",
                                own)
            assert status == 200 and user["role"] == "operator", user
            assert user["disabled"] is False, user
            status, tok = call(s, "GET", f"/api/v1/tokens/{ids['token']}",
                               own)
            assert status == 200 and tok["revoked_at"] is None, tok
            status, ca = call(s, "GET", f"/api/v1/cas/{ids['ca']}", own)
            assert status == 200 and ca["description"] is None, ca
            status, tpl = call(s, "GET",
                               f"/api/v1/templates/{ids['template']}", own)
            assert status == 200 and tpl["name"] == "Web Server", tpl
            status, cert = call(
                s, "GET", f"/api/v1/certificates/{ids['certificate']}", own)
            assert status == 200 and cert["status"] == "valid", cert
            status, policy = call(
                s, "GET", f"/api/v1/acme/policies/{ids['acme_policy']}", own)
            assert status == 200 and policy["domains"], policy
            assert policy["name"].startswith("acme-"), policy
            status, eabs = call(
                s, "GET",
                f"/api/v1/acme/policies/{ids['acme_policy']}/eabs", own)
            assert status == 200, eabs
            assert [e["id"] for e in eabs["items"]] == [ids["acme_eab"]]
        for ids, other in ((mine, beta), (theirs, alpha)):
            for kind in ("users", "tokens", "invitations", "audit", "cas",
                         "templates", "requests", "certificates",
                         "acme/policies", "acme/accounts"):
                status, page = call(s, "GET", f"/api/v1/{kind}?limit=200",
                                    other)
                assert status == 200, page
                listed = {item["id"] for item in page["items"]}
                assert not listed & set(ids.values()), (kind, listed)

        # Local administration reaches a running server's users.
        r = local(s, "user", "disable", "carol", "--tenant", "beta")
        assert r.returncode == 0, r
        assert call(s, "GET", "/api/v1/me", carol)[0] == 401
        r = local(s, "user", "passwd", "bob", "--tenant", "beta",
                  "--password-stdin", stdin="bob's new password\n")
        assert r.returncode == 0, r
        status, _, _ = s.request(
            "POST", "/api/v1/auth/login",
            body=json.dumps({"username": "bob",
                             "password": "bob's password 1"}).encode(),
            headers={"Content-Type": "application/json"})
        assert status == 401
        assert call(s, "GET", "/api/v1/me", beta)[0] == 200
    finally:
        s.stop()


if __name__ == "__main__":
    harness.run(test_local_admin_and_isolation)
