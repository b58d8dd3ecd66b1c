#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# ab.sh - two tcptrack binaries on one capture, alternating, N runs each: the
# minimum and the median CPU seconds (user + system) of each.  On a noisy
# machine the minimum is the better estimate of what a change is worth.
#
#   bench/ab.sh MEASURE N CAPTURE BIN_A BIN_B [tcptrack options...]
#   bench/ab.sh build-rel/bench/tcptrack-measure 8 /tmp/b2m.pcap old/tcptrack \
#               build-rel/tcptrack --format json -o /dev/null
set -eu
if [ $# -lt 5 ]; then
	echo "usage: ab.sh MEASURE N CAPTURE BIN_A BIN_B [options...]" >&2
	exit 2
fi
measure=$1 n=$2 cap=$3 a=$4 b=$5
shift 5
i=0
while [ "$i" -lt "$n" ]; do
	for bin in "$a" "$b"; do
		# tcptrack-measure prints "user sys maxrss_kib wall status" last on stderr
		cpu=$("$measure" "$bin" -r "$cap" "$@" 2>&1 >/dev/null | tail -n 1 |
		      awk '{ printf "%.3f", $1 + $2 }')
		echo "$bin $cpu"
	done
	i=$((i + 1))
done | sort -k1,1 -k2n | awk '
	{ c[$1]++; v[$1, c[$1]] = $2 }
	END { for (k in c) printf "%-40s min %s  median %s  (%d runs)\n", k, v[k, 1],
	                           v[k, int((c[k] + 1) / 2)], c[k] }'
