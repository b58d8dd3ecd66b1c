#!/bin/sh
# fuzz_run.sh FUZZBUILD TOOLBUILD SECONDS: run both libFuzzer harnesses of FUZZBUILD
# (meson -Dfuzzing=true) at once for SECONDS each, from the seed corpora that
# tests/fuzz_corpus.sh makes with TOOLBUILD's mkpcap and mkseeds.  An input
# slower than 10 s is a hang, reported like a crash.  Every crash, hang or leak
# is copied to testdata/fuzz/<harness>/ as a regression input for the 'fuzz'
# suite (commit it with the fix) and fails the run.  Prints the executions.
set -u
fb=$1 tb=$2 secs=$3
src=$(cd "$(dirname "$0")/.." && pwd)
work=$fb/fuzz-run
rm -rf "$work"
mkdir -p "$work/crashes" || exit 99
"$src/tests/fuzz_corpus.sh" "$tb/tests/mkpcap" "$tb/fuzz/mkseeds" "$src" "$work/seeds" || exit 1
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for h in decode capture; do
	mkdir -p "$work/corpus-$h"
	"$fb/fuzz/fuzz_$h" -max_total_time="$secs" -timeout=10 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$work/crashes/$h-" "$work/corpus-$h" "$work/seeds/$h" \
		>"$work/$h.log" 2>&1 &
	eval "pid_$h=\$!"
done
status=0
for h in decode capture; do
	eval "wait \$pid_$h"
	st=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$h.log")
	echo "fuzz_$h: ${runs:-?} executions in $secs s, exit $st"
	if [ "$st" -ne 0 ]; then
		status=1
		tail -n 40 "$work/$h.log"
	fi
done
found=0
for f in "$work"/crashes/*; do
	[ -f "$f" ] || continue
	h=$(basename "$f" | cut -d- -f1)
	mkdir -p "$src/testdata/fuzz/$h"
	cp "$f" "$src/testdata/fuzz/$h/" && echo "regression input saved: testdata/fuzz/$h/$(basename "$f")"
	found=$((found + 1))
done
echo "fuzzing: $found crashing inputs"
[ "$found" -eq 0 ] && [ "$status" -eq 0 ]
