"""OCSP, CRLs and CA certificates on the plain HTTP port of a real
pkiaasd, checked with the real clients of OpenSSL 3.5: openssl ocsp
(good, then revoked with its reason after a revocation through the REST
API, with and without a nonce; unknown; unauthorized; malformed),
openssl verify -crl_check -crl_download before and after a revocation
and after releasing a hold, openssl crl verifying the CRL's signature,
the AIA files, RFC 5019 GET with its caching headers, answers kept in
memory (the same bytes for a GET and a POST of one request, a
revocation in the very next answer), and on PostgreSQL two servers on
one database: a revocation on one shows on the other within the other's
ocsp_cache_check_ms."""

import base64
import json
import os
import re
import secrets
import subprocess
import time
import urllib.parse

import harness
from harness import BACKEND, Server
from test_cli import admin_password
from test_tenant_isolation import call, login_token

PREFIX = os.environ.get("PKIAAS_OPENSSL_PREFIX", "")
OPENSSL = os.path.join(PREFIX, "bin", "openssl") if PREFIX else "openssl"
KEK = base64.b64encode(secrets.token_bytes(32)).decode()

_ctx = None


class Ctx:
    """A server with a root CA, its Web Server template and a folder."""

    def __init__(self, server=None):
        self.server = server or Server(env={"PKIAAS_KEK": KEK}).start()
        self.token = login_token(self.server, "admin",
                                 admin_password(self.server))
        self.dir = harness.tmpdir("pkiaas-rev-")
        self.n = 0
        status, ca = self.api("POST", "/api/v1/cas", {
            "name": "Revocation Root " + secrets.token_hex(3),
            "kind": "root", "subject": {"CN": "Revocation Root"}})
        assert status == 201, ca
        self.ca = ca
        self.ca_pem = self.write("ca.pem", ca["certificate"])
        status, page = self.api("GET", "/api/v1/templates?ca_id=" + ca["id"])
        assert status == 200, page
        self.template = page["items"][0]["id"]

    def api(self, method, path, body=None):
        return call(self.server, method, path, self.token, body)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "w" if isinstance(data, str) else "wb") \
                as f:
            f.write(data)
        return self.path(name)

    def url(self, path):
        return f"http://127.0.0.1:{self.server.http_port}{path}"

    def issue(self):
        """A new leaf through the API: (certificate object, PEM path)."""
        self.n += 1
        name = f"leaf{self.n}.example.test"
        csr, key = self.path(name + ".csr"), self.path(name + ".key")
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-subj", "/CN=" + name, "-addext",
                "subjectAltName=DNS:" + name, "-out", csr)
        with open(csr) as f:
            status, req = self.api("POST", "/api/v1/requests",
                                   {"template_id": self.template,
                                    "csr": f.read()})
        assert status == 201, req
        status, cert = self.api("POST",
                                f"/api/v1/requests/{req['id']}/approve", {})
        assert status == 200, cert
        return cert, self.write(name + ".pem", cert["pem"])

    def revoke(self, cert, reason):
        status, doc = self.api("POST",
                               f"/api/v1/certificates/{cert['id']}/revoke",
                               {"reason": reason})
        assert status == 200, doc

    def ocsp_request(self, cert_pem):
        """The DER of a request about cert_pem, without a nonce."""
        req = self.path("req-" + os.path.basename(cert_pem))
        openssl("ocsp", "-issuer", self.ca_pem, "-cert", cert_pem,
                "-no_nonce", "-reqout", req)
        with open(req, "rb") as f:
            return f.read()

    def ask(self, der, get=False, server=None):
        """(headers, body) of an answer to the DER request der."""
        s = server or self.server
        path = "/ocsp/" + self.ca["id"]
        if get:
            b64 = base64.b64encode(der).decode()
            status, headers, body = s.request(
                "GET", path + "/" + urllib.parse.quote(b64, safe=""),
                port="http")
        else:
            status, headers, body = s.request(
                "POST", path, body=der,
                headers={"Content-Type": "application/ocsp-request"},
                port="http")
        assert status == 200, body
        return headers, body

    def status_of(self, cert_pem, body):
        """good, revoked or unknown: what the answer body says of
        cert_pem, its signature checked."""
        resp = self.write("answer.der", body)
        p = openssl("ocsp", "-respin", resp, "-issuer", self.ca_pem, "-cert",
                    cert_pem, "-CAfile", self.ca_pem)
        out = p.stdout.decode() + p.stderr.decode()
        assert "Response verify OK" in out, out
        return status_line(out, cert_pem)

    def ocsp(self, cert_pem, *extra, issuer=None, expect=0):
        """openssl ocsp against the CA's responder; its output."""
        p = openssl("ocsp", "-issuer", issuer or self.ca_pem, "-cert",
                    cert_pem, "-url", self.url("/ocsp/" + self.ca["id"]),
                    "-CAfile", self.ca_pem, "-resp_text", *extra,
                    expect=expect)
        return p.stdout.decode() + p.stderr.decode()


