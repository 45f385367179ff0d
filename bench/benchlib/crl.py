"""Figure 3: the time to sign a CRL of N revoked certificates and the
server's peak resident memory while it does.

Set-up (not timed): a fresh database with one ECDSA P-256 CA made
through the API; the server is stopped and N revoked certificates are
inserted straight into its `certificates` table by SQL (random 16-byte
serials in pkiaas's form, one in four revoked as unspecified, the others
as keyCompromise, a one-byte placeholder where the DER would be, since a
CRL reads only the index), PostgreSQL's table is vacuumed, and the CA's
revocation version is bumped.
Each run then starts the server on that database, times the first
GET /crl/CA-ID.crl (which signs), checks the entry count, and reads the
process's VmHWM. The peer is `openssl ca -gencrl` over an index.txt of
the same size, timed as a whole process, with its peak RSS (VmHWM)
read while it runs."""

import os
import secrets
import sqlite3
import time

from . import der, issuance, util

SQLITE_FILL = """
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?)
INSERT INTO certificates (id, tenant_id, ca_id, template_id, request_id,
    serial, subject, sans, key_type, not_before, not_after, der, revoked_at,
    revocation_reason, invalidity_date, created_at)
SELECT * FROM (SELECT printf('crl%013x', x), ?, ?, NULL, NULL,
    printf('%02x', 64 + abs(random()) % 64) || lower(hex(randomblob(15)))
    AS serial, 'CN=bench', '', 'ecdsa-p256', ? - 86400, ? + 31536000,
    x'00', ? - x % 86400, CASE WHEN x % 4 = 0 THEN 'unspecified'
    ELSE 'keyCompromise' END, NULL, ? FROM c) ORDER BY serial
"""

PG_FILL = """
INSERT INTO certificates (id, tenant_id, ca_id, template_id, request_id,
    serial, subject, sans, key_type, not_before, not_after, der, revoked_at,
    revocation_reason, invalidity_date, created_at)
SELECT 'crl' || lpad(to_hex(x), 13, '0'), '{tenant}', '{ca}', NULL, NULL,
    to_hex(64 + floor(random() * 64)::int)
        || substr(md5(random()::text) || md5(random()::text), 1, 30),
    'CN=bench', '', 'ecdsa-p256', {now} - 86400, {now} + 31536000,
    '\\x00'::bytea, {now} - x % 86400,
    CASE WHEN x % 4 = 0 THEN 'unspecified' ELSE 'keyCompromise' END,
    NULL, {now} FROM generate_series({first}, {last}) x
"""

BUMP = ("INSERT INTO revocation_versions (ca_id, version) VALUES ('{ca}', 1) "
        "ON CONFLICT (ca_id) DO UPDATE SET version = "
        "revocation_versions.version + 1")


class Store:
    """The database of a stopped server, written to directly."""

    def __init__(self, data, pg_url=""):
        self.data = data
        self.pg = pg_url

    def sql(self, text):
        if self.pg:
            return util.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1",
                             "-At", self.pg, "-c", text],
                            timeout=1800).stdout.strip()
        db = sqlite3.connect(os.path.join(self.data, "pkiaas.db"),
                             timeout=60)
        try:
            rows = db.execute(text).fetchall()
            db.commit()
            return "\n".join("|".join(map(str, r)) for r in rows)
        finally:
            db.close()

    def tenant_of(self, ca_id):
        return self.sql(f"SELECT tenant_id FROM cas WHERE id = '{ca_id}'")

    def fill(self, ca_id, first, last):
        """Revoked certificates first..last (numbers for their ids)."""
        tenant = self.tenant_of(ca_id)
        now = int(time.time())
        if self.pg:
            self.sql(PG_FILL.format(tenant=tenant, ca=ca_id, now=now,
                                    first=first, last=last))
            # VACUUM as well: until it runs, the CRL's index-only scan
            # reads the heap for every new row, and the autovacuum that
            # the insert sets off would run during the timed GETs.
            self.sql("VACUUM (ANALYZE) certificates")
            return
        db = sqlite3.connect(os.path.join(self.data, "pkiaas.db"))
        try:
            db.execute("PRAGMA synchronous = OFF")
            db.execute("PRAGMA cache_size = -524288")
            sql = SQLITE_FILL.replace("SELECT 1 UNION", f"SELECT {first} "
                                      "UNION")
            db.execute(sql, (last, tenant, ca_id, now, now, now, now))
            db.commit()
            db.execute("ANALYZE")
            db.commit()
        finally:
            db.close()

    def bump(self, ca_id):
        self.sql(BUMP.format(ca=ca_id))


def pkiaas_once(server, ca_id, count):
    """Starts server, times the first CRL GET: (seconds, VmHWM MiB,
    size in bytes, RSS before the GET)."""
    server.start(timeout=120)
    try:
        before = server.memory()["rss"]
        started = time.monotonic()
        status, _, body = server.request("GET", f"/crl/{ca_id}.crl",
                                         port="http")
        elapsed = time.monotonic() - started
        if status != 200:
            raise RuntimeError(f"CRL GET: {status} {body[:300]!r}")
        hwm = server.memory()["hwm"]
        entries = der.crl_entry_count(body)
        if entries != count:
            raise RuntimeError(f"the CRL lists {entries}, wanted {count}")
        return elapsed, hwm, len(body), before
    finally:
        server.stop()


def openssl_index(folder, count):
    """index.txt of count revoked serials for `openssl ca -gencrl`."""
    now = time.strftime("%y%m%d%H%M%SZ", time.gmtime())
    with open(os.path.join(folder, "index.txt"), "w") as f:
        for i in range(count):
            serial = format(0x40 | secrets.randbits(6), "02X") + \
                secrets.token_hex(15).upper()
            reason = "unspecified" if i % 4 == 0 else "keyCompromise"
            f.write(f"R\t351231235959Z\t{now},{reason}\t{serial}\t"
                    "unknown\t/CN=x\n")
    with open(os.path.join(folder, "index.txt.attr"), "w") as f:
        f.write("unique_subject = no\n")


def openssl_gencrl(openssl, ca_key, ca_cert, folder, count, runs):
    """(seconds, peak RSS MiB, size) of each `openssl ca -gencrl`."""
    os.makedirs(folder, exist_ok=True)
    openssl_index(folder, count)
    conf = os.path.join(folder, "ca.cnf")
    with open(conf, "w") as f:
        f.write(issuance.CA_CONF.format(dir=folder, cert=ca_cert, key=ca_key,
                                        md="sha256"))
    with open(os.path.join(folder, "crlnumber"), "w") as f:
        f.write("01\n")
    out = []
    for _ in range(runs):
        crl = os.path.join(folder, "crl.der")
        elapsed, peak, _ = util.run_measured(
            [openssl, "ca", "-gencrl", "-config", conf, "-out",
             os.path.join(folder, "crl.pem")], timeout=600)
        util.run([openssl, "crl", "-in", os.path.join(folder, "crl.pem"),
                  "-outform", "DER", "-out", crl])
        out.append((elapsed, peak, os.path.getsize(crl)))
    return out
