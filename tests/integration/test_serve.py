"""pkiaasd serve as a user meets it: first start, TLS, operations
endpoints, errors as problem documents, restarts and signals."""

import json
import os
import re
import signal
import socket
import ssl
import stat
import time

import harness
from harness import Server, problem


def test_first_start_prints_url_root_and_login_once():
    s = Server().start()
    try:
        out = s.output()
        assert f"https://127.0.0.1:{s.https_port}/" in out, out
        assert os.path.realpath(s.root) in out, out
        m = re.search(r"Login: +admin / (\S+)", out)
        assert m and len(m.group(1)) >= 16, out
        kek = os.path.join(s.data, "kek")
        assert stat.S_IMODE(os.stat(kek).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(s.data).st_mode) == 0o700
    finally:
        assert s.stop() == 0
    s.start()
    try:
        assert "Login:" not in s.output(), "password shown twice"
        assert s.get("/healthz")[0] == 200
    finally:
        s.stop()


def test_https_certificate_is_trusted_and_kept_across_restarts():
    s = Server().start()
    try:
        ctx = s.tls_context()
        with socket.create_connection(("127.0.0.1", s.https_port)) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                first = tls.getpeercert(binary_form=True)
                assert tls.version() in ("TLSv1.2", "TLSv1.3")
        root_before = open(s.root).read()
    finally:
        s.stop()
    s.start()
    try:
        with socket.create_connection(("127.0.0.1", s.https_port)) as raw:
            with s.tls_context().wrap_socket(
                    raw, server_hostname="localhost") as tls:
                assert tls.getpeercert(binary_form=True) == first
        assert open(s.root).read() == root_before
        # An untrusted client is refused: the default trust store does
        # not know our root.
        bad = ssl.create_default_context()
        with socket.create_connection(("127.0.0.1", s.https_port)) as raw:
            try:
                bad.wrap_socket(raw, server_hostname="localhost")
                raise AssertionError("handshake passed without the root")
            except ssl.SSLCertVerificationError:
                pass
    finally:
        s.stop()


def peer_certificate(s):
    with socket.create_connection(("127.0.0.1", s.https_port)) as raw:
        with s.tls_context().wrap_socket(raw,
                                         server_hostname="localhost") as tls:
            return tls.getpeercert(binary_form=True)


def test_https_certificate_is_renewed_before_it_expires():
    # Started 61 days ago, the server made a 90-day certificate that now
    # has fewer than 30 days left; today's start replaces it with one from
    # the same bootstrap root, trusted without any change.
    s = Server(env={"PKIAAS_CLOCK_OFFSET": str(-61 * 86400)}).start()
    try:
        first = peer_certificate(s)
        root_before = open(s.root).read()
    finally:
        s.stop()
    del s.env["PKIAAS_CLOCK_OFFSET"]
    s.start()
    try:
        renewed = peer_certificate(s)
        assert renewed != first
        assert open(s.root).read() == root_before
        assert s.log().count("event=tls.server_issued") == 2, s.log()
    finally:
        s.stop()


def test_operations_endpoints():
    s = Server().start()
    try:
        status, headers, doc = s.json("/healthz")
        assert status == 200 and doc["status"] == "ok", doc
        assert doc["openssl"].startswith("3.") or "3." in doc["openssl"]
        assert re.fullmatch(r"[a-z0-9]+", headers["x-request-id"])
        status, _, doc = s.json("/readyz")
        assert status == 200 and doc["store"] == harness.BACKEND, doc
        for _ in range(3):
            s.get("/nowhere")
        status, headers, body = s.get("/metrics")
        text = body.decode()
        assert status == 200 and headers["content-type"].startswith(
            "text/plain"), headers
        assert re.search(r'pkiaas_http_requests_total\{port="https",'
                         r'route="healthz",status="200"\} [1-9]', text), text
        assert re.search(r'route="unmatched",status="404"\} 3', text), text
        assert 'pkiaas_http_request_duration_seconds_bucket{port="https",' \
               'route="healthz",le="+Inf"}' in text
        assert "pkiaas_store_errors_total 0" in text
        # The plain HTTP port answers relying parties and liveness checks.
        assert s.get("/healthz", port="http")[0] == 200
        assert s.get("/metrics", port="http")[0] == 404
    finally:
        s.stop()


