# The two commands of the README: `make run` and `make test`.
# Each installs what it needs, obtains OpenSSL 3.5 and builds.

BUILD := build
JOBS := $(shell nproc)
ARGS ?=
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
# The sanitizer build of make test, and how its processes report: UBSan
# stops at its first finding, LeakSanitizer checks every exit.
ASAN_BUILD := $(BUILD)/asan
ASAN_ENV := ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

.PHONY: all build run test fuzz bench deps test-deps format clean

all: build

deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

$(BUILD)/CMakeCache.txt: CMakeLists.txt | deps
	@prefix=$$(scripts/openssl.sh) && \
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DPKIAAS_OPENSSL_PREFIX="$$prefix" >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

run: build
	$(BUILD)/bin/pkiaasd serve $(ARGS)

# make test runs the suite twice: in $(BUILD), then in $(ASAN_BUILD), a
# Debug build with AddressSanitizer, UBSan and LeakSanitizer
# (docs/testing.md). The second runs even when the first fails; either
# failing fails the target.
test: test-deps build
	@prefix=$$(scripts/openssl.sh) && \
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug \
		-DPKIAAS_SANITIZE=ON -DPKIAAS_OPENSSL_PREFIX="$$prefix" >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory
	@rc=0; \
	(cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(ARGS)) || rc=1; \
	echo "== the same under the sanitizers, in $(ASAN_BUILD)"; \
	(cd $(ASAN_BUILD) && env $(ASAN_ENV) \
		ctest --output-on-failure -j $(JOBS) $(ARGS)) || rc=1; \
	exit $$rc

# libFuzzer with clang, in its own build folder: each target (or those
# FUZZ_TARGETS names) for FUZZ_SECONDS from its corpus (docs/testing.md).
fuzz: test-deps
	@tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Benchmarks against peers (docs/performance.md), never part of `make
# test`: a Release build of its own in build-bench, then bench/run
# (BENCH_QUICK=1 for a two-minute smoke run).
BENCH_BUILD := build-bench

bench: deps
	@scripts/deps.sh bench
	@prefix=$$(scripts/openssl.sh) && \
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_C_FLAGS= -DPKIAAS_OPENSSL_PREFIX="$$prefix" >/dev/null && \
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target pkiaasd -- \
		--no-print-directory && \
	PKIAAS_BIN=$(BENCH_BUILD)/bin \
	PKIAAS_OPENSSL_PREFIX="$$prefix" bench/run

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)/CMakeFiles $(BUILD)/CMakeCache.txt $(BUILD)/bin $(BUILD)/lib
