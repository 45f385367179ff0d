"""Load for the reliability tests (crash consistency, fault points, the
sanitizer run): a server's PKI set up through the REST API, client
operations that tolerate a server going away, a ledger of what the
server acknowledged, and readers of the raw store (Python's sqlite3
module, psql) to check that ledger against.

A client operation returns what the server answered, or raises one of
TRANSIENT when the connection failed (refused, reset, timed out): such
a call was not acknowledged, whatever the server did with it."""

import base64
import http.client
import json
import os
import random
import secrets
import sqlite3
import subprocess
import threading
import time
import urllib.parse

import acme_client
import harness
from cryptography import x509
from cryptography.x509 import ocsp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtensionOID
from test_cli import admin_password

PREFIX = os.environ.get("PKIAAS_OPENSSL_PREFIX", "")
OPENSSL = os.path.join(PREFIX, "bin", "openssl") if PREFIX else "openssl"

# What a failed connection raises (ssl.SSLError is an OSError).
TRANSIENT = (OSError, http.client.HTTPException)

REASONS = ("unspecified", "keyCompromise", "superseded", "affiliationChanged",
           "cessationOfOperation", "certificateHold", "privilegeWithdrawn")


def openssl(*args, input=None, expect=0, timeout=60):
    p = subprocess.run([OPENSSL, *args], input=input, capture_output=True,
                       timeout=timeout)
    assert expect is None or p.returncode == expect, (args, p)
    return p


def csr_pem(name):
    """A PEM CSR for name (CN and DNS SAN) with a new P-256 key."""
    der = acme_client.csr([name])
    return x509.load_der_x509_csr(der).public_bytes(
        serialization.Encoding.PEM).decode()


def serial_of(pem):
    """The serial of the first certificate in pem, as an int."""
    return x509.load_pem_x509_certificate(pem.encode()).serial_number


def first_pem(chain):
    end = "-----END CERTIFICATE-----"
    return chain.split(end)[0] + end + "\n"


