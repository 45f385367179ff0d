"""Bad input changes nothing: every public endpoint of a real pkiaasd
(each route of src/api/routes.c, read from the table itself, so that a
new route is covered as it lands) gets malformed and oversized input:
bodies that are not JSON, not an object, with duplicate keys, invalid
UTF-8, a NUL, deep nesting, the wrong or no content type, over
max_body; ids that are too long, percent-encoded NULs, dot segments;
bad query arguments; ACME JWS that are not JWS, unsigned, badly
encoded or unknown; OCSP requests that are not DER or base64; header
fields that come twice, a missing Host, a body framed two ways; and a
slow-loris connection. Each answer must be a 4xx with a problem document
(RFC 9457 for REST, an urn:ietf:params:acme:error type for ACME, an
OCSPResponse with malformedRequest for OCSP), or libmicrohttpd's own 4xx
for what it refuses before pkiaasd reads the request; the server keeps
serving others all along; and a dump of every table (less the marks of
a token's last use) is the same after as before."""

import base64
import http.client
import json
import os
import re
import signal
import socket
import ssl
import threading
import time

import harness
import workload
from harness import Server
from workload import Pki, Store

MAX_BODY = 65536
TIMEOUT = 3  # request_timeout, seconds
MALFORMED = b"\x30\x03\x0a\x01\x01"  # OCSPResponse, malformedRequest
VOLATILE = ("api_tokens.last_used_at", "sessions.last_seen_at")
ACME_ERROR = "urn:ietf:params:acme:error:"
ROUTES = os.path.join(harness.SOURCE, "src", "api", "routes.c")


def routes():
    """(port, method, pattern, name) of every route in routes.c."""
    with open(ROUTES) as f:
        text = f.read()
    out = []
    for port, table in (("https", "https_table"), ("http", "http_table")):
        body = text.split(f"static struct route {table}[] = {{")[1]
        body = body.split("};")[0]
        for m in re.finditer(r'\{"(\w+)",\s*"([^"]+)",\s*\w+,\s*"(\w+)"',
                             body):
            out.append((port, m.group(1), m.group(2), m.group(3)))
    assert len(out) > 50, out
    return out


