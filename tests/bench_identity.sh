#!/bin/sh
# bench_identity.sh BENCHGEN TCPTRACK EXPECTED: the JSON report of a synthetic
# capture (bench/gen.c, fixed seed: every kind of traffic the benchmark has)
# must be byte-identical to the one recorded in EXPECTED (its SHA-256), so an
# optimisation cannot change a single field unnoticed.  After a deliberate
# change of output: TCPTRACK_UPDATE=1 rewrites EXPECTED.
set -eu
gen=$1 bin=$2 expected=$3
case $expected in /*) ;; *) expected=$PWD/$expected ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
case $gen in /*) ;; *) gen=$PWD/$gen ;; esac
cd "$tmp" # the summary names the input: the same name every time
"$gen" --flows 3000 --packets 60000 --concurrent 300 --seed 7 -o b.pcap 2>/dev/null
"$bin" -r b.pcap -F json >"$tmp/out.json"
sum=$(sha256sum <"$tmp/out.json" | cut -d' ' -f1)
if [ "${TCPTRACK_UPDATE:-}" = 1 ]; then
	echo "$sum" >"$expected"
	echo "updated $expected"
	exit 0
fi
want=$(cat "$expected")
if [ "$sum" != "$want" ]; then
	echo "FAIL: JSON of the synthetic capture changed: sha256 $sum, expected $want"
	echo "$(wc -l <"$tmp/out.json") lines; first record:"
	head -1 "$tmp/out.json"
	exit 1
fi
echo "identical: $(wc -l <"$tmp/out.json") JSON lines, sha256 $sum"
