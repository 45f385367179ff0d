"""The PKI through the pkiaas client against a real server: for every key
type a root, an intermediate signed by it through a certificate-authority
template and a leaf, checked with the openssl verify of OpenSSL 3.5; TLS
handshakes with an ECDSA and an RSA leaf; each policy refusal; each
template option's effect on the issued certificate; approval overrides,
bulk approval, declines and pre-approved claims; revocation and release;
template and CA deletion rules; an intermediate signed by an outside CA;
no private key in the clear in the database; and isolation between
tenants. The commands are those of docs/cli.md, "Certificate
authorities"."""

import base64
import json
import os
import re
import shlex
import socket
import sqlite3
import subprocess
import time

import harness
from harness import BACKEND, Server
from test_cli import Cli, admin_password, url
from test_tenant_isolation import local

PREFIX = os.environ.get("PKIAAS_OPENSSL_PREFIX", "")
OPENSSL = os.path.join(PREFIX, "bin", "openssl") if PREFIX else "openssl"

FAST_TYPES = ["rsa-2048", "rsa-3072", "rsa-4096", "ecdsa-p256", "ecdsa-p384",
              "ecdsa-p521", "ed25519", "ml-dsa-44", "ml-dsa-65", "ml-dsa-87",
              "slh-dsa-sha2-128f", "slh-dsa-sha2-192f", "slh-dsa-sha2-256f",
              "slh-dsa-shake-128f", "slh-dsa-shake-192f",
              "slh-dsa-shake-256f"]
# The "small" SLH-DSA sets sign slowly: one combined test.
SMALL_TYPES = ["slh-dsa-sha2-128s", "slh-dsa-sha2-192s", "slh-dsa-sha2-256s",
               "slh-dsa-shake-128s", "slh-dsa-shake-192s",
               "slh-dsa-shake-256s"]

_pki = None


class PkiCli(Cli):
    """A pkiaas client with a configuration of its own; extra holds more
    environment (PKIAAS_KEY_PASSWORD)."""

    def __init__(self):
        super().__init__()
        self.extra = {}

    def env(self):
        env = super().env()
        env.update(self.extra)
        return env


class Pki:
    """The shared server, the admin's client and a folder for files."""

    def __init__(self):
        self.server = Server().start()
        self.cli = PkiCli()
        self.cli.login(self.server, "admin", admin_password(self.server))
        self.dir = harness.tmpdir("pkiaas-pki-")
        self.n = 0

    def path(self, name):
        return os.path.join(self.dir, name)

    def unique(self, stem):
        self.n += 1
        return f"{stem}-{self.n}"


def pki():
    global _pki
    if _pki is None:
        _pki = Pki()
    return _pki


def openssl(*args, input=None, expect=0):
    p = subprocess.run([OPENSSL, *args], input=input, capture_output=True,
                       timeout=120)
    assert expect is None or p.returncode == expect, (args, p)
    return p


def openssl_is_3_5():
    out = openssl("version").stdout.decode()
    m = re.match(r"OpenSSL (\d+)\.(\d+)", out)
    return m is not None and (int(m.group(1)), int(m.group(2))) >= (3, 5)


def newkey_args(key):
    """openssl req -newkey arguments for "ec:P-256", "rsa:2048" or
    "ed25519"."""
    if key.startswith("ec:"):
        return ["-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:" + key[3:]]
    return ["-newkey", key]


def make_csr(name, subject, sans=(), key="ec:P-256", extra=()):
    """A new key and CSR in the test folder; (csr path, key path)."""
    p = pki()
    csr, keyfile = p.path(name + ".csr"), p.path(name + ".key")
    args = ["req", "-new", *newkey_args(key), "-nodes", "-keyout", keyfile,
            "-subj", subject, "-out", csr]
    if sans:
        args += ["-addext", "subjectAltName=" + ",".join(sans)]
    for e in extra:
        args += ["-addext", e]
    openssl(*args)
    return csr, keyfile


def text_of(pem_path, inform="PEM"):
    return openssl("x509", "-noout", "-text", "-inform", inform, "-in",
                   pem_path).stdout.decode()


def write(name, data):
    path = pki().path(name)
    with open(path, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)
    return path


def pems(text):
    return re.findall(r"-----BEGIN CERTIFICATE-----.*?"
                      r"-----END CERTIFICATE-----\n", text, re.S)


PKI_COMMANDS = ["ca create", "ca list", "ca show", "ca csr", "ca import",
                "ca chain", "ca update", "ca delete", "template starters",
                "template create", "template list", "template show",
                "template update", "template delete", "request submit",
                "request list", "request show", "request approve",
                "request decline", "request preapprove", "request claim",
                "cert list", "cert show", "cert download", "cert revoke",
                "cert release", "cert renew"]


def test_help_on_every_pki_command():
    cli = PkiCli()
    for command in PKI_COMMANDS:
        p = cli.run(*command.split(), "--help")
        assert p.returncode == 0, (command, p)
        assert p.stdout.startswith(f"usage: pkiaas {command}"), p.stdout
    for group in ("ca", "template", "request", "cert"):
        assert f"{group} list" in cli.run(group, "--help").stdout


def new_root(name, *extra):
    return pki().cli.json("ca", "create", name, "--root", *extra)


def new_template(name, ca, starter=None, settings=None):
    args = ["template", "create", name, "--ca", ca]
    if starter:
        args += ["--starter", starter]
    if settings is not None:
        args += ["--settings", json.dumps(settings)]
    return pki().cli.json(*args)


def submit(template, ca, csr, expect=0):
    cli = pki().cli
    if expect != 0:
        return cli.run("request", "submit", "--template", template, "--ca",
                       ca, "--csr", csr, expect=expect)
    return cli.json("request", "submit", "--template", template, "--ca", ca,
                    "--csr", csr)


def issue(template, ca, name, subject, sans=(), key="ec:P-256",
          approve=()):
    """Submits a new CSR and approves it; (certificate JSON, key path)."""
    csr, keyfile = make_csr(name, subject, sans, key)
    r = submit(template, ca, csr)
    assert r["status"] == "pending", r
    cert = pki().cli.json("request", "approve", r["id"], *approve)
    assert cert["request_id"] == r["id"], cert
    return cert, keyfile


def cert_file(cert, name, fmt="pem"):
    out = pki().path(name)
    pki().cli.run("cert", "download", cert["id"], "--format", fmt, "--out",
                  out)
    return out


