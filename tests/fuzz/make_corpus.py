#!/usr/bin/env python3
"""Writes the generated seeds of tests/fuzz/corpus.

    tests/fuzz/make_corpus.py [OPENSSL]

Real objects come from the OpenSSL command line (build/openssl/bin/openssl
when it exists, else the one on PATH, or OPENSSL); hostile ones are built
here byte by byte, with valid signatures where the point is what lies
inside. Only the files named here are written: crash-* files and the
template starters (starter-*.json, what template_settings_encode gives
for each starter) are left alone. Running it again changes the files that
hold fresh keys or ECDSA signatures; nothing else.
"""

import base64
import os
import subprocess
import sys
import tempfile
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")

# The OCSP fixture's CA key and name (ocsp_fixture.c): test material.
OCSP_CA_KEY = """-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+tYQBrVajShMBPpa
TEwspWcNiBFb+TBXUdqvN3vCdLWhRANCAARrv3tP3MdVhJuy34sw2et4H4hf+Coi
kWHO1zmA21bcsEyHgLDSgILDWnlrWH09+fNRHEGYhAiEmWRcQHz8oZok
-----END PRIVATE KEY-----
"""
OCSP_CA_CN = "pkiaas fuzz root"
SERIAL_GOOD = 0x4100000000000000000000000000000A
SERIAL_REVOKED = 0x4100000000000000000000000000000B
SERIAL_UNKNOWN = 0x4100000000000000000000000000000C


def openssl_path():
    if len(sys.argv) > 1:
        return sys.argv[1]
    if os.environ.get("OPENSSL"):
        return os.environ["OPENSSL"]
    built = os.path.join(TOP, "build", "openssl", "bin", "openssl")
    return built if os.path.exists(built) else "openssl"


OPENSSL = openssl_path()
TMP = tempfile.mkdtemp(prefix="pkiaas-corpus-")


def ossl(*args, data=None):
    return subprocess.run([OPENSSL, *args], input=data, check=True,
                          capture_output=True).stdout


def tmp(name, data=None):
    path = os.path.join(TMP, name)
    if data is not None:
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
    return path


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# ---- DER, by hand ----

def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, body):
    return bytes([tag]) + length(len(body)) + body


def seq(*items):
    return tlv(0x30, b"".join(items))


def set_of(*items):
    return tlv(0x31, b"".join(items))


def ctx(n, body):
    """[n] constructed (EXPLICIT, or IMPLICIT of a constructed type)."""
    return tlv(0xA0 | n, body)


def prim(n, body):
    """[n] IMPLICIT primitive."""
    return tlv(0x80 | n, body)


def body_of(der):
    """The content of a DER TLV whose length is definite."""
    n = der[1]
    if n < 0x80:
        return der[2:2 + n]
    size = int.from_bytes(der[2:2 + (n & 0x7F)], "big")
    return der[2 + (n & 0x7F):2 + (n & 0x7F) + size]


def indefinite(der):
    """The same SEQUENCE with BER's indefinite length outside."""
    return b"\x30\x80" + body_of(der) + b"\x00\x00"


def huge_length(der):
    """The same SEQUENCE claiming a length of 2 GiB."""
    return b"\x30\x84\x7f\xff\xff\xff" + body_of(der)


def oid(dotted):
    parts = [int(p) for p in dotted.split(".")]
    out = bytearray([parts[0] * 40 + parts[1]])
    for p in parts[2:]:
        chunk = [p & 0x7F]
        p >>= 7
        while p:
            chunk.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(chunk))
    return tlv(0x06, bytes(out))


