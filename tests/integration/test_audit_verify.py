"""pkiaasd audit verify on the database a real server left behind: intact
after a normal run; a changed or deleted row is found and exits 6, as an
attacker with write access to the database would leave it. The hash is
recomputed here from docs/operations.md, without the server's code."""

import hashlib
import os
import re
import shutil
import sqlite3
import struct
import subprocess

import harness
from harness import Server

EXIT_AUDIT = 6
ZERO_HASH = "0" * 64
COLUMNS = ("seq, id, tenant_id, at, actor_id, actor_name, action, "
           "object_type, object_id, address, outcome, detail, prev_hash, "
           "hash")


def enc_int(v):
    return b"\x01" + struct.pack(">q", v)


def enc_text(s):
    if s is None:
        return b"\x00"
    b = s.encode()
    return b"\x02" + struct.pack(">Q", len(b)) + b


def row_hash(row):
    """row: the columns of COLUMNS but hash, as a tuple."""
    out = enc_text("pkiaas-audit-v1")
    for i, v in enumerate(row):
        out += enc_int(v) if i in (0, 3) else enc_text(v)
    return hashlib.sha256(out).hexdigest()


class Raw:
    """Writes straight to the server's database, past pkiaasd: with psql,
    or with the sqlite3 program when there is one, else Python's module."""

    def __init__(self, server):
        self.server = server
        self.sqlite_path = None
        self.sqlite = None
        if not server.database:
            self.sqlite_path = os.path.join(server.data, "pkiaas.db")
            if shutil.which("sqlite3") is None:
                self.sqlite = sqlite3.connect(self.sqlite_path,
                                              isolation_level=None)

    def exec(self, sql):
        if self.sqlite is not None:
            self.sqlite.executescript(sql)
            return
        if self.sqlite_path is not None:
            cmd = ["sqlite3", "-bail", self.sqlite_path, sql]
        else:
            cmd = ["psql", "-q", "-v", "ON_ERROR_STOP=1",
                   self.server.database, "-c", sql]
        subprocess.run(cmd, check=True, capture_output=True, text=True,
                       timeout=60)

    def try_exec(self, sql):
        try:
            self.exec(sql)
            return True
        except (sqlite3.DatabaseError, subprocess.CalledProcessError):
            return False

    def drop_triggers(self):
        if self.sqlite_path is not None:
            self.exec("DROP TRIGGER audit_log_no_update; "
                      "DROP TRIGGER audit_log_no_delete;")
        else:
            self.exec("DROP TRIGGER audit_log_append_only ON audit_log")

    def insert(self, row, digest=None):
        def lit(v):
            if v is None:
                return "NULL"
            if isinstance(v, int):
                return str(v)
            assert "'" not in v
            return f"'{v}'"
        values = ", ".join(lit(v) for v in row + (digest or row_hash(row),))
        self.exec(f"INSERT INTO audit_log ({COLUMNS}) VALUES ({values});")

    def close(self):
        if self.sqlite is not None:
            self.sqlite.close()


def verify(s, *args):
    cmd = [os.path.join(harness.BIN, "pkiaasd"), "audit", "verify",
           "--data", s.data, "--log-file", s.log_path]
    if s.database:
        cmd += ["--database", s.database]
    return subprocess.run(cmd + list(args), capture_output=True, text=True,
                          timeout=60)


def intact(s):
    """Runs verify, asserts the chain is intact, returns (rows, seq, hash)."""
    r = verify(s)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)
    m = re.fullmatch(r"audit log intact: (\d+) rows, head (\d+) "
                     r"([0-9a-f]{64})\n", r.stdout)
    assert m, r.stdout
    return int(m.group(1)), int(m.group(2)), m.group(3)


def broken(s, seq, reason):
    r = verify(s)
    assert r.returncode == EXIT_AUDIT, (r.returncode, r.stdout, r.stderr)
    want = f"audit log broken at row {seq}: {reason}\n"
    assert r.stdout == want, (r.stdout, want)


def served():
    """A server that ran and stopped cleanly, its database left behind."""
    s = Server().start()
    assert s.get("/healthz")[0] == 200
    assert s.stop() == 0
    return s


def test_intact_after_a_normal_run():
    s = served()
    rows, seq, head = intact(s)
    assert rows == seq
    if rows == 0:
        assert head == ZERO_HASH
    # Verifying changes nothing, and the server starts again after it.
    assert intact(s) == (rows, seq, head)
    s.start()
    assert s.stop() == 0
    assert intact(s)[0] >= rows


def test_usage():
    pkiaasd = os.path.join(harness.BIN, "pkiaasd")
    r = subprocess.run([pkiaasd, "audit"], capture_output=True, text=True)
    assert r.returncode == 2 and "audit verify" in r.stderr, r
    r = subprocess.run([pkiaasd, "audit", "verify", "--no-such-option", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 2, r
    r = subprocess.run([pkiaasd, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "audit verify" in r.stdout, r


def test_tampering_is_found():
    s = served()
    rows, seq, head = intact(s)
    raw = Raw(s)
    try:
        # Rows chained with the documented hash verify, and the head the
        # command prints is the hash computed here.
        prev = head
        for i in range(1, 5):
            row = (seq + i, f"itrow{seq + i:011d}", "it-tenant", 1000 + i,
                   None, "tester", "test.append", "test", f"o{i}", "::1",
                   "success", "" if i == 2 else None, prev)
            raw.insert(row)
            prev = row_hash(row)
        assert intact(s) == (rows + 4, seq + 4, prev)
        recorded = prev

        # Rows are append-only while the triggers stand.
        assert not raw.try_exec(
            f"UPDATE audit_log SET detail = 'x' WHERE seq = {seq + 2};")
        assert not raw.try_exec(
            f"DELETE FROM audit_log WHERE seq = {seq + 2};")
        assert intact(s)[2] == recorded

        # A forged row with a made-up hash needs no trigger dropped.
        raw.insert((seq + 5, "itforged0000001", None, 2000, None, "x",
                    "test.forge", None, None, None, "success", None,
                    recorded), digest="f" * 64)
        broken(s, seq + 5, f"row {seq + 5}: hash does not match its "
               "fields (changed)")
        raw.drop_triggers()
        raw.exec(f"DELETE FROM audit_log WHERE seq = {seq + 5};")
        assert intact(s)[2] == recorded

        # A changed field: the row's own hash no longer matches.
        raw.exec("UPDATE audit_log SET detail = NULL "
                 f"WHERE seq = {seq + 2};")
        broken(s, seq + 2, f"row {seq + 2}: hash does not match its "
               "fields (changed)")
        raw.exec("UPDATE audit_log SET detail = '' "
                 f"WHERE seq = {seq + 2};")
        assert intact(s)[2] == recorded

        # A deleted row leaves a gap.
        raw.exec(f"DELETE FROM audit_log WHERE seq = {seq + 3};")
        broken(s, seq + 3, f"row {seq + 3} missing after row {seq + 2} "
               "(deleted)")
        raw.exec(f"DELETE FROM audit_log WHERE seq = {seq + 4};")

        # Deleting the newest rows is caught only against the head
        # recorded earlier.
        r = intact(s)
        assert r[1] == seq + 2 and r[2] != recorded
    finally:
        raw.close()


if __name__ == "__main__":
    harness.run(test_intact_after_a_normal_run, test_usage,
                test_tampering_is_found)