def ctx():
    global _ctx
    if _ctx is None:
        _ctx = Ctx()
    return _ctx


def openssl(*args, input=None, expect=0):
    p = subprocess.run([OPENSSL, *args], input=input, capture_output=True,
                       timeout=120)
    assert expect is None or p.returncode == expect, (args, p)
    return p


def status_line(out, pem):
    m = re.search(re.escape(pem) + r": (\w+)", out)
    assert m, out
    return m.group(1)


def test_ocsp_good_then_revoked():
    c = ctx()
    cert, pem = c.issue()
    out = c.ocsp(pem, "-nonce")
    assert "Response verify OK" in out, out
    assert status_line(out, pem) == "good", out
    assert "OCSP Nonce" in out, out
    out = c.ocsp(pem, "-no_nonce")
    assert status_line(out, pem) == "good", out
    assert "OCSP Nonce" not in out, out
    assert "Next Update" in out, out

    c.revoke(cert, "keyCompromise")
    out = c.ocsp(pem, "-no_nonce")
    assert "Response verify OK" in out, out
    assert status_line(out, pem) == "revoked", out
    assert "Reason: keyCompromise" in out, out
    out = c.ocsp(pem, "-nonce")
    assert status_line(out, pem) == "revoked", out


def test_ocsp_unauthorized_and_unknown():
    c = ctx()
    # Another CA's certificate: this responder may not answer for it.
    status, other = c.api("POST", "/api/v1/cas", {
        "name": "Other " + secrets.token_hex(3), "kind": "root",
        "subject": {"CN": "Other Root"}})
    assert status == 201, other
    other_pem = c.write("other.pem", other["certificate"])
    out = c.ocsp(other_pem, "-no_nonce", issuer=other_pem, expect=None)
    assert "unauthorized" in out, out

    # A serial the CA never issued: unknown, never good.
    key = c.path("stray.key")
    stray = c.path("stray.pem")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
            "-subj", "/CN=stray", "-days", "1", "-out", stray)
    p = openssl("ocsp", "-issuer", c.ca_pem, "-serial", "0x1234567890abcdef",
                "-url", c.url("/ocsp/" + c.ca["id"]), "-CAfile", c.ca_pem,
                "-no_nonce")
    out = p.stdout.decode()
    assert re.search(r"0x1234567890abcdef: unknown", out), out


def test_ocsp_malformed_and_get():
    c = ctx()
    cert, pem = c.issue()
    status, headers, body = c.server.request(
        "POST", "/ocsp/" + c.ca["id"], body=b"\x30\x03\x02\x01\x00",
        headers={"Content-Type": "application/ocsp-request"}, port="http")
    assert status == 200, body
    assert headers["content-type"] == "application/ocsp-response"
    # OCSPResponse { responseStatus malformedRequest (1) }
    assert body == b"\x30\x03\x0a\x01\x01", body
    status, _, body = c.server.request(
        "GET", "/ocsp/" + c.ca["id"] + "/bm90IGFuIE9DU1AgcmVxdWVzdA==",
        port="http")
    assert status == 200 and body == b"\x30\x03\x0a\x01\x01", body

    # RFC 5019 GET: the base64 request in the path, URL-encoded.
    req = c.path("get.req")
    openssl("ocsp", "-issuer", c.ca_pem, "-cert", pem, "-no_nonce",
            "-reqout", req)
    with open(req, "rb") as f:
        b64 = base64.b64encode(f.read()).decode()
    path = "/ocsp/" + c.ca["id"] + "/" + urllib.parse.quote(b64, safe="")
    status, headers, first = c.server.request("GET", path, port="http")
    assert status == 200, first
    assert re.match(r"public, max-age=\d+", headers["cache-control"]), \
        headers
    for h in ("etag", "last-modified", "expires"):
        assert h in headers, headers
    # The same request, unencoded (its '/' and '+' as they are).
    status, again_headers, again = c.server.request(
        "GET", "/ocsp/" + c.ca["id"] + "/" + b64, port="http")
    assert status == 200 and again == first, again
    assert again_headers["etag"] == headers["etag"]
    status, _, _ = c.server.request(
        "GET", path, headers={"If-None-Match": headers["etag"]},
        port="http")
    assert status == 304
    resp = c.write("get.resp", first)
    p = openssl("ocsp", "-respin", resp, "-issuer", c.ca_pem, "-cert", pem,
                "-CAfile", c.ca_pem)
    out = p.stdout.decode() + p.stderr.decode()
    assert "Response verify OK" in out and ": good" in out, out

    status, headers, body = c.server.request("GET", "/ocsp/nosuchca/MAA=",
                                             port="http")
    harness.problem(body, headers, 404)