def integer(n):
    if isinstance(n, bytes):
        return tlv(0x02, n)
    size = max(1, (n.bit_length() + 8) // 8)
    return tlv(0x02, n.to_bytes(size, "big", signed=True))


def octets(b):
    return tlv(0x04, b)


def bits(b):
    return tlv(0x03, b"\x00" + b)


def utf8(s):
    return tlv(0x0C, s if isinstance(s, bytes) else s.encode())


def printable(s):
    return tlv(0x13, s.encode())


def ia5(s):
    return tlv(0x16, s if isinstance(s, bytes) else s.encode())


def bmp(s):
    return tlv(0x1E, s.encode("utf-16-be"))


NULL = b"\x05\x00"
TRUE = b"\x01\x01\xff"

ATTR = {"CN": "2.5.4.3", "O": "2.5.4.10", "OU": "2.5.4.11", "C": "2.5.4.6",
        "ST": "2.5.4.8", "L": "2.5.4.7", "serialNumber": "2.5.4.5",
        "emailAddress": "1.2.840.113549.1.9.1"}


def name(*pairs):
    """A Name of one attribute an RDN: ("CN", value DER) pairs."""
    return seq(*[set_of(seq(oid(ATTR.get(a, a)), v)) for a, v in pairs])


def ext(dotted, value, critical=False):
    return seq(oid(dotted), TRUE if critical else b"", octets(value))


def san(*names):
    return ext("2.5.29.17", seq(*names))


def dns(s):
    return prim(2, s if isinstance(s, bytes) else s.encode())


def email(s):
    return prim(1, s.encode())


def uri(s):
    return prim(6, s.encode())


def ip(b):
    return prim(7, b)


# ---- CSRs: handcrafted ones are Ed25519, whose signatures repeat ----

ED_KEY = tmp("ed.pem", ossl("genpkey", "-algorithm", "ED25519"))
ED_SPKI = ossl("pkey", "-in", ED_KEY, "-pubout", "-outform", "DER")


def ed_sign(tbs):
    return ossl("pkeyutl", "-sign", "-rawin", "-inkey", ED_KEY, "-in",
                tmp("tbs.der", tbs))


def csr(subject, exts=None, attrs=(), version=0, spki=None,
        break_signature=False):
    attributes = list(attrs)
    if exts is not None:
        attributes.append(seq(oid("1.2.840.113549.1.9.14"),
                              set_of(seq(*exts))))
    tbs = seq(integer(version), subject, spki or ED_SPKI,
              ctx(0, b"".join(attributes)))
    sig = ed_sign(tbs)
    if break_signature:
        sig = sig[:-1] + bytes([sig[-1] ^ 1])
    return seq(tbs, seq(oid("1.3.101.112")), bits(sig))


def cn(s):
    return name(("CN", utf8(s)))


def pem(label, der):
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (
        label, "\n".join(lines), label)


def req(key_args, subj, *extra):
    key = tmp("k.pem", ossl("genpkey", *key_args))
    return ossl("req", "-new", "-key", key, "-subj", subj, "-outform",
                "DER", *extra)


def csr_corpus():
    t = "csr"
    sans = "subjectAltName=DNS:www.example.test,DNS:example.test"
    p256 = req(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
               "/CN=www.example.test", "-addext", sans)
    write(t, "real-ec-p256.der", p256)
    write(t, "real-ec-p256.pem", pem("CERTIFICATE REQUEST", p256))
    write(t, "real-rsa-2048.der", req(
        ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "/CN=host.example.test/O=Example/OU=IT/C=DE/ST=Berlin/L=Berlin"
        "/emailAddress=admin@example.test/serialNumber=42",
        "-addext", "subjectAltName=DNS:host.example.test,IP:192.0.2.1,"
        "IP:2001:db8::1,email:admin@example.test,URI:https://example.test/"))
    write(t, "real-ec-p384.pem", pem("CERTIFICATE REQUEST", req(
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
        "/CN=*.example.test", "-addext", "subjectAltName=DNS:*.example.test",
        "-sha384")))
    write(t, "real-ed25519.der", req(["-algorithm", "ED25519"],
                                     "/CN=ed.example.test", "-addext",
                                     "subjectAltName=DNS:ed.example.test"))
    write(t, "real-ml-dsa-44.der", req(["-algorithm", "ML-DSA-44"],
                                       "/CN=pq.example.test", "-addext",
                                       "subjectAltName=DNS:pq.example.test"))
    write(t, "real-slh-dsa-sha2-128f.der", req(
        ["-algorithm", "SLH-DSA-SHA2-128f"], "/CN=slh.example.test"))
    write(t, "real-rsa-pss.der", req(
        ["-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048"],
        "/CN=pss.example.test", "-addext", sans))
    write(t, "real-ec-explicit-params.der", req(
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-pkeyopt", "ec_param_enc:explicit"], "/CN=explicit.example.test"))
    write(t, "real-ec-secp256k1.der", req(
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"],
        "/CN=k1.example.test", "-addext", sans))
    write(t, "real-rsa-1024.der", req(
        ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
        "/CN=small.example.test", "-addext", sans))
    write(t, "real-ca-true.der", req(
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "/CN=Sub CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign"))
    write(t, "real-no-san.der", req(
        ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
        "/CN=nosan.example.test"))

    # what a PEM may carry around its one request
    text = pem("CERTIFICATE REQUEST", p256)
    write(t, "pem-trailing-text.pem", text + "and more\n")
    write(t, "pem-leading-text.pem", "hello\n" + text)
    write(t, "pem-two.pem", text + text)
    write(t, "pem-new-label.pem", text.replace("CERTIFICATE REQUEST",
                                               "NEW CERTIFICATE REQUEST"))
    write(t, "pem-bad-base64.pem", text[:60] + "!!!!" + text[64:])
    write(t, "pem-header-only.pem", "-----BEGIN CERTIFICATE REQUEST-----\n")
    write(t, "pem-crlf.pem", text.replace("\n", "\r\n"))
    # what DER may carry
    write(t, "der-trailing-byte.der", p256 + b"\x00")
    write(t, "der-truncated.der", p256[:len(p256) // 2])
    write(t, "der-empty", b"")
    write(t, "der-one-byte", b"\x30")
    write(t, "der-huge-length.der", huge_length(p256))
    write(t, "der-indefinite.der", indefinite(p256))
    write(t, "der-deep-nesting.der", b"\x30\x80" * 500)

    # handcrafted, signed: what lies inside a well-formed request
    host = cn("h.example.test")
    write(t, "hc-ed25519.der", csr(host, [san(dns("h.example.test"))]))
    write(t, "hc-bad-signature.der",
          csr(host, [san(dns("h.example.test"))], break_signature=True))
    write(t, "hc-version-2.der", csr(host, [san(dns("h.example.test"))],
                                      version=1))
    write(t, "hc-dup-san.der", csr(host, [san(dns("a.example.test")),
                                          san(dns("b.example.test"))]))
    write(t, "hc-dup-extension-request.der", csr(host, attrs=[
        seq(oid("1.2.840.113549.1.9.14"),
            set_of(seq(san(dns("a.example.test"))))),
        seq(oid("1.2.840.113549.1.9.14"),
            set_of(seq(san(dns("b.example.test")))))]))
    write(t, "hc-extension-request-empty.der", csr(host, []))
    write(t, "hc-extension-request-two-values.der", csr(host, attrs=[
        seq(oid("1.2.840.113549.1.9.14"),
            set_of(seq(san(dns("a.example.test"))),
                   seq(san(dns("b.example.test")))))]))
    write(t, "hc-challenge-password.der", csr(host, attrs=[
        seq(oid("1.2.840.113549.1.9.7"), set_of(utf8("secret")))]))
    write(t, "hc-bmp-cn.der", csr(name(("CN", bmp("bmp.example.test"))),
                                  [san(dns("bmp.example.test"))]))
    write(t, "hc-cn-invalid-utf8.der", csr(name(("CN", utf8(b"\xff\xfe"))),
                                           [san(dns("u.example.test"))]))
    write(t, "hc-cn-empty.der", csr(name(("CN", utf8(""))),
                                    [san(dns("e.example.test"))]))
    write(t, "hc-cn-long.der", csr(cn("x" * 5000),
                                   [san(dns("long.example.test"))]))
    write(t, "hc-c-three-letters.der", csr(
        name(("CN", utf8("c.example.test")), ("C", printable("DEU"))),
        [san(dns("c.example.test"))]))
    write(t, "hc-subject-every-attribute.der", csr(name(
        ("CN", utf8("all.example.test")), ("O", utf8("Example")),
        ("OU", utf8("IT")), ("C", printable("DE")), ("ST", utf8("Berlin")),
        ("L", utf8("Berlin")), ("emailAddress", ia5("a@example.test")),
        ("serialNumber", printable("42")), ("CN", utf8("second CN"))),
        [san(dns("all.example.test"))]))
    write(t, "hc-subject-multivalued-rdn.der", csr(
        seq(set_of(seq(oid(ATTR["CN"]), utf8("m.example.test")),
                   seq(oid(ATTR["O"]), utf8("Example")))),
        [san(dns("m.example.test"))]))
    write(t, "hc-subject-many-rdns.der", csr(
        name(*[("OU", utf8("ou%d" % i)) for i in range(200)]),
        [san(dns("many.example.test"))]))
    write(t, "hc-subject-unknown-attribute.der", csr(
        name(("CN", utf8("x.example.test")), ("1.2.3.4.5", utf8("odd"))),
        [san(dns("x.example.test"))]))
    write(t, "hc-no-subject-san-only.der",
          csr(seq(), [san(dns("only.example.test"))]))
    write(t, "hc-no-subject-no-san.der", csr(seq()))
    write(t, "hc-dns-nul.der", csr(host, [san(dns(b"a\x00.example.test"))]))
    write(t, "hc-dns-bad-names.der", csr(host, [san(
        dns("-a.example.test"), dns("a..example.test"), dns("*."),
        dns("*.*.example.test"), dns("a" * 64 + ".test"), dns(""),
        dns("example.test."), dns("ex_ample.test"))]))
    write(t, "hc-dns-long.der", csr(host, [san(dns(
        ".".join(["a" * 63] * 5)))]))
    write(t, "hc-ip-five-bytes.der", csr(host, [san(ip(b"\xc0\x00\x02\x01\x00"))]))
    write(t, "hc-ip-empty.der", csr(host, [san(ip(b""))]))
    write(t, "hc-email-no-at.der", csr(host, [san(email("nobody"))]))
    write(t, "hc-email-nul.der", csr(host, [san(email("a\0@example.test"))]))
    write(t, "hc-uri-nul.der", csr(host, [san(uri("https://a\0.example/"))]))
    write(t, "hc-uri-control.der", csr(host, [san(uri("https://a\n.example/"))]))
    write(t, "hc-uri.der", csr(host, [san(uri("https://example.test/x"),
                                          uri(""))]))
    write(t, "hc-san-other-types.der", csr(host, [san(
        ctx(0, oid("1.3.6.1.4.1.311.20.2.3") + ctx(0, utf8("upn@example"))),
        ctx(4, cn("dir")), prim(8, oid("1.2.3.4")[2:]),
        ctx(3, seq()))]))
    write(t, "hc-san-101.der", csr(host, [san(
        *[dns("n%d.example.test" % i) for i in range(101)])]))
    write(t, "hc-san-empty.der", csr(host, [san()]))
    write(t, "hc-san-not-der.der", csr(host, [ext("2.5.29.17", b"\x30\x05\x82")]))
    write(t, "hc-san-wrong-type.der", csr(host, [ext("2.5.29.17",
                                                     integer(7))]))
    write(t, "hc-basic-constraints-ca.der", csr(host, [
        ext("2.5.29.19", seq(TRUE), critical=True),
        san(dns("h.example.test"))]))
    write(t, "hc-basic-constraints-not-der.der", csr(host, [
        ext("2.5.29.19", b"\x30\x03\x01"), san(dns("h.example.test"))]))
    write(t, "hc-dup-basic-constraints.der", csr(host, [
        ext("2.5.29.19", seq()), ext("2.5.29.19", seq(TRUE)),
        san(dns("h.example.test"))]))
    write(t, "hc-unknown-critical.der", csr(host, [
        ext("1.3.6.1.4.1.99999.1", octets(b"x"), critical=True),
        san(dns("h.example.test"))]))
    write(t, "hc-eku-and-ku.der", csr(host, [
        ext("2.5.29.37", seq(oid("1.3.6.1.5.5.7.3.3"))),
        ext("2.5.29.15", bits(b"\xff"), critical=True),
        san(dns("h.example.test"))]))
    write(t, "hc-spki-garbage.der", csr(host, [san(dns("h.example.test"))],
                                        spki=seq(seq(oid("1.3.101.112")),
                                                 bits(b"\x01\x02"))))


# ---- OCSP requests ----

def ocsp_ca():
    key = tmp("ocsp-ca.pem", OCSP_CA_KEY)
    cert = ossl("req", "-new", "-x509", "-key", key, "-subj",
                "/CN=" + OCSP_CA_CN, "-days", "3650")
    return key, tmp("ocsp-ca.crt", cert)


def certid(serial, name_hash, key_hash, alg="1.3.14.3.2.26", params=NULL,
           serial_der=None):
    return seq(seq(oid(alg), params), octets(name_hash), octets(key_hash),
               serial_der if serial_der is not None else integer(serial))


def one(cid, exts=None):
    return seq(cid, ctx(0, seq(*exts)) if exts is not None else b"")


def ocsp_request(requests, exts=None, version=None, requestor=None):
    tbs = seq(ctx(0, integer(version)) if version is not None else b"",
              ctx(1, requestor) if requestor is not None else b"",
              seq(*requests),
              ctx(2, seq(*exts)) if exts is not None else b"")
    return seq(tbs)


def nonce(value, raw=False):
    return ext("1.3.6.1.5.5.7.48.1.2", value if raw else octets(value))


def ocsp_corpus():
    t = "ocsp"
    key, cert = ocsp_ca()

    def cli(name_, *args):
        ossl("ocsp", "-issuer", cert, *args, "-reqout", tmp(name_))
        with open(tmp(name_), "rb") as f:
            data = f.read()
        write(t, name_, data)
        return data

    good = cli("real-good-sha1.der", "-serial", hex(SERIAL_GOOD), "-no_nonce")
    with_nonce = cli("real-good-nonce.der", "-serial", hex(SERIAL_GOOD))
    cli("real-revoked-sha256.der", "-sha256", "-serial", hex(SERIAL_REVOKED),
        "-no_nonce")
    cli("real-good-sha384.der", "-sha384", "-serial", hex(SERIAL_GOOD))
    cli("real-good-sha512.der", "-sha512", "-serial", hex(SERIAL_GOOD),
        "-no_nonce")
    cli("real-unknown.der", "-serial", hex(SERIAL_UNKNOWN), "-no_nonce")
    two = cli("real-good-and-revoked.der", "-serial", hex(SERIAL_GOOD),
              "-serial", hex(SERIAL_REVOKED))
    cli("real-signed.der", "-serial", hex(SERIAL_GOOD), "-signer", cert,
        "-signkey", key)
    cli("real-md5-certid.der", "-md5", "-serial", hex(SERIAL_GOOD),
        "-no_nonce")
    other_key = tmp("other.pem", ossl("genpkey", "-algorithm", "EC",
                                      "-pkeyopt", "ec_paramgen_curve:P-256"))
    other = tmp("other.crt", ossl("req", "-new", "-x509", "-key", other_key,
                                  "-subj", "/CN=" + OCSP_CA_CN))
    ossl("ocsp", "-issuer", other, "-serial", hex(SERIAL_GOOD), "-reqout",
         tmp("other.der"))
    with open(tmp("other.der"), "rb") as f:
        write(t, "real-other-issuer-key.der", f.read())

    # the CA's hashes, from the request the command line made
    cid = good[good.index(b"\x04\x14"):]
    name_hash, key_hash = cid[2:22], cid[24:44]

    def id_(serial=SERIAL_GOOD, **kw):
        return certid(serial, name_hash, key_hash, **kw)

    write(t, "hc-good.der", ocsp_request([one(id_())]))
    write(t, "hc-five-certs.der", ocsp_request([one(id_())] * 5))
    write(t, "hc-four-certs.der", ocsp_request(
        [one(id_()), one(id_(SERIAL_REVOKED)), one(id_(SERIAL_UNKNOWN)),
         one(id_())]))
    write(t, "hc-no-certs.der", ocsp_request([]))
    write(t, "hc-nonce-128.der", ocsp_request([one(id_())],
                                              [nonce(b"n" * 128)]))
    write(t, "hc-nonce-129.der", ocsp_request([one(id_())],
                                              [nonce(b"n" * 129)]))
    write(t, "hc-nonce-empty.der", ocsp_request([one(id_())], [nonce(b"")]))
    write(t, "hc-nonce-raw.der", ocsp_request(
        [one(id_())], [nonce(b"0123456789abcdef", raw=True)]))
    write(t, "hc-nonce-integer.der", ocsp_request(
        [one(id_())], [nonce(integer(5), raw=True)]))
    write(t, "hc-nonce-trailing.der", ocsp_request(
        [one(id_())], [nonce(octets(b"abc") + b"\x00", raw=True)]))
    write(t, "hc-two-nonces.der", ocsp_request(
        [one(id_())], [nonce(b"first"), nonce(b"second")]))
    write(t, "hc-nonce-critical.der", ocsp_request(
        [one(id_())], [ext("1.3.6.1.5.5.7.48.1.2", octets(octets(b"abc")),
                           critical=True)]))
    write(t, "hc-unknown-critical.der", ocsp_request(
        [one(id_())], [ext("1.3.6.1.4.1.99999.1", NULL, critical=True)]))
    write(t, "hc-unknown-noncritical.der", ocsp_request(
        [one(id_())], [ext("1.3.6.1.5.5.7.48.1.4",
                           seq(oid("1.3.6.1.5.5.7.48.1.1")))]))
    write(t, "hc-extensions-empty.der", ocsp_request([one(id_())], []))
    write(t, "hc-single-critical.der", ocsp_request(
        [one(id_(), [ext("1.3.6.1.4.1.99999.2", NULL, critical=True)])]))
    write(t, "hc-single-noncritical.der", ocsp_request(
        [one(id_(), [ext("1.3.6.1.5.5.7.48.1.7", seq())])]))
    write(t, "hc-version-2.der", ocsp_request([one(id_())], version=1))
    write(t, "hc-requestor-name.der", ocsp_request(
        [one(id_())], requestor=ctx(4, cn("asker"))))
    write(t, "hc-sha256-certid-sha1-hashes.der", ocsp_request(
        [one(id_(alg="2.16.840.1.101.3.4.2.1"))]))
    write(t, "hc-hash-params-garbage.der", ocsp_request(
        [one(id_(params=integer(1)))]))
    write(t, "hc-hash-no-params.der", ocsp_request([one(id_(params=b""))]))
    write(t, "hc-serial-negative.der", ocsp_request([one(id_(-5))]))
    write(t, "hc-serial-zero.der", ocsp_request([one(id_(0))]))
    write(t, "hc-serial-empty.der", ocsp_request(
        [one(id_(serial_der=b"\x02\x00"))]))
    write(t, "hc-serial-huge.der", ocsp_request(
        [one(id_(serial_der=integer(b"\x41" + b"\xff" * 300)))]))
    write(t, "hc-serial-padded.der", ocsp_request(
        [one(id_(serial_der=integer(b"\x00" + SERIAL_GOOD.to_bytes(16, "big"))))]))
    write(t, "hc-name-hash-short.der", ocsp_request(
        [one(certid(SERIAL_GOOD, name_hash[:10], key_hash))]))
    write(t, "hc-trailing-byte.der", good + b"\x00")
    write(t, "hc-truncated.der", good[:len(good) - 5])
    write(t, "hc-empty", b"")
    write(t, "hc-huge-length.der", huge_length(good))
    write(t, "hc-indefinite.der", indefinite(good))
    write(t, "hc-deep-nesting.der", b"\x30\x80" * 400)
    write(t, "hc-over-8192.der", ocsp_request(
        [one(id_())], [ext("1.3.6.1.4.1.99999.3", octets(b"x" * 8200))]))

    # the same by GET: base64 of the DER in the path (RFC 6960 A.1)
    g = "ocsp_get"
    b64 = lambda d: base64.b64encode(d).decode()
    write(g, "real-good-sha1.txt", b64(good))
    write(g, "real-good-nonce.txt", b64(with_nonce))
    write(g, "real-good-and-revoked.txt", b64(two))
    write(g, "percent-encoded.txt", urllib.parse.quote(b64(with_nonce),
                                                       safe=""))
    write(g, "percent-encoded-twice.txt", urllib.parse.quote(
        urllib.parse.quote(b64(two), safe=""), safe=""))
    write(g, "percent-bad-escape.txt", b64(good)[:8] + "%zz" + b64(good)[8:])
    write(g, "percent-cut.txt", b64(good) + "%4")
    write(g, "percent-lone.txt", "%")
    write(g, "percent-nul.txt", "%00" + b64(good))
    write(g, "base64url.txt", base64.urlsafe_b64encode(with_nonce).decode())
    write(g, "no-padding.txt", b64(two).rstrip("="))
    write(g, "newline-inside.txt", b64(good)[:20] + "\n" + b64(good)[20:])
    write(g, "trailing-slash.txt", b64(good) + "/")
    write(g, "empty.txt", "")
    write(g, "not-base64.txt", "not base64 at all")
    write(g, "over-8192.txt", b64(b"\x30\x82\x20\x10" + b"\x00" * 8208))


# ---- JSON bodies (docs/api.md) and template settings (docs/templates.md) ----

def json_corpus():
    j = "json_body"
    write(j, "template-create.json",
          '{"ca_id": "c0ffee00c0ffee00", "name": "Internal web",'
          ' "starter": "web-server", "settings": {"validity_days": 90,'
          ' "allowed_key_types": ["ecdsa", "rsa-3072"],'
          ' "san_types": ["dns"], "auto_approve": true}}')
    write(j, "template-create-smime.json",
          '{"ca_id": "c", "name": "Mail", "starter": "smime", "settings":'
          ' {"subject": [{"attribute": "CN", "source": "csr",'
          ' "required": true}, {"attribute": "O", "source": "fixed",'
          ' "value": "Example"}], "policies": {"include": true,'
          ' "oid": "1.3.6.1.4.1.99999.1", "cps_url":'
          ' "https://pki.example.test/cps"}}}')
    write(j, "template-unknown-starter.json",
          '{"ca_id": "c", "name": "x", "starter": "nope", "settings": {}}')
    write(j, "ca-create-root.json",
          '{"name": "Example Root", "kind": "root", "key_type": "ecdsa-p384",'
          ' "subject": {"CN": "Example Root", "O": "Example", "C": "DE"},'
          ' "validity_days": 3650, "path_length": 1, "rsa_pss": false,'
          ' "cps_url": "https://pki.example.test/cps",'
          ' "certificate_settings": {"key_usage": ["keyCertSign", "cRLSign",'
          ' "digitalSignature"], "extended_key_usage": ["serverAuth"]}}')
    write(j, "ca-create-subject-unknown.json",
          '{"name": "R", "kind": "root", "subject": {"CN": "R", "X": "y"}}')
    write(j, "ca-create-subject-number.json",
          '{"name": "R", "kind": "root", "subject": {"CN": 5}}')
    write(j, "preapprove.json",
          '{"template_id": "t0", "subject": ["CN=device-17", "O=Example"],'
          ' "sans": ["DNS:device-17.example.test", "IP:192.0.2.17",'
          ' "email:ops@example.test", "URI:urn:device:17"],'
          ' "validity_days": 30, "not_before": 1767225600,'
          ' "not_after": 1769904000}')
    write(j, "preapprove-bad-overrides.json",
          '{"template_id": "t0", "subject": ["CN", "=x", "NOPE=1",'
          ' "CN=' + "x" * 300 + '"], "sans": ["DNS:a,DNS:b", "FOO:bar",'
          ' "IP:999.1.1.1", "DNS:"]}')
    write(j, "preapprove-subject-not-strings.json",
          '{"template_id": "t0", "subject": [1, null, ["CN=x"]]}')
    write(j, "revoke.json",
          '{"reason": "keyCompromise", "invalidity_date": 1767225600}')
    write(j, "revoke-empty.json", "{}")
    write(j, "empty", "")
    write(j, "top-level-array.json", '[{"reason": "superseded"}]')
    write(j, "duplicate-key.json",
          '{"reason": "superseded", "reason": "keyCompromise"}')
    write(j, "wrong-types.json",
          '{"ca_id": 1, "name": true, "settings": [], "subject": "CN=x",'
          ' "reason": {}, "invalidity_date": "now"}')
    write(j, "nul-in-string.json",
          '{"template_id": "t\\u0000x", "subject": ["CN=a\\u0000b"]}')
    write(j, "lone-surrogate.json", '{"reason": "\\ud800"}')
    write(j, "not-utf8.json", b'{"reason": "\xff\xfe"}')
    write(j, "huge-integers.json",
          '{"invalidity_date": 99999999999999999999999,'
          ' "validity_days": -9223372036854775808, "not_before": 1e400}')
    write(j, "int-limits.json",
          '{"template_id": "t", "validity_days": 2147483648,'
          ' "not_before": 9223372036854775807, "not_after": -1}')
    write(j, "too-long-string.json", '{"reason": "' + "r" * 1025 + '"}')
    write(j, "too-many-items.json", '{"template_id": "t", "subject": [' +
          ", ".join(['"O=x"'] * 33) + "]}")
    write(j, "deep-16.json", '{"settings": ' + '{"a": ' * 15 + "1" +
          "}" * 15 + ', "ca_id": "c", "name": "n"}')
    write(j, "deep-17.json", '{"settings": ' + '{"a": ' * 16 + "1" +
          "}" * 16 + ', "ca_id": "c", "name": "n"}')
    write(j, "deep-arrays.json", '{"subject": ' + "[" * 3000 + "]" * 3000 +
          "}")
    write(j, "truncated.json", '{"reason": "keyComp')
    write(j, "trailing-data.json", '{"reason": "superseded"} {}')
    write(j, "whitespace-only.json", " \n\t ")

    s = "template_json"
    write(s, "docs-example.json",
          '{"validity_days": 90, "allowed_key_types": ["ecdsa", "rsa-3072"],'
          ' "san_types": ["dns"], "auto_approve": true,'
          ' "renewal": {"enabled": true, "within_days": 14}}')
    write(s, "every-member.json",
          '{"enabled": true, "allow_public": true, "auto_approve": false,'
          ' "renewal": {"enabled": true, "within_days": 30},'
          ' "hash": "sha384", "validity_days": 3650,'
          ' "description": "All of it", "subject": [{"attribute": "CN",'
          ' "source": "csr", "required": true}, {"attribute": "C",'
          ' "source": "fixed", "value": "DE"}, {"attribute":'
          ' "serialNumber", "source": "csr"}], "key_usage":'
          ' ["digitalSignature", "nonRepudiation", "keyEncipherment",'
          ' "dataEncipherment", "keyAgreement"], "key_usage_critical": false,'
          ' "extended_key_usage": ["serverAuth", "1.3.6.1.4.1.99999.7"],'
          ' "extended_key_usage_critical": true, "basic_constraints":'
          ' {"ca": false, "path_length": null, "critical": true}, "aia":'
          ' {"include": true, "url": "http://pki.example.test/ca.crt",'
          ' "ocsp": false}, "crl_distribution_point": false,'
          ' "policies": {"include": true, "oid": "2.23.140.1.2.2",'
          ' "cps_url": "https://pki.example.test/cps"},'
          ' "allowed_key_types": ["rsa", "ecdsa-p256", "ml-dsa"],'
          ' "min_rsa_bits": 3072, "min_ec_bits": 384, "san_types": ["dns",'
          ' "ip", "email", "uri"], "max_sans": 5, "require_san": true,'
          ' "ocsp_nocheck": false, "scep": {"challenge": "dynamic"},'
          ' "ct_logs": ["https://ct.example.test/log"]}')
    write(s, "ca-template.json",
          '{"basic_constraints": {"ca": true, "path_length": 2,'
          ' "critical": true}, "key_usage": ["keyCertSign", "cRLSign"]}')
    write(s, "path-length-without-ca.json",
          '{"basic_constraints": {"path_length": 0}}')
    write(s, "keycertsign-without-ca.json", '{"key_usage": ["keyCertSign"]}')
    write(s, "require-san-no-types.json",
          '{"require_san": true, "san_types": []}')
    write(s, "unknown-member.json", '{"validity": 5}')
    write(s, "unknown-nested-member.json", '{"renewal": {"days": 5}}')
    write(s, "wrong-types.json",
          '{"enabled": "yes", "validity_days": "90", "subject": {},'
          ' "key_usage": "digitalSignature", "aia": []}')
    write(s, "out-of-range.json",
          '{"validity_days": 0, "max_sans": -1, "min_rsa_bits": 99999,'
          ' "renewal": {"within_days": 100000}}')
    write(s, "bad-names.json",
          '{"key_usage": ["digitalSignature", "digitalSignature"],'
          ' "extended_key_usage": ["1.2", "serverAuth ", "2.999999999999999999999.1"],'
          ' "allowed_key_types": ["rsa-1024"], "san_types": ["dns", "DNS"]}')
    write(s, "subject-bad.json",
          '{"subject": [{"attribute": "CN"}, {"attribute": "XX",'
          ' "source": "csr"}, {"attribute": "C", "source": "fixed",'
          ' "value": "Germany"}, {"attribute": "CN", "source": "csr"}]}')
    write(s, "subject-nine.json", '{"subject": [' + ", ".join(
        ['{"attribute": "OU", "source": "csr"}'] * 9) + "]}")
    write(s, "subject-control-chars.json",
          '{"subject": [{"attribute": "O", "source": "fixed",'
          ' "value": "a\\u0001b"}], "description": "tab\\there"}')
    write(s, "text-too-long.json", '{"description": "' + "d" * 300 + '"}')
    write(s, "urls-bad.json",
          '{"aia": {"url": "javascript:alert(1)"}, "policies":'
          ' {"cps_url": "http://"}}')
    write(s, "oid-long.json", '{"policies": {"oid": "1.' +
          ".".join(["2"] * 40) + '"}}')
    write(s, "ct-logs-many.json", '{"ct_logs": [' + ", ".join(
        ['"https://ct.example.test/%d"' % i for i in range(17)]) + "]}")
    write(s, "scep-big.json", '{"scep": {"x": "' + "s" * 9000 + '"}}')
    write(s, "unknown-member-control-bytes.json", '{"\\u0001\\u001b[31m": 1}')
    write(s, "duplicate-key.json", '{"validity_days": 5, "validity_days": 6}')
    write(s, "not-an-object.json", "[1, 2]")
    write(s, "empty", "")
    write(s, "null.json", "null")
    write(s, "nul-inside.json", b'{"description": "a"}\x00{"enabled": false}')
    write(s, "deep.json", '{"scep": ' + '{"a": ' * 100 + "1" + "}" * 100 + "}")


# ---- config files (docs/configuration.md) ----

def config_corpus():
    c = "config"
    write(c, "docs-home-lab.conf",
          "# /srv/pkiaas/pkiaas.conf\n"
          "listen_https = 0.0.0.0:443\n"
          "listen_http = 0.0.0.0:80\n"
          "tls_names = pki.home.arpa, 192.168.1.10\n"
          "log_file = /var/log/pkiaas.log\n")
    write(c, "every-key.conf",
          "data = /srv/pkiaas\nlisten_https = [::1]:8443\n"
          "listen_http = 127.0.0.1:8080\n"
          "database = postgres://pkiaas:secret@db.example.test:5432/pkiaas\n"
          "log_level = debug\nlog_file =\ntls_names = localhost\n"
          "public_url = http://pki.example.test:8080\nthreads = 4\n"
          "db_pool = 16\nmax_body = 1048576\nrequest_timeout = 30\n"
          "max_connections = 1024\nshutdown_grace = 10\n"
          "session_idle = 1800\nsession_max = 43200\n"
          "crl_validity = 2592000\ncrl_refresh = 86400\n"
          "ocsp_validity = 3600\n")
    write(c, "limits.conf",
          "threads = 256\ndb_pool = 0\nmax_body = 67108864\n"
          "request_timeout = 1\nmax_connections = 16\nshutdown_grace = 600\n"
          "crl_validity = 3600\ncrl_refresh = 60\nocsp_validity = 604800\n")
    write(c, "crlf.conf", "log_level = warn\r\nthreads = 2\r\n")
    write(c, "comments-blank.conf", "\n   \n# comment\n\t# indented\nthreads=1\n")
    write(c, "unknown-key.conf", "listen = 0.0.0.0:443\n")
    write(c, "no-equals.conf", "threads 4\n")
    write(c, "empty-key.conf", "= 4\n")
    write(c, "number-not-number.conf", "threads = four\n")
    write(c, "number-negative.conf", "threads = -1\n")
    write(c, "number-overflow.conf", "max_body = 99999999999999999999999\n")
    write(c, "number-out-of-range.conf", "max_body = 1023\n")
    write(c, "number-trailing.conf", "threads = 4x\n")
    write(c, "number-plus-space.conf", "threads = +4\nshutdown_grace = 0x10\n")
    write(c, "value-with-equals.conf",
          "database = postgres://u:p@h/db?sslmode=require&x=y\n")
    write(c, "nul-byte.conf", b"threads = 4\x00\nlog_level = nonsense\n")
    write(c, "no-final-newline.conf", "threads = 4")
    write(c, "long-line.conf", "tls_names = " + ",".join(
        ["n%d.example.test" % i for i in range(300)]) + "\n")
    write(c, "over-64k.conf", "# " + "x" * (64 * 1024) + "\n")
    write(c, "not-utf8.conf", b"log_file = /var/log/\xff\xfe.log\n")
    write(c, "key-case.conf", "Threads = 4\n")
    write(c, "empty", "")


if __name__ == "__main__":
    csr_corpus()
    ocsp_corpus()
    json_corpus()
    config_corpus()
    subprocess.run(["rm", "-rf", TMP], check=True)
