#!/usr/bin/env bash
# Installs the Debian packages that a step needs, skipping those present.
#   deps.sh build   what `make build` and `make run` need
#   deps.sh test    what `make test` needs on top of that
#   deps.sh bench   what `make bench` needs on top of `build`: the load
#                   generator, the peers measured, PostgreSQL, and perf
#                   and strace for bench/profile
set -euo pipefail

# libpq5 and libcurl4 are named although the -dev packages pull them
# in: pkiaasd dlopen()s them, so its link does not record them.
build_packages=(build-essential cmake pkg-config perl dpkg-dev
	libmicrohttpd-dev libgnutls28-dev libjansson-dev libsqlite3-dev libpq-dev
	libcurl4-openssl-dev libcmocka-dev libpq5 libcurl4)
test_packages=(postgresql python3 curl clang-format pebble
	chromium libnss3-tools certbot lego dehydrated python3-cryptography)
bench_packages=(postgresql python3 python3-cryptography wrk golang-cfssl
	linux-perf strace)

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

case "${1:-build}" in
build) wanted=("${build_packages[@]}") ;;
test) wanted=("${build_packages[@]}" "${test_packages[@]}") ;;
bench) wanted=("${build_packages[@]}" "${bench_packages[@]}") ;;
*) echo "usage: deps.sh build|test|bench" >&2; exit 2 ;;
esac

mapfile -t need < <(missing "${wanted[@]}")
[ "${#need[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages: ${need[*]}; run as root or install them" >&2
	exit 1
fi
echo "deps.sh: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || echo "deps.sh: apt-get update failed; trying the cached package lists" >&2
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
