"""A real browser (Debian's Chromium, headless) reaches the console over
HTTPS once the printed root is in its trust store, and refuses it before."""

import os
import shutil
import subprocess

import harness
from harness import Server

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def browser_home(root=None):
    """A HOME whose NSS database trusts root (or nothing)."""
    home = harness.tmpdir("pkiaas-browser-")
    db = "sql:" + os.path.join(home, ".pki", "nssdb")
    os.makedirs(os.path.join(home, ".pki", "nssdb"))
    subprocess.run(["certutil", "-N", "-d", db, "--empty-password"],
                   check=True, capture_output=True)
    if root:
        subprocess.run(["certutil", "-A", "-d", db, "-n", "pkiaas root",
                        "-t", "C,,", "-i", root], check=True,
                       capture_output=True)
    return home


def dump_dom(home, url):
    profile = os.path.join(home, "profile")
    r = subprocess.run([shutil.which("chromium") or "/usr/bin/chromium",
                        *FLAGS, f"--user-data-dir={profile}", "--dump-dom",
                        url], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, HOME=home))
    return r.stdout


def test_chromium_trusts_the_printed_root():
    if harness.BACKEND != "sqlite":
        raise harness.SkipTest("the browser test runs once, on SQLite")
    s = Server().start()
    try:
        url = f"https://localhost:{s.https_port}/"
        trusted = dump_dom(browser_home(s.root), url)
        assert "<h1>pkiaas" in trusted, trusted[:500]
        untrusted = dump_dom(browser_home(), url)
        assert "<h1>pkiaas" not in untrusted, untrusted[:500]
    finally:
        s.stop()


if __name__ == "__main__":
    harness.run(test_chromium_trusts_the_printed_root)