def test_ocsp_kept_answers():
    c = ctx()
    cert, pem = c.issue()
    der = c.ocsp_request(pem)
    _, first = c.ask(der)
    assert c.status_of(pem, first) == "good"
    # GET and POST of one request carry the same DER: the same answer,
    # with the same caching headers on every GET.
    headers, by_get = c.ask(der, get=True)
    assert by_get == first
    again_headers, again = c.ask(der, get=True)
    assert again == first
    for h in ("etag", "last-modified", "expires"):
        assert again_headers[h] == headers[h], (h, headers, again_headers)
    assert re.match(r"public, max-age=\d+", again_headers["cache-control"])
    _, again = c.ask(der)
    assert again == first
    # A nonce is answered for its asker alone.
    out = c.ocsp(pem, "-nonce")
    assert "OCSP Nonce" in out and status_line(out, pem) == "good", out

    c.revoke(cert, "keyCompromise")
    _, after = c.ask(der)
    assert c.status_of(pem, after) == "revoked"
    _, after_get = c.ask(der, get=True)
    assert after_get == after


def test_crl_check():
    c = ctx()
    good, good_pem = c.issue()
    held, held_pem = c.issue()

    def verify(pem, expect):
        p = openssl("verify", "-crl_check", "-crl_download", "-CAfile",
                    c.ca_pem, pem, expect=None)
        out = p.stdout.decode() + p.stderr.decode()
        assert (p.returncode == 0) == expect, out
        return out

    verify(good_pem, True)
    verify(held_pem, True)
    c.revoke(good, "keyCompromise")
    c.revoke(held, "certificateHold")
    assert "certificate revoked" in verify(good_pem, False)
    assert "certificate revoked" in verify(held_pem, False)
    status, doc = c.api("POST",
                        f"/api/v1/certificates/{held['id']}/release", {})
    assert status == 200, doc
    verify(held_pem, True)
    verify(good_pem, False)

    status, headers, der = c.server.request(
        "GET", f"/crl/{c.ca['id']}.crl", port="http")
    assert status == 200
    assert headers["content-type"] == "application/pkix-crl"
    assert "last-modified" in headers and "expires" in headers, headers
    crl = c.write("ca.crl", der)
    p = openssl("crl", "-inform", "DER", "-in", crl, "-noout", "-CAfile",
                c.ca_pem)
    assert b"verify OK" in p.stdout + p.stderr, p
    text = openssl("crl", "-inform", "DER", "-in", crl, "-noout",
                   "-text").stdout.decode()
    assert "X509v3 CRL Number" in text and "Key Compromise" in text, text
    assert good["serial"].upper() in text.replace(":", "").upper() or \
        good["serial"].lstrip("0").upper() in text.upper(), text
    assert held["serial"].upper() not in text.upper(), text
    status, headers, pem = c.server.request(
        "GET", f"/crl/{c.ca['id']}.pem", port="http")
    assert status == 200 and pem.startswith(b"-----BEGIN X509 CRL-----")
    status, headers, body = c.server.request(
        "GET", f"/crl/{c.ca['id']}.txt", port="http")
    harness.problem(body, headers, 404)