class Pki:
    """A root CA on server, with its Web Server template (approval by an
    operator), a copy that approves on arrival, and an ACME policy with
    pre-approved *.pre.test and an EAB good for many accounts."""

    def __init__(self, server, acme=True, folder=None):
        self.server = server
        self.dir = folder or harness.tmpdir("pkiaas-load-")
        self.token = login(server)
        status, ca = self.api("POST", "/api/v1/cas", {
            "name": "Load Root " + secrets.token_hex(3), "kind": "root",
            "subject": {"CN": "Load Root"}})
        assert status == 201, ca
        self.ca = ca
        self.ca_pem = self.write("ca.pem", ca["certificate"])
        status, page = self.api("GET", "/api/v1/templates?ca_id=" + ca["id"])
        assert status == 200, page
        self.manual = [t for t in page["items"]
                       if t["name"] == "Web Server"][0]["id"]
        status, auto = self.api("POST", "/api/v1/templates", {
            "ca_id": ca["id"], "name": "Auto", "starter": "web-server",
            "settings": {"auto_approve": True}})
        assert status == 201, auto
        self.auto = auto["id"]
        self.eab = None
        if acme:
            status, policy = self.api("POST", "/api/v1/acme/policies", {
                "name": "load " + secrets.token_hex(3),
                "template_id": self.manual, "domains": ["*.pre.test"]})
            assert status == 201, policy
            status, e = self.api(
                "POST", f"/api/v1/acme/policies/{policy['id']}/eabs",
                {"name": "many", "uses_allowed": 100000})
            assert status == 201, e
            self.eab = (e["key_id"], e["hmac_key"])

    @property
    def directory(self):
        return f"https://localhost:{self.server.https_port}/acme/directory"

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "w" if isinstance(data, str) else "wb") as f:
            f.write(data)
        return path

    def api(self, method, path, body=None, timeout=15):
        """(status, JSON document or None); raises TRANSIENT."""
        return api(self.server, self.token, method, path, body, timeout)

    def http(self, method, path, body=None, headers=None, timeout=15):
        """A request to the plain HTTP port: (status, headers, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.server.http_port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read()
        finally:
            conn.close()

    # --- the operations a client makes ---

    def submit(self, name, template=None):
        """POST /api/v1/requests: (status, document)."""
        if random.random() < 0.5:
            body = {"csr": csr_pem(name)}
        else:
            der = acme_client.csr([name])
            body = {"csr_der": base64.b64encode(der).decode()}
        body["template_id"] = template or self.manual
        return self.api("POST", "/api/v1/requests", body)

    def approve(self, request_id):
        return self.api("POST", f"/api/v1/requests/{request_id}/approve", {})

    def revoke(self, cert_id, reason):
        return self.api("POST", f"/api/v1/certificates/{cert_id}/revoke",
                        {"reason": reason})

    def crl(self):
        """The CA's CRL as served: (number, {serial: reason}, DER)."""
        status, _, der = self.http("GET", f"/crl/{self.ca['id']}.crl")
        assert status == 200, (status, der[:300])
        return crl_parse(der)

    def ocsp_get(self, pem):
        """An OCSP request for pem by GET: (status, body)."""
        cert = x509.load_pem_x509_certificate(pem.encode())
        issuer = x509.load_pem_x509_certificate(
            self.ca["certificate"].encode())
        req = ocsp.OCSPRequestBuilder().add_certificate(
            cert, issuer, hashes.SHA1()).build()
        b64 = base64.b64encode(req.public_bytes(
            serialization.Encoding.DER)).decode()
        status, _, body = self.http(
            "GET", f"/ocsp/{self.ca['id']}/" + urllib.parse.quote(b64, ""))
        return status, body

    def acme(self):
        """A registered ACME client of the policy; raises TRANSIENT."""
        c = acme_client.Client(self.directory, self.server.root)
        status, doc = c.register(self.eab)
        assert status == 201, doc
        return c

    def acme_issue(self, client, name, acked=None):
        """An order for a pre-approved name, finalised and downloaded:
        the PEM chain on success, else (step, status, document). acked
        (a list) gets (url, JWS) of each request the server answered
        with success, whose nonce is then spent."""
        def post(url, payload):
            body = client.signed(url, payload)
            status, doc = client.post_raw(url, body)
            if acked is not None and status in (200, 201):
                acked.append((url, body))
            return status, doc

        status, order = post(client.url("newOrder"), {
            "identifiers": [{"type": "dns", "value": name}]})
        if status != 201:
            return ("newOrder", status, order)
        status, done = post(order["finalize"], {
            "csr": acme_client.b64(acme_client.csr([name]))})
        if status != 200 or done.get("status") != "valid":
            return ("finalize", status, done)
        status, pem = post(done["certificate"], None)
        if status != 200:
            return ("certificate", status, pem)
        return pem

    def ocsp(self, pems, *extra):
        """openssl ocsp for up to four certificate files in one request:
        {path: (status, reason)}, and the whole output."""
        args = ["ocsp", "-issuer", self.ca_pem, "-url",
                f"http://127.0.0.1:{self.server.http_port}/ocsp/"
                f"{self.ca['id']}", "-CAfile", self.ca_pem, "-no_nonce"]
        for p in pems:
            args += ["-cert", p]
        p = openssl(*args, *extra, expect=None)
        out = p.stdout.decode() + p.stderr.decode()
        assert "Response verify OK" in out, out
        found = {}
        lines = out.splitlines()
        for i, line in enumerate(lines):
            for path in pems:
                if line.startswith(path + ": "):
                    status = line[len(path) + 2:].strip()
                    reason = None
                    for more in lines[i + 1:i + 4]:
                        if more.strip().startswith("Reason:"):
                            reason = more.split(":", 1)[1].strip()
                    found[path] = (status, reason)
        return found, out


def crl_parse(der):
    """(CRL number, {serial: reason}, der) of a DER CRL."""
    crl = x509.load_der_x509_crl(der)
    number = crl.extensions.get_extension_for_oid(
        ExtensionOID.CRL_NUMBER).value.crl_number
    entries = {}
    for e in crl:
        try:
            reason = e.extensions.get_extension_for_class(
                x509.CRLReason).value.reason.value
        except x509.ExtensionNotFound:
            reason = "unspecified"
        entries[e.serial_number] = reason
    return number, entries, der


