"""Nothing acknowledged is lost: four clients issue certificates (submit
and approve, a template that approves on arrival, ACME orders for a
pre-approved domain), revoke them, fetch the CRL and ask OCSP, while
pkiaasd is killed with SIGKILL at random moments and started again on
the same data folder and database, PKIAAS_CRASH_ROUNDS times (10 by
default; PKIAAS_LOAD_SEED repeats a run). Then: every certificate a
client received is in the store, byte for byte, and verifies against
the CA with openssl; no serial is stored twice; every acknowledged
revocation is in the store, revoked in openssl ocsp with its reason and
in the next CRL; no CRL fetched after another had a lower number; a
request that answers 409 to a second approval names its certificate; an
ACME order a crash left processing reads as invalid once its lease has
passed (the server started again a lease later); a spent ACME nonce
stays spent across a crash; and pkiaasd audit verify passes."""

import base64
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
from harness import Server

ROUNDS = int(os.environ.get("PKIAAS_CRASH_ROUNDS", "10"))
CLIENTS = 4
KINDS = ("manual", "manual", "auto", "auto", "revoke", "revoke", "revoke",
         "acme", "crl", "retry", "ocsp_get")
LEASE = 60  # seconds a finalisation holds an ACME order (acme.h)
KEK = base64.b64encode(secrets.token_bytes(32)).decode()


def kill_and_restart(s, up, rng):
    up.clear()
    s.kill(signal.SIGKILL)
    s.proc.wait(10)
    time.sleep(rng.uniform(0, 0.3))
    s.start()
    up.set()


def replay_spent_nonces(pki, ledger, stats):
    """A JWS the server answered before a crash must not be taken again:
    its nonce was spent durably (RFC 8555 6.5)."""
    with ledger.lock:
        spent = [x for v in ledger.acme_acked.values() for x in v]
    if not spent:
        return
    client = acme_client.Client(pki.directory, pki.server.root)
    for url, body in spent:
        status, doc = client.post_raw(url, body)
        assert status == 400 and doc["type"].endswith(":badNonce"), \
            (url, status, doc)
        stats["nonces replayed"] = stats.get("nonces replayed", 0) + 1


def check_store(pki, ledger, store):
    stored = store.certificates(pki.ca["id"])
    missing = [f"{s:x} ({c['via']})" for s, c in ledger.certs.items()
               if s not in stored]
    assert not missing, f"received but not stored: {missing}"
    for serial, c in ledger.certs.items():
        der = workload.x509.load_pem_x509_certificate(
            c["pem"].encode()).public_bytes(
                workload.serialization.Encoding.DER)
        assert stored[serial][1] == der.hex(), \
            f"{serial:x}: the stored DER is not the one received"
        if c["id"] is not None:
            assert stored[serial][0] == c["id"], (serial, c["id"])

    twice = store.rows("SELECT ca_id, lower(serial), count(*) FROM "
                       "certificates GROUP BY ca_id, lower(serial) "
                       "HAVING count(*) > 1")
    assert not twice, f"serials stored twice: {twice}"
    received = [s for s in ledger.certs]
    assert len(set(received)) == len(received)

    for serial, reason in ledger.revoked.items():
        _, _, revoked_at, stored_reason = stored[serial]
        assert revoked_at is not None, f"{serial:x}: revocation lost"
        assert stored_reason == reason, (serial, stored_reason, reason)

    half = store.rows("SELECT id FROM acme_orders WHERE status = 'valid' "
                      "AND certificate_id IS NULL")
    assert not half, f"valid ACME orders without a certificate: {half}"
    half = store.rows("SELECT r.id FROM requests r LEFT JOIN certificates "
                      "c ON c.id = r.certificate_id WHERE r.status = "
                      "'issued' AND (c.id IS NULL OR c.request_id IS NULL "
                      "OR c.request_id <> r.id)")
    assert not half, f"issued requests without their certificate: {half}"
    [[number]] = store.rows("SELECT crl_number FROM crls WHERE ca_id = "
                            f"'{pki.ca['id']}'")
    processing = store.rows("SELECT id, account_id, lease_until FROM "
                            "acme_orders WHERE status = 'processing'")
    for order, _, lease in processing:
        assert int(lease) > 0, f"order {order} processing with no lease"
    return int(number), processing


def check_processing(s, workers, processing):
    """Orders a crash left processing turn invalid, with an error, when
    their lease has passed: the server runs a lease later for this."""
    if not processing:
        return
    s.env["PKIAAS_CLOCK_OFFSET"] = str(LEASE + 5)
    s.start()
    try:
        clients = {w.acme.kid.rsplit("/", 1)[1]: w.acme for w in workers
                   if w.acme is not None}
        for order, account, _ in processing:
            client = clients[account]
            url = f"https://localhost:{s.https_port}/acme/order/{order}"
            status, doc = client.post(url, None)
            assert status == 200 and doc["status"] == "invalid", doc
            assert doc["error"]["type"].endswith(":serverInternal"), doc
    finally:
        del s.env["PKIAAS_CLOCK_OFFSET"]
        assert s.stop() == 0, s.output()


