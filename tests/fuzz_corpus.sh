#!/bin/sh
# fuzz_corpus.sh MKPCAP MKSEEDS SRCROOT OUTDIR: the fuzz harnesses' seed corpora.
#   OUTDIR/capture: every scenario compiled by MKPCAP, the committed captures
#                   (testdata/*.pcap, testdata/real, testdata/hostile) and the
#                   crash regressions of testdata/fuzz/capture;
#   OUTDIR/decode:  every distinct frame of those captures (MKSEEDS) and
#                   testdata/fuzz/decode.
set -u
mkpcap=$1 mkseeds=$2 src=$3 out=$4
td=$src/testdata
rm -rf "$out/capture" "$out/decode"
mkdir -p "$out/capture" "$out/decode" || exit 99
for s in "$td"/scenarios/*.txt "$td"/hostile/*.txt; do
	[ -f "$s" ] || continue
	n=$(basename "$s" .txt)
	# Scenarios that describe a broken file header are still good seeds.
	"$mkpcap" "$s" "$out/capture/$n.pcap" 2>/dev/null || true
done
for f in "$td"/*.pcap "$td"/real/*.pcap "$td"/fuzz/capture/*; do
	[ -f "$f" ] && cp "$f" "$out/capture/"
done
# Frames of every capture libpcap can open (the broken ones are skipped).
for f in "$out"/capture/*; do
	"$mkseeds" "$out/decode" "$f" 2>/dev/null || true
done
for f in "$td"/fuzz/decode/*; do
	[ -f "$f" ] && cp "$f" "$out/decode/"
done
n_cap=$(ls "$out/capture" | wc -l) n_dec=$(ls "$out/decode" | wc -l)
echo "fuzz corpus: $n_cap captures, $n_dec frames in $out"
[ "$n_cap" -gt 0 ] && [ "$n_dec" -gt 0 ]
