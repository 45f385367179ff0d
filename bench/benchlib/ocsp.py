"""Figure 2: OCSP responses per second, by wrk, for a mix of good and
revoked serials (three good to one revoked), every other request a GET
(RFC 5019, the base64 request in the path) and the others a POST; no
nonce, so that a responder may answer from a cache of signed responses.

pkiaas: /ocsp/CA-ID on the plain HTTP port, after one warm-up pass that
fills the store's response cache. Peers: `openssl ocsp` as a responder
over an index.txt (1 and 2 processes, signing with the CA's key, as a
shell-script CA would) and `cfssl ocspserve` over responses signed
beforehand."""

import base64
import datetime
import os
import random
import secrets
import subprocess
import urllib.parse

from . import der, util, wrk

GOOD, REVOKED = 75, 25


def mixed_requests(prefix, name_hash, key_hash, serials, post_only=False):
    """(method, path, body) for every serial both as a GET and as a POST,
    in a fixed shuffled order: GETs and POSTs alternate, and good and
    revoked serials mix as they are in serials."""
    order = list(range(len(serials)))
    random.Random(7).shuffle(order)
    items = []
    for rnd in (0, 1):
        for k, i in enumerate(order):
            req = der.ocsp_request(name_hash, key_hash, serials[i])
            if (k + rnd) % 2 == 0 and not post_only:
                b64 = base64.b64encode(req).decode()
                items.append(("GET", f"{prefix}/"
                              + urllib.parse.quote(b64, safe=""), None))
            else:
                items.append(("POST", prefix or "/", req))
    return items


def pkiaas_setup(server, ca, template_id, csrs):
    """Issues GOOD + REVOKED certificates and revokes REVOKED of them:
    their serials (as integers), revoked ones last."""
    serials = []
    for i in range(GOOD + REVOKED):
        doc = server.issue(template_id, csrs[i % len(csrs)][1])
        cert = doc["certificate"]
        if i >= GOOD:
            server.revoke(cert["id"])
        serials.append(int(cert["serial"], 16))
    return serials


def check(body, want):
    status, cert_status = der.ocsp_response_status(body)
    if status != 0 or cert_status != want:
        raise RuntimeError(f"OCSP answered status {status} certStatus "
                           f"{cert_status:#x}, wanted {want:#x}")


def pkiaas(server, ca, serials, folder, seconds, connections, runs):
    ca_der = der.pem_to_der(ca["certificate"])
    name_hash, key_hash = der.issuer_hashes(ca_der)
    prefix = "/ocsp/" + ca["id"]
    items = mixed_requests(prefix, name_hash, key_hash, serials)
    # Warm-up: every request once, answers checked (good is [0]
    # primitive 0x80, revoked [1] constructed 0xa1).
    for method, path, body in items:
        status, _, raw = server.request(
            method, path, body,
            {"Content-Type": "application/ocsp-request"} if body else {},
            port="http")
        if status != 200:
            raise RuntimeError(f"OCSP {method}: HTTP {status}")
    good = der.ocsp_request(name_hash, key_hash, serials[0])
    bad = der.ocsp_request(name_hash, key_hash, serials[-1])
    for req, want in ((good, 0x80), (bad, 0xA1)):
        _, _, raw = server.request(
            "POST", prefix, req, {"Content-Type": "application/ocsp-request"},
            port="http")
        check(raw, want)
    reqs = wrk.write_requests(os.path.join(folder, f"ocsp-{ca['id']}.req"),
                              items)
    return [wrk.run(server.http, reqs, seconds, connections,
                    headers=["Content-Type: application/ocsp-request"],
                    meter_pid=server.pid) for _ in range(runs)]


def index_line(serial, revoked):
    exp = "351231235959Z"
    if revoked:
        when = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%y%m%d%H%M%SZ")
        return f"R\t{exp}\t{when},keyCompromise\t{serial:X}\tunknown\t/CN=x\n"
    return f"V\t{exp}\t\t{serial:X}\tunknown\t/CN=x\n"


def random_serials(count):
    return [int.from_bytes(bytes([0x40 | secrets.randbits(6)])
                           + secrets.token_bytes(15), "big")
            for _ in range(count)]


