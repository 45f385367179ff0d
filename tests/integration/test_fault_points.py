"""Deterministic fault points, each with a real pkiaasd:

- the store fails the certificate insert after signing (a trigger in
  the database refuses it): approval, auto-approval, ACME finalisation
  and CA creation give a problem document, nothing of theirs is stored,
  the request stays pending and the order ready, and both go through
  once the store takes inserts again;
- PostgreSQL stopped with pg_ctl stop -m immediate under load, then
  started again: clean 503s meanwhile, no acknowledged write lost;
- a full disk (SQLite on a 2 MB tmpfs as the data folder): clean
  errors, reads still served, and after freeing space and a restart an
  intact database with everything acknowledged in it;
- the clock moved a day forwards, then an hour back, then right
  (PKIAAS_CLOCK_OFFSET): certificates get the server's time, CRL numbers
  only grow, and no CRL or OCSP response dated after the server's now is
  served."""

import base64
import datetime
import json
import os
import random
import secrets
import signal
import subprocess
import threading
import time

import acme_client
import harness
import workload
from harness import Server, problem
from workload import Ledger, Pki, Store, Worker

KEK = base64.b64encode(secrets.token_bytes(32)).decode()
CLUSTER = os.path.join(harness.SOURCE, "tests", "pg_cluster.sh")
PG_BIN = "/usr/lib/postgresql/15/bin"
DAY = 86400


def issue(pki, template=None):
    """A certificate through submit and approve (or auto-approval)."""
    name = f"f{secrets.token_hex(4)}.example.test"
    status, req = pki.submit(name, template)
    assert status == 201, req
    if req.get("certificate"):
        return req["certificate"]
    status, cert = pki.approve(req["id"])
    assert status == 200, cert
    return cert


def epoch(dt):
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def ocsp_now(pki, pem):
    """(status name, thisUpdate, nextUpdate) of an OCSP GET for pem."""
    status, body = pki.ocsp_get(pem)
    assert status == 200, body
    r = workload.ocsp.load_der_ocsp_response(body)
    assert r.response_status == \
        workload.ocsp.OCSPResponseStatus.SUCCESSFUL, r.response_status
    this = getattr(r, "this_update_utc", None) or r.this_update
    nxt = getattr(r, "next_update_utc", None) or r.next_update
    return r.certificate_status.name, epoch(this), epoch(nxt)


def crl_now(pki):
    """(number, thisUpdate, nextUpdate, entries) of the served CRL."""
    number, entries, der = pki.crl()
    crl = workload.x509.load_der_x509_crl(der)
    this = getattr(crl, "last_update_utc", None) or crl.last_update
    nxt = getattr(crl, "next_update_utc", None) or crl.next_update
    return number, epoch(this), epoch(nxt), entries


def not_before(cert):
    return epoch(getattr(workload.x509.load_pem_x509_certificate(
        cert["pem"].encode()), "not_valid_before_utc", None) or
        workload.x509.load_pem_x509_certificate(
            cert["pem"].encode()).not_valid_before)


def audit_intact(s):
    cmd = [os.path.join(harness.BIN, "pkiaasd"), "audit", "verify",
           "--data", s.data, "--log-file", s.log_path]
    if s.database:
        cmd += ["--database", s.database]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)


# --- the store refuses the certificate insert -----------------------

FAIL_SQLITE = ("CREATE TRIGGER it_fail_insert BEFORE INSERT ON "
               "certificates BEGIN SELECT RAISE(ABORT, 'injected fault: "
               "certificate insert'); END;")
FAIL_PG = ("CREATE FUNCTION it_fail_insert() RETURNS trigger LANGUAGE "
           "plpgsql AS $$BEGIN RAISE EXCEPTION 'injected fault: "
           "certificate insert'; END$$; CREATE TRIGGER it_fail_insert "
           "BEFORE INSERT ON certificates FOR EACH ROW EXECUTE FUNCTION "
           "it_fail_insert();")
HEAL_SQLITE = "DROP TRIGGER it_fail_insert;"
HEAL_PG = "DROP TRIGGER it_fail_insert ON certificates; " \
          "DROP FUNCTION it_fail_insert();"

VOLATILE = ("api_tokens.last_used_at", "sessions.last_seen_at",
            "sessions.expires_at")


