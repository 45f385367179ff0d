"""A small ACME client for the tests that real clients cannot drive:
requests signed as we choose, right or wrong. ES256 account keys, JWS in
flattened JSON (RFC 7515), EAB with HS256 (RFC 8555 7.3.4). It uses the
cryptography package Debian installs with certbot."""

import base64
import hashlib
import hmac
import http.client
import json
import ssl
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import \
    decode_dss_signature
from cryptography.x509.oid import NameOID


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def csr(names, key=None):
    """A DER CSR for names (the first also the CN)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    req = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    ).add_extension(x509.SubjectAlternativeName(
        [x509.DNSName(n) for n in names]), critical=False).sign(
            key, hashes.SHA256())
    return req.public_bytes(serialization.Encoding.DER)


class Client:
    def __init__(self, directory, cafile, key=None):
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.ctx = ssl.create_default_context(cafile=cafile)
        u = urllib.parse.urlsplit(directory)
        self.host, self.port = u.hostname, u.port
        self.kid = None
        status, _, body = self.request("GET", u.path)
        assert status == 200, body
        self.directory = json.loads(body)

    def url(self, name):
        return self.directory[name]

    def request(self, method, url, body=None, headers=None):
        path = urllib.parse.urlsplit(url).path or url
        query = urllib.parse.urlsplit(url).query
        conn = http.client.HTTPSConnection(self.host, self.port,
                                           context=self.ctx, timeout=30)
        try:
            conn.request(method, path + ("?" + query if query else ""),
                         body=body, headers=headers or {})
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read()
        finally:
            conn.close()

    def nonce(self):
        status, headers, _ = self.request("HEAD", self.url("newNonce"))
        assert status == 200, status
        return headers["replay-nonce"]

    def jwk(self):
        n = self.key.public_key().public_numbers()
        return {"crv": "P-256", "kty": "EC",
                "x": b64(n.x.to_bytes(32, "big")),
                "y": b64(n.y.to_bytes(32, "big"))}

    def thumbprint(self):
        text = json.dumps(self.jwk(), sort_keys=True, separators=(",", ":"))
        return b64(hashlib.sha256(text.encode()).digest())

    def signed(self, url, payload, nonce=None, kid=None, jwk=False,
               inner=False):
        """A JWS of payload (None: POST-as-GET) for url; an inner one (of
        a key change) has the jwk and no nonce."""
        protected = {"alg": "ES256", "url": url}
        if not inner:
            protected["nonce"] = nonce or self.nonce()
        jwk = jwk or inner
        if jwk or (kid is None and self.kid is None):
            protected["jwk"] = self.jwk()
        else:
            protected["kid"] = kid or self.kid
        p = b64(json.dumps(protected).encode())
        body = "" if payload is None else b64(json.dumps(payload).encode())
        der = self.key.sign(f"{p}.{body}".encode(),
                            ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return json.dumps({"protected": p, "payload": body,
                           "signature": b64(sig)}).encode()

    def key_change(self, new):
        """Rolls the account over to new's key (RFC 8555 7.3.5)."""
        url = self.url("keyChange")
        inner = json.loads(new.signed(url, {"account": self.kid,
                                            "oldKey": self.jwk()},
                                      inner=True))
        status, doc = self.post(url, inner)
        if status == 200:
            self.key = new.key
        return status, doc

    def post_raw(self, url, body):
        """Posts a JWS; (status, JSON or text, headers)."""
        status, headers, raw = self.request(
            "POST", url, body, {"Content-Type": "application/jose+json"})
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            doc = raw.decode()
        if isinstance(doc, dict) and "location" in headers:
            doc["url"] = headers["location"]
        return status, doc

    def post(self, url, payload):
        return self.post_raw(url, self.signed(url, payload))

    def eab(self, kid, key_b64):
        url = self.url("newAccount")
        protected = b64(json.dumps({"alg": "HS256", "kid": kid,
                                    "url": url}).encode())
        payload = b64(json.dumps(self.jwk()).encode())
        mac = hmac.new(unb64(key_b64), f"{protected}.{payload}".encode(),
                       hashlib.sha256).digest()
        return {"protected": protected, "payload": payload,
                "signature": b64(mac)}

    def register(self, eab):
        """newAccount with an EAB (kid, HMAC key) or none."""
        payload = {"termsOfServiceAgreed": True,
                   "contact": ["mailto:ops@example.test"]}
        if eab is not None:
            payload["externalAccountBinding"] = self.eab(*eab)
        status, doc = self.post_raw(
            self.url("newAccount"),
            self.signed(self.url("newAccount"), payload, jwk=True))
        if status in (200, 201):
            self.kid = doc["url"]
        return status, doc
