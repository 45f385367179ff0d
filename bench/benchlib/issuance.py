"""Figure 1: certificates issued per second.

pkiaas: POST /api/v1/requests with a CSR to a template with
auto_approve, over HTTPS with keep-alive, by wrk; each 201 carries the
certificate, committed to the store before the answer. Peers: one
`openssl x509 -req` process per certificate, `openssl ca -batch` over
many CSRs in one process with a fresh index, and `cfssl serve`'s sign
endpoint."""

import json
import os
import secrets
import shutil
import threading
import time

from . import util, wrk

LEAF_EXT = """[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""

CA_CONF = """[ ca ]
default_ca = bench

[ bench ]
dir = {dir}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = {cert}
private_key = {key}
rand_serial = yes
crlnumber = $dir/crlnumber
default_days = 365
default_crl_days = 30
default_md = {md}
policy = anything
unique_subject = no
copy_extensions = copy
x509_extensions = leaf
crl_extensions = crlext

[ anything ]
commonName = supplied

[ crlext ]
authorityKeyIdentifier = keyid

""" + LEAF_EXT


def pkiaas_requests(folder, template_id, csrs):
    """The wrk request file of POST /api/v1/requests, one per CSR."""
    items = []
    for _, pem, _ in csrs:
        body = json.dumps({"template_id": template_id, "csr": pem}).encode()
        items.append(("POST", "/api/v1/requests", body))
    return wrk.write_requests(os.path.join(folder, "issue.req"), items)


def pkiaas(server, template_id, csrs, folder, seconds, connections, runs):
    """Issuance by wrk against the server: a list of wrk summaries."""
    # One by hand first: the path works and answers the certificate.
    doc = server.issue(template_id, csrs[0][1])
    if doc.get("status") != "issued" or "certificate" not in doc:
        raise RuntimeError(f"the template did not issue at once: {doc}")
    reqs = pkiaas_requests(folder, template_id, csrs)
    headers = ["Authorization: Bearer " + server.token,
               "Content-Type: application/json"]
    out = []
    for _ in range(runs):
        out.append(wrk.run(server.https, reqs, seconds, connections,
                           headers=headers, meter_pid=server.pid))
    return out


def x509_req(openssl, ca_key, ca_cert, csr_paths, folder, seconds, workers):
    """One `openssl x509 -req` process per certificate, `workers` at a
    time, for about seconds: certificates a second."""
    os.makedirs(folder, exist_ok=True)
    ext = os.path.join(folder, "leaf.cnf")
    with open(ext, "w") as f:
        f.write(LEAF_EXT)
    done = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work(w):
        i = w
        while time.monotonic() < stop:
            csr = csr_paths[i % len(csr_paths)]
            util.run([openssl, "x509", "-req", "-in", csr, "-CA", ca_cert,
                      "-CAkey", ca_key, "-set_serial",
                      "0x" + secrets.token_hex(15), "-days", "365",
                      "-copy_extensions", "copy", "-extfile", ext,
                      "-extensions", "leaf", "-out",
                      os.path.join(folder, f"{w}.pem")])
            with lock:
                done[0] += 1
            i += workers

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(w,))
               for w in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return done[0] / (time.monotonic() - started)


def openssl_ca(openssl, ca_key, ca_cert, csr_paths, folder, md):
    """`openssl ca -batch` signing every CSR in one process, with a fresh
    index: certificates a second (wall time of the process)."""
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "newcerts"))
    open(os.path.join(folder, "index.txt"), "w").close()
    conf = os.path.join(folder, "ca.cnf")
    with open(conf, "w") as f:
        f.write(CA_CONF.format(dir=folder, cert=ca_cert, key=ca_key, md=md))
    elapsed, _, _ = util.run_measured(
        [openssl, "ca", "-batch", "-config", conf, "-notext", "-out",
         os.path.join(folder, "out.pem"), "-infiles", *csr_paths],
        timeout=300)
    return len(csr_paths) / elapsed


class Cfssl(util.Peer):
    """`cfssl serve` with a CA of its own, plain HTTP on loopback."""

    def __init__(self, ca_key, ca_cert, folder):
        os.makedirs(folder, exist_ok=True)
        conf = os.path.join(folder, "cfssl.json")
        with open(conf, "w") as f:
            json.dump({"signing": {"default": {
                "expiry": "8760h",
                "usages": ["digital signature", "key encipherment",
                           "server auth", "client auth"]}}}, f)
        super().__init__(
            lambda port: ["cfssl", "serve", "-address", "127.0.0.1",
                          "-port", str(port), "-ca", ca_cert, "-ca-key",
                          ca_key, "-config", conf],
            os.path.join(folder, "cfssl.log"))


def cfssl(peer, csrs, folder, seconds, connections, runs):
    """wrk against cfssl's /api/v1/cfssl/sign: wrk summaries."""
    items = [("POST", "/api/v1/cfssl/sign",
              json.dumps({"certificate_request": pem}).encode())
             for _, pem, _ in csrs]
    reqs = wrk.write_requests(os.path.join(folder, "cfssl.req"), items)
    # One by hand first: it signs.
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", peer.port, timeout=30)
    c.request("POST", "/api/v1/cfssl/sign", items[0][2],
              {"Content-Type": "application/json"})
    r = c.getresponse()
    body = json.loads(r.read())
    c.close()
    if r.status != 200 or not body.get("success"):
        raise RuntimeError(f"cfssl sign: {r.status} {body}")
    return [wrk.run(peer.url(), reqs, seconds, connections,
                    headers=["Content-Type: application/json"],
                    meter_pid=peer.proc.pid) for _ in range(runs)]
