"""The HTTPS certificate changes on a running server without dropping a
connection, and the server stops cleanly while clients keep coming."""

import http.client
import signal
import socket
import ssl
import threading
import time

import harness
from harness import Server


def peer_certificate(s):
    with socket.create_connection(("127.0.0.1", s.https_port)) as raw:
        with s.tls_context().wrap_socket(raw,
                                         server_hostname="localhost") as tls:
            return tls.getpeercert(binary_form=True)


class Load:
    """Clients on both ports until stopped: new TLS connections, one
    kept-alive TLS connection, plain HTTP. Counts answers and failures."""

    def __init__(self, server):
        self.server = server
        self.stop = threading.Event()
        self.n = 0
        self.failures = []
        self.threads = [threading.Thread(target=self.fresh, args=("https",)),
                        threading.Thread(target=self.fresh, args=("https",)),
                        threading.Thread(target=self.fresh, args=("http",)),
                        threading.Thread(target=self.kept)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def answer(self, conn):
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise AssertionError(f"status {r.status}")
        self.n += 1

    def fresh(self, port):
        while not self.stop.is_set():
            conn = self.server.connection(port)
            try:
                self.answer(conn)
            except (OSError, ssl.SSLError, http.client.HTTPException,
                    AssertionError) as e:
                self.failures.append(f"{port}: {e!r}")
            finally:
                conn.close()

    def kept(self):
        conn = self.server.connection("https")
        try:
            while not self.stop.is_set():
                self.answer(conn)
                time.sleep(0.01)
        except (OSError, ssl.SSLError, http.client.HTTPException,
                AssertionError) as e:
            self.failures.append(f"kept: {e!r}")
        finally:
            conn.close()


def test_renewal_reaches_a_running_server_without_dropping_clients():
    # A second node on the same data is given one more TLS name, so it
    # replaces the certificate at its start, as a renewal would. A SIGHUP
    # (what log rotation sends) makes the first node present it, while
    # its clients keep their connections.
    a = Server(args=["--shutdown-grace", "1"]).start()
    names = ["localhost", "127.0.0.1", "::1", socket.gethostname(),
             "renewed.example.test"]
    b = Server(data=a.data, database=a.database,
               args=["--tls-names", ",".join(names)])
    b.stdout_path = a.stdout_path + ".b"
    b.log_path = a.log_path + ".b"
    load = Load(a)
    try:
        first = peer_certificate(a)
        load.start()
        b.start()
        renewed = peer_certificate(b)
        assert renewed != first
        assert b.stop() == 0, b.output()
        for _ in range(5):
            a.kill(signal.SIGHUP)
            time.sleep(0.2)
        deadline = time.monotonic() + 10
        while peer_certificate(a) != renewed and \
                time.monotonic() < deadline:
            time.sleep(0.1)
        assert peer_certificate(a) == renewed, a.log()[-3000:]
        # Past shutdown_grace: no old daemon closes what it held.
        time.sleep(1.5)
        load.finish()
        assert not load.failures, load.failures[:5]
        assert load.n > 50, load.n
        assert all(t.is_alive() is False for t in load.threads)
    finally:
        load.finish()
        b.stop(signal.SIGKILL)
        assert a.stop() == 0, a.output()[-3000:]


def test_stop_while_clients_keep_coming():
    # Each stop must exit 0 with the port busy: libmicrohttpd 0.9.75
    # aborted now and then when its listening socket was withdrawn from
    # busy workers.
    for _ in range(8):
        s = Server(args=["--threads", "8", "--shutdown-grace", "1"]).start()
        load = Load(s).start()
        time.sleep(0.3)
        try:
            assert s.stop() == 0, s.output()[-3000:]
        finally:
            load.finish()
            s.stop(signal.SIGKILL)
        assert load.n > 0
        assert "Fatal error" not in s.output(), s.output()[-3000:]
        assert "event=server.stopped" in s.log()


def test_stop_does_not_wait_for_idle_connections():
    # Kept-alive connections with no request in flight (a console tab, a
    # monitoring probe) are closed at a stop instead of holding it for
    # the whole shutdown_grace (10 s by default).
    s = Server().start()
    idle = [s.connection("https"), s.connection("https"),
            s.connection("http")]
    for conn in idle:
        conn.request("GET", "/healthz")
        assert conn.getresponse().read() is not None
    started = time.monotonic()
    assert s.stop() == 0, s.output()[-3000:]
    took = time.monotonic() - started
    assert took < 5, f"the stop took {took:.1f} s"
    for conn in idle:
        conn.close()


if __name__ == "__main__":
    harness.run(test_renewal_reaches_a_running_server_without_dropping_clients,
                test_stop_while_clients_keep_coming,
                test_stop_does_not_wait_for_idle_connections)