def check_status(pki, ledger):
    """OCSP and the CRL of a live server against the acknowledged
    revocations: openssl ocsp, four certificates a request."""
    revoked = sorted(ledger.revoked.items())
    paths = {}
    for serial, _ in revoked:
        paths[serial] = pki.write(f"revoked-{serial:x}.pem",
                                  ledger.certs[serial]["pem"])
    for i in range(0, len(revoked), 4):
        batch = revoked[i:i + 4]
        found, out = pki.ocsp([paths[s] for s, _ in batch])
        for serial, reason in batch:
            status, said = found.get(paths[serial], (None, None))
            assert status == "revoked", (f"{serial:x}", out)
            if reason != "unspecified":
                assert said == reason, (f"{serial:x}", reason, out)

    # A few of those never revoked are good.
    good = [s for s in ledger.certs if s not in ledger.revoked][:4]
    if good:
        gp = [pki.write(f"good-{s:x}.pem", ledger.certs[s]["pem"])
              for s in good]
        found, out = pki.ocsp(gp)
        # A revocation that got no answer may still have gone through.
        assert all(found[p][0] in ("good", "revoked") for p in gp), out

    number, entries, der = pki.crl()
    crl = pki.write("final.crl", der)
    p = workload.openssl("crl", "-inform", "DER", "-in", crl, "-noout",
                         "-CAfile", pki.ca_pem)
    assert b"verify OK" in p.stdout + p.stderr, p
    for serial, reason in revoked:
        assert serial in entries, f"{serial:x} not in CRL {number}"
        assert entries[serial] == reason, (serial, entries[serial], reason)
    return number


def test_crash_consistency():
    seed = workload.random_seed()
    rng = random.Random(seed)
    print(f"PKIAAS_LOAD_SEED={seed} PKIAAS_CRASH_ROUNDS={ROUNDS}",
          flush=True)
    s = Server(env={"PKIAAS_KEK": KEK})
    stop, up = threading.Event(), threading.Event()
    workers = []
    try:
        s.start()
        pki = workload.Pki(s)
        ledger = workload.Ledger()
        up.set()
        workers = [workload.Worker(pki, ledger, stop,
                                   random.Random(rng.random()), KINDS, up)
                   for _ in range(CLIENTS)]
        for w in workers:
            w.start()
        stats = {}
        for _ in range(ROUNDS):
            time.sleep(rng.uniform(0.3, 2.5))
            kill_and_restart(s, up, rng)
            replay_spent_nonces(pki, ledger, stats)
        time.sleep(1)
        stop.set()
        for w in workers:
            w.join(60)
            assert not w.is_alive(), "a client did not stop"

        # Once more without load, so that nothing is in flight.
        kill_and_restart(s, up, rng)
        replay_spent_nonces(pki, ledger, stats)
        assert not ledger.unexpected, ledger.unexpected[:20]
        assert ledger.certs and ledger.revoked, ledger.counts
        crl_number = check_status(pki, ledger)
        bad = workload.crl_backwards(ledger.crls)
        assert not bad, f"CRL numbers went backwards: {bad[:5]}"
        seen = max([n for _, _, n in ledger.crls] + [0])
        assert crl_number >= seen, (crl_number, seen)
        assert s.stop() == 0, s.output()

        stored_number, processing = check_store(pki, ledger,
                                                workload.Store(s))
        assert stored_number >= crl_number, (stored_number, crl_number)
        check_processing(s, workers, processing)
        stats["orders left processing"] = len(processing)
        failed = workload.verify_all(
            pki, [c["pem"] for c in ledger.certs.values()])
        assert not failed, failed[:5]
        r = audit_verify(s)
        assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)

        vias = {}
        for c in ledger.certs.values():
            vias[c["via"]] = vias.get(c["via"], 0) + 1
        print(f"kills={ROUNDS + 1} received={vias} "
              f"revoked={len(ledger.revoked)} crls={len(ledger.crls)} "
              f"last_crl={crl_number} {stats} {r.stdout.strip()}")
        print("answers:", dict(sorted(ledger.counts.items())))
    finally:
        stop.set()
        up.set()
        for w in workers:
            w.join(30)
        s.stop(signal.SIGKILL)


def audit_verify(s):
    cmd = [os.path.join(harness.BIN, "pkiaasd"), "audit", "verify",
           "--data", s.data, "--log-file", s.log_path]
    if s.database:
        cmd += ["--database", s.database]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


if __name__ == "__main__":
    harness.run(test_crash_consistency)
