"""ACME (RFC 8555) against a real pkiaasd with the real clients of
Debian: certbot (EAB, http-01 standalone, dns-01 through its manual
hooks), lego (EAB, http-01, tls-alpn-01, dns-01 through its exec
provider, renew, revoke) and dehydrated (EAB, http-01 from a folder we
serve), each certificate then checked with openssl against the CA. DNS
is pebble-challtestsrv on loopback: every name resolves to 127.0.0.1 and
TXT records are set through its management API. A pre-approved domain is
issued with no challenge at all. The protocol's refusals are driven by a
small client of our own (acme_client.py): missing, wrong-MAC, expired
and used-up bindings, a replayed nonce, a wrong url, another account's
kid, a finalize CSR with an extra name, and a challenge that fails."""

import datetime
import json
import os
import socket
import subprocess
import sys
import threading
import time
import http.server
import urllib.request

import harness
from harness import Server
from test_cli import admin_password
from test_tenant_isolation import call, login_token
import acme_client
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

PREFIX = os.environ.get("PKIAAS_OPENSSL_PREFIX", "")
OPENSSL = os.path.join(PREFIX, "bin", "openssl") if PREFIX else "openssl"

_ctx = None


def wait_port(port, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on {port}")


class Dns:
    """pebble-challtestsrv: DNS on udp 127.0.0.1:port, TXT records set
    through its management API."""

    def __init__(self):
        self.port = harness.free_port()
        self.management = harness.free_port()
        self.proc = subprocess.Popen(
            ["pebble-challtestsrv", "-dns01", f"127.0.0.1:{self.port}",
             "-http01", "", "-https01", "", "-tlsalpn01", "",
             "-management", f"127.0.0.1:{self.management}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.management)

    def post(self, path, body):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.management}{path}",
            data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.status == 200, r.status

    def set_txt(self, name, value):
        self.post("/set-txt", {"host": f"_acme-challenge.{name}.",
                               "value": value})

    def clear_txt(self, name):
        self.post("/clear-txt", {"host": f"_acme-challenge.{name}."})

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class Ctx:
    """A server validating on unprivileged ports, its CA's Web Server
    template, an ACME policy with pre-approved *.pre.test, and DNS."""

    def __init__(self):
        self.dns = Dns()
        self.http01 = harness.free_port()
        self.tls01 = harness.free_port()
        self.server = Server(args=[
            "--acme-http-port", str(self.http01),
            "--acme-tls-port", str(self.tls01),
            "--acme-dns-resolver", f"127.0.0.1:{self.dns.port}"]).start()
        self.token = login_token(self.server, "admin",
                                 admin_password(self.server))
        self.dir = harness.tmpdir("pkiaas-acme-")
        self.n = 0
        status, ca = self.api("POST", "/api/v1/cas", {
            "name": "ACME Root", "kind": "root",
            "subject": {"CN": "ACME Test Root"}})
        assert status == 201, ca
        self.ca = ca
        self.ca_pem = self.write("ca.pem", ca["certificate"])
        status, page = self.api("GET", "/api/v1/templates?ca_id=" + ca["id"])
        assert status == 200, page
        self.template = [t for t in page["items"]
                         if t["name"] == "Web Server"][0]["id"]
        status, self.policy = self.api("POST", "/api/v1/acme/policies", {
            "name": "servers", "template_id": self.template,
            "domains": ["*.pre.test"]})
        assert status == 201, self.policy
        self.directory = (f"https://localhost:{self.server.https_port}"
                          "/acme/directory")

    def api(self, method, path, body=None):
        return call(self.server, method, path, self.token, body)

    def eab(self, uses=1, expires_at=None):
        """A new EAB of the policy: (key id, HMAC key)."""
        self.n += 1
        body = {"name": f"eab-{self.n}", "uses_allowed": uses}
        if expires_at is not None:
            body["expires_at"] = expires_at
        status, e = self.api(
            "POST", f"/api/v1/acme/policies/{self.policy['id']}/eabs", body)
        assert status == 201, e
        return e["key_id"], e["hmac_key"]

    def path(self, *names):
        return os.path.join(self.dir, *names)

    def write(self, name, data):
        with open(self.path(name), "w") as f:
            f.write(data)
        return self.path(name)

    def unique(self, stem):
        self.n += 1
        return f"{stem}{self.n}"

    def client_env(self):
        """Clients trust the server's HTTPS certificate (its bootstrap
        root) and reach nothing but loopback."""
        return dict(os.environ, REQUESTS_CA_BUNDLE=self.server.root,
                    LEGO_CA_CERTIFICATES=self.server.root,
                    no_proxy="*", NO_PROXY="*")


def ctx():
    global _ctx
    if _ctx is None:
        _ctx = Ctx()
    return _ctx


def run(args, env, timeout=240, expect=0):
    p = subprocess.run(args, env=env, capture_output=True, timeout=timeout)
    out = p.stdout.decode(errors="replace") + p.stderr.decode(
        errors="replace")
    assert expect is None or p.returncode == expect, (args, out)
    return out


def check_certificate(c, pem_path, names):
    """What a user checks: the chain verifies to the CA for TLS server
    use, and the SANs are exactly the names asked for."""
    with open(pem_path) as f:
        leaf = f.read().split("-----END CERTIFICATE-----")[0] + \
            "-----END CERTIFICATE-----\n"
    leaf_path = c.path(c.unique("leaf") + ".pem")
    with open(leaf_path, "w") as f:
        f.write(leaf)
    p = subprocess.run([OPENSSL, "verify", "-CAfile", c.ca_pem, "-purpose",
                        "sslserver", leaf_path], capture_output=True)
    assert p.returncode == 0, p
    p = subprocess.run([OPENSSL, "x509", "-in", leaf_path, "-noout", "-ext",
                        "subjectAltName"], capture_output=True, text=True)
    sans = sorted(s.strip()[4:] for s in
                  p.stdout.splitlines()[1].split(","))
    assert sans == sorted(names), (sans, names)
    return leaf_path


def certbot(c, *args, eab=None):
    d = c.path(c.unique("certbot"))
    base = ["certbot", "--non-interactive", "--agree-tos", "-m",
            "ops@example.test", "--config-dir", d + "/etc", "--work-dir",
            d + "/work", "--logs-dir", d + "/logs", "--server", c.directory]
    if eab:
        base += ["--eab-kid", eab[0], "--eab-hmac-key=" + eab[1]]
    return d, run(base + list(args), c.client_env())


def test_certbot_http01():
    c = ctx()
    name = c.unique("web") + ".example.test"
    d, _ = certbot(c, "certonly", "--standalone", "--http-01-port",
                   str(c.http01), "--http-01-address", "127.0.0.1", "-d",
                   name, eab=c.eab())
    check_certificate(c, f"{d}/etc/live/{name}/fullchain.pem", [name])


def test_certbot_dns01_manual_hooks():
    c = ctx()
    name = c.unique("dns") + ".example.test"
    hook = c.write("certbot-auth.sh", f"""#!/bin/sh
curl -s -d "{{\\"host\\":\\"_acme-challenge.$CERTBOT_DOMAIN.\\",\\"value\\":\\"$CERTBOT_VALIDATION\\"}}" http://127.0.0.1:{c.dns.management}/set-txt
""")
    clean = c.write("certbot-clean.sh", f"""#!/bin/sh
curl -s -d "{{\\"host\\":\\"_acme-challenge.$CERTBOT_DOMAIN.\\"}}" http://127.0.0.1:{c.dns.management}/clear-txt
""")
    os.chmod(hook, 0o755)
    os.chmod(clean, 0o755)
    d, _ = certbot(c, "certonly", "--manual", "--preferred-challenges",
                   "dns", "--manual-auth-hook", hook,
                   "--manual-cleanup-hook", clean, "-d", name, "-d",
                   "*." + name, eab=c.eab())
    check_certificate(c, f"{d}/etc/live/{name}/fullchain.pem",
                      [name, "*." + name])


def test_preapproved_domain_needs_no_challenge():
    """*.pre.test is pre-approved: certbot's auth hook would leave a mark
    (and fail) if it were ever asked to meet a challenge."""
    c = ctx()
    name = c.unique("host") + ".pre.test"
    mark = c.path("hook-called")
    hook = c.write("mark.sh", f"#!/bin/sh\ntouch {mark}\nexit 1\n")
    os.chmod(hook, 0o755)
    d, _ = certbot(c, "certonly", "--manual", "--preferred-challenges",
                   "http", "--manual-auth-hook", hook, "-d", name,
                   eab=c.eab())
    assert not os.path.exists(mark), "a challenge was asked for"
    check_certificate(c, f"{d}/etc/live/{name}/fullchain.pem", [name])


def lego(c, d, *args, eab, env=None):
    base = ["lego", "--path", d, "--server", c.directory, "--accept-tos",
            "--email", "ops@example.test", "--eab", "--kid", eab[0],
            "--hmac=" + eab[1]]
    return run(base + list(args), env or c.client_env())


def ocsp_status(c, leaf):
    p = subprocess.run([OPENSSL, "ocsp", "-issuer", c.ca_pem, "-cert", leaf,
                        "-url", f"http://127.0.0.1:{c.server.http_port}"
                        f"/ocsp/{c.ca['id']}", "-CAfile", c.ca_pem],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p
    return p.stdout.split(leaf + ": ")[1].split()[0]


def test_lego_http01_renew_revoke():
    c = ctx()
    name = c.unique("lego") + ".example.test"
    d = c.path(c.unique("lego"))
    eab = c.eab(uses=1)
    http = ["--http", "--http.port", f"127.0.0.1:{c.http01}"]
    lego(c, d, "--domains", name, *http, "run", eab=eab)
    first = check_certificate(c, f"{d}/certificates/{name}.crt", [name])
    lego(c, d, "--domains", name, *http, "renew", "--days", "400",
         "--no-random-sleep", eab=eab)
    second = check_certificate(c, f"{d}/certificates/{name}.crt", [name])
    serial = [subprocess.run([OPENSSL, "x509", "-in", p, "-noout",
                              "-serial"], capture_output=True,
                             text=True).stdout for p in (first, second)]
    assert serial[0] != serial[1], serial
    assert ocsp_status(c, second) == "good"
    lego(c, d, "--domains", name, "revoke", eab=eab)
    assert ocsp_status(c, second) == "revoked"


def test_lego_tls_alpn01():
    c = ctx()
    name = c.unique("alpn") + ".example.test"
    d = c.path(c.unique("lego"))
    lego(c, d, "--domains", name, "--tls", "--tls.port",
         f"127.0.0.1:{c.tls01}", "run", eab=c.eab())
    check_certificate(c, f"{d}/certificates/{name}.crt", [name])


def test_lego_dns01_exec():
    c = ctx()
    name = c.unique("exec") + ".example.test"
    d = c.path(c.unique("lego"))
    script = c.write("lego-exec.sh", f"""#!/bin/sh
# called as: present|cleanup FQDN VALUE
case "$1" in
present) curl -s -d "{{\\"host\\":\\"$2\\",\\"value\\":\\"$3\\"}}" http://127.0.0.1:{c.dns.management}/set-txt ;;
cleanup) curl -s -d "{{\\"host\\":\\"$2\\"}}" http://127.0.0.1:{c.dns.management}/clear-txt ;;
esac
""")
    os.chmod(script, 0o755)
    env = dict(c.client_env(), EXEC_PATH=script, EXEC_POLLING_INTERVAL="1",
               EXEC_PROPAGATION_TIMEOUT="20")
    lego(c, d, "--domains", name, "--dns", "exec", "--dns.resolvers",
         f"127.0.0.1:{c.dns.port}", "--dns.disable-cp", "run", eab=c.eab(),
         env=env)
    check_certificate(c, f"{d}/certificates/{name}.crt", [name])


class Folder(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_dehydrated_http01():
    """dehydrated writes the challenge file; we serve its folder on the
    http-01 port, as a web server would."""
    c = ctx()
    name = c.unique("dh") + ".example.test"
    d = c.path(c.unique("dehydrated"))
    wellknown = os.path.join(d, "www", ".well-known", "acme-challenge")
    os.makedirs(wellknown)
    kid, hmac = c.eab()
    hook = c.write("dh-hook.sh", "#!/bin/sh\nexit 0\n")
    os.chmod(hook, 0o755)
    config = c.write("dehydrated.conf", f"""
CA="{c.directory}"
BASEDIR="{d}"
WELLKNOWN="{wellknown}"
CHALLENGETYPE="http-01"
CONTACT_EMAIL="ops@example.test"
EAB_KID="{kid}"
EAB_HMAC_KEY="{hmac}"
CURL_OPTS="--cacert {c.server.root} --noproxy *"
HOOK="{hook}"
""")
    root = os.path.join(d, "www")
    handler = lambda *a, **k: Folder(*a, directory=root, **k)  # noqa: E731
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", c.http01), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        run(["dehydrated", "--config", config, "--register", "--accept-terms"],
            c.client_env())
        run(["dehydrated", "--config", config, "--cron", "--domain", name],
            c.client_env())
    finally:
        srv.shutdown()
        srv.server_close()
    check_certificate(c, f"{d}/certs/{name}/fullchain.pem", [name])


def test_refusals():
    """What the protocol refuses, each with its ACME error type."""
    c = ctx()
    a = acme_client.Client(c.directory, c.server.root)
    kid, hmac = c.eab(uses=1)
    assert a.register(None)[1]["type"].endswith(":externalAccountRequired")
    wrong = acme_client.b64(b"\0" * 32)
    assert a.register((kid, wrong))[1]["type"].endswith(":unauthorized")
    status, acct = a.register((kid, hmac))
    assert status == 201, acct
    other = acme_client.Client(c.directory, c.server.root)
    status, doc = other.register((kid, hmac))
    assert status == 401 and doc["type"].endswith(":unauthorized"), doc
    assert "used" in doc["detail"], doc
    soon = int(time.time()) + 2
    expiring = c.eab(expires_at=soon)
    time.sleep(3)
    status, doc = other.register(expiring)
    assert doc["type"].endswith(":unauthorized") and "expired" in \
        doc["detail"], doc

    # a nonce is good once
    nonce = a.nonce()
    body = a.signed(a.url("newOrder"), {"identifiers": [
        {"type": "dns", "value": "x.example.test"}]}, nonce=nonce)
    assert a.post_raw(a.url("newOrder"), body)[0] == 201
    status, doc = a.post_raw(a.url("newOrder"), body)
    assert status == 400 and doc["type"].endswith(":badNonce"), doc
    # the url signed must be the url posted to
    body = a.signed(a.url("newAccount"), {})
    status, doc = a.post_raw(a.url("newOrder"), body)
    assert status == 401 and doc["type"].endswith(":unauthorized"), doc
    # another account's kid with our key does not verify
    status, _ = other.register(c.eab())
    assert status == 201
    body = a.signed(a.url("newOrder"), {"identifiers": []},
                    kid=other.kid)
    status, doc = a.post_raw(a.url("newOrder"), body)
    assert status == 400 and doc["type"].endswith(":malformed"), doc

    # a finalize CSR with a name the order does not have
    name = c.unique("fin") + ".pre.test"
    status, order = a.post(a.url("newOrder"), {"identifiers": [
        {"type": "dns", "value": name}]})
    assert status == 201 and order["status"] == "ready", order
    csr = acme_client.csr([name, "extra.pre.test"])
    status, doc = a.post(order["finalize"], {"csr": acme_client.b64(csr)})
    assert status == 400 and doc["type"].endswith(":badCSR"), doc
    # two names ordered, one of them named twice in the CSR
    other = c.unique("fin") + ".pre.test"
    status, pair = a.post(a.url("newOrder"), {"identifiers": [
        {"type": "dns", "value": other}, {"type": "dns", "value": name}]})
    assert status == 201 and pair["status"] == "ready", pair
    csr = acme_client.csr([other, other])
    status, doc = a.post(pair["finalize"], {"csr": acme_client.b64(csr)})
    assert status == 400 and doc["type"].endswith(":badCSR"), doc
    status, done = a.post(order["finalize"], {
        "csr": acme_client.b64(acme_client.csr([name]))})
    assert status == 200 and done["status"] == "valid", done

    # a challenge that fails: nothing answers on the http-01 port
    name = c.unique("fail") + ".example.test"
    status, order = a.post(a.url("newOrder"), {"identifiers": [
        {"type": "dns", "value": name}]})
    assert status == 201 and order["status"] == "pending", order
    status, authz = a.post(order["authorizations"][0], None)
    chall = [ch for ch in authz["challenges"] if ch["type"] == "http-01"][0]
    a.post(chall["url"], {})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, ch = a.post(chall["url"], None)
        if ch["status"] != "processing":
            break
        time.sleep(1)
    assert ch["status"] == "invalid", ch
    assert ch["error"]["type"].endswith(":connection"), ch
    status, order = a.post(order["url"], None)
    assert order["status"] == "invalid", order


def issue(a, name):
    """A certificate for a pre-approved name through client a: (order,
    PEM chain, certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    status, order = a.post(a.url("newOrder"), {"identifiers": [
        {"type": "dns", "value": name}]})
    assert status == 201 and order["status"] == "ready", order
    status, order = a.post(order["finalize"], {
        "csr": acme_client.b64(acme_client.csr([name], key))})
    assert status == 200 and order["status"] == "valid", order
    status, pem = a.post(order["certificate"], None)
    assert status == 200 and pem.startswith("-----BEGIN CERTIFICATE"), pem
    return order, pem, x509.load_pem_x509_certificate(pem.encode()), key


def ari_id(cert):
    """RFC 9773 4.1: base64url(AKI keyIdentifier).base64url(serial)."""
    aki = cert.extensions.get_extension_for_class(
        x509.AuthorityKeyIdentifier).value.key_identifier
    n = cert.serial_number
    serial = n.to_bytes((n.bit_length() + 8) // 8, "big")
    return acme_client.b64(aki) + "." + acme_client.b64(serial)


def renewal_info(c, cert):
    conn_ctx = acme_client.Client(c.directory, c.server.root)
    status, headers, raw = conn_ctx.request(
        "GET", conn_ctx.url("renewalInfo") + "/" + ari_id(cert))
    assert status == 200, raw
    assert int(headers["retry-after"]) > 0, headers
    w = json.loads(raw)["suggestedWindow"]
    return [datetime.datetime.fromisoformat(w[k].replace("Z", "+00:00"))
            for k in ("start", "end")]


def test_account_lifecycle():
    """onlyReturnExisting, contact update, the orders list, renewal
    information and replaces, revocation by the certificate's key, key
    rollover and deactivation."""
    c = ctx()
    a = acme_client.Client(c.directory, c.server.root)
    status, acct = a.register(c.eab())
    assert status == 201 and acct["status"] == "valid", acct
    body = a.signed(a.url("newAccount"), {"onlyReturnExisting": True},
                    jwk=True)
    status, again = a.post_raw(a.url("newAccount"), body)
    assert status == 200 and again["url"] == a.kid, again
    stranger = acme_client.Client(c.directory, c.server.root)
    status, doc = stranger.post_raw(stranger.url("newAccount"),
                                    stranger.signed(
                                        stranger.url("newAccount"),
                                        {"onlyReturnExisting": True}))
    assert status == 400 and doc["type"].endswith(":accountDoesNotExist")
    status, acct = a.post(a.kid, {"contact": ["mailto:new@example.test"]})
    assert status == 200 and acct["contact"] == ["mailto:new@example.test"]

    name = c.unique("life") + ".pre.test"
    order, pem, cert, key = issue(a, name)
    status, orders = a.post(acct["orders"], None)
    assert status == 200 and order["url"] in orders["orders"], orders
    status, rest = a.post(acct["orders"] + "?cursor=" + "z" * 16, None)
    assert status == 200 and rest["orders"] == [], rest

    start, end = renewal_info(c, cert)
    assert cert.not_valid_before < start.replace(tzinfo=None) < \
        end.replace(tzinfo=None) < cert.not_valid_after, (start, end)
    ids = {"identifiers": [{"type": "dns", "value": name}]}
    status, renewal = a.post(a.url("newOrder"),
                             dict(ids, replaces=ari_id(cert)))
    assert status == 201, renewal
    status, doc = a.post(a.url("newOrder"), dict(ids, replaces=ari_id(cert)))
    assert status == 409 and doc["type"].endswith(":alreadyReplaced"), doc

    holder = acme_client.Client(c.directory, c.server.root, key=key)
    der = cert.public_bytes(serialization.Encoding.DER)
    body = holder.signed(holder.url("revokeCert"), {
        "certificate": acme_client.b64(der), "reason": 1}, jwk=True)
    status, doc = holder.post_raw(holder.url("revokeCert"), body)
    assert status == 200, doc
    leaf = c.write(c.unique("revoked") + ".pem", pem)
    assert ocsp_status(c, leaf) == "revoked"
    body = a.signed(a.url("revokeCert"), {"certificate":
                                          acme_client.b64(der)})
    status, doc = a.post_raw(a.url("revokeCert"), body)
    assert status == 409 and doc["type"].endswith(":alreadyRevoked"), doc
    start, end = renewal_info(c, cert)
    assert end.timestamp() <= time.time() + 5, (start, end)

    old = acme_client.Client(c.directory, c.server.root, key=a.key)
    old.kid = a.kid
    status, doc = a.key_change(acme_client.Client(c.directory,
                                                  c.server.root))
    assert status == 200, doc
    status, doc = old.post(old.kid, None)
    assert status == 400 and doc["type"].endswith(":malformed"), doc
    status, doc = a.post(a.kid, None)
    assert status == 200, doc

    status, doc = a.post(a.kid, {"status": "deactivated"})
    assert status == 200 and doc["status"] == "deactivated", doc
    status, doc = a.post(a.url("newOrder"), ids)
    assert status == 401 and doc["type"].endswith(":unauthorized"), doc


def test_operator_view_and_deactivation():
    """An account outlives its EAB; operators see it with its orders and
    their authorisations, and can deactivate it."""
    c = ctx()
    a = acme_client.Client(c.directory, c.server.root)
    kid, hmac = c.eab()
    assert a.register((kid, hmac))[0] == 201
    status, doc = c.api("DELETE", "/api/v1/acme/eabs/" + kid)
    assert status == 204, doc
    name = c.unique("kept") + ".pre.test"
    order, _, _, _ = issue(a, name)
    status, page = c.api("GET", "/api/v1/acme/accounts?policy_id="
                         + c.policy["id"])
    assert status == 200, page
    account = [x for x in page["items"] if a.kid.endswith("/" + x["id"])]
    assert len(account) == 1, (a.kid, page)
    status, orders = c.api(
        "GET", f"/api/v1/acme/accounts/{account[0]['id']}/orders")
    assert status == 200, orders
    [o] = orders["items"]
    assert o["status"] == "valid" and o["certificate_id"], o
    assert o["identifiers"] == [{"type": "dns", "value": name}], o
    [authz] = o["authorizations"]
    assert authz["status"] == "valid" and authz["preapproved"], authz
    status, doc = c.api(
        "POST", f"/api/v1/acme/accounts/{account[0]['id']}/deactivate", {})
    assert status == 200, doc
    status, doc = a.post(a.url("newOrder"), {"identifiers": [
        {"type": "dns", "value": name}]})
    assert status == 401 and doc["type"].endswith(":unauthorized"), doc


def test_bound_policy_template_and_ca_deletion():
    """A policy with a bound account cannot go, nor its template; the
    CA can, taking its ACME policies, EABs, accounts and orders along."""
    c = ctx()
    status, ca = c.api("POST", "/api/v1/cas", {
        "name": "Short-lived Root", "kind": "root",
        "subject": {"CN": "Short-lived Root"}})
    assert status == 201, ca
    status, page = c.api("GET", "/api/v1/templates?ca_id=" + ca["id"])
    template = page["items"][0]["id"]
    status, policy = c.api("POST", "/api/v1/acme/policies", {
        "name": "short", "template_id": template, "domains": ["*.gone.test"]})
    assert status == 201, policy
    status, e = c.api("POST",
                      f"/api/v1/acme/policies/{policy['id']}/eabs", {"name": "one"})
    assert status == 201, e
    a = acme_client.Client(c.directory, c.server.root)
    assert a.register((e["key_id"], e["hmac_key"]))[0] == 201
    issue(a, "host.gone.test")
    status, doc = c.api("DELETE", "/api/v1/acme/policies/" + policy["id"])
    assert status == 409, doc
    status, doc = c.api("DELETE", "/api/v1/templates/" + template)
    assert status == 409 and "ACME policy" in doc["detail"], doc
    status, doc = c.api("DELETE", "/api/v1/cas/" + ca["id"],
                        {"confirm": "Short-lived Root"})
    assert status == 204, doc
    status, doc = c.api("GET", "/api/v1/acme/policies/" + policy["id"])
    assert status == 404, doc
    status, doc = a.post(a.kid, None)
    assert status == 400 and doc["type"].endswith(":accountDoesNotExist")


def test_revoked_intermediate_finalizes_nothing():
    """Once an intermediate's own certificate is revoked, an order of a
    policy on its template is refused at finalize, and nothing issued."""
    c = ctx()
    status, sub = c.api("POST", "/api/v1/templates", {
        "ca_id": c.ca["id"], "name": "Sub CA",
        "starter": "certificate-authority"})
    assert status == 201, sub
    status, mid = c.api("POST", "/api/v1/cas", {
        "name": "ACME Mid", "kind": "intermediate",
        "parent_id": c.ca["id"], "parent_template_id": sub["id"],
        "subject": {"CN": "ACME Mid"}})
    assert status == 201, mid
    status, page = c.api("GET", "/api/v1/templates?ca_id=" + mid["id"])
    status, policy = c.api("POST", "/api/v1/acme/policies", {
        "name": "mid", "template_id": page["items"][0]["id"],
        "domains": ["*.mid.test"]})
    assert status == 201, policy
    status, e = c.api("POST", f"/api/v1/acme/policies/{policy['id']}/eabs",
                      {"name": "mid"})
    a = acme_client.Client(c.directory, c.server.root)
    assert a.register((e["key_id"], e["hmac_key"]))[0] == 201
    issue(a, "one.mid.test")

    status, page = c.api("GET", "/api/v1/certificates?serial="
                         + mid["serial"] + "&ca_id=" + c.ca["id"])
    assert status == 200 and len(page["items"]) == 1, page
    status, doc = c.api("POST", "/api/v1/certificates/"
                        + page["items"][0]["id"] + "/revoke",
                        {"reason": "keyCompromise"})
    assert status == 200, doc
    status, order = a.post(a.url("newOrder"), {"identifiers": [
        {"type": "dns", "value": "two.mid.test"}]})
    assert status == 201 and order["status"] == "ready", order
    status, doc = a.post(order["finalize"], {
        "csr": acme_client.b64(acme_client.csr(["two.mid.test"]))})
    assert status == 403 and doc["type"].endswith(":unauthorized"), doc
    assert "ACME Mid" in doc["detail"], doc
    status, page = c.api("GET", "/api/v1/certificates?q=two.mid.test")
    assert status == 200 and page["items"] == [], page


if __name__ == "__main__":
    try:
        harness.run(test_refusals, test_account_lifecycle,
                    test_certbot_http01,
                    test_certbot_dns01_manual_hooks,
                    test_preapproved_domain_needs_no_challenge,
                    test_lego_http01_renew_revoke, test_lego_tls_alpn01,
                    test_lego_dns01_exec, test_dehydrated_http01,
                    test_operator_view_and_deactivation,
                    test_bound_policy_template_and_ca_deletion,
                    test_revoked_intermediate_finalizes_nothing)
    finally:
        if _ctx is not None:
            _ctx.server.stop()
            _ctx.dns.stop()
