"""Just enough DER for the benchmark: the issuer parts of an OCSP CertID
from a CA certificate, OCSP requests without a nonce, and counting a
CRL's entries. Standard library only, so that it works for every key
algorithm (ML-DSA included)."""

import base64
import hashlib

SHA1_ALG = bytes.fromhex("300906052b0e03021a0500")


def tlv(data, pos=0):
    """(tag, start of value, end of value) of the TLV at pos."""
    tag = data[pos]
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        count = n & 0x7F
        n = int.from_bytes(data[pos:pos + count], "big")
        pos += count
    return tag, pos, pos + n


def children(data, start, end):
    """(tag, header start, value start, value end) of each element."""
    out = []
    pos = start
    while pos < end:
        tag, vs, ve = tlv(data, pos)
        out.append((tag, pos, vs, ve))
        pos = ve
    return out


def encode(tag, value):
    n = len(value)
    if n < 0x80:
        head = bytes([tag, n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([tag, 0x80 | len(raw)]) + raw
    return head + value


def pem_to_der(pem):
    lines = [l for l in pem.strip().splitlines() if not l.startswith("-----")]
    return base64.b64decode("".join(lines))


def issuer_hashes(ca_der):
    """SHA-1 of the CA's subject DER and of its public key's bits."""
    _, cs, ce = tlv(ca_der)
    _, ts, te = tlv(ca_der, cs)
    items = children(ca_der, ts, te)
    if items[0][0] == 0xA0:  # [0] version
        items = items[1:]
    # serial, signature, issuer, validity, subject, subjectPublicKeyInfo
    subject = items[4]
    spki = items[5]
    name_hash = hashlib.sha1(ca_der[subject[1]:subject[3]]).digest()
    spki_items = children(ca_der, spki[2], spki[3])
    bits = spki_items[1]
    key_hash = hashlib.sha1(ca_der[bits[2] + 1:bits[3]]).digest()
    return name_hash, key_hash


def integer(value):
    raw = value.to_bytes((value.bit_length() + 8) // 8 or 1, "big")
    return encode(0x02, raw)


def ocsp_request(name_hash, key_hash, serial):
    """DER of an OCSPRequest for one certificate, without a nonce."""
    cert_id = encode(0x30, SHA1_ALG + encode(0x04, name_hash)
                     + encode(0x04, key_hash) + integer(serial))
    request = encode(0x30, cert_id)
    tbs = encode(0x30, encode(0x30, request))
    return encode(0x30, tbs)


def ocsp_response_status(der):
    """(responseStatus, the single response's certStatus tag or None)."""
    _, s, e = tlv(der)
    items = children(der, s, e)
    status = der[items[0][2]]
    if len(items) < 2:
        return status, None
    # responseBytes [0] { type, OCTET STRING { BasicOCSPResponse } }
    rb = children(der, items[1][2], items[1][3])
    _, bs, be = tlv(der, rb[0][1])
    rb = children(der, bs, be)
    _, os_, oe = rb[1][0], rb[1][2], rb[1][3]
    _, b1, b2 = tlv(der, os_)  # BasicOCSPResponse
    basic = children(der, b1, b2)
    tbs = children(der, basic[0][2], basic[0][3])
    if tbs[0][0] == 0xA0:
        tbs = tbs[1:]
    responses = children(der, tbs[2][2], tbs[2][3])
    single = children(der, responses[0][2], responses[0][3])
    return status, single[1][0]


def crl_entry_count(der):
    """The number of revokedCertificates of a DER CRL."""
    _, s, e = tlv(der)
    _, ts, te = tlv(der, s)
    items = children(der, ts, te)
    # version, signature, issuer, thisUpdate, [nextUpdate], [revoked], [0]
    for tag, _, vs, ve in items[3:]:
        if tag == 0x30:
            count, pos = 0, vs
            while pos < ve:
                pos = tlv(der, pos)[2]
                count += 1
            return count
    return 0
