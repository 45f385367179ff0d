"""Small shared pieces: logging, medians, ports, /proc readings, the
machine's description, and running commands with a time bound."""

import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
STARTED = time.monotonic()


def log(msg):
    """One progress line on standard error, with the elapsed time."""
    print(f"[{time.monotonic() - STARTED:6.1f}s] {msg}", file=sys.stderr,
          flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=20):
    """Waits until something accepts on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return True
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


class Peer:
    """A peer's server on a free loopback port, started by the command
    that command(port) gives, its output in log_path."""

    def __init__(self, command, log_path):
        self.port = free_port()
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(command(self.port), stdout=self.log,
                                     stderr=subprocess.STDOUT)
        wait_port(self.port)

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def wait_listen(port, timeout=20):
    """Waits until a socket listens on port, without connecting to it:
    from /proc/net/tcp (state 0A is LISTEN)."""
    want = f":{port:04X}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    for line in f.readlines()[1:]:
                        cols = line.split()
                        if cols[1].endswith(want) and cols[3] == "0A":
                            return True
            except OSError:
                pass
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on port {port}")


def proc_status(pid):
    """VmRSS and VmHWM of pid in MiB: {"rss": .., "hwm": ..}."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key = "rss" if line.startswith("VmRSS") else "hwm"
                out[key] = int(line.split()[1]) / 1024.0
    return out


def cpu_seconds(pid):
    """User plus system CPU time of pid (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def machine(openssl):
    """A description of this machine for the report."""
    model = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) // 1024
    ver = run([openssl, "version"], timeout=10).stdout.strip()
    flags = ""
    with open("/proc/cpuinfo") as f:
        text = f.read()
    for want in ("avx2", "avx512f", "sha_ni", "adx", "bmi2"):
        if re.search(r"\b" + want + r"\b", text):
            flags += " " + want
    return {"cpu": model, "cores": os.cpu_count(), "memory_mib": mem,
            "kernel": platform.release(), "openssl": ver,
            "cpu_flags": flags.strip()}


def run(cmd, timeout=600, check=True, **kw):
    """Runs cmd, capturing text output; raises on failure when check."""
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                       **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))}: exit "
                           f"{p.returncode}\n{p.stdout[-2000:]}"
                           f"{p.stderr[-2000:]}")
    return p


def run_measured(cmd, timeout=600, **kw):
    """Runs cmd to its end: (seconds, peak RSS in MiB, its output). The
    peak is the child's VmHWM, read every 5 ms while it runs: its rusage
    would also count the pages of this (large) Python process that the
    child shared between fork and exec. Output goes through a file, so
    that a chatty child never blocks on a full pipe."""
    with tempfile.TemporaryFile() as out:
        started = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, **kw)
        deadline = started + timeout
        hwm = 0.0
        while True:
            try:
                hwm = max(hwm, proc_status(p.pid).get("hwm", 0.0))
            except OSError:
                pass
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                p.wait()
                raise RuntimeError(f"{cmd[0]} took over {timeout}s")
            time.sleep(0.005)
        elapsed = time.monotonic() - started
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd[:6]))}...: exit "
                           f"{p.returncode}\n{text[-2000:]}")
    return elapsed, hwm, text


class CpuMeter:
    """CPU seconds a process spent between start() and stop()."""

    def __init__(self, pid):
        self.pid = pid
        self.begin = None

    def start(self):
        self.begin = cpu_seconds(self.pid)
        return self

    def stop(self):
        return cpu_seconds(self.pid) - self.begin


def children_cpu_seconds():
    """CPU seconds of this process's waited-for children so far."""
    t = os.times()
    return t.children_user + t.children_system


def child_pids(pid):
    """Processes whose parent is pid."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            out.append(int(name))
    return out


def stop_all(pids, grace=5):
    """SIGTERM to each of pids (which this program started), then
    SIGKILL to those still there after grace seconds."""
    for p in pids:
        try:
            os.kill(p, 15)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    for p in pids:
        while time.monotonic() < deadline and os.path.exists(f"/proc/{p}"):
            try:
                with open(f"/proc/{p}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                        break
            except OSError:
                break
            time.sleep(0.02)
        try:
            os.kill(p, 9)
        except ProcessLookupError:
            pass


def cpu_seconds_all(pids):
    total = 0.0
    for p in pids:
        try:
            total += cpu_seconds(p)
        except OSError:
            pass
    return total