def test_certificate_insert_fails_after_signing():
    s = Server(env={"PKIAAS_KEK": KEK})
    try:
        s.start()
        pki = Pki(s)
        store = Store(s)
        status, req = pki.submit("pending.example.test")
        assert status == 201 and req["status"] == "pending", req
        a = pki.acme()
        name = f"fin{secrets.token_hex(3)}.pre.test"
        status, order = a.post(a.url("newOrder"), {
            "identifiers": [{"type": "dns", "value": name}]})
        assert status == 201 and order["status"] == "ready", order
        store.exec(FAIL_PG if s.database else FAIL_SQLITE)
        before = store.dump(VOLATILE)
        store_before_orders = store.dump(
            VOLATILE + ("acme_orders.version",))["acme_orders"]

        status, doc = pki.approve(req["id"])
        assert status == 500 and doc["status"] == 500 and doc["detail"], doc
        status, doc = pki.submit("auto.example.test", pki.auto)
        assert status == 500 and doc["detail"], doc
        status, doc = pki.api("POST", "/api/v1/cas", {
            "name": "Not Made", "kind": "root", "subject": {"CN": "x"}})
        assert status >= 500 and doc["detail"], (status, doc)
        csr = acme_client.b64(acme_client.csr([name]))
        status, doc = a.post(order["finalize"], {"csr": csr})
        assert status == 500 and \
            doc["type"] == "urn:ietf:params:acme:error:serverInternal", doc
        status, again = a.post(order["url"], None)
        assert status == 200 and again["status"] == "ready", again
        assert "certificate" not in again, again
        after = store.dump(VOLATILE)
        changed = {t for t in set(before) | set(after)
                   if before.get(t) != after.get(t)}
        # What the refusals leave: spent ACME nonces, the order's version
        # (it went to processing and back), and the CA's creation with
        # its undoing in the audit log.
        assert changed <= {"acme_nonces_used", "acme_orders", "audit_log"}, \
            {t: (len(before.get(t, [])), len(after.get(t, [])))
             for t in changed}
        assert store.dump(VOLATILE + ("acme_orders.version",))[
            "acme_orders"] == store_before_orders
        added = [json.loads(r) for r in
                 set(after["audit_log"]) - set(before["audit_log"])]
        assert sorted((r["action"], r["outcome"]) for r in added) == \
            [("ca.create", "failed"), ("ca.create", "success")], added
        assert len({r["object_id"] for r in added}) == 1, added
        status, got = pki.api("GET", "/api/v1/requests/" + req["id"])
        assert status == 200 and got["status"] == "pending", got
        assert s.proc.poll() is None

        store.exec(HEAL_PG if s.database else HEAL_SQLITE)
        status, cert = pki.approve(req["id"])
        assert status == 200, cert
        issue(pki, pki.auto)
        status, done = a.post(order["finalize"], {"csr": csr})
        assert status == 200 and done["status"] == "valid", done
        status, pem = a.post(done["certificate"], None)
        assert status == 200, pem
        assert not workload.verify_all(pki, [cert["pem"],
                                             workload.first_pem(pem)])
        assert s.stop() == 0, s.output()[-8000:]
        audit_intact(s)
    finally:
        s.stop(signal.SIGKILL)


# --- PostgreSQL stopped with -m immediate ---------------------------

def cluster(action, folder):
    subprocess.run([CLUSTER, action, folder], check=True,
                   capture_output=True, timeout=120)


def pg_immediate_stop(folder):
    with open(os.path.join(folder, "data")) as f:
        data = f.read().strip()
    subprocess.run(["runuser", "-u", "postgres", "--", PG_BIN + "/pg_ctl",
                    "-D", data + "/db", "-m", "immediate", "-w", "stop"],
                   check=True, capture_output=True, timeout=60, cwd="/tmp")


