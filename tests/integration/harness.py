"""Starts and drives a real pkiaasd for the integration tests.

Standard library only. The environment comes from tests/CMakeLists.txt:
PKIAAS_BIN (the built programs), PKIAAS_TEST_BACKEND (sqlite or postgres),
PKIAAS_TEST_PG (the folder of the shared test cluster), PKIAAS_SOURCE.
"""

import atexit
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("PKIAAS_BIN", "build/bin")
BACKEND = os.environ.get("PKIAAS_TEST_BACKEND", "sqlite")
PG_DIR = os.environ.get("PKIAAS_TEST_PG", "")
SOURCE = os.environ.get("PKIAAS_SOURCE", ".")
SKIP = 77  # CTest's SKIP_RETURN_CODE
EXIT_LISTEN = 5  # pkiaasd could not bind a port
# Ports for servers are picked below the kernel's ephemeral range
# (32768 and up here), which every outgoing connection draws its source
# port from: a port picked there can be taken by a client before the
# server binds it.
PORT_LOW, PORT_HIGH = 20000, 32767


def free_port():
    """A loopback port that is free now, outside the ephemeral range."""
    while True:
        port = PORT_LOW + secrets.randbelow(PORT_HIGH - PORT_LOW + 1)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


_made = []


def tmpdir(prefix="pkiaas-it-"):
    """A new folder, removed when the test process exits."""
    d = tempfile.mkdtemp(prefix=prefix)
    _made.append(d)
    return d


@atexit.register
def _remove_tmpdirs():
    for d in _made:
        shutil.rmtree(d, ignore_errors=True)
        shutil.rmtree(d + ".out", ignore_errors=True)
        for suffix in (".out", ".log", ".log.1"):
            try:
                os.unlink(d + suffix)
            except OSError:
                pass


def pg_url(cluster_dir=None):
    """A fresh, empty database in the test cluster, as a libpq URL."""
    with open(os.path.join(cluster_dir or PG_DIR, "url")) as f:
        base = f.read().strip()
    name = "t_" + secrets.token_hex(6)
    subprocess.run(["psql", "-q", base, "-c", f"CREATE DATABASE {name}"],
                   check=True, capture_output=True)
    return base.rsplit("/", 1)[0] + "/" + name


def database_url():
    return pg_url() if BACKEND == "postgres" else ""


class Server:
    """One pkiaasd serve process on loopback ports of its own."""

    def __init__(self, data=None, database=None, args=(), env=None):
        self.data = data or tmpdir()
        self.database = database_url() if database is None else database
        self.https_port = free_port()
        self.http_port = free_port()
        self.args = list(args)
        self.env = dict(os.environ, **(env or {}))
        self.proc = None
        self.stdout_path = os.path.join(self.data, "..",
                                        os.path.basename(self.data) + ".out")
        self.log_path = self.stdout_path[:-4] + ".log"

    @property
    def root(self):
        return os.path.join(self.data, "tls", "root.pem")

    def command(self):
        cmd = [os.path.join(BIN, "pkiaasd"), "serve", "--data", self.data,
               "--listen-https", f"127.0.0.1:{self.https_port}",
               "--listen-http", f"127.0.0.1:{self.http_port}",
               "--threads", "2", "--log-file", self.log_path]
        if self.database:
            cmd += ["--database", self.database]
        return cmd + self.args

    def start(self, wait=True):
        """Starts the server; with wait, until it answers, on other
        ports when another process took one of its own meanwhile."""
        for attempt in range(3):
            out = open(self.stdout_path, "w")
            self.proc = subprocess.Popen(self.command(), stdout=out,
                                         stderr=subprocess.STDOUT,
                                         env=self.env)
            out.close()
            if not wait:
                return self
            try:
                self.wait_ready()
                return self
            except AssertionError:
                if attempt == 2 or self.proc.returncode != EXIT_LISTEN:
                    raise
            self.https_port = free_port()
            self.http_port = free_port()
        return self

    def wait_ready(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"pkiaasd exited with {self.proc.returncode}:\n"
                    + self.output() + self.log())
            if os.path.exists(self.root):
                try:
                    if self.get("/healthz")[0] == 200:
                        return
                except (OSError, ssl.SSLError, http.client.HTTPException):
                    pass
            time.sleep(0.05)
        # Not left running after the test that gave up on it.
        self.proc.kill()
        self.proc.wait()
        raise AssertionError("pkiaasd did not become healthy:\n"
                             + self.output() + self.log())

    def output(self):
        with open(self.stdout_path) as f:
            return f.read()

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def tls_context(self):
        ctx = ssl.create_default_context(cafile=self.root)
        return ctx

    def connection(self, port="https", timeout=10):
        if port == "https":
            return http.client.HTTPSConnection(
                "localhost", self.https_port, context=self.tls_context(),
                timeout=timeout)
        return http.client.HTTPConnection("127.0.0.1", self.http_port,
                                          timeout=timeout)

    def request(self, method, path, body=None, headers=None, port="https"):
        """Returns (status, headers as a dict, body bytes)."""
        conn = self.connection(port)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read()
        finally:
            conn.close()

    def get(self, path, port="https"):
        return self.request("GET", path, port=port)

    def json(self, path, port="https"):
        status, headers, body = self.get(path, port)
        return status, headers, json.loads(body)

    def kill(self, sig):
        self.proc.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise AssertionError("pkiaasd did not stop on " + str(sig))

    def pid(self):
        return self.proc.pid


def run(*tests):
    """Runs each test function, prints its name, exits 1 on a failure."""
    failed = 0
    for t in tests:
        started = time.monotonic()
        try:
            t()
            print(f"ok   {t.__name__} ({time.monotonic() - started:.1f}s)")
        except SkipTest as e:
            print(f"skip {t.__name__}: {e}")
            if len(tests) == 1:
                sys.exit(SKIP)
        except Exception:
            failed += 1
            print(f"FAIL {t.__name__}")
            import traceback
            traceback.print_exc()
    sys.exit(1 if failed else 0)


class SkipTest(Exception):
    pass


def problem(body, headers, status):
    """Asserts an RFC 9457 problem document of status; returns it."""
    assert headers.get("content-type") == "application/problem+json", headers
    doc = json.loads(body)
    assert doc["status"] == status, doc
    assert doc["title"] and doc["detail"], doc
    return doc


def cleanup(path):
    shutil.rmtree(path, ignore_errors=True)
