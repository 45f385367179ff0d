"""The walkthroughs in docs/ work as written: every command block marked
"*(tested)*" in docs/pki.md runs, in order, in one shell against a real
server with a logged-in client."""

import os
import re
import subprocess

import harness
from harness import Server

PREFIX = os.environ.get("PKIAAS_OPENSSL_PREFIX", "")


def tested_blocks(path):
    """The sh blocks that follow a "*(tested)*" line, in order."""
    with open(path) as f:
        text = f.read()
    return re.findall(r"^\*\(tested\)\*\n+```sh\n(.*?)^```", text,
                      re.S | re.M)


def client_env(s, folder):
    path = [os.path.abspath(harness.BIN)]
    if PREFIX:
        path.append(os.path.join(PREFIX, "bin"))
    env = dict(os.environ, PKIAAS_CONFIG_DIR=os.path.join(folder, "cli"),
               PATH=":".join(path + [os.environ.get("PATH", "")]))
    if PREFIX:
        env["LD_LIBRARY_PATH"] = os.path.join(PREFIX, "lib")
    return env


def test_pki_walkthrough_runs_as_written():
    blocks = tested_blocks(os.path.join(harness.SOURCE, "docs", "pki.md"))
    assert len(blocks) >= 5, blocks
    s = Server().start()
    folder = harness.tmpdir("pkiaas-docs-")
    try:
        password = re.search(r"Login: +admin / (\S+)", s.output()).group(1)
        env = client_env(s, folder)
        login = subprocess.run(
            ["pkiaas", "login", "--server",
             f"https://localhost:{s.https_port}", "--cacert", s.root,
             "--username", "admin", "--password-stdin"],
            input=password + "\n", capture_output=True, text=True,
            env=env, cwd=folder)
        assert login.returncode == 0, login
        script = "set -euo pipefail\n" + "\n".join(blocks)
        run = subprocess.run(["bash", "-c", script], capture_output=True,
                             text=True, env=env, cwd=folder, timeout=300)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "www.pem: OK" in run.stdout, run.stdout
        assert "CN=api.example.test" in run.stdout, run.stdout
    finally:
        s.stop()


if __name__ == "__main__":
    harness.run(test_pki_walkthrough_runs_as_written)
