#!/bin/sh
# plot.sh TCPTRACK MKPCAP TESTDATA SHARED_PCAPS: every --plot kind over the seeds'
# classic sequence and a real lossy transfer is valid XML (xmllint), renders
# (rsvg-convert) and draws what the connection did.  Skips (77) without the tools.
set -u
abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
bin=$(abspath "$1") mkpcap=$(abspath "$2") td=$3 shared=$4
for tool in xmllint rsvg-convert; do
	command -v "$tool" >/dev/null 2>&1 || { echo "skip: $tool is not installed"; exit 77; }
done
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C TZ=UTC0
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
"$mkpcap" "$td/scenarios/seeds_classic.txt" "$tmp/classic.pcap" || exit 99
"$mkpcap" "$td/scenarios/an_zero_window.txt" "$tmp/zw.pcap" || exit 99

# plot NAME CAPTURE KIND [OPTIONS...]: write, validate and render NAME.svg.
plot() {
	name=$1 cap=$2 kind=$3
	shift 3
	if ! "$bin" -r "$cap" --plot "$kind" -o "$tmp/$name.svg" "$@" 2>"$tmp/$name.err"; then
		fail "$name: tcptrack exit $?: $(cat "$tmp/$name.err")"
		return 1
	fi
	if grep -q -e 'Sanitizer' -e 'runtime error' "$tmp/$name.err"; then
		fail "$name: sanitizer report"; cat "$tmp/$name.err"
	fi
	xmllint --noout "$tmp/$name.svg" || fail "$name: not well-formed XML"
	rsvg-convert "$tmp/$name.svg" -o "$tmp/$name.png" 2>"$tmp/$name.rsvg" ||
		fail "$name: rsvg-convert: $(cat "$tmp/$name.rsvg")"
	[ -s "$tmp/$name.png" ] || fail "$name: empty PNG"
	grep -q '<text[^>]*>[^<]*(s)</text>\|time (s)' "$tmp/$name.svg" || fail "$name: no time axis"
}
count() { grep -o -- "$2" "$tmp/$1.svg" | wc -l; }

# The seeds' classic sequence drawn: 10 arrows, the states, the TIME_WAIT expiry.
if plot classic-ladder "$tmp/classic.pcap" ladder --conn 1 -S; then
	n=$(count classic-ladder 'marker-end=')
	[ "$n" -eq 10 ] || fail "classic-ladder: $n arrows, want 10"
	for s in SYN_SENT SYN_RCVD ESTABLISHED FIN_WAIT_1 CLOSE_WAIT FIN_WAIT_2 LAST_ACK TIME_WAIT CLOSED \
		'SYN,ACK 8000(0) ack 1001 win 6144 &lt;mss 1024&gt;' 'FIN,ACK 1021(0) ack 8011' '2MSL until 60.115900 s'; do
		grep -qF ">$s" "$tmp/classic-ladder.svg" || fail "classic-ladder: no '$s'"
	done
fi
for k in tseq window rtt; do
	plot "classic-$k" "$tmp/classic.pcap" "$k" --conn 10.0.0.1:49816
done
grep -q '>2 samples<' "$tmp/classic-rtt.svg" || fail "classic-rtt: want 2 RTT samples"
[ "$(count classic-rtt '<circle cx=')" -eq 4 ] || fail "classic-rtt: want 2 dots (+2 in the legend)"
# A zero window is shaded in the time-sequence graph.
plot zw-tseq "$tmp/zw.pcap" tseq --conn 1 && [ "$(count zw-tseq 'fill="#f4cccc"')" -ge 2 ] ||
	fail "zw-tseq: no zero-window period"

# A real lossy transfer (../shared/pcaps/real): retransmissions and SACK blocks marked,
# 44 RTT samples (as the text report says), the ladder cut to a renderable size.
lossy=$shared/real/lossy_transfer.pcap
if [ -f "$lossy" ]; then
	plot lossy-tseq "$lossy" tseq --conn 1 &&
		{ [ "$(count lossy-tseq '>R</text>')" -ge 70 ] || fail "lossy-tseq: retransmissions not marked"; } &&
		{ [ "$(count lossy-tseq 'stroke="#9467bd" stroke-width="3"')" -ge 100 ] || fail "lossy-tseq: SACK blocks missing"; }
	plot lossy-rtt "$lossy" rtt --conn 10.77.0.2:6381 &&
		{ grep -q '>44 samples<' "$tmp/lossy-rtt.svg" || fail "lossy-rtt: want 44 samples"; }
	plot lossy-window "$lossy" window --conn 'tcp port 6381'
	plot lossy-ladder "$lossy" ladder --conn 1 &&
		{ grep -q 'rows not drawn: tcptrack --ladder shows them' "$tmp/lossy-ladder.svg" ||
			fail "lossy-ladder: not cut"; }
fi
[ "$fails" -eq 0 ] || exit 1
echo "plots: all valid and rendered"