def ca_file(ca, name):
    """The certificate of ca alone, from ca show."""
    shown = pki().cli.json("ca", "show", ca)
    return write(name, shown["certificate"])


def counts():
    cli = pki().cli
    return (len(cli.json("request", "list")["items"]),
            len(cli.json("cert", "list")["items"]))


def build_chain(kt):
    """root -> intermediate (through a certificate-authority template of
    the root) -> leaf, all of key type kt but the leaf's (P-256), and the
    openssl verify of the leaf."""
    p, cli = pki(), pki().cli
    root = new_root(f"root-{kt}", "--key-type", kt, "--cn", f"Root {kt}",
                    "--o", "pkiaas tests")
    assert root["key_type"] == kt and root["status"] == "active", root
    assert root["kind"] == "root" and "key_sealed" not in root, root
    assert root["ocsp_url"].endswith("/ocsp/" + root["id"]), root
    assert root["crl_url"].endswith("/crl/" + root["id"] + ".crl"), root
    tpl = new_template("Sub CA", root["id"], "certificate-authority")
    inter = cli.json("ca", "create", f"int-{kt}", "--intermediate",
                     "--key-type", kt, "--cn", f"Intermediate {kt}",
                     "--parent", root["name"], "--parent-template",
                     "Sub CA")
    assert inter["status"] == "active", inter
    assert inter["parent_id"] == root["id"], inter
    cert, _ = issue("Web Server", inter["name"], f"leaf-{kt}",
                    f"/CN=leaf.{kt}.example",
                    [f"DNS:leaf.{kt}.example"])

    root_pem = p.path(f"root-{kt}.pem")
    cli.run("ca", "chain", root["id"], "--out", root_pem)
    inter_pem = ca_file(inter["id"], f"int-{kt}.pem")
    leaf_pem = cert_file(cert, f"leaf-{kt}.pem")
    chain = cert_file(cert, f"leaf-{kt}-chain.pem", "pem-chain")
    with open(chain) as f:
        assert len(pems(f.read())) == 3, chain
    v = openssl("verify", "-CAfile", root_pem, "-untrusted", inter_pem,
                leaf_pem, expect=None)
    assert v.returncode == 0 and b": OK" in v.stdout, (kt, v)
    v = openssl("verify", "-CAfile", root_pem, "-untrusted", chain,
                leaf_pem, expect=None)
    assert v.returncode == 0, (kt, v)

    algo = {"rsa": "rsaEncryption", "ecdsa": "id-ecPublicKey"}.get(
        kt.split("-")[0], kt)
    assert algo.lower() in text_of(root_pem).lower(), (kt, algo)
    assert "CA:TRUE" in text_of(inter_pem), kt
    used = cli.json("template", "show", tpl["id"])
    assert used["ca_id"] == root["id"], used


def test_chain_every_fast_key_type():
    if not openssl_is_3_5():
        raise harness.SkipTest("needs the openssl of OpenSSL 3.5 "
                               "(PKIAAS_OPENSSL_PREFIX)")
    for kt in FAST_TYPES:
        build_chain(kt)


def test_chain_small_slh_dsa_sets():
    if not openssl_is_3_5():
        raise harness.SkipTest("needs the openssl of OpenSSL 3.5")
    for kt in SMALL_TYPES:
        build_chain(kt)


def test_ca_defaults_and_bad_input():
    cli = pki().cli
    ca = new_root("defaults", "--cn", "Defaults Root")
    assert ca["key_type"] == "ecdsa-p256", ca
    assert ca["not_after"] - ca["not_before"] >= 3650 * 86400 - 120, ca
    tpls = cli.json("template", "list", "--ca", ca["id"])["items"]
    assert [t["name"] for t in tpls] == ["Web Server"], tpls
    ws = tpls[0]["settings"]
    assert ws["key_usage"] == ["digitalSignature", "keyEncipherment"], ws
    assert ws["extended_key_usage"] == ["serverAuth", "clientAuth"], ws
    assert ws["validity_days"] == 365, ws
    assert ws["basic_constraints"]["ca"] is False, ws
    starters = [s["name"] for s in cli.json("template", "starters")["items"]]
    assert starters[0] == "web-server" and len(starters) == 11, starters
    assert "certificate-authority" in starters, starters

    for args, field in ((["--root", "--key-type", "rsa-1024"], "key"),
                        (["--root", "--hash", "md5"], "hash"),
                        (["--root", "--days", "40000"], "days")):
        p = cli.run("ca", "create", pki().unique("bad"), *args,
                    expect=None)
        assert p.returncode in (1, 2), p
        assert field in p.stderr.lower(), p
    cli.run("ca", "create", "x", expect=2)  # neither --root nor
    cli.run("ca", "create", "x", "--root", "--intermediate", expect=2)
    p = cli.run("ca", "create", "defaults", "--root", expect=1)
    assert "409" in p.stderr, p
    cli.run("ca", "show", "no-such-ca", expect=5)
    # Rejects members it does not know, at any depth.
    s = pki().server
    status, _, body = s.request(
        "POST", "/api/v1/cas",
        body=json.dumps({"name": "y", "kind": "root",
                         "subject": {"CN": "y", "XX": "z"}}).encode(),
        headers={"Content-Type": "application/json",
                 "Authorization": "Bearer " + cli.stored()["token"]})
    assert status == 400 and json.loads(body)["field"] == "subject.XX"

    changed = cli.json("ca", "update", "defaults", "--description",
                       "for tests", "--cps-url", "https://pki.example/cps",
                       "--service-key-type", "ecdsa-p384")
    assert changed["description"] == "for tests", changed
    assert changed["settings"]["cps_url"] == "https://pki.example/cps"
    assert changed["settings"]["service_key_type"] == "ecdsa-p384"
    listed = cli.run("ca", "list").stdout
    assert re.search(r"^ID +NAME +KIND", listed, re.M), listed
    assert "defaults" in listed, listed