class Target:
    """A server with one object of every kind the routes name."""

    def __init__(self, server):
        self.server = server
        s = server
        self.pki = Pki(s)
        p = self.pki
        status, req = p.submit("pending.example.test")
        assert status == 201, req
        status, self.cert = p.api("POST", "/api/v1/requests", {
            "template_id": p.auto,
            "csr": workload.csr_pem("issued.example.test")})
        assert status == 201, self.cert
        status, user = p.api("POST", "/api/v1/users", {
            "username": "member", "password": "a long password here",
            "role": "operator"})
        assert status == 201, user
        status, inv = p.api("POST", "/api/v1/invitations",
                            {"role": "auditor"})
        assert status == 201, inv
        status, tokens = p.api("GET", "/api/v1/tokens")
        status, audit = p.api("GET", "/api/v1/audit?limit=1")
        status, policies = p.api("GET", "/api/v1/acme/policies")
        policy = policies["items"][0]["id"]
        status, eabs = p.api("GET", f"/api/v1/acme/policies/{policy}/eabs")
        self.acme = p.acme()
        name = "order.pre.test"
        status, order = self.acme.post(self.acme.url("newOrder"), {
            "identifiers": [{"type": "dns", "value": name}]})
        assert status == 201, order
        status, accounts = p.api("GET", "/api/v1/acme/accounts")
        account = accounts["items"][0]["id"]
        order_id = order["url"].rsplit("/", 1)[1]
        self.ids = {
            "/api/v1/tokens/": tokens["items"][0]["id"],
            "/api/v1/users/": user["id"],
            "/api/v1/invitations/": inv["id"],
            "/api/v1/audit/": audit["items"][0]["id"],
            "/api/v1/cas/": p.ca["id"],
            "/api/v1/acme/policies/": policy,
            "/api/v1/acme/eabs/": eabs["items"][0]["id"],
            "/api/v1/acme/accounts/": account,
            "/api/v1/templates/": p.manual,
            "/api/v1/requests/": req["id"],
            "/api/v1/certificates/": self.cert["certificate"]["id"],
            "/acme/account/": account,
            "/acme/order/": order_id,
            "/acme/authz/": order_id,
            "/acme/chall/": order_id,
            "/acme/cert/": self.cert["certificate"]["id"],
            "/ocsp/": p.ca["id"],
            "/crl/": p.ca["id"] + ".crl",
            "/ca/": p.ca["id"] + ".crt",
        }

    def path(self, pattern, bad=None):
        """pattern with real ids, or with bad as its first parameter."""
        out, first = "", True
        for seg in pattern.strip("/").split("/"):
            if seg.startswith("{"):
                if bad is not None and first:
                    value = bad
                else:
                    value = self.ids.get(out + "/", "0")
                first = False
                seg = value
            out += "/" + seg
        return out

    def send(self, port, method, path, headers=None, body=None, host=True,
             timeout=15):
        """A request with exactly these header fields (a list of pairs):
        (status, headers, body)."""
        s = self.server
        if port == "https":
            conn = http.client.HTTPSConnection(
                "localhost", s.https_port, context=s.tls_context(),
                timeout=timeout)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", s.http_port,
                                              timeout=timeout)
        try:
            conn.putrequest(method, path, skip_host=True,
                            skip_accept_encoding=True)
            fields = list(headers or [])
            if host:
                fields.insert(0, ("Host", "localhost"))
            if body is not None and body is not DECLARED and not any(
                    k.lower() in ("content-length", "transfer-encoding")
                    for k, _ in fields):
                fields.append(("Content-Length", str(len(body))))
            for k, v in fields:
                conn.putheader(k, v)
            conn.endheaders(body if body is not DECLARED else None)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read()
        finally:
            conn.close()


# --- what an answer must be -----------------------------------------

def rest_problem(status, headers, body, want=None):
    assert 400 <= status < 500, (status, body[:300])
    if want is not None:
        assert status in want, (status, want, body[:300])
    assert headers.get("content-type") == "application/problem+json", \
        (status, headers, body[:300])
    doc = json.loads(body)
    assert doc["status"] == status and doc["title"] and doc["detail"], doc
    assert not doc["type"].startswith(ACME_ERROR), doc
    return doc


def acme_problem(status, headers, body, want=None):
    assert 400 <= status < 500, (status, body[:300])
    if want is not None:
        assert status in want, (status, want, body[:300])
    assert headers.get("content-type") == "application/problem+json", \
        (status, headers, body[:300])
    doc = json.loads(body)
    assert doc["type"].startswith(ACME_ERROR), doc
    assert doc["detail"] and doc.get("status", status) == status, doc
    return doc


def ocsp_malformed(status, headers, body, want=None):
    assert status == 200, (status, body[:300])
    assert headers["content-type"] == "application/ocsp-response", headers
    assert body == MALFORMED, body[:100]


def any_4xx(status, headers, body, want=None):
    """libmicrohttpd's own refusals: a 4xx, in its words."""
    assert 400 <= status < 500, (status, body[:300])
    if want is not None:
        assert status in want, (status, want, body[:300])


def problem_for(path):
    return acme_problem if path.startswith("/acme/") else rest_problem


# --- the bad input --------------------------------------------------

JSON = "application/json"
# A body declared over the limit and not sent: the server answers on
# the declared length (as it would after Expect: 100-continue), so the
# client is not cut off while still sending.
DECLARED = b""