class OpensslResponder:
    """`openssl ocsp -port` over an index of GOOD + REVOKED serials,
    signing with the CA's own key.

    OpenSSL 3.5's responder spins at full CPU on a connection that is
    closed before it sends a request, and serves nobody from then on
    (one process of -multi N per such connection). So nothing here
    probes its port, the wrk script skips wrk's probe connection, and a
    responder serves one wrk run only (wrk's last connections close
    unused)."""

    def __init__(self, openssl, ca_key, ca_cert, folder, processes):
        os.makedirs(folder, exist_ok=True)
        self.serials = random_serials(GOOD + REVOKED)
        self.index = os.path.join(folder, "index.txt")
        with open(self.index, "w") as f:
            for i, s in enumerate(self.serials):
                f.write(index_line(s, i >= GOOD))
        with open(self.index + ".attr", "w") as f:
            f.write("unique_subject = no\n")
        self.openssl, self.key, self.cert = openssl, ca_key, ca_cert
        self.port = util.free_port()
        self.log = open(os.path.join(folder, f"ocsp-{processes}.log"), "w")
        cmd = [openssl, "ocsp", "-index", self.index, "-CA", ca_cert,
               "-rsigner", ca_cert, "-rkey", ca_key, "-port",
               str(self.port), "-nmin", "60", "-ignore_err"]
        if processes > 1:
            cmd += ["-multi", str(processes)]
        self.proc = subprocess.Popen(cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        # Not wait_port: a probe connection hangs this responder.
        util.wait_listen(self.port)

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def sign_all(self, folder):
        """Each serial's response signed once by `openssl ocsp -reqin`,
        for cfssl: base64 lines in folder/responses."""
        with open(self.cert, "rb") as f:
            ca_der = der.pem_to_der(f.read().decode())
        name_hash, key_hash = der.issuer_hashes(ca_der)
        path = os.path.join(folder, "responses")
        with open(path, "w") as out:
            for s in self.serials:
                req = os.path.join(folder, "one.req")
                resp = os.path.join(folder, "one.resp")
                with open(req, "wb") as f:
                    f.write(der.ocsp_request(name_hash, key_hash, s))
                util.run([self.openssl, "ocsp", "-index", self.index, "-CA",
                          self.cert, "-rsigner", self.cert, "-rkey",
                          self.key, "-reqin", req, "-respout", resp,
                          "-ndays", "1"])
                with open(resp, "rb") as f:
                    out.write(base64.b64encode(f.read()).decode() + "\n")
        return path

    def cpu(self):
        return util.cpu_seconds_all(self.pids())

    def pids(self):
        """The responder and the processes it forked (-multi)."""
        return [self.proc.pid] + util.child_pids(self.proc.pid)

    def stop(self):
        util.stop_all(self.pids())
        self.proc.wait()
        self.log.close()


def peer_requests(folder, cert_path, serials, post_only=False):
    """The mixed requests for a peer at "/"; POSTs alone for cfssl 1.2,
    which answers 400 to a GET whose base64 holds a '+'."""
    with open(cert_path, "rb") as f:
        ca_der = der.pem_to_der(f.read().decode())
    name_hash, key_hash = der.issuer_hashes(ca_der)
    items = mixed_requests("", name_hash, key_hash, serials, post_only)
    name = "peer-post.req" if post_only else "peer-ocsp.req"
    return wrk.write_requests(os.path.join(folder, name), items)


def peer(url, reqs, seconds, connections, runs, pid=None):
    return [wrk.run(url, reqs, seconds, connections,
                    headers=["Content-Type: application/ocsp-request"],
                    meter_pid=pid) for _ in range(runs)]


class CfsslResponder(util.Peer):
    """`cfssl ocspserve` over a file of pre-signed responses."""

    def __init__(self, responses, folder):
        super().__init__(
            lambda port: ["cfssl", "ocspserve", "-address", "127.0.0.1",
                          "-port", str(port), "-responses", responses],
            os.path.join(folder, "cfssl-ocsp.log"))