def wait_ready(s, want, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, headers, body = s.get("/readyz")
        if status != 200:
            problem(body, headers, status)
        if status == want:
            return
        time.sleep(0.1)
    raise AssertionError(f"/readyz never answered {want}")


def check_ledger(pki, ledger, store):
    """Everything acknowledged is stored; acknowledged revocations are
    revoked in OCSP and the CRL."""
    stored = store.certificates(pki.ca["id"])
    for serial, c in ledger.certs.items():
        assert serial in stored, f"{serial:x} ({c['via']}) lost"
    for serial, reason in ledger.revoked.items():
        assert stored[serial][2] is not None, f"{serial:x} unrevoked"
        assert stored[serial][3] == reason, (stored[serial], reason)
    _, entries, _ = pki.crl()
    for serial, reason in ledger.revoked.items():
        assert entries.get(serial) == reason, (serial, reason)
    for serial in list(ledger.revoked)[:8]:
        path = pki.write(f"r{serial:x}.pem", ledger.certs[serial]["pem"])
        found, out = pki.ocsp([path])
        assert found[path][0] == "revoked", out
    assert not workload.verify_all(
        pki, [c["pem"] for c in ledger.certs.values()])


def run_load(pki, ledger, stop, kinds, n=3):
    rng = random.Random(workload.random_seed())
    workers = [Worker(pki, ledger, stop, random.Random(rng.random()),
                      kinds) for _ in range(n)]
    for w in workers:
        w.up.set()
        w.start()
    return workers


def test_postgres_stopped_immediately():
    if harness.BACKEND != "postgres":
        raise harness.SkipTest("PostgreSQL only")
    folder = harness.tmpdir("pkiaas-pgstop-")
    cluster("start", folder)
    stop = threading.Event()
    workers = []
    s = Server(database=harness.pg_url(folder), env={"PKIAAS_KEK": KEK})
    try:
        s.start()
        pki = Pki(s)
        ledger = Ledger()
        kinds = ("manual", "auto", "auto", "revoke", "revoke", "acme",
                 "crl", "retry", "ocsp_get")
        workers = run_load(pki, ledger, stop, kinds)
        time.sleep(1.5)
        pg_immediate_stop(folder)
        wait_ready(s, 503)
        time.sleep(1.5)
        assert s.get("/healthz")[0] == 200
        # Each in its own form: a problem document, an OCSP tryLater.
        status, doc = pki.submit("outage.example.test", pki.auto)
        assert status == 503 and doc["detail"], (status, doc)
        status, body = pki.ocsp_get(pki.ca["certificate"])
        assert status == 200, body
        assert workload.ocsp.load_der_ocsp_response(body).response_status \
            == workload.ocsp.OCSPResponseStatus.TRY_LATER, body
        during = dict(ledger.counts)
        cluster("resume", folder)
        wait_ready(s, 200)
        time.sleep(2)
        stop.set()
        for w in workers:
            w.join(60)
        assert s.proc.poll() is None, "pkiaasd exited"
        assert not ledger.unexpected, ledger.unexpected[:10]
        failed = sum(v for k, v in during.items() if k.endswith(" 503"))
        assert failed > 0, during
        after = {k: v - during.get(k, 0) for k, v in ledger.counts.items()}
        assert after.get("submit auto 201", 0) > 0, after
        check_ledger(pki, ledger, Store(s))
        assert s.stop() == 0, s.output()[-8000:]
        audit_intact(s)
        outage = {k: v for k, v in during.items()
                  if "503" in k or "TRY" in k}
        print(f"503s={failed} received={len(ledger.certs)} "
              f"revoked={len(ledger.revoked)} during the outage: {outage}")
    finally:
        stop.set()
        for w in workers:
            w.join(30)
        s.stop(signal.SIGKILL)
        cluster("stop", folder)


# --- a full disk ----------------------------------------------------

def fill(path):
    """Writes path until the file system is full."""
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0" * 512)
        except OSError:
            pass


def test_full_disk():
    if harness.BACKEND != "sqlite":
        raise harness.SkipTest("SQLite only: its database is the data folder")
    if os.geteuid() != 0:
        raise harness.SkipTest("mounting a tmpfs needs root")
    top = harness.tmpdir("pkiaas-full-")
    data = os.path.join(top, "data")
    os.mkdir(data)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", data],
                   check=True, timeout=30)
    s = Server(data=data, env={"PKIAAS_KEK": KEK})
    try:
        s.start()
        pki = Pki(s, acme=False)
        kept = [issue(pki), issue(pki, pki.auto)]
        status, doc = pki.revoke(kept[0]["id"], "keyCompromise")
        assert status == 200, doc
        fill(os.path.join(data, "filler"))

        errors, seen = 0, set()
        for i in range(20):
            status, doc = pki.submit(f"full{i}.example.test", pki.auto)
            if status == 201:
                kept.append(doc["certificate"])
                continue
            errors += 1
            seen.add((status, doc.get("detail") if isinstance(doc, dict)
                      else doc))
            assert status in (500, 503, 507), (status, doc)
            assert isinstance(doc, dict) and doc["detail"], doc
        assert errors > 0, "nothing failed on a full disk"
        status, doc = pki.revoke(kept[1]["id"], "superseded")
        assert status in (200, 500, 503, 507), (status, doc)
        revoked_too, revoke_status = status == 200, status
        # Reads need no space.
        status, doc = pki.api("GET", "/api/v1/certificates/" + kept[0]["id"])
        assert status == 200, doc
        assert s.get("/healthz")[0] == 200
        status, _, body = s.request(
            "GET", f"/ca/{pki.ca['id']}.crt", port="http")
        assert status == 200, body
        assert s.proc.poll() is None, "pkiaasd exited on a full disk"
        assert "the disk of the database is full" in s.log(), s.log()[-3000:]

        os.unlink(os.path.join(data, "filler"))
        assert s.stop() == 0, s.log()[-2000:]
        s.start()
        db = os.path.join(data, "pkiaas.db")
        p = subprocess.run(["sqlite3", db, "PRAGMA integrity_check;"],
                           capture_output=True, text=True, timeout=60)
        assert p.stdout.strip() == "ok", p
        stored = Store(s).certificates(pki.ca["id"])
        for c in kept:
            assert int(c["serial"], 16) in stored, c["serial"]
        assert stored[int(kept[0]["serial"], 16)][3] == "keyCompromise"
        if revoked_too:
            assert stored[int(kept[1]["serial"], 16)][3] == "superseded"
        kept.append(issue(pki))
        assert not workload.verify_all(pki, [c["pem"] for c in kept])
        assert s.stop() == 0, s.output()[-8000:]
        audit_intact(s)
        print(f"refused on the full disk: {errors} of 20: {seen}; "
              f"revocation answered {revoke_status}")
    finally:
        try:
            s.stop(signal.SIGKILL)
        finally:
            subprocess.run(["umount", "-l", data], timeout=30)