def login(server):
    """An admin API token of server's first start."""
    from test_tenant_isolation import login_token
    return login_token(server, "admin", admin_password(server))


def api(server, token, method, path, body=None, timeout=15):
    headers = {"Authorization": "Bearer " + token}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    conn = server.connection(timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        raw = r.read()
        ctype = r.getheader("Content-Type", "")
    finally:
        conn.close()
    doc = None
    if raw and "json" in ctype:
        doc = json.loads(raw)
    elif raw:
        doc = raw.decode(errors="replace")
    return r.status, doc


class Ledger:
    """What clients were told, kept under one lock: certificates
    received, revocations acknowledged, CRLs seen, and any answer that
    should never come (a 5xx while the server was up, a malformed
    document)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.certs = {}        # serial -> {"pem", "id", "via"}
        self.revoked = {}      # serial -> reason, acknowledged
        self.revoking = set()  # serials with a revocation in flight
        self.pending = []      # request ids submitted, not yet approved
        self.crls = []         # (monotonic start, end, number)
        self.acme_acked = {}   # account -> [(url, JWS)] last answered
        self.counts = {}       # "what status" -> n
        self.unexpected = []

    def count(self, what):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + 1

    def receive(self, pem, cert_id, via):
        serial = serial_of(pem)
        with self.lock:
            old = self.certs.get(serial)
            if old is not None and old["pem"] != pem:
                self.unexpected.append(f"serial {serial:x} received twice "
                                       "with different certificates")
            self.certs[serial] = {"pem": pem, "id": cert_id, "via": via}
        self.count("received " + via)

    def wrong(self, what):
        with self.lock:
            self.unexpected.append(what)

    def pick_revocable(self, rng):
        with self.lock:
            choices = [s for s, c in self.certs.items()
                       if c["id"] and s not in self.revoked
                       and s not in self.revoking]
            if not choices:
                return None, None
            serial = rng.choice(choices)
            self.revoking.add(serial)
            return serial, self.certs[serial]["id"]

    def crl_seen(self, started, number):
        with self.lock:
            self.crls.append((started, time.monotonic(), number))


def crl_backwards(seen):
    """CRLs fetched one after another whose numbers went down: a list of
    (earlier, later) pairs. A fetch counts as after another only when it
    started after that one ended; concurrent fetches may cross."""
    bad = []
    by_end = sorted(seen, key=lambda x: x[1])
    for start, end, number in seen:
        for s2, e2, n2 in by_end:
            if e2 >= start:
                break
            if n2 > number:
                bad.append(((s2, e2, n2), (start, end, number)))
                break
    return bad


class Worker(threading.Thread):
    """One client in a loop of mixed operations until stop is set; every
    answer goes to the ledger. kinds picks what it does."""

    def __init__(self, pki, ledger, stop, rng, kinds, up=None):
        super().__init__(daemon=True)
        self.pki, self.ledger, self.stop, self.rng = pki, ledger, stop, rng
        self.kinds = kinds
        self.up = up or threading.Event()
        self.acme = None
        self.n = 0

    def name_for(self, stem):
        self.n += 1
        return f"{stem}{self.n}-{secrets.token_hex(3)}"

    def run(self):
        while not self.stop.is_set():
            kind = self.rng.choice(self.kinds)
            try:
                getattr(self, "do_" + kind)()
            except TRANSIENT:
                self.ledger.count("connection failed")
                if not self.up.is_set():
                    self.up.wait(0.2)
                else:
                    time.sleep(0.02)
            except Exception as e:  # an assertion about an answer
                self.ledger.wrong(f"{kind}: {e!r}")
                time.sleep(0.05)

    def answer(self, what, status, doc, ok):
        """Counts an answer; one that is neither ok, a 503 nor (while the
        server is down) nothing goes to the ledger as unexpected."""
        self.ledger.count(f"{what} {status}")
        if status in ok:
            return True
        if status == 503 and isinstance(doc, dict) and doc.get("detail"):
            return False
        self.ledger.wrong(f"{what}: {status} {str(doc)[:300]}")
        return False

    def do_manual(self):
        """Submit, then approve; a request whose approval got no answer
        is tried again later."""
        status, req = self.pki.submit(self.name_for("m") + ".example.test")
        if not self.answer("submit", status, req, (201,)):
            return
        with self.ledger.lock:
            self.ledger.pending.append(req["id"])
        self.approve(req["id"])

    def approve(self, request_id):
        status, cert = self.pki.approve(request_id)
        if status == 409:
            # Decided already (an approval that got no answer went
            # through): the request must name its certificate.
            self.ledger.count("approve 409")
            status, req = self.pki.api("GET", "/api/v1/requests/"
                                       + request_id)
            if not self.answer("request get", status, req, (200,)):
                return
            if req["status"] != "issued" or not req["certificate_id"]:
                self.ledger.wrong(f"request {request_id} decided but "
                                  f"not issued: {req}")
                self._done(request_id)
                return
            status, cert = self.pki.api(
                "GET", "/api/v1/certificates/" + req["certificate_id"])
        if not self.answer("approve", status, cert, (200,)):
            return
        self._done(request_id)
        self.ledger.receive(cert["pem"], cert["id"], "rest")

    def _done(self, request_id):
        with self.ledger.lock:
            if request_id in self.ledger.pending:
                self.ledger.pending.remove(request_id)

    def do_retry(self):
        with self.ledger.lock:
            if not self.ledger.pending:
                return
            request_id = self.rng.choice(self.ledger.pending)
        self.approve(request_id)

    def do_auto(self):
        status, req = self.pki.submit(self.name_for("a") + ".example.test",
                                      self.pki.auto)
        if not self.answer("submit auto", status, req, (201,)):
            return
        cert = req.get("certificate")
        if req["status"] != "issued" or not cert:
            self.ledger.wrong(f"auto-approved request not issued: {req}")
            return
        self.ledger.receive(cert["pem"], cert["id"], "auto")

    def do_revoke(self):
        serial, cert_id = self.ledger.pick_revocable(self.rng)
        if serial is None:
            return
        reason = self.rng.choice(REASONS)
        try:
            status, doc = self.pki.revoke(cert_id, reason)
            if status == 409:
                # An earlier try went through without an answer.
                self.ledger.count("revoke 409")
                return
            if self.answer("revoke", status, doc, (200,)):
                with self.ledger.lock:
                    self.ledger.revoked[serial] = reason
        finally:
            with self.ledger.lock:
                self.ledger.revoking.discard(serial)

    def do_acme(self):
        if self.acme is None:
            self.acme = self.pki.acme()
        name = self.name_for("h") + ".pre.test"
        acked = []
        got = self.pki.acme_issue(self.acme, name, acked)
        with self.ledger.lock:
            self.ledger.acme_acked[self.acme.kid] = acked[-1:] or \
                self.ledger.acme_acked.get(self.acme.kid, [])
        if isinstance(got, tuple):
            step, status, doc = got
            ok = status == 400 and isinstance(doc, dict) and \
                doc.get("type", "").endswith(":badNonce")
            if not ok:
                self.answer("acme " + step, status, doc, ())
            return
        self.ledger.count("acme 200")
        self.ledger.receive(first_pem(got), None, "acme")

    def do_crl(self):
        started = time.monotonic()
        status, headers, body = self.pki.http(
            "GET", f"/crl/{self.pki.ca['id']}.crl")
        if status == 503:
            harness.problem(body, headers, 503)
            self.ledger.count("crl 503")
            return
        assert status == 200, (status, body[:300])
        number, _, _ = crl_parse(body)
        self.ledger.crl_seen(started, number)

    def do_ocsp_get(self):
        """The status of a received certificate by RFC 5019 GET, read
        with the cryptography package (no openssl process)."""
        with self.ledger.lock:
            if not self.ledger.certs:
                return
            serial = self.rng.choice(list(self.ledger.certs))
            pem = self.ledger.certs[serial]["pem"]
        status, body = self.pki.ocsp_get(pem)
        if self.answer("ocsp", status, body[:60], (200,)):
            r = ocsp.load_der_ocsp_response(body)
            self.ledger.count(f"ocsp {r.response_status.name}")
            if r.response_status not in (
                    ocsp.OCSPResponseStatus.SUCCESSFUL,
                    ocsp.OCSPResponseStatus.TRY_LATER):
                self.ledger.wrong(f"OCSP {r.response_status} for a "
                                  f"certificate received: {serial:x}")


class Store:
    """Reads the raw tables of a server's database, past pkiaasd."""

    def __init__(self, server):
        self.server = server

    def rows(self, sql):
        """Rows of sql as lists of text (None for NULL, bytes as hex)."""
        if not self.server.database:
            path = os.path.join(self.server.data, "pkiaas.db")
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True,
                                 timeout=10)
            try:
                out = []
                for row in db.execute(sql):
                    out.append([v.hex() if isinstance(v, bytes)
                                else None if v is None else str(v)
                                for v in row])
                return out
            finally:
                db.close()
        p = subprocess.run(
            ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-F", "\x1f",
             "-R", "\x1e", "-P", "null=\x01", self.server.database, "-c",
             sql], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        out = []
        for rec in p.stdout.split("\x1e"):
            if rec.strip("\n") == "":
                continue
            fields = rec.strip("\n").split("\x1f")
            out.append([None if f == "\x01" else
                        f[2:] if f.startswith("\\x") else f for f in fields])
        return out

    def certificates(self, ca_id):
        """{serial int: (id, der hex, revoked_at, reason)} of the CA."""
        out = {}
        for cid, serial, der, revoked, reason in self.rows(
                "SELECT id, serial, der, revoked_at, revocation_reason FROM "
                f"certificates WHERE ca_id = '{ca_id}'"):
            out[int(serial, 16)] = (cid, der, revoked, reason)
        return out

    def exec(self, sql):
        """Runs sql that changes the database (a fault to inject)."""
        if not self.server.database:
            path = os.path.join(self.server.data, "pkiaas.db")
            db = sqlite3.connect(path, timeout=10, isolation_level=None)
            try:
                db.executescript(sql)
            finally:
                db.close()
            return
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1",
                            self.server.database, "-c", sql],
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr

    def tables(self):
        if not self.server.database:
            return [r[0] for r in self.rows(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "ORDER BY name")]
        return [r[0] for r in self.rows(
            "SELECT table_name FROM information_schema.tables WHERE "
            "table_schema = 'public' AND table_type = 'BASE TABLE' "
            "ORDER BY table_name")]

    def dump(self, volatile=()):
        """Every row of every table as sorted JSON text, without the
        columns named in volatile ("table.column")."""
        def dropped(t):
            return [v.split(".", 1)[1] for v in volatile
                    if v.split(".", 1)[0] == t]

        out = {}
        tables = self.tables()
        if self.server.database:
            parts = []
            for t in tables:
                minus = "".join(f" - '{c}'" for c in dropped(t))
                parts.append(f"SELECT '{t}', (to_jsonb(x){minus})::text "
                             f'FROM "{t}" x')
            for t in tables:
                out[t] = []
            for t, row in self.rows(" UNION ALL ".join(parts)):
                out[t].append(row)
            return {t: sorted(rows) for t, rows in out.items()}
        path = os.path.join(self.server.data, "pkiaas.db")
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            for t in tables:
                cur = db.execute(f'SELECT * FROM "{t}"')
                names = [d[0] for d in cur.description]
                rows = []
                for r in cur:
                    d = {n: (v.hex() if isinstance(v, bytes) else v)
                         for n, v in zip(names, r) if n not in dropped(t)}
                    rows.append(json.dumps(d, sort_keys=True))
                out[t] = sorted(rows)
        finally:
            db.close()
        return out


def verify_all(pki, pems):
    """openssl verify of every PEM against the CA, a batch a process:
    the paths that did not verify, with openssl's words."""
    paths = []
    for i, pem in enumerate(pems):
        paths.append(pki.write(f"verify-{i}.pem", pem))
    failed = []
    for i in range(0, len(paths), 200):
        batch = paths[i:i + 200]
        p = openssl("verify", "-CAfile", pki.ca_pem, *batch, expect=None)
        out = p.stdout.decode()
        for path in batch:
            if f"{path}: OK" not in out:
                failed.append((path, out[-500:] + p.stderr.decode()[-500:]))
    return failed


def random_seed():
    seed = os.environ.get("PKIAAS_LOAD_SEED")
    return int(seed) if seed else random.SystemRandom().randrange(1 << 30)
