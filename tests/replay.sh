#!/bin/sh
# Golden replay: replay.sh TCPTRACK MKPCAP INPUT EXPECTED [OPTIONS...]
# INPUT is a capture, or a scenario (.txt) compiled with MKPCAP first.  The
# output (stdout, then "[exit N] stderr" when the exit status is not 0) is
# compared with EXPECTED.  TCPTRACK_UPDATE=1 rewrites EXPECTED instead.
# A first option LC_ALL=LOCALE runs tcptrack in that locale (default C).
set -u
# TCPTRACK_WRAP: a command to run tcptrack under (valgrind in tests/run-all.sh).
wrap=${TCPTRACK_WRAP:-}
abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
bin=$(abspath "$1") mkpcap=$(abspath "$2") input=$3 expected=$4
shift 4
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
locale=C
case "${1:-}" in
LC_ALL=*) locale=${1#LC_ALL=}; shift ;;
esac
export TZ=UTC0 LC_ALL="$locale"
name=$(basename "$input")
case "$input" in
*.txt)
	name=${name%.txt}.pcap
	grep -q '^format pcapng' "$input" && name=${name%.pcap}.pcapng
	"$mkpcap" "$input" "$tmp/$name" || { echo "replay: cannot compile $input"; exit 99; }
	;;
*)
	cp "$input" "$tmp/$name" || exit 99
	;;
esac
cd "$tmp" || exit 99
$wrap "$bin" -r "$name" "$@" >out 2>err
status=$?
if [ "$status" -ne 0 ]; then
	printf '[exit %d] ' "$status" >>out
	cat err >>out
fi
if [ "$status" -ge 126 ] || grep -q -e 'runtime error' -e 'AddressSanitizer' -e 'LeakSanitizer' err; then
	echo "replay: $name: crashed or sanitizer report (exit $status)"
	cat err
	exit 1
fi
if [ "${TCPTRACK_UPDATE:-0}" = 1 ]; then
	cp out "$expected" && echo "updated $expected"
	exit 0
fi
if [ ! -f "$expected" ]; then
	echo "replay: missing expected output $expected (run with TCPTRACK_UPDATE=1)"
	exit 1
fi
diff -u "$expected" out
