#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets with clang in their own build
# folder and runs each for a while from its committed corpus.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#
# New interesting inputs go to BUILD_DIR/work/corpus/TARGET, findings to
# BUILD_DIR/work/findings/TARGET/, the output to BUILD_DIR/work/TARGET.log;
# the committed corpus (tests/fuzz/corpus) is only read. FUZZ_NO_BUILD=1
# skips the build, for runs started side by side. Exit status 1 when a
# target found something.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:-60}
shift 2 || shift $#
case $build in /*) ;; *) build=$top/$build ;; esac

if ! command -v clang >/dev/null; then
	echo "run.sh: libFuzzer needs clang (apt-get install clang)" >&2
	exit 1
fi
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
	if [ ! -f "$build/CMakeCache.txt" ]; then
		prefix=$("$top/scripts/openssl.sh")
		CC=clang cmake -S "$top" -B "$build" \
			-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPKIAAS_LIBFUZZER=ON \
			-DPKIAAS_OPENSSL_PREFIX="$prefix" >/dev/null
	fi
	cmake --build "$build" --target fuzz_all -j "$(nproc)" -- \
		--no-print-directory
fi

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
	for d in "$top"/tests/fuzz/corpus/*/; do
		targets+=("$(basename "$d")")
	done
fi

found=0
for t in "${targets[@]}"; do
	exe=$build/tests/fuzz/fuzz_$t
	corpus=$top/tests/fuzz/corpus/$t
	work=$build/work
	log=$work/$t.log
	if [ ! -x "$exe" ] || [ ! -d "$corpus" ]; then
		echo "run.sh: no target $t (fuzz_$t and corpus/$t)" >&2
		exit 2
	fi
	mkdir -p "$work/corpus/$t" "$work/findings/$t"
	opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$work/findings/$t/")
	[ -f "$top/tests/fuzz/dict/$t.dict" ] &&
		opts+=(-dict="$top/tests/fuzz/dict/$t.dict")
	echo "fuzz $t: ${seconds}s from corpus/$t ..."
	rc=0
	"$exe" "${opts[@]}" "$work/corpus/$t" "$corpus" >"$log" 2>&1 || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)
	unit=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $t: ${execs:-?} executions, ${cov:-cov: ?}, no finding"
	else
		found=1
		echo "fuzz $t: FOUND after ${execs:-?} executions (exit $rc): ${unit:-see log}"
		grep -m 3 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" || true
		echo "  log: $log"
	fi
done
if [ "$found" -ne 0 ]; then
	echo "To keep a finding: fix it, then copy the file into" \
		"tests/fuzz/corpus/TARGET/ as crash-SHORT-NAME (docs/testing.md)."
fi
exit "$found"
