#!/bin/sh
# fuzz_replay.sh MKPCAP MKSEEDS FUZZ_DECODE FUZZ_CAPTURE SRCROOT: the fuzz harnesses,
# built as replay programs, over their seed corpora and the regression inputs
# (tests/fuzz_corpus.sh): any crash, sanitizer report or invariant failure fails.
set -u
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
"$(dirname "$0")/fuzz_corpus.sh" "$1" "$2" "$5" "$tmp" || exit 1
# TCPTRACK_WRAP: a command to run the harnesses under (valgrind in tests/run-all.sh).
${TCPTRACK_WRAP:-} "$3" "$tmp/decode" || exit 1
${TCPTRACK_WRAP:-} "$4" "$tmp/capture" || exit 1
