#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# pgo.sh - the fastest build: release, link-time and profile-guided
# optimisation.  It builds tcptrack instrumented, runs it over two training
# captures made by tcptrack-benchgen (with their own seeds, not the
# benchmark's captures) in every report format and through the live loop,
# then builds it again with that profile.  The profile changes the code's
# layout, inlining and branch order, never what tcptrack does: the golden
# and command-line suites run on the result (tests/run-all.sh does).
#
# Run it again after editing the sources: a rebuild in between uses the old
# profile for what did not change and none for what did (gcc says which).
#
#   bench/pgo.sh BUILD_DIR [meson options...]      e.g. bench/pgo.sh build-pgo
set -eu
if [ $# -lt 1 ]; then
	echo "usage: pgo.sh BUILD_DIR [meson options...]" >&2
	exit 2
fi
dir=$1
shift
src=$(cd "$(dirname "$0")/.." && pwd)
if [ -e "$dir" ] && [ ! -f "$dir/build.ninja" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
	echo "pgo.sh: $dir: exists and is not a meson build directory" >&2
	exit 2
fi
if [ -f "$dir/build.ninja" ]; then
	meson configure "$dir" --buildtype=release -Db_lto=true -Db_pgo=generate "$@" >/dev/null
	find "$dir" -name '*.gcda' -exec rm -f {} +
else
	meson setup "$dir" "$src" --buildtype=release -Db_lto=true -Db_pgo=generate "$@" >/dev/null
fi
# gcc's profiles only: clang's need llvm-profdata and other options.
cc=$(python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))
print([s["compiler"][0] for x in t for s in x["target_sources"] if s["language"] == "c"][0])' \
	"$dir/meson-info/intro-targets.json")
if ! "$cc" --version 2>/dev/null | grep -q "Free Software Foundation"; then
	echo "pgo.sh: $dir: its C compiler ($cc) is not gcc: set CC=gcc (in a new directory)" >&2
	exit 2
fi
ninja -C "$dir" tcptrack bench/tcptrack-benchgen

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM HUP
# 20-packet and 10-packet connections, as the 2M and 10M captures have.
"$dir/bench/tcptrack-benchgen" --flows 10000 --packets 200000 --seed 101 -o "$tmp/a.pcap"
"$dir/bench/tcptrack-benchgen" --flows 20000 --packets 200000 --seed 102 -o "$tmp/b.pcap"
for cap in "$tmp/a.pcap" "$tmp/b.pcap"; do
	for fmt in json text csv; do
		"$dir/tcptrack" -r "$cap" --format "$fmt" -o /dev/null
	done
done
# (-Z: as root, live mode would give up root, and then could not write the profile.)
"$dir/tcptrack" -r "$tmp/a.pcap" --live --speed max --no-ui -F json -Z "$(id -un)" >/dev/null

meson configure "$dir" -Db_pgo=use >/dev/null
ninja -C "$dir"
echo "pgo.sh: $dir/tcptrack built with the profile of $(find "$dir" -name '*.gcda' | wc -l) files"
