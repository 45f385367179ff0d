"""One OpenSSL, 3.5 or newer, in every library of the process: pkiaasd's
own code, libpq and libcurl all load the libcrypto the build links.
pkiaasd loads libpq only for a PostgreSQL store and libcurl only for its
first http-01 check, so an idle server on SQLite maps neither."""

import os
import re
import subprocess

import harness
from harness import Server

PREFIX = os.environ.get("PKIAAS_OPENSSL_PREFIX", "")


def version_tuple(text):
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return tuple(int(x) for x in m.groups())


def mapped_libraries(pid):
    with open(f"/proc/{pid}/maps") as f:
        return {line.split()[-1] for line in f
                if len(line.split()) >= 6 and ".so" in line.split()[-1]}


def test_running_server_maps_only_the_built_openssl():
    s = Server().start()
    try:
        _, _, doc = s.json("/healthz")
        assert version_tuple(doc["openssl"]) >= (3, 5, 0), doc
        libs = mapped_libraries(s.pid())
        crypto = [l for l in libs if re.search(r"/lib(crypto|ssl)\.so", l)]
        assert any("libcrypto.so" in l for l in crypto), libs
        on_postgres = os.environ.get("PKIAAS_TEST_BACKEND") == "postgres"
        assert any("libpq.so" in l for l in libs) == on_postgres, libs
        assert not any("libcurl.so" in l for l in libs), libs
        if PREFIX:
            outside = [l for l in crypto if not l.startswith(PREFIX + "/")]
            assert not outside, f"other OpenSSL mapped: {outside}"
    finally:
        s.stop()


def test_cli_curl_runs_on_the_same_openssl():
    out = subprocess.run([os.path.join(harness.BIN, "pkiaas"), "version"],
                         capture_output=True, text=True, check=True).stdout
    openssl_line, curl_line = out.splitlines()[1:3]
    assert version_tuple(openssl_line) >= (3, 5, 0), out
    ours = version_tuple(openssl_line)
    m = re.search(r"OpenSSL/(\d+\.\d+\.\d+)", curl_line)
    assert m and version_tuple(m.group(1)) == ours, out


def test_cli_status_over_https():
    s = Server().start()
    try:
        url = f"https://localhost:{s.https_port}"
        cli = os.path.join(harness.BIN, "pkiaas")
        ok = subprocess.run([cli, "status", "--server", url, "--cacert",
                             s.root], capture_output=True, text=True)
        assert ok.returncode == 0 and '"status":"ready"' in ok.stdout, ok
        untrusted = subprocess.run([cli, "status", "--server", url],
                                   capture_output=True, text=True)
        assert untrusted.returncode == 3, untrusted
    finally:
        s.stop()


def test_second_build_does_not_rebuild_openssl():
    if not PREFIX:
        raise harness.SkipTest("the system OpenSSL is new enough")
    lib = os.path.join(PREFIX, "lib", "libcrypto.so.3")
    before = os.stat(lib).st_mtime_ns
    out = subprocess.run([os.path.join(harness.SOURCE, "scripts",
                                       "openssl.sh")],
                         capture_output=True, text=True, check=True,
                         timeout=20)
    assert out.stdout.strip() == PREFIX, out
    assert os.stat(lib).st_mtime_ns == before


if __name__ == "__main__":
    harness.run(test_running_server_maps_only_the_built_openssl,
                test_cli_curl_runs_on_the_same_openssl,
                test_cli_status_over_https,
                test_second_build_does_not_rebuild_openssl)