def test_root_certificate_settings_and_cps():
    p = pki()
    name = p.unique("settings-root")
    status, body = api("POST", "/api/v1/cas", {
        "name": name, "kind": "root", "subject": {"CN": name},
        "cps_url": "https://pki.example.test/cps",
        "certificate_settings": {
            "key_usage": ["keyCertSign", "cRLSign"],
            "extended_key_usage": ["serverAuth", "clientAuth"]}})
    assert status == 201, body
    text = text_of(write(name + ".pem", body["certificate"]))
    assert "TLS Web Server Authentication" in text, text
    assert "Digital Signature" not in text, text
    assert "https://pki.example.test/cps" in text, text
    assert "X509v3 Any Policy" in text, text
    status, body = api("POST", "/api/v1/cas", {
        "name": p.unique("bad-settings"), "kind": "root",
        "subject": {"CN": "x"},
        "certificate_settings": {"key_usage": ["bogus"]}})
    assert status == 400 and body["field"].startswith("key_usage"), body
    status, body = api("POST", "/api/v1/cas", {
        "name": p.unique("mid-settings"), "kind": "intermediate",
        "subject": {"CN": "x"}, "certificate_settings": {}})
    assert status == 400 and body["field"] == "certificate_settings", body

    # The same from the command line, inline or from a file.
    cli = p.cli
    name = p.unique("cli-settings-root")
    root = new_root(name, "--certificate-settings",
                    '{"extended_key_usage": ["clientAuth"]}')
    text = text_of(write(name + ".pem", root["certificate"]))
    assert "TLS Web Client Authentication" in text, text
    settings = write("root-settings.json", '{"key_usage": ["keyCertSign"]}')
    root = new_root(p.unique("cli-file-root"), "--certificate-settings",
                    "@" + settings)
    text = text_of(write("file-root.pem", root["certificate"]))
    assert "Certificate Sign" in text and "CRL Sign" not in text, text
    before = len(cli.json("ca", "list")["items"])
    r = cli.run("ca", "create", p.unique("cli-bad"), "--root",
                "--certificate-settings", "[1]", expect=2)
    assert "--certificate-settings must be a JSON object" in r.stderr, r
    r = cli.run("ca", "create", p.unique("cli-bad"), "--root",
                "--certificate-settings", '{"key_usage": ["bogus"]}',
                expect=1)
    assert "key_usage" in r.stderr, r
    assert len(cli.json("ca", "list")["items"]) == before


def test_tls_handshake_with_ecdsa_and_rsa_leaves():
    cli = pki().cli
    root = new_root("tls-root", "--cn", "TLS Root")
    inter = cli.json("ca", "create", "tls-int", "--intermediate",
                     "--parent", "tls-root", "--cn", "TLS Intermediate")
    root_pem = write("tls-root.pem", root["certificate"])
    inter_pem = ca_file(inter["id"], "tls-int.pem")
    for key in ("ec:P-256", "rsa:2048"):
        name = "tls-" + key.replace(":", "")
        cert, keyfile = issue("Web Server", "tls-int", name,
                              "/CN=localhost",
                              ["DNS:localhost", "IP:127.0.0.1"], key)
        leaf = cert_file(cert, name + ".pem")
        assert handshake(leaf, keyfile, inter_pem, root_pem), key


