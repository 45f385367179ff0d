#!/usr/bin/python3
"""Writes the seeds of the ACME targets, corpus/acme_jws and
corpus/acme_dns: real bodies as ACME clients send them (signed with
fresh keys by tests/integration/acme_client.py, which uses Debian's
python3-cryptography) and hostile ones built here. Running it again
changes the signed files; nothing else.

    tests/fuzz/make_acme_corpus.py
"""

import base64
import hashlib
import hmac
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
from acme_client import b64  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402,E501
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, padding  # noqa: E402,E501
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa: E402,E501

URL = "https://pki.example.test:8443/acme/"
NONCE = b64(b"\x00" * 8 + b"nonce-nonce-none" + b"\x01" * 16)


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def n(i, size=None):
    return b64(i.to_bytes(size or (i.bit_length() + 7) // 8, "big"))


def jwk_of(key):
    if isinstance(key, rsa.RSAPrivateKey):
        p = key.public_key().public_numbers()
        return {"e": n(p.e), "kty": "RSA", "n": n(p.n)}
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
        return {"crv": "Ed25519", "kty": "OKP", "x": b64(raw)}
    p = key.public_key().public_numbers()
    size = (key.curve.key_size + 7) // 8
    crv = {256: "P-256", 384: "P-384", 521: "P-521"}[key.curve.key_size]
    return {"crv": crv, "kty": "EC", "x": n(p.x, size), "y": n(p.y, size)}


def sign(key, data):
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256", key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "EdDSA", key.sign(data)
    bits = key.curve.key_size
    h = {256: hashes.SHA256(), 384: hashes.SHA384(), 521: hashes.SHA512()}
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(h[bits])))
    size = (bits + 7) // 8
    alg = {256: "ES256", 384: "ES384", 521: "ES512"}[bits]
    return alg, r.to_bytes(size, "big") + s.to_bytes(size, "big")


def jws(key, url, payload, kid=None, nonce=True):
    alg, _ = sign(key, b"")
    protected = {"alg": alg, "url": url}
    if nonce:
        protected["nonce"] = NONCE
    if kid:
        protected["kid"] = kid
    else:
        protected["jwk"] = jwk_of(key)
    p = b64(json.dumps(protected).encode())
    body = "" if payload is None else b64(json.dumps(payload).encode())
    _, sig = sign(key, f"{p}.{body}".encode())
    return {"protected": p, "payload": body, "signature": b64(sig)}


def eab(key, kid="eabkid0000000000", mac_key=b"k" * 32, alg="HS256"):
    p = b64(json.dumps({"alg": alg, "kid": kid,
                        "url": URL + "new-account"}).encode())
    payload = b64(json.dumps(jwk_of(key)).encode())
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384,
              "HS512": hashlib.sha512}[alg]
    mac = hmac.new(mac_key, f"{p}.{payload}".encode(), digest).digest()
    return {"protected": p, "payload": payload, "signature": b64(mac)}


