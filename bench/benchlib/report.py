"""The report: one Markdown page of tables from the results, with the
machine's description, the targets of issue 7 and whether each is met."""

from . import speed as speedlib
from .util import median

ALGS = [("ecdsa-p256", "ecdsap256", "ECDSA P-256"),
        ("rsa-2048", "rsa2048", "RSA-2048"),
        ("ml-dsa-65", "ML-DSA-65", "ML-DSA-65")]


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def med(runs, key="ok_rate"):
    if not runs:
        return None
    return median([r.get(key) for r in runs])


def errs(runs):
    return sum(r.get("errors", 0) for r in runs) if runs else 0


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "n/a"


def pct(a, b):
    return f"{100 * a / b:.0f}%" if a and b else "n/a"


def table(head, rows):
    out = ["| " + " | ".join(head) + " |",
           "| " + " | ".join("---" for _ in head) + " |"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def issuance(res, lim, cores):
    iss = res.get("issue", {})
    peers = res.get("issue_peers", {})
    rows, ratios = [], []
    for kt, sp, label in ALGS:
        sq = med(iss.get("sqlite", {}).get(kt))
        pg = med(iss.get("postgres", {}).get(kt))
        p = peers.get(kt, {})
        x509 = median(p.get("x509", []))
        ca = median(p.get("ca", []))
        cf = med(p.get("cfssl"))
        l1 = lim.get(sp, {}).get("sign1")
        ln = speedlib.nominal(lim, sp, "sign", cores) if sp in lim else None
        bound = speedlib.issue_bound(lim, sp, cores) if sp in lim and \
            "ecdsap256" in lim else None
        cpu = med(iss.get("sqlite", {}).get(kt), "cpu_ms_per_op")
        cpu_pg = med(iss.get("postgres", {}).get(kt), "cpu_ms_per_op")
        e = errs(iss.get("sqlite", {}).get(kt)) + \
            errs(iss.get("postgres", {}).get(kt))
        rows.append([label, fmt(sq), fmt(pg), fmt(x509), fmt(ca), fmt(cf),
                     fmt(l1), fmt(ln), fmt(bound),
                     f"{fmt(cpu, 2)} / {fmt(cpu_pg, 2)}", e])
        best = max([v for v in (x509, ca, cf) if v] or [0]) or None
        ratios.append([label, pct(sq, ln), pct(pg, ln), pct(sq, bound),
                       ratio(sq, ca), ratio(sq, cf), ratio(sq, best)])
    return ("Certificates a second, median of runs. `limit` is `openssl "
            "speed` signing on 1 and on "
            f"{cores} cores (the larger of `-multi {cores}` and {cores} "
            "times one core); `crypto bound` adds what every issuance "
            "must also do besides the CA's signature: verify the P-256 "
            "CSR (proof of possession) and verify the new signature (the "
            "lint), on all cores. `CPU ms` is the server's CPU time per "
            "certificate (SQLite / PostgreSQL).\n\n"
            + table(["CA key", "pkiaas SQLite", "pkiaas PostgreSQL",
                     "x509 -req", "ca -batch", "cfssl serve",
                     "limit 1 core", f"limit {cores} cores",
                     "crypto bound", "CPU ms", "errors"], rows)
            + "\n\n" + table(["CA key", "SQLite / limit",
                              "PostgreSQL / limit", "SQLite / crypto bound",
                              "SQLite / ca -batch", "SQLite / cfssl",
                              "SQLite / best peer"], ratios))


def ocsp(res, lim, cores):
    o = res.get("ocsp", {})
    peers = res.get("ocsp_peers", {})
    rows = []
    for kt, sp, label in ALGS:
        sq = med(o.get("sqlite", {}).get(kt))
        pg = med(o.get("postgres", {}).get(kt))
        p = peers.get(kt, {})
        o1 = med(p.get("openssl1"))
        o2 = med(p.get("openssl2"))
        cf = med(p.get("cfssl"))
        cpu = med(o.get("sqlite", {}).get(kt), "cpu_ms_per_op")
        e = errs(o.get("sqlite", {}).get(kt)) + errs(o.get("postgres",
                                                           {}).get(kt))
        rows.append([label, fmt(sq), fmt(pg), fmt(o1), fmt(o2), fmt(cf),
                     fmt(speedlib.nominal(lim, sp, "sign", cores)
                         if sp in lim else None), fmt(cpu, 3),
                     ratio(sq, o2), e])
    return ("OCSP responses a second, median of runs; three good serials "
            "to one revoked, GET and POST alternating, no nonce. pkiaas "
            "answers from its in-memory cache of signed responses (in "
            "front of the store's), `openssl ocsp` signs each answer with "
            "the CA key; cfssl serves "
            "responses signed beforehand, and is given POSTs only (cfssl "
            "1.2 answers 400 to a GET whose base64 holds `+`). `CPU ms` "
            "is pkiaas's CPU time per response on SQLite.\n\n"
            + table(["CA key", "pkiaas SQLite", "pkiaas PostgreSQL",
                     "openssl ocsp x1", "openssl ocsp x2",
                     "cfssl ocspserve", f"sign/s {cores} cores",
                     "CPU ms", "SQLite / openssl x2", "errors"], rows))


def crl(res):
    c = res.get("crl", {})
    rows = []
    for n in sorted({int(k) for b in c.values() for k in b}):
        row = [f"{n:,}"]
        for who in ("sqlite", "postgres", "openssl"):
            runs = c.get(who, {}).get(str(n), [])
            row += [fmt(median([r[0] for r in runs]), 2) if runs else "n/a",
                    fmt(median([r[1] for r in runs])) if runs else "n/a"]
        size = [r[2] for who in ("sqlite", "openssl")
                for r in c.get(who, {}).get(str(n), [])]
        row.append(fmt(size[0] / 1e6, 1) if size else "n/a")
        rows.append(row)
    return ("Time to the first `GET /crl/CA-ID.crl` after a start (the "
            "CRL is signed then), and the process's peak resident memory "
            "(VmHWM); `openssl ca -gencrl` as a whole process (its VmHWM "
            "read while it runs). ECDSA P-256 CA. Medians of runs.\n\n"
            + table(["revoked", "SQLite s", "SQLite peak MiB",
                     "PostgreSQL s", "PostgreSQL peak MiB",
                     "openssl ca s", "openssl ca peak MiB", "CRL MB"], rows))


def acme(res):
    rows = []
    for b in ("sqlite", "postgres"):
        runs = res.get("acme", {}).get(b)
        if not runs:
            continue
        rows.append([b, runs[0]["accounts"], fmt(med(runs, "rate"), 1),
                     fmt(med(runs, "p50"), 1), fmt(med(runs, "p99"), 1),
                     fmt(med(runs, "cpu_ms_per_op"), 2),
                     sum(r["errors"] for r in runs)])
    return ("Complete orders a second (new-order, finalize, certificate "
            "download; a pre-approved name, so no challenge), ECDSA P-256 "
            "CA. The Python client shares the cores with the server; the "
            "server's CPU per order shows what it alone costs.\n\n"
            + table(["store", "accounts", "orders/s", "p50 ms", "p99 ms",
                     "server CPU ms/order", "errors"], rows))


def latency(res):
    rows = []
    for name, runs in sorted(res.get("latency", {}).items()):
        rows.append([name, fmt(runs[0]["offered"]), fmt(med(runs)),
                     fmt(med(runs, "p50"), 2), fmt(med(runs, "p90"), 2),
                     fmt(med(runs, "p99"), 2), errs(runs)])
    return ("Latency at a fixed moderate load (each wrk connection waits "
            "between requests, so the rate stays near the offered one "
            "whatever the server could do), medians of runs.\n\n"
            + table(["what", "offered/s", "achieved/s", "p50 ms", "p90 ms",
                     "p99 ms", "errors"], rows))


def footprint(res):
    rows = []
    for b, f in sorted(res.get("footprint", {}).items()):
        rows.append([b, fmt(median(f.get("startup", [])) and
                            1000 * median(f["startup"]), 0),
                     fmt(f.get("first_start_rss"), 1),
                     fmt(median(f.get("idle_rss", [])), 1),
                     fmt(f.get("peak_rss"), 1)])
    return ("Start-up is exec to the first 200 of `/readyz` on an existing "
            "database (median of starts); idle RSS 2 s after that; first "
            "start is the very first start (bootstrap CA, TLS key, admin); "
            "peak is VmHWM of the server that ran figures 1, 2, 4 and 5.\n\n"
            + table(["store", "start-up ms", "first start RSS MiB",
                     "idle RSS MiB", "peak RSS MiB under load"], rows))


def limits(lim, cores):
    rows = [[label, fmt(lim[sp]["sign1"]), fmt(lim[sp]["signN"]),
             fmt(speedlib.nominal(lim, sp, "sign", cores)),
             fmt(lim[sp]["verify1"]), fmt(lim[sp]["verifyN"])]
            for _, sp, label in ALGS if sp in lim]
    return (f"`-multi {cores}` measures all cores at once, so other work on "
            f"the machine lowers it; the limit used below is the larger of "
            f"it and {cores} times one core.\n\n"
            + table(["algorithm", "sign/s 1 core",
                     f"sign/s -multi {cores}", f"limit {cores} cores",
                     "verify/s 1 core", f"verify/s -multi {cores}"], rows))


def targets(res, lim):
    """(target, measured, met) for each target of issue 7."""
    out = []
    iss = res.get("issue", {}).get("sqlite", {})

    def add(name, value, ok, shown):
        out.append([name, shown, "n/a" if value is None else
                    ("met" if ok else "**missed**")])

    v = med(iss.get("ecdsa-p256"))
    add("issuance, SQLite, ECDSA P-256 >= 5,000/s", v, v and v >= 5000,
        fmt(v) + "/s")
    cores = res["machine"]["cores"]
    for kt, sp, label in ALGS[1:]:
        v = med(iss.get(kt))
        ln = speedlib.nominal(lim, sp, "sign", cores) if sp in lim else None
        ok = v and ln and v >= 0.7 * ln
        add(f"issuance, SQLite, {label} >= 70% of the signing limit", v, ok,
            f"{fmt(v)}/s = {pct(v, ln)} of {fmt(ln)}")
    o = res.get("ocsp", {})
    for b in ("sqlite", "postgres"):
        for kt, _, label in ALGS:
            v = med(o.get(b, {}).get(kt))
            if v is not None:
                add(f"OCSP {b}, {label} >= 30,000/s", v, v >= 30000,
                    fmt(v) + "/s")
    c = res.get("crl", {}).get("sqlite", {}).get("1000000")
    if c:
        t = median([r[0] for r in c])
        m = median([r[1] for r in c])
        add("CRL of 1,000,000 on SQLite < 3 s", t, t < 3, fmt(t, 2) + " s")
        add("CRL of 1,000,000 on SQLite, peak < 150 MB", m, m * 1.048576 <
            150, fmt(m) + " MiB")
    c = res.get("crl", {}).get("postgres", {}).get("1000000")
    if c:
        t = median([r[0] for r in c])
        m = median([r[1] for r in c])
        add("CRL of 1,000,000 on PostgreSQL < 3 s", t, t < 3,
            fmt(t, 2) + " s")
        add("CRL of 1,000,000 on PostgreSQL, peak < 150 MB", m,
            m * 1.048576 < 150, fmt(m) + " MiB")
    for b, f in sorted(res.get("footprint", {}).items()):
        r = median(f.get("idle_rss", []))
        add(f"idle RSS < 15 MB ({b})", r, r is not None and r * 1.048576 <
            15, fmt(r, 1) + " MiB")
        s = median(f.get("startup", []))
        add(f"start-up < 100 ms ({b})", s, s is not None and s < 0.1,
            fmt(s and 1000 * s) + " ms")
    return table(["target (issue 7)", "measured", ""], out)


def render(res):
    m = res["machine"]
    cores = m["cores"]
    lim = res.get("speed", {})
    parts = [
        f"# pkiaas benchmarks, {res['date']}",
        "",
        f"- CPU: {m['cpu']}, {cores} cores ({m['cpu_flags']}), "
        f"{m['memory_mib']:,} MiB, Linux {m['kernel']}",
        f"- {m['openssl']} (the one pkiaasd links); pkiaasd "
        f"{res.get('pkiaas_version', '?')} from {res.get('source', '?')}, "
        f"built in {res.get('build', '?')}",
        f"- Disk of the data folders: {fmt(res.get('fsync'))} fsync/s "
        "(one 4 KiB write and fsync, in a loop)",
        f"- Load average before: {res['load_before']}, after: "
        f"{res.get('load_after', '?')}; mode: {res['mode']}; took "
        f"{fmt(res.get('seconds'))} s",
        f"- Runs per figure: {res['runs']}; pkiaasd with its default "
        "threads (8 a core on HTTPS, one a core on HTTP) and database pool",
        "",
        "## Targets",
        "",
        targets(res, lim),
        "",
        "## The physical limit (`openssl speed`)",
        "",
        limits(lim, cores) if lim else "not measured",
        "",
        "## 1. Issuance over the REST API",
        "",
        issuance(res, lim, cores),
        "",
        "## 2. OCSP",
        "",
        ocsp(res, lim, cores),
        "",
        "## 3. CRL generation",
        "",
        crl(res),
        "",
        "## 4. ACME",
        "",
        acme(res),
        "",
        "## 5. Latency",
        "",
        latency(res),
        "",
        "## 6. Footprint",
        "",
        footprint(res),
        "",
    ]
    if res.get("skipped"):
        parts += ["Skipped: " + ", ".join(res["skipped"]), ""]
    return "\n".join(parts)
