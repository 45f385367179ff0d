"""The physical limit: `openssl speed` of the OpenSSL that pkiaasd links,
for the CA algorithms, on 1 core and on N cores (-multi N). One
invocation per algorithm, so that each summary line is unambiguous:
+F4 (ECDSA: sign, verify), +F2 (RSA: sign, verify, ...), +F10 (the
signature algorithms, ML-DSA: keygen, sign, verify). Note that 3.5 also
runs rsa2048 as a KEM and as a signature algorithm; only +F2 is read."""

from . import util

LINE = {"ecdsap256": ("+F4:", 3), "rsa2048": ("+F2:", 3),
        "ML-DSA-65": ("+F10:", 3)}


def measure(openssl, name, seconds, cores):
    """(sign/s, verify/s) of name on cores processes (summed)."""
    cmd = [openssl, "speed", "-mr", "-seconds", str(seconds)]
    if cores > 1:
        cmd += ["-multi", str(cores)]
    p = util.run(cmd + [name], timeout=40 * seconds + 120, cwd="/tmp")
    prefix, first = LINE[name]
    lines = [l for l in p.stdout.splitlines() if l.startswith(prefix)]
    if not lines:
        raise RuntimeError(f"openssl speed {name}: no {prefix} line\n"
                           + p.stdout[-1000:])
    fields = lines[-1].split(":")
    return float(fields[first]), float(fields[first + 1])


def limits(openssl, seconds, cores):
    """{name: {"sign1", "verify1", "signN", "verifyN"}}."""
    out = {}
    for name in LINE:
        s1, v1 = measure(openssl, name, seconds, 1)
        sn, vn = measure(openssl, name, seconds, cores)
        out[name] = {"sign1": s1, "verify1": v1, "signN": sn, "verifyN": vn}
        util.log(f"speed {name}: sign {s1:.0f}/s on 1 core, {sn:.0f}/s on "
                 f"{cores}; verify {v1:.0f}/s, {vn:.0f}/s")
    return out


def nominal(lim, name, what, cores):
    """The N-core figure used as the limit: the measured one, or N times
    the 1-core one when that is higher (when other work took a core
    while -multi ran, the measured one says little)."""
    a = lim[name]
    return max(a[what + "N"], cores * a[what + "1"])


def issue_bound(lim, ca, cores, leaf="ecdsap256"):
    """Certificates a second the cryptography alone allows on N cores:
    per certificate one CA signature, one verification of it (the lint)
    and one verification of the P-256 CSR (proof of possession)."""
    return 1.0 / (1.0 / nominal(lim, ca, "sign", cores)
                  + 1.0 / nominal(lim, ca, "verify", cores)
                  + 1.0 / nominal(lim, leaf, "verify", cores))
