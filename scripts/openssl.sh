#!/usr/bin/env bash
# Provides OpenSSL 3.5 or newer for the build.
#
# Prints the prefix to build against: empty when the system's OpenSSL is new
# enough, otherwise build/openssl, which it fills (once) from Debian 13's
# source package. apt runs under a private configuration kept in
# build/apt; the system's own apt set-up is read, never changed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
prefix="$build/openssl"
want_major=3
want_minor=5

system_is_new_enough() {
	local v
	v=$(pkg-config --modversion openssl 2>/dev/null) || return 1
	local major=${v%%.*} rest=${v#*.}
	local minor=${rest%%.*}
	[ "$major" -gt "$want_major" ] ||
		{ [ "$major" -eq "$want_major" ] && [ "$minor" -ge "$want_minor" ]; }
}

# The URIs and keyring of the system's Debian archive, read from its
# deb822 sources file (or a one-line sources.list as a fallback).
system_archive_uri() {
	local f=/etc/apt/sources.list.d/debian.sources
	if [ -r "$f" ]; then
		awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' "$f"
		return
	fi
	awk '$1 == "deb" && $0 !~ /security/ {
		for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit }
	}' /etc/apt/sources.list
}

fetch_source() {
	local apt="$build/apt" uri
	uri=$(system_archive_uri)
	[ -n "$uri" ] || { echo "openssl.sh: no Debian archive in the system's apt sources" >&2; exit 1; }
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d"
	cat >"$apt/sources.list" <<SRC
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main
SRC
	local opts=(-o "Dir::Etc::SourceList=$apt/sources.list"
		-o "Dir::Etc::SourceParts=$apt/sources.list.d"
		-o "Dir::State::Lists=$apt/lists"
		-o "Dir::Cache=$apt/cache"
		-o "Debug::NoLocking=1")
	apt-get "${opts[@]}" -qq update
	rm -rf "$build/openssl-src"
	mkdir -p "$build/openssl-src"
	# The index may name a version the mirror no longer holds: try each
	# 3.5 or newer version it lists, newest first.
	local v
	for v in $(apt-cache "${opts[@]}" showsrc openssl |
		awk '/^Version:/ { print $2 }' | sort -rV | uniq); do
		case "$v" in 3.[5-9].* | 3.[1-9][0-9].* | [4-9].*) ;; *) continue ;; esac
		if (cd "$build/openssl-src" &&
			apt-get "${opts[@]}" -qq --download-only source "openssl=$v" >/dev/null 2>&1); then
			(cd "$build/openssl-src" && dpkg-source --no-check -x openssl_*.dsc src >/dev/null)
			return
		fi
		rm -f "$build/openssl-src"/openssl_*
	done
	echo "openssl.sh: no OpenSSL 3.5 source package could be fetched from $uri" >&2
	exit 1
}

# Output goes to build/openssl-build.log; its end is shown on failure.
build_openssl() {
	local src="$build/openssl-src/src" log="$build/openssl-build.log"
	if ! (cd "$src" &&
		./Configure --prefix="$prefix" --libdir=lib --openssldir="$prefix/ssl" \
			shared no-tests no-docs "-Wl,-rpath,$prefix/lib" "-Wl,--disable-new-dtags" &&
		make -j"$(nproc)" &&
		make install_sw install_ssldirs) >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		echo "openssl.sh: building OpenSSL failed; the whole log is $log" >&2
		exit 1
	fi
}

if system_is_new_enough; then
	exit 0
fi
if [ ! -e "$prefix/.complete" ]; then
	echo "openssl.sh: system OpenSSL is older than $want_major.$want_minor; building it from Debian 13's source (a few minutes, once)" >&2
	fetch_source
	build_openssl
	touch "$prefix/.complete"
fi
echo "$prefix"
