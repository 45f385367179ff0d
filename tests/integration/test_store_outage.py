"""PostgreSQL stops under load: requests that need it get 503 problem
documents, the process keeps serving, and it recovers by itself when the
database is back. Uses a cluster of its own, since it stops it."""

import os
import re
import subprocess
import threading
import time
import urllib.parse

import harness
from harness import Server, problem

CLUSTER = os.path.join(harness.SOURCE, "tests", "pg_cluster.sh")


def cluster(action, folder):
    subprocess.run([CLUSTER, action, folder], check=True,
                   capture_output=True, timeout=120)


class Load:
    """Threads asking /readyz without pause; records every status."""

    def __init__(self, server, threads=4):
        self.server = server
        self.statuses = []
        self.failures = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.loop)
                        for _ in range(threads)]

    def loop(self):
        while not self.stopping.is_set():
            try:
                status, headers, body = self.server.get("/readyz")
                if status != 200:
                    problem(body, headers, 503)
                self.statuses.append(status)
            except Exception as e:  # a dropped connection is a failure
                self.failures.append(repr(e))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join()


def wait_for_status(server, want, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.get("/readyz")[0] == want:
            return
        time.sleep(0.1)
    raise AssertionError(f"/readyz never answered {want}")


def test_postgres_outage_gives_503_and_recovers():
    if harness.BACKEND != "postgres":
        raise harness.SkipTest("only PostgreSQL can be stopped under load")
    folder = harness.tmpdir("pkiaas-outage-")
    cluster("start", folder)
    try:
        s = Server(database=harness.pg_url(folder)).start()
        with Load(s) as load:
            time.sleep(0.5)
            cluster("pause", folder)
            wait_for_status(s, 503)
            status, headers, body = s.get("/readyz")
            problem(body, headers, 503)
            assert s.get("/healthz")[0] == 200
            outage = len(load.statuses)
            cluster("resume", folder)
            wait_for_status(s, 200)
            time.sleep(0.5)
        assert not load.failures, load.failures[:5]
        assert set(load.statuses) == {200, 503}, set(load.statuses)
        assert load.statuses[outage:].count(200) > 0
        metrics = s.get("/metrics")[2].decode()
        errors = [l for l in metrics.splitlines()
                  if l.startswith("pkiaas_store_errors_total ")]
        assert errors and int(errors[0].split()[1]) > 0, errors
        assert s.stop() == 0
    finally:
        cluster("stop", folder)


def store_sockets(s):
    """The keepalive timers (seconds, or None) of pkiaasd's TCP
    connections to its PostgreSQL server, from ss."""
    port = urllib.parse.urlparse(s.database).port
    out = subprocess.run(["ss", "-tnpoH", "state", "established"],
                         check=True, capture_output=True, text=True).stdout
    timers = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 4 or not fields[3].endswith(f":{port}") or \
                f"pid={s.pid()}," not in line:
            continue
        m = re.search(r"timer:\(keepalive,(?:(\d+)min)?(\d+)?(?:\.\d+)?"
                      r"(m?s)?", line)
        timers.append(None if m is None else
                      int(m.group(1) or 0) * 60 +
                      (int(m.group(2) or 0) if m.group(3) == "s" else 0))
    return timers


def test_connections_probe_their_server():
    # A server whose host vanishes (a partition, a failover) is noticed
    # within about a minute: every connection to it sends TCP keepalives
    # after 30 s idle. The URL can say otherwise.
    if harness.BACKEND != "postgres":
        raise harness.SkipTest("PostgreSQL connections only")
    s = Server().start()
    try:
        assert s.get("/readyz")[0] == 200
        timers = store_sockets(s)
        assert timers and all(t is not None and t <= 30 for t in timers), \
            timers
    finally:
        assert s.stop() == 0
    s = Server(database=harness.pg_url() + "?keepalives=0").start()
    try:
        assert s.get("/readyz")[0] == 200
        timers = store_sockets(s)
        assert timers and all(t is None for t in timers), timers
    finally:
        assert s.stop() == 0


if __name__ == "__main__":
    harness.run(test_postgres_outage_gives_503_and_recovers,
                test_connections_probe_their_server)