def test_crl_check_all_on_a_chain():
    c = ctx()
    status, mid = c.api("POST", "/api/v1/cas", {
        "name": "Revocation Issuing " + secrets.token_hex(3),
        "kind": "intermediate", "parent_id": c.ca["id"],
        "subject": {"CN": "Revocation Issuing"}})
    assert status == 201, mid
    mid_pem = c.write("mid.pem", mid["certificate"])
    status, page = c.api("GET", "/api/v1/templates?ca_id=" + mid["id"])
    assert status == 200, page
    name = "chained.example.test"
    csr, key = c.path(name + ".csr"), c.path(name + ".key")
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-subj",
            "/CN=" + name, "-addext", "subjectAltName=DNS:" + name, "-out",
            csr)
    with open(csr) as f:
        status, req = c.api("POST", "/api/v1/requests",
                            {"template_id": page["items"][0]["id"],
                             "csr": f.read()})
    assert status == 201, req
    status, leaf = c.api("POST", f"/api/v1/requests/{req['id']}/approve", {})
    assert status == 200, leaf
    leaf_pem = c.write(name + ".pem", leaf["pem"])

    def verify():
        # The root has no distribution point of its own (nothing above
        # it signs its status): its CRL comes from its URL by hand; the
        # others' by their distribution points.
        status, _, crl = c.server.request("GET", f"/crl/{c.ca['id']}.pem",
                                          port="http")
        assert status == 200
        root_crl = c.write("root-crl.pem", crl)
        p = openssl("verify", "-crl_check_all", "-crl_download", "-CRLfile",
                    root_crl, "-CAfile", c.ca_pem, "-untrusted", mid_pem,
                    leaf_pem, expect=None)
        return p.returncode, p.stdout.decode() + p.stderr.decode()

    rc, out = verify()
    assert rc == 0, out
    # The intermediate's own certificate, as the root issued it.
    status, page = c.api("GET", f"/api/v1/certificates?ca_id={c.ca['id']}"
                         "&q=Revocation%20Issuing")
    assert status == 200 and len(page["items"]) == 1, page
    status, doc = c.api(
        "POST", f"/api/v1/certificates/{page['items'][0]['id']}/revoke",
        {"reason": "cACompromise"})
    assert status == 200, doc
    rc, out = verify()
    assert rc != 0 and "certificate revoked" in out, out
    out = c.ocsp(mid_pem)
    assert status_line(out, mid_pem) == "revoked", out
    assert "Reason: cACompromise" in out, out


def test_aia_files():
    c = ctx()
    status, headers, der = c.server.request(
        "GET", f"/ca/{c.ca['id']}.crt", port="http")
    assert status == 200 and headers["content-type"] == \
        "application/pkix-cert"
    assert "etag" in headers and "max-age" in headers["cache-control"]
    p = openssl("x509", "-inform", "DER", "-noout", "-subject",
                input=der)
    assert b"Revocation Root" in p.stdout, p
    status, headers, body = c.server.request(
        "GET", f"/ca/{c.ca['id']}.pem", port="http")
    assert status == 200 and body.decode() == c.ca["certificate"]
    status, headers, p7 = c.server.request(
        "GET", f"/ca/{c.ca['id']}.p7c", port="http")
    assert status == 200 and headers["content-type"] == \
        "application/pkcs7-mime"
    p = openssl("pkcs7", "-inform", "DER", "-print_certs", "-noout",
                input=p7)
    assert b"Revocation Root" in p.stdout, p
    for path in (f"/ca/{c.ca['id']}.zip", "/ca/nosuchca.crt", "/ca/x"):
        status, headers, body = c.server.request("GET", path, port="http")
        harness.problem(body, headers, 404)
    # The leaf points at these URLs.
    _, pem = c.issue()
    text = openssl("x509", "-in", pem, "-noout", "-text").stdout.decode()
    assert f"/ca/{c.ca['id']}.crt" in text, text
    assert f"/ocsp/{c.ca['id']}" in text, text
    assert f"/crl/{c.ca['id']}.crl" in text, text


def test_two_nodes_share_status():
    if BACKEND != "postgres":
        raise harness.SkipTest("two nodes need PostgreSQL")
    c = ctx()
    bound = 0.2
    other = Server(database=c.server.database, env={"PKIAAS_KEK": KEK},
                   args=["--ocsp-cache-check-ms", str(int(bound * 1000))])
    other.start()
    try:
        cert, pem = c.issue()
        der = c.ocsp_request(pem)
        _, good = c.ask(der, server=other)
        assert c.status_of(pem, good) == "good"
        _, again = c.ask(der, server=other)
        assert again == good
        c.revoke(cert, "superseded")
        # Within the other node's bound, with room for a loaded machine.
        acknowledged = time.monotonic()
        deadline = acknowledged + bound + 0.5
        body = good
        while body == good and time.monotonic() < deadline:
            _, body = c.ask(der, server=other)
        took = time.monotonic() - acknowledged
        assert body != good, f"still the good answer after {took:.3f} s"
        assert c.status_of(pem, body) == "revoked"
        # Both nodes serve the one stored CRL.
        _, _, a = c.server.request("GET", f"/crl/{c.ca['id']}.crl",
                                   port="http")
        _, _, b = other.request("GET", f"/crl/{c.ca['id']}.crl",
                                port="http")
        assert a == b
    finally:
        other.stop()


if __name__ == "__main__":
    try:
        harness.run(test_ocsp_good_then_revoked,
                    test_ocsp_unauthorized_and_unknown,
                    test_ocsp_malformed_and_get, test_ocsp_kept_answers,
                    test_crl_check,
                    test_crl_check_all_on_a_chain, test_aia_files,
                    test_two_nodes_share_status)
    finally:
        if _ctx is not None:
            _ctx.server.stop()
