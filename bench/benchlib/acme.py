"""Figure 4: complete ACME orders per second (new-order, finalize,
the certificate downloaded) on a pre-approved domain, with many
accounts at once.

The client follows tests/integration/acme_client.py (ES256 account
keys, flattened JWS, EAB with HS256) but keeps one HTTPS connection per
account and takes each reply's Replay-Nonce for the next request, as
real clients do. Accounts are registered before the timing starts, in
worker processes (so that the client is not one Python interpreter's
lock); each worker process runs several accounts in threads. Because the
client shares the two cores with the server, the report also gives the
server's CPU time per order."""

import base64
import hashlib
import hmac
import http.client
import json
import multiprocessing
import ssl
import threading
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature
from cryptography.x509.oid import NameOID

from . import util


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def csr_der(name):
    key = ec.generate_private_key(ec.SECP256R1())
    req = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    ).add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]),
                    critical=False).sign(key, hashes.SHA256())
    return req.public_bytes(serialization.Encoding.DER)


class Account:
    """One ACME account on its own kept-alive connection."""

    def __init__(self, directory_url):
        u = urllib.parse.urlsplit(directory_url)
        self.host, self.port = u.hostname, u.port
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.ctx = ctx
        self.conn = None
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.kid = None
        self.nonce = None
        _, _, body = self.call("GET", u.path)
        self.dir = json.loads(body)

    def call(self, method, url, body=None, headers=None):
        path = urllib.parse.urlsplit(url).path or url
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(
                    self.host, self.port, context=self.ctx, timeout=60)
            try:
                self.conn.request(method, path, body=body,
                                  headers=headers or {})
                r = self.conn.getresponse()
                data = r.read()
                h = {k.lower(): v for k, v in r.getheaders()}
                if "replay-nonce" in h:
                    self.nonce = h["replay-nonce"]
                return r.status, h, data
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def jwk(self):
        n = self.key.public_key().public_numbers()
        return {"crv": "P-256", "kty": "EC",
                "x": b64(n.x.to_bytes(32, "big")),
                "y": b64(n.y.to_bytes(32, "big"))}

    def post(self, url, payload, jwk=False):
        if self.nonce is None:
            self.call("HEAD", self.dir["newNonce"])
        protected = {"alg": "ES256", "url": url, "nonce": self.nonce}
        if jwk:
            protected["jwk"] = self.jwk()
        else:
            protected["kid"] = self.kid
        self.nonce = None
        p = b64(json.dumps(protected).encode())
        body = "" if payload is None else b64(json.dumps(payload).encode())
        r, s = decode_dss_signature(self.key.sign(
            f"{p}.{body}".encode(), ec.ECDSA(hashes.SHA256())))
        jws = json.dumps({"protected": p, "payload": body, "signature": b64(
            r.to_bytes(32, "big") + s.to_bytes(32, "big"))}).encode()
        return self.call("POST", url, jws,
                         {"Content-Type": "application/jose+json"})

    def register(self, kid, hmac_key):
        url = self.dir["newAccount"]
        protected = b64(json.dumps({"alg": "HS256", "kid": kid,
                                    "url": url}).encode())
        payload = b64(json.dumps(self.jwk()).encode())
        mac = hmac.new(unb64(hmac_key), f"{protected}.{payload}".encode(),
                       hashlib.sha256).digest()
        status, h, body = self.post(url, {
            "termsOfServiceAgreed": True,
            "externalAccountBinding": {"protected": protected,
                                       "payload": payload,
                                       "signature": b64(mac)}}, jwk=True)
        if status not in (200, 201):
            raise RuntimeError(f"newAccount: {status} {body[:300]!r}")
        self.kid = h["location"]

    def order(self, name, csr):
        """One order from new-order to the certificate; True when done."""
        status, h, body = self.post(self.dir["newOrder"], {
            "identifiers": [{"type": "dns", "value": name}]})
        if status != 201:
            raise RuntimeError(f"newOrder: {status} {body[:300]!r}")
        order_url = h["location"]
        doc = json.loads(body)
        if doc["status"] != "ready":
            raise RuntimeError(f"order not ready at once: {doc}")
        status, h, body = self.post(doc["finalize"], {"csr": b64(csr)})
        if status != 200:
            raise RuntimeError(f"finalize: {status} {body[:300]!r}")
        doc = json.loads(body)
        for _ in range(100):
            if doc["status"] == "valid":
                break
            time.sleep(float(h.get("retry-after", "0.05")) / 20)
            status, h, body = self.post(order_url, None)
            doc = json.loads(body)
        status, _, body = self.post(doc["certificate"], None)
        if status != 200 or b"BEGIN CERTIFICATE" not in body:
            raise RuntimeError(f"certificate: {status}")
        return True


def _worker(directory, eab, domain, threads, index, start, seconds, out):
    accounts = []
    for t in range(threads):
        a = Account(directory)
        a.register(*eab)
        names = [f"w{index}t{t}n{i}.{domain}" for i in range(4)]
        accounts.append((a, [(n, csr_der(n)) for n in names]))
    results = []
    lock = threading.Lock()
    out.put(("ready", index))
    start.wait()
    deadline = time.monotonic() + seconds

    def loop(a, csrs):
        done, lat, errors, i = 0, [], 0, 0
        while time.monotonic() < deadline:
            name, csr = csrs[i % len(csrs)]
            i += 1
            t0 = time.monotonic()
            try:
                a.order(name, csr)
                done += 1
                lat.append(time.monotonic() - t0)
            except Exception as e:  # counted, then the next order
                errors += 1
                last = str(e)[:300]
                with lock:
                    results.append(("error", last))
        with lock:
            results.append(("done", done, errors, lat))

    ts = [threading.Thread(target=loop, args=acc) for acc in accounts]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    out.put(("result", index, results))


def run(server, directory, eab, domain, processes, threads, seconds):
    """Orders a second over seconds with processes x threads accounts:
    {"rate", "orders", "errors", "p50", "p99" (ms), "cpu_ms_per_op",
    "accounts"}."""
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(
        directory, eab, domain, threads, i, start, seconds, out))
        for i in range(processes)]
    for p in procs:
        p.start()
    ready = 0
    while ready < processes:
        kind, *rest = out.get(timeout=300)
        if kind == "ready":
            ready += 1
    meter = util.CpuMeter(server.pid).start()
    began = time.monotonic()
    start.set()
    orders, errors, lat, last_error = 0, 0, [], None
    for _ in range(processes):
        kind, _, results = out.get(timeout=seconds + 300)
        for r in results:
            if r[0] == "done":
                orders += r[1]
                errors += r[2]
                lat += r[3]
            else:
                last_error = r[1]
    elapsed = time.monotonic() - began
    cpu = meter.stop()
    for p in procs:
        p.join(30)
    lat.sort()
    pick = (lambda q: 1000 * lat[min(len(lat) - 1, int(q * len(lat)))]
            if lat else None)
    return {"rate": orders / elapsed, "orders": orders, "errors": errors,
            "last_error": last_error, "p50": pick(0.5), "p99": pick(0.99),
            "cpu_ms_per_op": 1000 * cpu / orders if orders else None,
            "accounts": processes * threads}
