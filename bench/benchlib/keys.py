"""Keys and CSRs for the load, made before any timing starts, with the
cryptography package (Debian's python3-cryptography), and CA keys and
certificates for the peers, made with the openssl command line."""

import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from . import util

# The CA algorithms measured: (pkiaas key_type, openssl genpkey options,
# openssl speed name, label).
ALGORITHMS = [
    ("ecdsa-p256", ["-algorithm", "EC", "-pkeyopt",
                    "ec_paramgen_curve:P-256"], "ecdsap256", "ECDSA P-256"),
    ("rsa-2048", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
     "rsa2048", "RSA-2048"),
    ("ml-dsa-65", ["-algorithm", "ML-DSA-65"], "ML-DSA-65", "ML-DSA-65"),
]


def leaf_csrs(count, domain="bench.test"):
    """count distinct CSRs (distinct P-256 keys), host<i>.<domain> as CN
    and dNSName: [(name, PEM text, DER bytes)]."""
    out = []
    for i in range(count):
        name = f"host{i}.{domain}"
        key = ec.generate_private_key(ec.SECP256R1())
        csr = x509.CertificateSigningRequestBuilder().subject_name(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        ).add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]),
                        critical=False).sign(key, hashes.SHA256())
        out.append((name, csr.public_bytes(serialization.Encoding.PEM)
                    .decode(), csr.public_bytes(serialization.Encoding.DER)))
    return out


def write_csr_files(folder, csrs):
    """Each CSR as folder/<i>.csr (PEM); their paths."""
    os.makedirs(folder, exist_ok=True)
    paths = []
    for i, (_, pem, _) in enumerate(csrs):
        p = os.path.join(folder, f"{i}.csr")
        with open(p, "w") as f:
            f.write(pem)
        paths.append(p)
    return paths


def openssl_ca(openssl, folder, genpkey_opts, cn):
    """A self-signed CA made with openssl: (key path, cert path)."""
    os.makedirs(folder, exist_ok=True)
    key = os.path.join(folder, "ca.key")
    cert = os.path.join(folder, "ca.pem")
    util.run([openssl, "genpkey", *genpkey_opts, "-out", key])
    util.run([openssl, "req", "-new", "-x509", "-key", key, "-out", cert,
              "-days", "3650", "-subj", f"/O=pkiaas bench/CN={cn}",
              "-addext", "basicConstraints=critical,CA:TRUE",
              "-addext", "keyUsage=critical,keyCertSign,cRLSign,"
              "digitalSignature"])
    return key, cert
