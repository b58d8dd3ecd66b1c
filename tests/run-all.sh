#!/usr/bin/env bash
# The whole test suite, as CI runs it:
#   1. a gcc build with warnings as errors, every suite;
#   2. a clang build under AddressSanitizer + UndefinedBehaviorSanitizer (halt on
#      the first error), every suite;
#   3. valgrind memcheck (no leaks, no invalid access) over the gcc build: every
#      golden replay (hostile captures included), the command-line tests and the
#      fuzz corpora replayed, with tcptrack and the harnesses run under valgrind
#      (TCPTRACK_WRAP).  The Criterion unit tests stay under ASan+LSan (phase 2):
#      Criterion execs a worker per test, so memcheck would start about 300 times
#      (measured: over 7 minutes, 4 of the 9 unit binaries timing out).  The live, tmux, oracle and
#      corpus suites are left out too (live capture and python drivers; the
#      shared corpora take minutes under memcheck);
#   4. libFuzzer: a clang -Dfuzzing=true build running both harnesses for
#      TCPTRACK_FUZZ_SECONDS (default 60) at once; a crash is saved under
#      testdata/fuzz/ and fails the run (tests/fuzz_run.sh);
#   5. the fastest build, with profile-guided optimisation (bench/pgo.sh, the
#      benchmark's build; release, so without asserts, and warnings as errors):
#      the golden and command-line suites, so that the profile is seen to change
#      nothing tcptrack does.
# Phases 3 and 4 are skipped, saying so, when valgrind or libFuzzer is missing, unless
# TCPTRACK_REQUIRE_ALL=1 (.ci/run sets it): then that is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

setup() {
	local dir=$1
	shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

run() {
	local dir=$1
	shift
	setup "$dir" "$@"
	ninja -C "$dir"
	meson test -C "$dir" --print-errorlogs --num-processes "$jobs"
}

phase() { echo "=== $* ($(date -u +%H:%M:%S))"; }

phase "1/5 gcc -Werror"
CC=gcc run build-ci -Dwerror=true
phase "2/5 clang ASan+UBSan"
CC=clang run build-san -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false

phase "3/5 valgrind memcheck"
if command -v valgrind >/dev/null 2>&1; then
	TCPTRACK_WRAP="valgrind -q --vgdb=no --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect" \
		meson test -C build-ci --print-errorlogs --num-processes "$jobs" --suite golden --suite cli --suite fuzz
	valgrind_done=", valgrind memcheck"
else
	echo "valgrind not found: phase skipped"
	[ "${TCPTRACK_REQUIRE_ALL:-0}" != 1 ] || exit 1
	valgrind_done=""
fi

phase "4/5 libFuzzer"
echo 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' >build-ci/fuzz-probe.c
if clang -fsanitize=fuzzer build-ci/fuzz-probe.c -o build-ci/fuzz-probe >/dev/null 2>&1; then
	CC=clang setup build-fuzz -Dwerror=true -Dfuzzing=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-fuzz fuzz/fuzz_decode fuzz/fuzz_capture
	tests/fuzz_run.sh build-fuzz build-ci "${TCPTRACK_FUZZ_SECONDS:-60}"
	fuzz_done=", libFuzzer ${TCPTRACK_FUZZ_SECONDS:-60} s per harness"
else
	echo "clang -fsanitize=fuzzer does not link (libclang-rt-dev missing?): phase skipped"
	[ "${TCPTRACK_REQUIRE_ALL:-0}" != 1 ] || exit 1
	fuzz_done=""
fi
phase "5/5 profile-guided build (bench/pgo.sh)"
CC=gcc bench/pgo.sh build-pgo -Dwerror=true >/dev/null
meson test -C build-pgo --print-errorlogs --num-processes "$jobs" --suite golden --suite cli
echo "All test suites passed (gcc -Werror, clang ASan+UBSan$valgrind_done$fuzz_done, profile-guided build)."