def handshake(leaf, keyfile, chain, root):
    """Serves leaf with openssl s_server; 1 when s_client, verifying
    against root and the host name, completes a handshake."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [OPENSSL, "s_server", "-accept", f"127.0.0.1:{port}", "-cert", leaf,
         "-key", keyfile, "-cert_chain", chain, "-quiet"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            p = subprocess.run(
                [OPENSSL, "s_client", "-connect", f"127.0.0.1:{port}",
                 "-servername", "localhost", "-verify_hostname",
                 "localhost", "-CAfile", root, "-verify_return_error"],
                input=b"", capture_output=True, timeout=20)
            if p.returncode == 0:
                return b"Verify return code: 0 (ok)" in p.stdout
            if b"onnection refused" not in p.stderr + p.stdout:
                raise AssertionError(p.stderr.decode())
            time.sleep(0.1)
        return False
    finally:
        server.kill()
        server.wait()


def test_policy_refusals_name_their_rule_and_create_nothing():
    cli = pki().cli
    ca = new_root("policy", "--cn", "Policy Root")["id"]
    new_template("min-3072", ca, settings={"min_rsa_bits": 3072})
    new_template("two-sans", ca, settings={"max_sans": 2})
    new_template("off", ca, settings={"enabled": False})
    cases = [
        ("Web Server", make_csr("pol-ca", "/CN=ca.example",
                                ["DNS:ca.example"],
                                extra=["basicConstraints=critical,"
                                       "CA:TRUE"])[0],
         "basic_constraints.ca"),
        ("min-3072", make_csr("pol-rsa", "/CN=rsa.example",
                              ["DNS:rsa.example"], "rsa:2048")[0],
         "min_rsa_bits"),
        ("Web Server", make_csr("pol-email", "/CN=mail.example",
                                ["email:a@mail.example"])[0],
         "san_types"),
        ("two-sans", make_csr("pol-many", "/CN=many.example",
                              ["DNS:a.example", "DNS:b.example",
                               "DNS:c.example"])[0],
         "max_sans"),
        ("off", make_csr("pol-off", "/CN=off.example",
                         ["DNS:off.example"])[0],
         "enabled"),
    ]
    before = counts()
    for template, csr, rule in cases:
        p = submit(template, ca, csr, expect=1)
        assert rule in p.stderr and "HTTP 400" in p.stderr, (rule, p)
    assert counts() == before


def settings_issue(tag, settings, subject="/CN=opt.example",
                   sans=("DNS:opt.example",), starter=None):
    """A certificate from a new template with settings; (JSON, text,
    the template's name)."""
    ca = pki().cli.json("ca", "show", "options")["id"]
    name = pki().unique(tag)
    new_template(name, ca, starter, settings)
    cert, _ = issue(name, ca, name, subject, sans)
    return cert, text_of(cert_file(cert, name + ".pem")), name


def test_template_options_change_the_certificate():
    cli = pki().cli
    root = new_root("options", "--cn", "Options Root")
    base = pki().server.http_port

    cert, text, _ = settings_issue("days", {"validity_days": 10})
    assert abs(cert["not_after"] - cert["not_before"] - 10 * 86400) <= 120
    _, text, _ = settings_issue("ku", {"key_usage": ["digitalSignature",
                                                  "nonRepudiation"],
                                    "key_usage_critical": True})
    ku = re.search(r"X509v3 Key Usage: (critical)?\n\s*(.*)\n", text)
    assert ku and ku.group(1) == "critical", text
    assert ku.group(2) == "Digital Signature, Non Repudiation", ku.group(2)
    _, text, _ = settings_issue("eku", {"extended_key_usage": ["codeSigning",
                                                            "1.2.3.4.5"]})
    eku = re.search(r"X509v3 Extended Key Usage: *\n\s*(.*)\n", text)
    assert eku and eku.group(1) == "Code Signing, 1.2.3.4.5", text
    _, text, _ = settings_issue(
        "fixed-o", {"subject": [{"attribute": "CN", "source": "csr",
                                 "required": True},
                                {"attribute": "O", "source": "fixed",
                                 "value": "Fixed Org"}]},
        subject="/CN=fixed.example/O=Asked Org/OU=Dropped Unit")
    subject = re.search(r"Subject: (.*)\n", text).group(1)
    assert "O=Fixed Org" in subject and "CN=fixed.example" in subject
    assert "Asked" not in subject and "OU" not in subject, subject

    _, text, aia_default = settings_issue("aia-default", {})
    assert f"CA Issuers - URI:http://localhost:{base}/ca/{root['id']}" \
        in text, text
    assert "OCSP - URI:" in text and "CRL Distribution Points" in text
    _, text, _ = settings_issue("aia-off", {
        "aia": {"include": False, "url": None, "ocsp": False},
        "crl_distribution_point": False})
    assert "Authority Information Access" not in text, text
    assert "CRL Distribution Points" not in text, text
    _, text, _ = settings_issue("aia-url", {
        "aia": {"include": True, "url": "http://pki.example/ca.crt",
                "ocsp": False}})
    assert "CA Issuers - URI:http://pki.example/ca.crt" in text, text
    assert "OCSP - URI:" not in text, text
    _, text, _ = settings_issue("policies", {
        "policies": {"include": True, "oid": "1.3.6.1.4.1.55555.1",
                     "cps_url": "https://pki.example/cps"}})
    assert "Policy: 1.3.6.1.4.1.55555.1" in text, text
    assert "CPS: https://pki.example/cps" in text, text
    _, text, _ = settings_issue("no-policies", {})
    assert "Certificate Policies" not in text, text

    # path_length of a CA template reaches the subordinate CA.
    new_template("pathlen-2", root["id"], "certificate-authority",
                 {"basic_constraints": {"ca": True, "path_length": 2,
                                        "critical": True}})
    sub = cli.json("ca", "create", "options-sub", "--intermediate",
                   "--parent", "options", "--parent-template", "pathlen-2")
    text = text_of(ca_file(sub["id"], "options-sub.pem"))
    assert re.search(r"critical\n\s*CA:TRUE, pathlen:2", text), text

    # A bad setting is refused with its name, and nothing is made.
    p = cli.run("template", "create", "bad", "--ca", "options",
                "--settings", '{"key_usage": ["bogus"]}', expect=1)
    assert "key_usage" in p.stderr, p
    p = cli.run("template", "create", "bad", "--ca", "options",
                "--settings", '{"frobnicate": 1}', expect=1)
    assert "frobnicate" in p.stderr, p
    cli.run("template", "show", "bad", "--ca", "options", expect=5)
    renamed = cli.json("template", "update", aia_default, "--ca",
                       "options", "--name", "renamed", "--settings",
                       '{"validity_days": 20}')
    assert renamed["name"] == "renamed", renamed
    assert renamed["settings"]["validity_days"] == 20, renamed


def test_approve_with_overrides():
    cli = pki().cli
    ca = new_root("overrides", "--cn", "Overrides Root")["id"]
    csr, _ = make_csr("ov-1", "/CN=asked.example", ["DNS:asked.example"])
    r = submit("Web Server", ca, csr)
    shown = cli.json("request", "show", r["id"])
    assert shown["status"] == "pending", shown
    assert "CN=asked.example" in shown["subject"], shown
    assert shown["sans"] == "DNS:asked.example", shown
    assert shown["key_type"] == "ecdsa-p256", shown
    assert shown["key_bits"] == 256, shown
    assert shown["would_not_after"] - shown["would_not_before"] >= \
        365 * 86400 - 120, shown
    cert = cli.json("request", "approve", r["id"], "--cn", "new.example",
                    "--san", "DNS:new.example", "--san", "DNS:other.example",
                    "--days", "7")
    assert cert["subject"] == "CN=new.example", cert
    assert cert["sans"] == "DNS:new.example, DNS:other.example", cert
    assert abs(cert["not_after"] - cert["not_before"] - 7 * 86400) <= 120
    text = text_of(cert_file(cert, "ov-1.pem"))
    assert "DNS:new.example, DNS:other.example" in text, text
    assert "asked" not in text, text
    assert cli.json("request", "show", r["id"])["status"] == "issued"
    cli.run("request", "approve", r["id"], expect=1)

    # Explicit dates, which may lie in the future.
    start = int(time.time()) + 86400
    csr, _ = make_csr("ov-2", "/CN=later.example", ["DNS:later.example"])
    r = submit("Web Server", ca, csr)
    cert = cli.json("request", "approve", r["id"], "--not-before",
                    str(start), "--not-after", str(start + 3 * 86400))
    assert cert["not_before"] == start, cert
    assert cert["not_after"] == start + 3 * 86400, cert


def api(method, path, body=None):
    """The REST API with the admin client's token: (status, JSON)."""
    headers = {"Authorization": "Bearer " + pki().cli.stored()["token"]}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    status, _, raw = pki().server.request(method, path, body=data,
                                          headers=headers)
    return status, (json.loads(raw) if raw else None)


def test_auto_approve_and_der_csr():
    cli = pki().cli
    ca = new_root("auto", "--cn", "Auto Root")["id"]
    tpl = new_template("auto", ca, settings={"auto_approve": True})
    csr, _ = make_csr("auto-1", "/CN=auto.example", ["DNS:auto.example"])
    r = cli.json("request", "submit", "--template", "auto", "--ca", ca,
                 "--csr", csr)
    assert r["status"] == "issued" and r["certificate_id"], r
    der = openssl("req", "-in", csr, "-outform", "DER").stdout
    status, r = api("POST", "/api/v1/requests",
                    {"template_id": tpl["id"],
                     "csr_der": base64.b64encode(der).decode()})
    assert status == 201 and r["status"] == "issued", r
    assert r["certificate"]["id"] == r["certificate_id"], r
    assert r["certificate"]["pem"].startswith("-----BEGIN CERTIFICATE"), r
    status, doc = api("POST", "/api/v1/requests",
                      {"template_id": tpl["id"], "csr": "junk",
                       "csr_der": "AAAA"})
    assert status == 400 and doc["field"] == "csr", doc
    status, page = api("GET", "/api/v1/certificates?ca_id=" + ca)
    assert status == 200 and page["items"], page
    assert all("pem" not in c for c in page["items"]), page
    status, page = api("GET", "/api/v1/requests")
    assert all("csr" not in r for r in page["items"]), page


def test_bulk_approve_and_decline():
    cli = pki().cli
    ca = new_root("bulk", "--cn", "Bulk Root")["id"]
    ids = []
    for i in range(4):
        csr, _ = make_csr(f"bulk-{i}", f"/CN=b{i}.example",
                          [f"DNS:b{i}.example"])
        ids.append(submit("Web Server", ca, csr)["id"])
    p = cli.run("--json", "request", "approve", ids[0], ids[1],
                "zzzzzzzzzzzzzzzz", expect=1)
    out = json.loads(p.stdout)["results"]
    assert [r["id"] for r in out] == [ids[0], ids[1], "zzzzzzzzzzzzzzzz"]
    assert out[0]["status"] == out[1]["status"] == "issued", out
    assert out[0]["certificate_id"] and out[1]["certificate_id"], out
    assert out[2]["status"] == "failed" and out[2]["error"], out
    table = cli.run("request", "approve", ids[2], ids[3]).stdout
    assert re.search(r"^ID +STATUS +CERTIFICATE", table, re.M), table
    for rid in ids:
        assert cli.json("request", "show", rid)["status"] == "issued"

    more = []
    for i in range(3):
        csr, _ = make_csr(f"decl-{i}", f"/CN=d{i}.example",
                          [f"DNS:d{i}.example"])
        more.append(submit("Web Server", ca, csr)["id"])
    declined = cli.json("request", "decline", more[0], "--reason",
                        "not ours")
    assert declined["status"] == "declined", declined
    assert declined["decline_reason"] == "not ours", declined
    cli.run("request", "decline", more[1], more[2], "--reason", "bulk no")
    for rid in more:
        assert cli.json("request", "show", rid)["status"] == "declined"
    p = cli.run("request", "approve", more[0], expect=1)
    assert "409" in p.stderr, p
    cli.run("request", "decline", more[0], expect=2)  # no --reason
    pending = cli.json("request", "list", "--status", "declined")["items"]
    assert set(more) <= {r["id"] for r in pending}, pending


def test_preapproved_claim():
    cli = pki().cli
    s = pki().server
    ca = new_root("claims", "--cn", "Claims Root")["id"]
    p = cli.run("request", "preapprove", "--template", "Web Server",
                "--ca", ca, "--cn", "claimed.example", "--san",
                "DNS:claimed.example", "--san", "DNS:www.claimed.example",
                "--days", "30")
    claim = re.search(r"^claim +(\S+)$", p.stdout, re.M).group(1)
    assert "only this once" in p.stderr, p
    rid = re.search(r"^id +(\S+)$", p.stdout, re.M).group(1)
    assert cli.json("request", "show", rid)["status"] == "preapproved"
    assert claim not in json.dumps(cli.json("request", "show", rid))

    # The holder needs no login: only the server and its root.
    holder = PkiCli()
    csr, _ = make_csr("claim-1", "/CN=evil.example", ["DNS:evil.example"])
    out = pki().path("claimed.pem")
    holder.run("--server", url(s), "--cacert", s.root, "request", "claim",
               "--claim", claim, "--csr", csr, "--out", out)
    text = text_of(out)
    subject = re.search(r"Subject: (.*)\n", text).group(1)
    assert subject == "CN=claimed.example", subject
    assert "DNS:claimed.example, DNS:www.claimed.example" in text, text
    assert "evil" not in text, text
    before = counts()
    csr2, _ = make_csr("claim-2", "/CN=again.example")
    p = holder.run("--server", url(s), "--cacert", s.root, "request",
                   "claim", "--claim", claim, "--csr", csr2, expect=None)
    assert p.returncode in (1, 5), p
    p = holder.run("--server", url(s), "--cacert", s.root, "request",
                   "claim", "--claim", "pkiaas_not-a-claim", "--csr", csr2,
                   expect=None)
    assert p.returncode in (1, 5), p
    assert counts() == before
    assert cli.json("request", "show", rid)["status"] == "issued"


def test_revoke_release_and_search():
    cli = pki().cli
    root = new_root("revoke", "--cn", "Revoke Root")
    ca = root["id"]
    cert, _ = issue("Web Server", ca, "rev-1", "/CN=rev.example",
                    ["DNS:rev.example"], approve=("--days", "5"))
    other, _ = issue("Web Server", ca, "rev-2", "/CN=keep.example",
                     ["DNS:keep.example"])
    held = cli.json("cert", "revoke", cert["id"], "--reason",
                    "certificateHold")
    assert held["status"] == "revoked", held
    assert held["revocation_reason"] == "certificateHold", held
    assert held["revoked_at"], held
    ids = {c["id"] for c in cli.json("cert", "list", "--status", "revoked",
                                     "--ca", ca)["items"]}
    assert ids == {cert["id"]}, ids
    released = cli.json("cert", "release", cert["id"])
    assert released["status"] == "valid", released
    assert released["revoked_at"] is None, released
    when = int(time.time()) - 3600
    gone = cli.json("cert", "revoke", cert["serial"], "--reason",
                    "keyCompromise", "--invalidity-date", str(when))
    assert gone["revocation_reason"] == "keyCompromise", gone
    assert gone["invalidity_date"] == when, gone
    p = cli.run("cert", "release", cert["id"], expect=1)
    assert "409" in p.stderr, p
    p = cli.run("cert", "revoke", cert["id"], expect=1)
    assert "409" in p.stderr, p
    p = cli.run("cert", "revoke", other["id"], "--reason", "bogus",
                expect=1)
    assert "reason" in p.stderr, p

    # The root's own certificate is one the CA issued, too, and so is the
    # OCSP signing certificate it got when it became active.
    valid = {c["id"] for c in cli.json("cert", "list", "--status", "valid",
                                       "--ca", ca)["items"]
             if c["serial"] != root["serial"]
             and "OCSP" not in c["subject"]}
    assert valid == {other["id"]}, valid
    found = cli.json("cert", "list", "--search", "KEEP.example")["items"]
    assert [c["id"] for c in found] == [other["id"]], found
    serial = ":".join(re.findall("..", other["serial"].upper()))
    found = cli.json("cert", "list", "--serial", serial)["items"]
    assert [c["id"] for c in found] == [other["id"]], found
    soon = {c["id"] for c in cli.json("cert", "list",
                                      "--expiring-within-days", "30",
                                      "--ca", ca)["items"]
            if "OCSP" not in c["subject"]}
    assert soon == set(), soon  # the 5-day one is revoked
    c3, _ = issue("Web Server", ca, "rev-3", "/CN=soon.example",
                  ["DNS:soon.example"], approve=("--days", "5"))
    soon = {c["id"] for c in cli.json("cert", "list",
                                      "--expiring-within-days", "30",
                                      "--ca", ca)["items"]
            if "OCSP" not in c["subject"]}
    assert soon == {c3["id"]}, soon
    shown = cli.json("cert", "show", c3["id"])
    assert shown["pem"].startswith("-----BEGIN CERTIFICATE-----"), shown


def test_renewal_by_the_key_holder():
    p, cli = pki(), pki().cli
    root = new_root(p.unique("renew-root"))
    new_template("Renewable", root["id"], settings={
        "validity_days": 20, "renewal": {"enabled": True, "within_days": 30}})
    old, old_key = issue("Renewable", root["id"], "renew-old",
                         "/CN=renew.example.test",
                         ["DNS:renew.example.test", "DNS:alt.example.test"])
    old_pem = cert_file(old, "renew-old.pem")
    csr, new_key = make_csr("renew-new", "/CN=ignored.example")
    out = p.path("renew-new.pem")
    cli.run("cert", "renew", "--cert", old_pem, "--key", old_key, "--csr",
            csr, "--out", out)
    text = text_of(out)
    assert "CN=renew.example.test" in text or "CN = renew.example.test" \
        in text, text
    assert "DNS:renew.example.test" in text and "DNS:alt.example.test" \
        in text, text
    assert "ignored.example" not in text, text
    # The new certificate is for the new key; the old one is superseded.
    new_pub = openssl("pkey", "-in", new_key, "-pubout").stdout
    assert openssl("x509", "-in", out, "-noout", "-pubkey").stdout == new_pub
    shown = cli.json("cert", "show", old["id"])
    assert shown["status"] == "revoked", shown
    assert shown["revocation_reason"] == "superseded", shown
    # The old certificate renews no more; a wrong key proves nothing; a
    # template without renewal refuses.
    p2 = cli.run("cert", "renew", "--cert", old_pem, "--key", old_key,
                 "--csr", csr, expect=1)
    assert "revoked or expired" in p2.stderr, p2.stderr
    fresh_pem = write("renew-fresh.pem", open(out).read())
    p3 = cli.run("cert", "renew", "--cert", fresh_pem, "--key", old_key,
                 "--csr", csr, expect=1)
    assert "not the certificate's key" in p3.stderr, p3.stderr
    web, web_key = issue("Web Server", root["id"], "renew-web",
                         "/CN=web.example.test", ["DNS:web.example.test"])
    p4 = cli.run("cert", "renew", "--cert", cert_file(web, "renew-web.pem"),
                 "--key", web_key, "--csr", csr, expect=1)
    assert "renewal.enabled" in p4.stderr, p4.stderr


def test_public_requests_only_where_the_template_allows():
    p, cli = pki(), pki().cli
    root = new_root(p.unique("public-root"))
    open_tpl = new_template("Public", root["id"], settings={
        "allow_public": True, "auto_approve": True})
    closed = cli.json("template", "show", "Web Server", "--ca", root["id"])
    csr, _ = make_csr("public", "/CN=public.example.test",
                      ["DNS:public.example.test"])
    with open(csr) as f:
        body = json.dumps({"template_id": open_tpl["id"],
                           "csr": f.read()}).encode()
    status, _, raw = p.server.request(
        "POST", "/api/v1/requests", body=body,
        headers={"Content-Type": "application/json"})
    assert status == 201, raw
    doc = json.loads(raw)
    assert doc["status"] == "issued" and doc["requested_by"] is None, doc
    assert "public.example.test" in doc["certificate"]["sans"], doc
    before = counts()
    for template_id in (closed["id"], "nosuchtemplate00"):
        status, _, raw = p.server.request(
            "POST", "/api/v1/requests",
            body=body.replace(open_tpl["id"].encode(), template_id.encode()),
            headers={"Content-Type": "application/json"})
        assert status == 401, raw
    assert counts() == before


def test_download_formats():
    cli, s = pki().cli, pki().server
    ca = new_root("formats", "--cn", "Formats Root")["id"]
    cert, _ = issue("Web Server", ca, "fmt", "/CN=fmt.example",
                    ["DNS:fmt.example"])
    der = cert_file(cert, "fmt.der", "der")
    assert "CN=fmt.example" in text_of(der, "DER")
    p7 = cert_file(cert, "fmt.p7b", "pkcs7")
    listed = openssl("pkcs7", "-inform", "DER", "-in", p7,
                     "-print_certs").stdout.decode()
    assert len(pems(listed)) == 2, listed
    token = cli.stored()["token"]
    for fmt, ctype in (("pem", "application/x-pem-file"),
                       ("der", "application/pkix-cert"),
                       ("pem-chain", "application/x-pem-file"),
                       ("pkcs7", "application/pkcs7-mime")):
        status, headers, _ = s.request(
            "GET", f"/api/v1/certificates/{cert['id']}/download?format="
            + fmt, headers={"Authorization": "Bearer " + token})
        assert status == 200 and headers["content-type"] == ctype, headers
        assert headers["content-disposition"].startswith(
            "attachment; filename="), headers
    status, _, _ = s.request(
        "GET", f"/api/v1/certificates/{cert['id']}/download?format=zip",
        headers={"Authorization": "Bearer " + token})
    assert status == 400
    cli.run("cert", "download", cert["id"], "--format", "zip", expect=2)


def test_template_deletion_rules():
    cli = pki().cli
    ca = new_root("tpl-delete", "--cn", "Template Delete Root")["id"]
    new_template("doomed", ca)
    cert, _ = issue("doomed", ca, "doomed-1", "/CN=d.example",
                    ["DNS:d.example"])
    p = cli.run("template", "delete", "doomed", "--ca", ca, expect=1)
    assert "409" in p.stderr, p
    cli.run("cert", "revoke", cert["id"], "--reason", "certificateHold")
    p = cli.run("template", "delete", "doomed", "--ca", ca, expect=1)
    assert "409" in p.stderr, p
    cli.run("cert", "release", cert["id"])
    cli.run("cert", "revoke", cert["id"], "--reason", "superseded")
    cli.run("template", "delete", "doomed", "--ca", ca)
    cli.run("template", "show", "doomed", "--ca", ca, expect=5)
    kept = cli.json("cert", "show", cert["id"])
    assert kept["template_id"] is None, kept
    # A template without certificates goes at once.
    new_template("unused", ca)
    cli.run("template", "delete", "unused", "--ca", ca)


def test_external_intermediate():
    cli, p = pki().cli, pki()
    outside_key, outside = p.path("outside.key"), p.path("outside.pem")
    openssl("req", "-x509", *newkey_args("ec:P-384"), "-nodes", "-keyout",
            outside_key, "-subj", "/CN=Outside Root", "-days", "30", "-out",
            outside, "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    ext = cli.json("ca", "create", "external", "--intermediate", "--cn",
                   "External Intermediate")
    assert ext["status"] == "pending" and ext["certificate"] is None, ext
    csr = p.path("external.csr")
    cli.run("ca", "csr", "external", "--out", csr)
    openssl("req", "-verify", "-noout", "-in", csr)
    cli.run("ca", "chain", "external", expect=1)

    conf = write("external.cnf", "[v3]\nbasicConstraints=critical,CA:TRUE\n"
                 "keyUsage=critical,keyCertSign,cRLSign\n"
                 "subjectKeyIdentifier=hash\n"
                 "authorityKeyIdentifier=keyid:always\n")
    signed = p.path("external.pem")
    openssl("x509", "-req", "-in", csr, "-CA", outside, "-CAkey",
            outside_key, "-days", "20", "-extfile", conf, "-extensions",
            "v3", "-out", signed)
    r = cli.run("ca", "import", "external", "--cert", signed, expect=1)
    assert "chain" in r.stderr, r
    r = cli.run("ca", "import", "external", "--cert", outside, expect=1)
    assert "another key" in r.stderr, r
    with open(signed) as f, open(outside) as g:
        bundle = write("external-bundle.pem", f.read() + g.read())
    ext = cli.json("ca", "import", "external", "--cert", bundle)
    assert ext["status"] == "active", ext
    cli.run("ca", "import", "external", "--cert", bundle, expect=1)
    chain = p.path("external-chain.pem")
    cli.run("ca", "chain", "external", "--out", chain)
    with open(chain) as f:
        assert len(pems(f.read())) == 2, chain

    cert, _ = issue("Web Server", "external", "ext-leaf",
                    "/CN=ext.example", ["DNS:ext.example"])
    leaf = cert_file(cert, "ext-leaf.pem")
    v = openssl("verify", "-CAfile", outside, "-untrusted", signed, leaf,
                expect=None)
    assert v.returncode == 0, v
    assert cert["not_after"] <= ext["not_after"], (cert, ext)


def test_revoked_intermediate_issues_nothing():
    cli = pki().cli
    root = new_root("chain-root", "--cn", "Chain Root")
    new_template("Sub CA", root["id"], "certificate-authority")
    mid = cli.json("ca", "create", "chain-mid", "--intermediate", "--cn",
                   "Chain Mid", "--parent", root["name"],
                   "--parent-template", "Sub CA")
    issue("Web Server", mid["name"], "mid-1", "/CN=mid1.example",
          ["DNS:mid1.example"])
    own = [c for c in cli.json("cert", "list", "--ca", root["id"])["items"]
           if c["serial"] == mid["serial"]]
    assert len(own) == 1, own
    assert mid["issuance_blocked_by"] is None, mid
    cli.json("cert", "revoke", own[0]["id"], "--reason", "keyCompromise")
    shown = cli.json("ca", "show", mid["id"])
    assert shown["issuance_blocked_by"] == "chain-mid", shown
    assert shown["status"] == "active", shown
    assert "issuance blocked by" in cli.run("ca", "show", mid["id"]).stdout
    root_shown = cli.json("ca", "show", root["id"])
    assert root_shown["issuance_blocked_by"] is None, root_shown

    csr, _ = make_csr("mid-2", "/CN=mid2.example", ["DNS:mid2.example"])
    p = submit("Web Server", mid["name"], csr, expect=1)
    assert "409" in p.stderr and "chain-mid" in p.stderr, p.stderr
    new_template("Sub CA", mid["id"], "certificate-authority")
    p = cli.run("ca", "create", "chain-sub", "--intermediate", "--cn",
                "Chain Sub", "--parent", mid["name"], "--parent-template",
                "Sub CA", expect=1)
    assert "409" in p.stderr and "revoked" in p.stderr, p.stderr
    cli.run("ca", "show", "chain-sub", expect=5)  # not found
    # The root is not concerned, and its CRL says what it revoked.
    issue("Web Server", root["id"], "root-ok", "/CN=rootok.example",
          ["DNS:rootok.example"])
    status, _, der = pki().server.get(f"/crl/{root['id']}.crl", port="http")
    assert status == 200, status
    text = openssl("crl", "-inform", "DER", "-noout", "-text",
                   input=der).stdout.decode().upper()
    assert mid["serial"].upper().lstrip("0") in text, text

    # A parent not yet active refuses too, and leaves nothing behind.
    cli.json("ca", "create", "chain-pending", "--intermediate", "--cn",
             "Chain Pending")
    p = cli.run("ca", "create", "chain-orphan", "--intermediate", "--cn",
                "Chain Orphan", "--parent", "chain-pending",
                "--parent-template", "Web Server", expect=1)
    assert "not active" in p.stderr, p.stderr
    cli.run("ca", "show", "chain-orphan", expect=5)


def test_ca_delete_requires_the_name():
    cli = pki().cli
    ca = new_root("to-delete", "--cn", "Delete Me")
    cert, _ = issue("Web Server", "to-delete", "del-1", "/CN=del.example",
                    ["DNS:del.example"])
    tpl = cli.json("template", "list", "--ca", ca["id"])["items"][0]
    cli.run("ca", "delete", "to-delete", expect=2)
    p = cli.run("ca", "delete", "to-delete", "--confirm", "to-delet",
                expect=1)
    assert "confirm" in p.stderr, p
    assert cli.json("ca", "show", ca["id"])["name"] == "to-delete"
    cli.run("ca", "delete", "to-delete", "--confirm", "to-delete")
    cli.run("ca", "show", ca["id"], expect=5)
    cli.run("template", "show", tpl["id"], expect=5)
    cli.run("cert", "show", cert["id"], expect=5)


def der_of(keyfile, *args, password=None):
    extra = ["-passin", "pass:" + password] if password else []
    return openssl("pkey", "-in", keyfile, *extra, *args, "-outform",
                   "DER").stdout


def database_dump(s):
    """Every value of every table as bytes, and the raw files."""
    if BACKEND == "postgres":
        p = subprocess.run(["pg_dump", "--data-only", s.database],
                           capture_output=True, timeout=60, check=True)
        return [p.stdout]
    blobs = []
    path = os.path.join(s.data, "pkiaas.db")
    for suffix in ("", "-wal"):
        if os.path.exists(path + suffix):
            with open(path + suffix, "rb") as f:
                blobs.append(f.read())
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for t in tables:
            for row in db.execute(f'SELECT * FROM "{t}"'):
                for v in row:
                    if isinstance(v, bytes):
                        blobs.append(v)
                    elif isinstance(v, str):
                        blobs.append(v.encode())
    finally:
        db.close()
    return blobs


def test_no_private_key_in_the_clear_in_the_database():
    cli, p = pki().cli, pki()
    plain = p.path("import-plain.key")
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
            "ec_paramgen_curve:P-384", "-out", plain)
    rsa = p.path("import-rsa.key")
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt",
            "rsa_keygen_bits:2048", "-out", rsa)
    secret = "import password 1"
    enc = p.path("import-enc.key")
    openssl("pkcs8", "-topk8", "-in", rsa, "-v2", "aes-256-cbc", "-passout",
            "pass:" + secret, "-out", enc)

    a = new_root("imported-plain", "--key-file", plain)
    assert a["key_type"] == "ecdsa-p384", a
    cli.extra = {"PKIAAS_KEY_PASSWORD": secret}
    try:
        b = new_root("imported-enc", "--key-file", enc)
    finally:
        cli.extra = {}
    assert b["key_type"] == "rsa-2048", b
    cli.extra = {"PKIAAS_KEY_PASSWORD": "wrong"}
    try:
        r = cli.run("ca", "create", "imported-bad", "--root", "--key-file",
                    enc, expect=1)
    finally:
        cli.extra = {}
    assert "key" in r.stderr, r
    for ca, key in ((a, plain), (b, rsa)):
        pub = openssl("pkey", "-in", key, "-pubout").stdout
        cert = write(ca["name"] + ".pem", ca["certificate"])
        assert openssl("x509", "-in", cert, "-noout",
                       "-pubkey").stdout == pub, ca
        assert "key_sealed" not in json.dumps(ca), ca

    # The keys' DER, PKCS#8 and traditional, and their private numbers
    # alone: the EC scalar, the end of the RSA key (its CRT coefficient).
    sec1 = der_of(plain, "-traditional")
    at = sec1.index(b"\x02\x01\x01\x04") + 4
    scalar = sec1[at + 1:at + 1 + sec1[at]]
    assert len(scalar) == 48, sec1.hex()
    needles = [b"PRIVATE KEY", secret.encode(), scalar, scalar.hex().encode(),
               der_of(rsa, "-traditional")[-64:]]
    for key in (plain, rsa):
        for form in ((), ("-traditional",)):
            der = der_of(key, *form)
            needles += [der, der.hex().encode()]
    dump = database_dump(pki().server)
    # The dump does hold the CA's certificate: it is read, and right.
    cert_der = openssl("x509", "-in", write("imported.pem", a["certificate"]),
                       "-outform", "DER").stdout
    assert any(cert_der in blob or cert_der.hex().encode() in blob
               for blob in dump)
    for blob in dump:
        for n in needles:
            assert n not in blob, ("found in the database", n[:40])
    assert secret not in pki().server.log()


