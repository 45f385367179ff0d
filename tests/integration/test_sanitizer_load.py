"""A server built with AddressSanitizer, UBSan and LeakSanitizer
(-DPKIAAS_SANITIZE=ON, as make test builds build/asan) under load: four
clients make a few hundred mixed requests (submit and approve,
auto-approval, revocation, ACME orders for a pre-approved domain, CRLs,
OCSP by GET and POST, lists, logins, refusals of bad input), then SIGTERM.
The server must exit 0 and its output must hold no AddressSanitizer,
LeakSanitizer or UBSan report. Skipped (77) when pkiaasd is not built
with the sanitizers."""

import os
import random
import signal
import subprocess
import threading
import time

import harness
import workload
from harness import Server
from workload import Ledger, Pki, Worker

REQUESTS = int(os.environ.get("PKIAAS_SANITIZER_REQUESTS", "600"))
DEADLINE = 240  # seconds of load at most, however slow the machine
REPORTS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
           "runtime error:", "WARNING: AddressSanitizer",
           "SUMMARY: UndefinedBehaviorSanitizer")


def sanitized(binary):
    p = subprocess.run(["ldd", binary], capture_output=True, text=True,
                       timeout=30)
    return "libasan" in p.stdout


class Mixed(Worker):
    """A worker that also lists, logs in and sends what must be refused."""

    def do_lists(self):
        for path in ("/api/v1/certificates?limit=20", "/api/v1/requests",
                     "/api/v1/cas", "/api/v1/templates", "/api/v1/audit",
                     "/api/v1/acme/accounts", "/api/v1/me"):
            status, doc = self.pki.api("GET", path)
            self.answer("list", status, doc, (200,))

    def do_refusals(self):
        p = self.pki
        for method, path, body in (
                ("POST", "/api/v1/requests", {"template_id": p.manual,
                                              "csr": "not a CSR"}),
                ("POST", "/api/v1/cas", {"name": 1}),
                ("PATCH", f"/api/v1/templates/{p.manual}",
                 {"settings": {"key_usage": ["nope"]}}),
                ("GET", "/api/v1/certificates/nosuchcertificate", None)):
            status, doc = p.api(method, path, body)
            self.answer("refusal", status, doc, (400, 404))
        status, _, body = p.http("POST", f"/ocsp/{p.ca['id']}",
                                 b"\x30\x03\x02\x01\x00",
                                 {"Content-Type": "application/ocsp-request"})
        self.answer("ocsp malformed", status, body, (200,))
        status, _, body = p.http("GET", f"/ocsp/{p.ca['id']}/%%%")
        self.answer("ocsp get malformed", status, body, (200,))
        status, headers, body = p.server.request(
            "POST", "/acme/new-order", body=b'{"protected": 1}',
            headers={"Content-Type": "application/jose+json"})
        self.answer("acme malformed", status, body, (400,))

    def do_login(self):
        status, headers, body = self.pki.server.request(
            "POST", "/api/v1/auth/login",
            body=b'{"username": "admin", "password": "wrong password"}',
            headers={"Content-Type": "application/json"})
        self.answer("login", status, body, (401, 429))

    def do_ocsp_post(self):
        with self.ledger.lock:
            if not self.ledger.certs:
                return
            serial = self.rng.choice(list(self.ledger.certs))
            pem = self.ledger.certs[serial]["pem"]
        path = self.pki.write(f"ocsp-{serial:x}.pem", pem)
        found, out = self.pki.ocsp([path], "-nonce")
        if path not in found:
            self.ledger.wrong(f"openssl ocsp: {out[-300:]}")
        self.ledger.count("ocsp post")


KINDS = ("manual", "auto", "auto", "revoke", "acme", "crl", "retry",
         "ocsp_get", "lists", "refusals", "login", "ocsp_post")


def test_no_sanitizer_report_under_load():
    binary = os.path.join(harness.BIN, "pkiaasd")
    if not sanitized(binary):
        raise harness.SkipTest("pkiaasd is not built with "
                               "-DPKIAAS_SANITIZE=ON")
    env = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
           "UBSAN_OPTIONS": "print_stacktrace=1"}
    s = Server(env=env)
    stop = threading.Event()
    workers = []
    try:
        s.start()
        pki = Pki(s)
        ledger = Ledger()
        rng = random.Random(workload.random_seed())
        workers = [Mixed(pki, ledger, stop, random.Random(rng.random()),
                         KINDS) for _ in range(4)]
        for w in workers:
            w.up.set()
            w.start()
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            with ledger.lock:
                done = sum(ledger.counts.values())
            if done >= REQUESTS:
                break
            time.sleep(0.5)
        stop.set()
        for w in workers:
            w.join(60)
        assert not ledger.unexpected, ledger.unexpected[:10]
        assert done >= 100, ledger.counts
        assert ledger.counts.get("acme 200", 0) > 0, ledger.counts
        rc = s.stop(signal.SIGTERM, timeout=120)
        out = s.output()
        found = [r for r in REPORTS if r in out]
        assert not found, out[-20000:]
        assert rc == 0, (rc, out[-5000:])
        print(f"{done} answers, none reported: "
              f"{dict(sorted(ledger.counts.items()))}")
    finally:
        stop.set()
        for w in workers:
            w.join(30)
        s.stop(signal.SIGKILL)


if __name__ == "__main__":
    harness.run(test_no_sanitizer_report_under_load)
