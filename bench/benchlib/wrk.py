"""Runs wrk with bench/wrk/replay.lua (or paced.lua) over a file of
requests and reads its one-line JSON summary."""

import json
import os

from . import util

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(HERE, "wrk")


def write_requests(path, items):
    """items: (method, path, body bytes or None); one line each."""
    with open(path, "w") as f:
        for method, target, body in items:
            f.write(f"{method}\t{target}")
            if body:
                f.write("\t" + body.hex())
            f.write("\n")
    return path


def run(url, requests_file, seconds, connections, threads=2, headers=(),
        pause_ms=None, meter_pid=None):
    """Load for seconds; returns the summary with "rate" (responses a
    second), "ok_rate" (those not 4xx or 5xx), "errors" (all kinds),
    latencies in ms, and "cpu" (CPU seconds the process meter_pid, or
    the processes of that list, spent) when asked."""
    script = "replay.lua" if pause_ms is None else "paced.lua"
    env = dict(os.environ)
    if pause_ms is not None:
        env["BENCH_PAUSE_MS"] = str(pause_ms)
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d",
           f"{seconds}s", "--timeout", "10s", "-s",
           os.path.join(SCRIPTS, script), url, "--", requests_file,
           *headers]
    pids = [meter_pid] if isinstance(meter_pid, int) else meter_pid
    begin = util.cpu_seconds_all(pids) if pids else None
    p = util.run(cmd, timeout=seconds + 60, env=env)
    cpu = util.cpu_seconds_all(pids) - begin if pids else None
    line = [l for l in p.stdout.splitlines() if l.startswith("BENCH ")]
    if not line:
        raise RuntimeError("wrk printed no summary:\n" + p.stdout + p.stderr)
    s = json.loads(line[-1][6:])
    seconds_run = s["duration_us"] / 1e6
    s["rate"] = s["requests"] / seconds_run if seconds_run else 0.0
    s["ok_rate"] = (s["requests"] - s["status"]) / seconds_run \
        if seconds_run else 0.0
    s["errors"] = (s["connect"] + s["read"] + s["write"] + s["status"]
                   + s["timeout"])
    for k in ("p50", "p90", "p99", "max", "mean"):
        s[k] = s[k] / 1000.0
    if cpu is not None:
        s["cpu"] = cpu
        s["cpu_ms_per_op"] = 1000.0 * cpu / s["requests"] if s["requests"] \
            else None
    return s
