"""Starts a pkiaasd on loopback ports and sets it up through its REST API
the way tests/integration/harness.py does: the printed admin login, an
API token, CAs and templates."""

import base64
import http.client
import json
import os
import re
import secrets
import signal
import ssl
import subprocess
import time

from . import util

KEK = base64.b64encode(secrets.token_bytes(32)).decode()


def insecure_context():
    """TLS to our own server on loopback; its name is not checked."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


class Server:
    """One pkiaasd serve with its data folder and database."""

    def __init__(self, bindir, data, database="", threads=None):
        self.bin = os.path.join(bindir, "pkiaasd")
        self.data = data
        self.database = database
        self.threads = threads
        self.https_port = util.free_port()
        self.http_port = util.free_port()
        self.proc = None
        self.conn = None
        self.token = None
        self.password = None
        self.out_path = data.rstrip("/") + ".out"

    @property
    def pid(self):
        return self.proc.pid

    @property
    def https(self):
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http(self):
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout=60):
        """Starts it; returns seconds from exec to the first 200 of
        /readyz."""
        cmd = [self.bin, "serve", "--data", self.data,
               "--listen-https", f"127.0.0.1:{self.https_port}",
               "--listen-http", f"127.0.0.1:{self.http_port}",
               "--log-file", self.data.rstrip("/") + ".log"]
        if self.threads:
            cmd += ["--threads", str(self.threads)]
        if self.database:
            cmd += ["--database", self.database]
        env = dict(os.environ, PKIAAS_KEK=KEK)
        out = open(self.out_path, "a")
        started = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=out,
                                     stderr=subprocess.STDOUT, env=env)
        out.close()
        ctx = insecure_context()
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"pkiaasd exited {self.proc.returncode}:"
                                   f"\n{self.output()[-3000:]}")
            try:
                c = http.client.HTTPSConnection("127.0.0.1", self.https_port,
                                                context=ctx, timeout=5)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    elapsed = time.monotonic() - started
                    c.close()
                    return elapsed
                c.close()
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.002)
        raise RuntimeError("pkiaasd did not get ready:\n" + self.output())

    def stop(self):
        if self.conn:
            self.conn.close()
            self.conn = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def output(self):
        try:
            with open(self.out_path) as f:
                return f.read()
        except OSError:
            return ""

    def memory(self):
        return util.proc_status(self.pid)

    # The REST API, over one kept-alive connection.

    def request(self, method, path, body=None, headers=None, port="https"):
        if port != "https":
            c = http.client.HTTPConnection("127.0.0.1", self.http_port,
                                           timeout=300)
            try:
                c.request(method, path, body=body, headers=headers or {})
                r = c.getresponse()
                return r.status, dict(r.getheaders()), r.read()
            finally:
                c.close()
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(
                    "127.0.0.1", self.https_port, context=insecure_context(),
                    timeout=300)
            try:
                self.conn.request(method, path, body=body,
                                  headers=headers or {})
                r = self.conn.getresponse()
                return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                    r.read()
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise

    def api(self, method, path, body=None, expect=(200, 201, 204)):
        headers = {"Authorization": "Bearer " + self.token}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        status, _, raw = self.request(method, path, data, headers)
        doc = json.loads(raw) if raw else None
        if expect and status not in expect:
            raise RuntimeError(f"{method} {path}: {status} {doc}")
        return doc

    def login(self):
        """An admin API token from the login printed at first start."""
        m = re.search(r"Login: +admin / (\S+)", self.output())
        if not m:
            raise RuntimeError("no admin login printed:\n" + self.output())
        self.password = m.group(1)
        status, headers, raw = self.request(
            "POST", "/api/v1/auth/login",
            json.dumps({"username": "admin",
                        "password": self.password}).encode(),
            {"Content-Type": "application/json"})
        if status != 200:
            raise RuntimeError(f"login: {status} {raw!r}")
        doc = json.loads(raw)
        cookie = headers["set-cookie"].split(";")[0]
        status, _, raw = self.request(
            "POST", "/api/v1/tokens",
            json.dumps({"name": "bench"}).encode(),
            {"Content-Type": "application/json", "Cookie": cookie,
             "X-CSRF-Token": doc["csrf_token"]})
        if status != 201:
            raise RuntimeError(f"token: {status} {raw!r}")
        self.token = json.loads(raw)["token"]
        return self.token

    def ca_create(self, name, key_type):
        return self.api("POST", "/api/v1/cas", {
            "name": name, "kind": "root", "key_type": key_type,
            "subject": {"CN": name, "O": "pkiaas bench"}})

    def template_create(self, ca_id, name, settings):
        return self.api("POST", "/api/v1/templates", {
            "ca_id": ca_id, "name": name, "starter": "web-server",
            "settings": settings})

    def issue(self, template_id, csr_pem):
        return self.api("POST", "/api/v1/requests",
                        {"template_id": template_id, "csr": csr_pem})

    def revoke(self, cert_id, reason="keyCompromise"):
        return self.api("POST", f"/api/v1/certificates/{cert_id}/revoke",
                        {"reason": reason})


def pg_database(cluster_dir, name):
    """A new database in the cluster of tests/pg_cluster.sh; its URL."""
    with open(os.path.join(cluster_dir, "url")) as f:
        base = f.read().strip()
    util.run(["psql", "-q", base, "-c", f"CREATE DATABASE {name}"])
    return base.rsplit("/", 1)[0] + "/" + name