# --- the clock moves ------------------------------------------------

def test_clock_moves():
    s = Server(env={"PKIAAS_KEK": KEK})

    def at(offset):
        """Restarts the server with its clock offset seconds off."""
        assert s.stop() == 0, s.output()[-8000:]
        s.env["PKIAAS_CLOCK_OFFSET"] = str(offset)
        s.start()
        return time.time() + offset

    def sane_status(pem, now, want="GOOD"):
        status, this, nxt = ocsp_now(pki, pem)
        assert status == want, (status, want)
        assert this <= now + 5 and nxt > now, (this, nxt, now)
        return this

    def sane_crl(now, floor):
        number, this, nxt, entries = crl_now(pki)
        assert number >= floor, (number, floor)
        assert this <= now + 5 and nxt > now, (this, nxt, now)
        return number, entries

    try:
        s.start()
        now = time.time()
        pki = Pki(s, acme=False)
        a, a1 = issue(pki), issue(pki)
        assert pki.revoke(a1["id"], "keyCompromise")[0] == 200
        n, entries = sane_crl(now, 1)
        assert int(a1["serial"], 16) in entries
        sane_status(a["pem"], now)

        # A day ahead: the server's time everywhere, CRL numbers grow.
        now = at(DAY)
        b, b1 = issue(pki), issue(pki, pki.auto)
        assert abs(not_before(b) - (now - 60)) < 30, not_before(b)
        n, _ = sane_crl(now, n)
        assert pki.revoke(b1["id"], "superseded")[0] == 200
        n1, entries = sane_crl(now, n + 1)
        assert int(b1["serial"], 16) in entries
        # Asked after the last revocation, so that these stay cached.
        for x in (a, b):
            this = sane_status(x["pem"], now)
            assert this > now - 30, this
        sane_status(a1["pem"], now, "REVOKED")
        sane_status(b1["pem"], now, "REVOKED")

        # An hour behind: nothing signed during the day ahead is served
        # as if it were current.
        now = at(-3600)
        # Asked before any revocation, while the day's answers would
        # still be current.
        for x in (a, b):
            sane_status(x["pem"], now)
        sane_status(b1["pem"], now, "REVOKED")
        n2, _ = sane_crl(now, n1)
        c, c1 = issue(pki), issue(pki, pki.auto)
        assert abs(not_before(c) - (now - 60)) < 30, not_before(c)
        assert pki.revoke(c1["id"], "cessationOfOperation")[0] == 200
        n3, entries = sane_crl(now, n2 + 1)
        assert {int(x["serial"], 16) for x in (a1, b1, c1)} <= set(entries)

        # The right time again.
        now = at(0)
        for x in (a, b, c):
            sane_status(x["pem"], now)
        sane_crl(now, n3)
        for x, ok in ((c, True), (c1, False)):
            path = pki.write(f"clock-{x['serial']}.pem", x["pem"])
            p = workload.openssl("verify", "-crl_check", "-crl_download",
                                 "-CAfile", pki.ca_pem, path, expect=None)
            assert (p.returncode == 0) == ok, p
        assert s.stop() == 0, s.output()[-8000:]
        audit_intact(s)
    finally:
        s.stop(signal.SIGKILL)


if __name__ == "__main__":
    harness.run(test_certificate_insert_fails_after_signing,
                test_postgres_stopped_immediately, test_full_disk,
                test_clock_moves)