def test_errors_are_problem_documents():
    s = Server(args=["--max-body", "2048"]).start()
    try:
        status, headers, body = s.get("/no/such/path")
        problem(body, headers, 404)
        status, headers, body = s.request("POST", "/healthz", body=b"{}")
        problem(body, headers, 405)
        assert headers["allow"] == "GET", headers
        status, headers, body = s.request("POST", "/healthz",
                                          body=b"x" * 5000)
        problem(body, headers, 413)
        # A body sent in chunks, with no length declared, is capped too.
        conn = s.connection()
        conn.putrequest("POST", "/healthz")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for _ in range(4):
            conn.send(b"400\r\n" + b"y" * 0x400 + b"\r\n")
        conn.send(b"0\r\n\r\n")
        r = conn.getresponse()
        problem(r.read(), {k.lower(): v for k, v in r.getheaders()}, 413)
        conn.close()
        # The server keeps serving after all of it.
        assert s.get("/healthz")[0] == 200
        lines = [l for l in s.log().splitlines() if "event=http.request" in l]
        assert any('path="/no/such/path"' in l and "status=404" in l
                   and re.search(r"request_id=\w+", l) and
                   re.search(r" us=\d+", l) for l in lines), lines[-5:]
    finally:
        s.stop()


def test_slow_client_is_dropped():
    s = Server(args=["--request-timeout", "2"]).start()
    try:
        raw = socket.create_connection(("127.0.0.1", s.http_port))
        raw.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        raw.settimeout(10)
        started = time.monotonic()
        data = raw.recv(100)
        assert data == b"" and time.monotonic() - started < 8, data
        raw.close()
        assert s.get("/healthz", port="http")[0] == 200
    finally:
        s.stop()


def test_sighup_reopens_the_log_and_sigterm_exits_cleanly():
    s = Server().start()
    try:
        rotated = s.log_path + ".1"
        os.rename(s.log_path, rotated)
        s.kill(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while not os.path.exists(s.log_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert os.path.exists(s.log_path), "log not reopened on SIGHUP"
        assert s.get("/healthz")[0] == 200
        # The certificate is reloaded after the log is reopened.
        while "event=tls.reloaded" not in s.log() + open(rotated).read() \
                and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "event=tls.reloaded" in s.log() + open(rotated).read()
    finally:
        assert s.stop(signal.SIGTERM) == 0
    assert "event=server.stopped" in s.log()


def test_configuration_file_environment_and_flags():
    data = harness.tmpdir()
    with open(os.path.join(data, "pkiaas.conf"), "w") as f:
        f.write("# limits\n\nmax_body = 4096\n")

    def limit_between(low, high, env=None, args=()):
        s = Server(data=data, env=env, args=args).start()
        try:
            assert s.request("POST", "/healthz", body=b"x" * low)[0] == 405
            assert s.request("POST", "/healthz", body=b"x" * high)[0] == 413
        finally:
            s.stop()

    # A flag beats the environment, which beats the file.
    limit_between(2400, 2600, {"PKIAAS_MAX_BODY": "3000"},
                  ["--max-body", "2500"])
    limit_between(2900, 3100, {"PKIAAS_MAX_BODY": "3000"})
    limit_between(4000, 4200)

    with open(os.path.join(data, "pkiaas.conf"), "a") as f:
        f.write("no_such_key = 1\n")
    bad = Server(data=data).start(wait=False)
    assert bad.proc.wait(20) == 2
    assert "no_such_key" in bad.output() and "pkiaas.conf:4" in bad.output()
    bad = Server(args=["--threads", "many"]).start(wait=False)
    assert bad.proc.wait(20) == 2 and "threads" in bad.output()


def test_wrong_key_encryption_key_is_refused():
    s = Server().start()
    s.stop()
    with open(os.path.join(s.data, "kek"), "w") as f:
        f.write("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n")
    os.chmod(os.path.join(s.data, "kek"), 0o600)
    s.start(wait=False)
    assert s.proc.wait(20) == 3
    assert "another key-encryption key" in s.log(), s.log()


def test_port_in_use_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        s = Server()
        s.https_port = busy.getsockname()[1]
        s.start(wait=False)
        assert s.proc.wait(20) == 5
        assert "listen_https" in s.log(), s.log()


if __name__ == "__main__":
    harness.run(test_first_start_prints_url_root_and_login_once,
                test_https_certificate_is_trusted_and_kept_across_restarts,
                test_https_certificate_is_renewed_before_it_expires,
                test_operations_endpoints,
                test_errors_are_problem_documents,
                test_slow_client_is_dropped,
                test_sighup_reopens_the_log_and_sigterm_exits_cleanly,
                test_configuration_file_environment_and_flags,
                test_wrong_key_encryption_key_is_refused,
                test_port_in_use_is_a_clear_error)
