#!/bin/sh
# flood.sh TCPTRACK MKPCAP MAXRSS N MAX_FLOWS RSS_LIMIT_KIB: N SYNs to distinct 4-tuples
# (mkpcap's synflood, generated at test time: 2^20 of them make a 73 MB file, not
# committed) read with --max-flows MAX_FLOWS.  Checks: the cap holds (at most
# MAX_FLOWS tracked at once), every connection beyond it is evicted and counted,
# the summary says the limit was hit, the peak RSS stays under RSS_LIMIT_KIB
# (0: not checked, as under ASan, whose shadow memory and quarantine dominate).
# Prints the measured peak RSS.
set -u
bin=$1 mkpcap=$2 maxrss=$3 n=$4 cap=$5 limit=$6
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if ! "$@"; then echo "FAIL: $d"; fails=$((fails + 1)); fi
}
printf 'client 10.1.0.1:1024\nserver 10.0.0.2:80\nsynflood %s\n' "$n" >"$tmp/flood.txt"
"$mkpcap" "$tmp/flood.txt" "$tmp/flood.pcap" || exit 99
start=$(date +%s)
"$maxrss" "$tmp/rss" "$bin" -r "$tmp/flood.pcap" --max-flows "$cap" -F json >"$tmp/out" 2>"$tmp/err"
st=$?
end=$(date +%s)
rss=$(cat "$tmp/rss")
echo "flood: $n SYNs, --max-flows $cap: exit $st, peak RSS $rss KiB, $((end - start)) s"
check "exit status 0" test "$st" -eq 0
check "no stderr" test ! -s "$tmp/err"
tail -n 1 "$tmp/out" >"$tmp/summary"
check "every SYN read" grep -q "\"packets\":$n," "$tmp/summary"
check "one connection each" grep -q "\"connections\":$n," "$tmp/summary"
check "evictions counted" grep -q "\"evicted\":$((n - cap))," "$tmp/summary"
check "the cap held" grep -q "\"peak_flows\":$cap[,}]" "$tmp/summary"
check "the summary names the limit hit" grep -q '"limits_hit":{[^}]*"max_flows":' "$tmp/summary"
check "one record per connection" test "$(grep -c '"type":"conn"' "$tmp/out")" -eq "$n"
if [ "$limit" -gt 0 ]; then
	check "peak RSS $rss KiB under $limit KiB" test "$rss" -lt "$limit"
fi
[ "$fails" -eq 0 ] && echo "flood: all checks passed"
exit $((fails > 0))