def jws_seeds():
    keys = {"es256": ec.generate_private_key(ec.SECP256R1()),
            "es384": ec.generate_private_key(ec.SECP384R1()),
            "es512": ec.generate_private_key(ec.SECP521R1()),
            "rs256": rsa.generate_private_key(65537, 2048),
            "eddsa": ed25519.Ed25519PrivateKey.generate()}
    kid = URL + "account/acct000000000000"
    for name, key in keys.items():
        body = jws(key, URL + "new-account", {
            "termsOfServiceAgreed": True,
            "contact": ["mailto:ops@example.test"],
            "externalAccountBinding": eab(key)})
        write("acme_jws", f"real-new-account-{name}.json", json.dumps(body))
    k = keys["es256"]
    write("acme_jws", "real-new-order.json", json.dumps(jws(
        k, URL + "new-order", {"identifiers": [
            {"type": "dns", "value": "www.example.test"}]}, kid=kid)))
    write("acme_jws", "real-post-as-get.json",
          json.dumps(jws(k, URL + "order/o", None, kid=kid)))
    new = keys["eddsa"]
    inner = jws(new, URL + "key-change", {"account": kid,
                                          "oldKey": jwk_of(k)}, nonce=False)
    write("acme_jws", "real-key-change.json",
          json.dumps(jws(k, URL + "key-change", inner, kid=kid)))
    for alg in ("HS384", "HS512"):
        body = jws(k, URL + "new-account", {
            "externalAccountBinding": eab(k, alg=alg)})
        write("acme_jws", f"real-eab-{alg.lower()}.json", json.dumps(body))
    good = json.dumps(jws(k, URL + "new-order", {"identifiers": []},
                          kid=kid))
    write("acme_jws", "hostile-truncated.json", good[:len(good) // 2])
    write("acme_jws", "hostile-trailing.json", good + "{}")
    write("acme_jws", "hostile-deep.json", "[" * 5000 + "]" * 5000)
    write("acme_jws", "hostile-duplicate.json",
          good[:-1] + ', "payload": ""}')
    write("acme_jws", "hostile-header.json",
          good[:-1] + ', "header": {"alg": "none"}}')
    write("acme_jws", "hostile-types.json",
          json.dumps({"protected": 1, "payload": [], "signature": None}))
    write("acme_jws", "hostile-alg-none.json", json.dumps({
        "protected": b64(json.dumps({"alg": "none", "kid": kid,
                                     "url": URL}).encode()),
        "payload": "", "signature": ""}))
    write("acme_jws", "hostile-jwk-private.json", json.dumps({
        "protected": b64(json.dumps({"alg": "ES256", "url": URL,
                                     "jwk": dict(jwk_of(k), d="AAAA")})
                         .encode()), "payload": "", "signature": "AA"}))
    write("acme_jws", "hostile-huge-e.json", json.dumps({
        "protected": b64(json.dumps({"alg": "RS256", "url": URL, "jwk": {
            "kty": "RSA", "n": b64(b"\xff" * 1024), "e": b64(b"\x01" * 64)
        }}).encode()), "payload": "", "signature": "AA"}))
    write("acme_jws", "hostile-padding.json",
          good.replace('"signature": "', '"signature": "=='))


def dns_name(name):
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def answer(qtype, id_, records, flags=0x8180, question=None):
    q = question or dns_name("_acme-challenge.www.example.test")
    msg = struct.pack(">HHHHHH", id_, flags, 1, len(records), 0, 0)
    msg += q + struct.pack(">HH", qtype, 1)
    for rtype, rdata, owner in records:
        msg += (owner or b"\xc0\x0c") + struct.pack(">HHIH", rtype, 1, 60,
                                                     len(rdata)) + rdata
    return msg


def dns_seed(name, type_index, qtype, records, **kw):
    id_ = 0x1234
    write("acme_dns", name, bytes([type_index]) + struct.pack(">H", id_)
          + answer(qtype, id_, records, **kw))


def dns_seeds():
    txt = b"\x2b" + b64(hashlib.sha256(b"x").digest()).encode()
    dns_seed("real-a.bin", 0, 1, [(1, bytes([127, 0, 0, 1]), None)])
    dns_seed("real-aaaa.bin", 1, 28, [(28, bytes(15) + b"\x01", None)])
    dns_seed("real-txt.bin", 2, 16, [(16, txt, None)])
    dns_seed("real-txt-two-strings.bin", 2, 16,
             [(16, b"\x03abc\x03def", None)])
    target = dns_name("target.example.test")
    dns_seed("real-cname-chain.bin", 0, 1, [
        (5, target, None), (1, bytes([10, 0, 0, 1]), target)])
    dns_seed("real-nxdomain.bin", 0, 1, [], flags=0x8183)
    dns_seed("real-servfail.bin", 2, 16, [], flags=0x8182)
    dns_seed("hostile-loop.bin", 0, 1, [(5, b"\xc0\x2d", b"\xc0\x2d")])
    dns_seed("hostile-rdlength.bin", 0, 1, [(1, bytes(4), None)])
    with open(os.path.join(HERE, "corpus", "acme_dns",
                           "hostile-rdlength.bin"), "rb+") as f:
        data = bytearray(f.read())
        data[-5] = 0xff
        f.seek(0)
        f.write(data)
    dns_seed("hostile-truncated-flag.bin", 2, 16, [], flags=0x8380)
    dns_seed("hostile-wrong-question.bin", 0, 1,
             [(1, bytes(4), None)], question=dns_name("other.test"))
    dns_seed("hostile-txt-overlong.bin", 2, 16, [(16, b"\xff" + b"a" * 10,
                                                  None)])
    many = [(1, bytes([10, 0, 0, i]), None) for i in range(40)]
    dns_seed("hostile-many.bin", 0, 1, many)


if __name__ == "__main__":
    jws_seeds()
    dns_seeds()