def test_other_tenants_see_nothing():
    cli, s = pki().cli, pki().server
    ca = new_root("isolated", "--cn", "Isolated Root")
    cert, _ = issue("Web Server", "isolated", "iso", "/CN=iso.example",
                    ["DNS:iso.example"])
    tpl = cli.json("template", "list", "--ca", ca["id"])["items"][0]
    r = local(s, "tenant", "add", "pki-beta")
    assert r.returncode == 0, r
    r = local(s, "user", "add", "pki-bob", "--role", "admin", "--tenant",
              "pki-beta", "--password-stdin", stdin="bob's password 12\n")
    assert r.returncode == 0, r
    bob = PkiCli()
    bob.login(s, "pki-bob", "bob's password 12")
    for args in (["ca", "show", ca["id"]], ["ca", "show", "isolated"],
                 ["ca", "chain", ca["id"]],
                 ["template", "show", tpl["id"]],
                 ["cert", "show", cert["id"]],
                 ["cert", "download", cert["id"]],
                 ["cert", "revoke", cert["id"]],
                 ["request", "show", cert["request_id"]],
                 ["ca", "delete", ca["id"], "--confirm", "isolated"]):
        bob.run(*args, expect=5)
    assert bob.json("ca", "list")["items"] == []
    assert bob.json("template", "list")["items"] == []
    assert bob.json("cert", "list")["items"] == []
    assert bob.json("request", "list")["items"] == []
    assert cli.json("cert", "show", cert["id"])["status"] == "valid"
    # The same name in another tenant is another CA.
    theirs = bob.json("ca", "create", "isolated", "--root")
    assert theirs["id"] != ca["id"], theirs


if __name__ == "__main__":
    try:
        harness.run(test_help_on_every_pki_command,
                    test_ca_defaults_and_bad_input,
                    test_chain_every_fast_key_type,
                    test_chain_small_slh_dsa_sets,
                    test_root_certificate_settings_and_cps,
                    test_tls_handshake_with_ecdsa_and_rsa_leaves,
                    test_policy_refusals_name_their_rule_and_create_nothing,
                    test_template_options_change_the_certificate,
                    test_approve_with_overrides,
                    test_auto_approve_and_der_csr,
                    test_bulk_approve_and_decline,
                    test_preapproved_claim,
                    test_revoke_release_and_search,
                    test_renewal_by_the_key_holder,
                    test_public_requests_only_where_the_template_allows,
                    test_download_formats,
                    test_template_deletion_rules,
                    test_external_intermediate,
                test_revoked_intermediate_issues_nothing,
                    test_ca_delete_requires_the_name,
                    test_no_private_key_in_the_clear_in_the_database,
                    test_other_tenants_see_nothing)
    finally:
        if _pki is not None:
            _pki.server.stop()
