#!/usr/bin/env bash
# The whole test suite, as CI runs it: a gcc build with warnings as errors, then
# a clang build under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

run() {
	local dir=$1
	shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
	ninja -C "$dir"
	meson test -C "$dir" --print-errorlogs --num-processes "$jobs"
}

CC=gcc run build-ci -Dwerror=true
CC=clang run build-san -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false
echo "All test suites passed (gcc -Werror, clang ASan+UBSan)."