def chunked(data, size=8192):
    out = b""
    for i in range(0, len(data), size):
        part = data[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"

JOSE = "application/jose+json"

BAD_JSON = [
    ("not JSON", b'{"name": ', None),
    ("not an object", b"[1, 2, 3]", None),
    ("a string", b'"name"', None),
    ("duplicate keys", b'{"name": "a", "name": "b"}', None),
    ("invalid UTF-8", b'{"name": "\xff\xfe"}', None),
    ("a NUL", b'{"name": "a\\u0000b"}', None),
    ("deep nesting", b"[" * 20000 + b"]" * 20000, None),
    ("a huge number", b'{"limit": 1e99999}', None),
    ("trailing bytes", b'{}{}', None),
]

# Routes that take no login: a bad Authorization is not read there.
NO_LOGIN = ("openapi", "login", "invitation_accept", "request_claim",
            "certificate_renew")

BAD_IDS = ["x" * 300, "%00", "..", "%2e%2e", "%ff%fe", "a%2Fb"]


def rest_cases(t, port, method, pattern, name):
    """(label, port, method, path, headers, body, check, want)."""
    problem = problem_for(pattern)
    path = t.path(pattern)
    auth = [("Authorization", "Bearer " + t.pki.token)]
    jose = pattern.startswith("/acme/")
    ctype = JOSE if jose else JSON
    out = []
    if method in ("POST", "PATCH", "PUT") and port == "https":
        for label, body, want in BAD_JSON:
            out.append((label, port, method, path,
                        auth + [("Content-Type", ctype)], body, problem,
                        want))
        out.append(("text/plain", port, method, path,
                    auth + [("Content-Type", "text/plain")], b"{}",
                    problem, (400, 415)))
        out.append(("no content type", port, method, path, auth, b"{}",
                    problem, (400, 415)))
        out.append(("over max_body", port, method, path,
                    auth + [("Content-Type", ctype),
                            ("Content-Length", str(MAX_BODY + 1))],
                    DECLARED, problem, (413,)))
        out.append(("chunked over max_body", port, method, path,
                    auth + [("Content-Type", ctype),
                            ("Transfer-Encoding", "chunked")],
                    chunked(b'{"name": "' + b"a" * MAX_BODY + b'"}'),
                    problem, (413,)))
        out.append(("two content types", port, method, path,
                    auth + [("Content-Type", ctype),
                            ("Content-Type", "text/plain")], b"{}",
                    problem, (400,)))
    if "{" in pattern:
        for bad in BAD_IDS:
            body = b"{}" if method in ("POST", "PATCH") else None
            heads = auth + ([("Content-Type", ctype)] if body else [])
            check = problem
            if pattern.startswith("/ocsp/") and method == "GET":
                check = ocsp_or_404
            out.append((f"id {bad[:12]}", port, method,
                        t.path(pattern, bad), heads, body, check, None))
    if name.endswith("_list") or name in ("audit_list",):
        for q in ("limit=abc", "limit=0", "limit=100000", "limit=-1",
                  "cursor=%00", "cursor=" + "z" * 300):
            out.append((q[:20], port, "GET", path + "?" + q, auth, None,
                        problem, (400,)))
    if pattern.startswith("/api/v1/") and name not in NO_LOGIN:
        for label, heads in (
                ("bad bearer", [("Authorization", "Bearer nope")]),
                ("basic auth", [("Authorization", "Basic Zm9vOmJhcg==")]),
                ("two tokens", auth + auth)):
            body = b"{}" if method in ("POST", "PATCH") else None
            if body is not None:
                heads = heads + [("Content-Type", JSON)]
            out.append((label, port, method, path, heads, body, problem,
                        (400, 401, 404)))
    return out


def ocsp_or_404(status, headers, body, want=None):
    if status == 200:
        return ocsp_malformed(status, headers, body)
    return rest_problem(status, headers, body, (400, 404))


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(protected, payload=b"{}", signature=b"x" * 64):
    p = protected if isinstance(protected, str) else \
        b64u(json.dumps(protected).encode())
    return json.dumps({"protected": p, "payload": b64u(payload),
                       "signature": b64u(signature)}).encode()


def acme_cases(t, pattern):
    """Not-quite-JWS for every ACME POST route."""
    path = t.path(pattern)
    url = f"https://localhost:{t.server.https_port}{path}"
    kid = t.acme.kid
    nonce = t.acme.nonce()
    jwk = t.acme.jwk()
    bodies = [
        ("compact JWS", b"eyJhbGciOiJFUzI1NiJ9.e30.c2ln"),
        ("no protected", json.dumps({"payload": "", "signature": ""})
         .encode()),
        ("protected not base64url", jws("***not base64***")),
        ("protected not JSON", jws(b64u(b"not json"))),
        ("alg none", jws({"alg": "none", "nonce": nonce, "url": url,
                          "kid": kid})),
        ("alg HS256", jws({"alg": "HS256", "nonce": nonce, "url": url,
                           "kid": kid})),
        ("jwk and kid", jws({"alg": "ES256", "nonce": nonce, "url": url,
                             "kid": kid, "jwk": jwk})),
        ("no nonce", jws({"alg": "ES256", "url": url, "kid": kid})),
        ("wrong url", jws({"alg": "ES256", "nonce": nonce,
                           "url": url + "x", "kid": kid})),
        ("unknown kid", jws({"alg": "ES256", "nonce": nonce, "url": url,
                             "kid": url.split("/acme/")[0]
                             + "/acme/account/nosuch"})),
        ("bad signature", jws({"alg": "ES256", "nonce": nonce, "url": url,
                               "kid": kid})),
        ("short signature", jws({"alg": "ES256", "nonce": nonce,
                                 "url": url, "kid": kid},
                                signature=b"x")),
        ("payload not base64url", json.dumps({
            "protected": b64u(json.dumps({"alg": "ES256", "nonce": nonce,
                                          "url": url, "kid": kid})
                              .encode()),
            "payload": "***", "signature": b64u(b"x" * 64)}).encode()),
        ("an extra member", json.dumps({
            "protected": b64u(json.dumps({"alg": "ES256", "url": url})
                              .encode()),
            "payload": "", "signature": "", "header": {}}).encode()),
    ]
    return [(label, "https", "POST", path, [("Content-Type", JOSE)], body,
             acme_problem, None) for label, body in bodies]


def ocsp_cases(t):
    ca = t.pki.ca["id"]
    post = [("Content-Type", "application/ocsp-request")]
    out = []
    for label, body in (("not DER", b"not an OCSP request"),
                        ("empty", b""),
                        ("truncated", b"\x30\x82\x01\x00\x30"),
                        ("trailing bytes", b"\x30\x00\x00"),
                        ("a huge length", b"\x30\x84\xff\xff\xff\xff"),
                        ("over 8 KiB", b"\x30\x82\x40\x00" + b"\0" * 16384),
                        ("deep nesting", b"\x30\x80" * 2000)):
        out.append((label, "http", "POST", f"/ocsp/{ca}", post, body,
                    ocsp_malformed, None))
    out.append(("wrong type", "http", "POST", f"/ocsp/{ca}",
                [("Content-Type", "text/plain")], b"\x30\x00",
                rest_problem, (415,)))
    out.append(("over max_body", "http", "POST", f"/ocsp/{ca}",
                post + [("Content-Length", str(MAX_BODY + 1))], DECLARED,
                rest_problem, (413,)))
    out.append(("chunked over max_body", "http", "POST", f"/ocsp/{ca}",
                post + [("Transfer-Encoding", "chunked")],
                chunked(b"\x30" * (MAX_BODY + 1)), rest_problem, (413,)))
    for label, tail in (("not base64", "***"), ("empty", "%20"),
                        ("base64 of junk", "bm90IE9DU1A="),
                        ("bad escape", "%zz"), ("a NUL", "MA%00A")):
        out.append((label, "http", "GET", f"/ocsp/{ca}/{tail}", [], None,
                    ocsp_or_404, None))
    return out


def header_cases(t):
    """Header fields that come twice, a missing Host, a body framed by
    both Content-Length and chunked encoding."""
    auth = [("Authorization", "Bearer " + t.pki.token)]
    body = json.dumps({"name": "x"}).encode()
    tpl = t.path("/api/v1/templates/{id}")
    acme = "/acme/new-order"
    out = [
        ("two Host", "https", "GET", "/api/v1/cas",
         auth + [("Host", "evil.example")], None, rest_problem, (400,)),
        ("two Content-Length", "https", "PATCH", tpl,
         auth + [("Content-Type", JSON), ("Content-Length", str(len(body))),
                 ("Content-Length", str(len(body)))], body, rest_problem,
         (400,)),
        ("CL and chunked", "https", "PATCH", tpl,
         auth + [("Content-Type", JSON), ("Content-Length", "5"),
                 ("Transfer-Encoding", "chunked")],
         b"5\r\n" + b"{}   " + b"\r\n0\r\n\r\n", rest_problem, (400,)),
        ("two cookies", "https", "GET", "/api/v1/me",
         [("Cookie", "pkiaas_session=a"), ("Cookie", "pkiaas_session=b")],
         None, rest_problem, (400,)),
        ("two CSRF tokens", "https", "POST", "/api/v1/auth/logout",
         [("X-CSRF-Token", "a"), ("X-CSRF-Token", "b")], None,
         rest_problem, (400,)),
        ("ACME, two content types", "https", "POST", acme,
         [("Content-Type", JOSE), ("Content-Type", JSON)], b"{}",
         acme_problem, (400,)),
        ("OCSP, two content types", "http", "POST",
         f"/ocsp/{t.pki.ca['id']}",
         [("Content-Type", "application/ocsp-request"),
          ("Content-Type", "text/plain")], b"\x30\x00", rest_problem,
         (400,)),
        ("bad Content-Length", "https", "POST", acme,
         [("Content-Type", JOSE), ("Content-Length", "12abc")], b"{}",
         any_4xx, (400,)),
        ("bad chunk", "https", "POST", acme,
         [("Content-Type", JOSE), ("Transfer-Encoding", "chunked")],
         b"zz\r\n{}\r\n0\r\n\r\n", any_4xx, (400,)),
        ("a huge header", "http", "GET", "/healthz",
         [("X-Big", "a" * 40000)], None, any_4xx, (400, 413, 431)),
        ("a huge path", "http", "GET", "/crl/" + "a" * 40000, [], None,
         any_4xx, (400, 404, 414, 431)),
    ]
    for port, path in (("https", "/api/v1/cas"), ("http", "/healthz"),
                       ("https", "/acme/directory")):
        check = problem_for(path)
        out.append(("no Host", port, "GET", path, auth, None, check,
                    (400,)))
    return out


def http_cases(t):
    """The plain HTTP port's files, named wrong."""
    ca = t.pki.ca["id"]
    out = []
    for path in (f"/crl/{ca}.zip", f"/crl/{ca}", "/crl/.crl",
                 "/crl/../../etc/passwd", f"/crl/{ca}.crl%00.pem",
                 f"/ca/{ca}.exe", "/ca/.crt", "/ca/%2e%2e%2fetc.crt",
                 "/ca/" + "a" * 500 + ".crt", "/nothing"):
        out.append(("file " + path[:24], "http", "GET", path, [], None,
                    rest_problem, (400, 404)))
    for method, path in (("POST", f"/crl/{ca}.crl"),
                         ("DELETE", f"/ca/{ca}.crt"),
                         ("PUT", f"/ocsp/{ca}")):
        out.append((method, "http", method, path,
                    [("Content-Type", "application/ocsp-request")], b"x",
                    rest_problem, (405,)))
    for method, path in (("DELETE", "/acme/directory"),
                         ("GET", "/acme/new-account"),
                         ("PUT", "/api/v1/cas")):
        out.append((method, "https", method, path, [], None,
                    problem_for(path), (405,)))
    out.append(("renewal id", "https", "GET",
                "/acme/renewal-info/not-an-ari-id", [], None, acme_problem,
                (400, 404)))
    return out


def all_cases(t):
    out = []
    for port, method, pattern, name in routes():
        out += [(f"{method} {pattern}: {c[0]}",) + c[1:]
                for c in rest_cases(t, port, method, pattern, name)]
        if pattern.startswith("/acme/") and method == "POST":
            out += [(f"{method} {pattern}: {c[0]}",) + c[1:]
                    for c in acme_cases(t, pattern)]
    for c in ocsp_cases(t) + header_cases(t) + http_cases(t):
        out.append((f"{c[2]} {c[3][:40]}: {c[0]}",) + c[1:])
    return out


class Prober(threading.Thread):
    """Asks /healthz on both ports throughout: the server keeps serving."""

    def __init__(self, t):
        super().__init__(daemon=True)
        self.t, self.stop, self.failures, self.n = t, threading.Event(), \
            [], 0

    def run(self):
        while not self.stop.is_set():
            for port in ("https", "http"):
                try:
                    status = self.t.send(port, "GET", "/healthz")[0]
                    if status != 200:
                        self.failures.append(status)
                    self.n += 1
                except Exception as e:
                    self.failures.append(repr(e))
            time.sleep(0.05)


def slow_loris(t, port):
    """Sends a request a byte every half second: the server must close
    the connection within request_timeout (and a tick), and answer
    others meanwhile."""
    s = t.server
    sock = socket.create_connection(
        ("127.0.0.1", s.https_port if port == "https" else s.http_port),
        timeout=10)
    if port == "https":
        sock = s.tls_context().wrap_socket(sock,
                                           server_hostname="localhost")
    data = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + \
        b"a" * 200
    started = time.monotonic()
    closed_after = None
    try:
        for i in range(len(data)):
            try:
                sock.send(data[i:i + 1])
                if i % 4 == 0:
                    assert t.send("http", "GET", "/healthz")[0] == 200
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                closed_after = time.monotonic() - started
                break
            time.sleep(0.5)
            if time.monotonic() - started > TIMEOUT + 6:
                break
        if closed_after is None:
            sock.settimeout(TIMEOUT + 3)
            try:
                if sock.recv(1) == b"":
                    closed_after = time.monotonic() - started
            except (OSError, ssl.SSLError):
                closed_after = time.monotonic() - started
    finally:
        sock.close()
    assert closed_after is not None and closed_after < TIMEOUT + 3, \
        f"the {port} slow connection was kept {closed_after} s"
    return closed_after


def test_bad_input_changes_nothing():
    server = Server(args=["--max-body", str(MAX_BODY),
                          "--request-timeout", str(TIMEOUT)])
    prober = None
    try:
        server.start()
        t = Target(server)
        prober = Prober(t)
        store = Store(t.server)
        before = store.dump(VOLATILE)
        prober.start()
        failures = []
        cases = all_cases(t)
        for label, port, method, path, headers, body, check, want in cases:
            try:
                status, h, raw = t.send(port, method, path, headers, body,
                                        host=label.split(": ")[-1]
                                        != "no Host")
                check(status, h, raw, want)
            except Exception as e:
                failures.append(f"{label}: {e!r}"[:400])
        for port in ("http", "https"):
            slow_loris(t, port)
        prober.stop.set()
        prober.join(30)
        assert not failures, "\n".join(failures[:120]) + \
            f"\n({len(failures)} of {len(cases)})"
        assert not prober.failures, prober.failures[:10]
        assert prober.n > 10, prober.n
        assert t.server.proc.poll() is None

        after = store.dump(VOLATILE)
        changed = {k: (len(before.get(k, [])), len(after.get(k, [])))
                   for k in set(before) | set(after)
                   if before.get(k) != after.get(k)}
        assert not changed, changed
        # Still serving: a certificate through the whole path.
        status, doc = t.pki.submit("after.example.test", t.pki.auto)
        assert status == 201 and doc["certificate"], doc
        assert t.server.stop() == 0, t.server.output()[-8000:]
        print(f"{len(cases)} bad requests, {prober.n} probes meanwhile")
    finally:
        if prober is not None:
            prober.stop.set()
        server.stop(signal.SIGKILL)


if __name__ == "__main__":
    harness.run(test_bad_input_changes_nothing)
