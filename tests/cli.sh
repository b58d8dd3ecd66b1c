#!/bin/sh
# cli.sh TCPTRACK MKPCAP TESTDATA: command-line behaviour — exit statuses, one-line
# errors naming the file/filter and the reason, stdin, -c, -o, filters.
set -u
# TCPTRACK_WRAP: a command to run tcptrack under (valgrind in tests/run-all.sh).
wrap=${TCPTRACK_WRAP:-}
abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
bin=$(abspath "$1") mkpcap=$(abspath "$2") td=$3
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C TZ=UTC0
fails=0
cap=$tmp/classic.pcap
"$mkpcap" "$td/scenarios/seeds_classic.txt" "$cap" || exit 99

# expect STATUS STDERR-REGEX -- ARGS...: exit status and a one-line stderr matching the regex.
expect() {
	want=$1 re=$2
	shift 3
	$wrap "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	st=$?
	first=$(head -n 1 "$tmp/err")
	if [ "$st" -ne "$want" ] || ! printf '%s\n' "$first" | grep -Eq -- "$re"; then
		echo "FAIL: tcptrack $*: exit $st (want $want), stderr: $(cat "$tmp/err")"
		fails=$((fails + 1))
	fi
	if grep -q -e 'Sanitizer' -e 'runtime error' "$tmp/err"; then
		echo "FAIL: tcptrack $*: sanitizer report"; cat "$tmp/err"
		fails=$((fails + 1))
	fi
}
check() { # check DESCRIPTION COMMAND...
	d=$1
	shift
	if ! "$@"; then echo "FAIL: $d"; fails=$((fails + 1)); fi
}

expect 2 "^tcptrack: unknown option '--bogus'" -- --bogus
expect 2 "^tcptrack: option '-r' needs an argument" -- -r
expect 2 "^tcptrack: --format: 'xml' is not one of text, json, csv" -- -r "$cap" -F xml
expect 2 "^tcptrack: -c: 'x' is not a positive number" -- -r "$cap" -c x
expect 2 "^tcptrack: --at: 'yesterday' is not a time" -- -r "$cap" --at yesterday
expect 2 "^tcptrack: -r and -i: read a file or capture live, not both" -- -r "$cap" -i lo
expect 2 "^tcptrack: --speed: only with -r FILE --live" -- -r "$cap" --speed 2
expect 2 "^tcptrack: --speed: '0' is not a positive factor or 'max'" -- -r "$cap" --live --speed 0
expect 2 "^tcptrack: -s: '999999' is not a snapshot length" -- -i lo -s 999999
expect 2 "^tcptrack: no input: give a capture file with -r FILE or an interface with -i IFACE" --
expect 1 "^tcptrack: nosuchif0: no such interface|^tcptrack: nosuchif0: permission denied" -- -i nosuchif0 --no-ui
expect 0 '^$' -- -r "$cap" --live --speed max --no-ui
check "--live --no-ui: event lines" grep -q ' client SYN_SENT -> ESTABLISHED$' "$tmp/out"
expect 2 "^tcptrack: --at: '2024-02-30T00:00:00Z' is not a time" -- -r "$cap" --at 2024-02-30T00:00:00Z
expect 0 '^$' -- -r "$cap" --at +0.05
check "--at: the table, no report" grep -q '^ESTABLISHED  10.0.0.1:49816' "$tmp/out"
expect 0 '^$' -- -r "$cap" --at +0 -F json
check "--at at the first SYN: the server's SYN_RCVD, proven by its later SYN,ACK" \
	grep -q '"state":"SYN_RCVD","local":"10.0.0.2:8899"' "$tmp/out"
expect 0 '^$' -- -r "$cap" --at 1699999999 -F csv
check "--at before the capture: the header alone" test "$(wc -l <"$tmp/out")" -eq 1
expect 2 "^tcptrack: --max-flows: '0'" -- -r "$cap" --max-flows 0
expect 2 "^tcptrack: --msl: 'soon'" -- -r "$cap" --msl soon
expect 1 "^tcptrack: $tmp/none.pcap: No such file or directory$" -- -r "$tmp/none.pcap"
printf 'hello, world, this is not a capture file\n' >"$tmp/text.pcap"
expect 1 "^tcptrack: $tmp/text.pcap: not a pcap or pcapng file$" -- -r "$tmp/text.pcap"
: >"$tmp/empty.pcap"
expect 1 "^tcptrack: $tmp/empty.pcap: empty file" -- -r "$tmp/empty.pcap"
head -c 10 "$cap" >"$tmp/hdr.pcap"
expect 1 "^tcptrack: $tmp/hdr.pcap: truncated in the file header" -- -r "$tmp/hdr.pcap"
expect 2 "^tcptrack: filter 'tcp port': " -- -r "$cap" tcp port
# A link type tcptrack does not decode (147, USER0): a clean error, no report.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\223\000\000\000' >"$tmp/user0.pcap"
expect 1 "^tcptrack: $tmp/user0.pcap: link type .* is not supported" -- -r "$tmp/user0.pcap"
check "unsupported link: nothing on stdout" test ! -s "$tmp/out"

# Truncated in the middle of a record: the report of what was read, marked, exit 1.
size=$(wc -c <"$cap")
head -c $((size - 10)) "$cap" >"$tmp/cut.pcap"
expect 1 "^tcptrack: $tmp/cut.pcap: file truncated in the middle of a packet record$" -- -r "$tmp/cut.pcap" -F json
check "truncated: summary says so" grep -q '"truncated":true' "$tmp/out"
check "truncated: 9 packets read" grep -q '"packets":9,' "$tmp/out"
check "truncated: one stderr line" test "$(wc -l <"$tmp/err")" -eq 1

# Success paths.
expect 0 '^$' -- -r "$cap"
cp "$tmp/out" "$tmp/file.txt"
$wrap "$bin" -r - <"$cap" >"$tmp/stdin.txt" 2>&1
check "stdin gives the same report (but the name)" \
	sh -c "sed 's|Summary of .* (link|Summary of X (link|' '$tmp/file.txt' >'$tmp/a'; sed 's|Summary of .* (link|Summary of X (link|' '$tmp/stdin.txt' >'$tmp/b'; cmp -s '$tmp/a' '$tmp/b'"
check "stdin named (stdin)" grep -q 'Summary of (stdin)' "$tmp/stdin.txt"
expect 0 '^$' -- -r "$cap" -F json -c 3
check "-c 3 reads 3 packets" grep -q '"packets":3,' "$tmp/out"
check "-c 3 says it stopped" grep -q '"stopped_by_limit":true' "$tmp/out"
expect 0 '^$' -- -r "$cap" -F json tcp port 1
check "filter that matches nothing: 0 connections" grep -q '"connections":0,' "$tmp/out"
expect 0 '^$' -- -r "$cap" -F json 'tcp[tcpflags] & tcp-syn != 0'
check "SYN-only filter: 2 TCP packets" grep -q '"tcp_packets":2,' "$tmp/out"
expect 0 '^$' -- -r "$cap" -F csv -o "$tmp/report.csv"
check "-o writes the file" test "$(wc -l <"$tmp/report.csv")" -eq 2
check "-o leaves no temporary file" test -z "$(ls "$tmp" | grep 'report.csv.tmp')"
expect 1 "^tcptrack: $tmp/nodir/r.json: cannot create the report" -- -r "$cap" -o "$tmp/nodir/r.json"
(umask 022 && $wrap "$bin" -r "$cap" -o "$tmp/mode.txt")
check "-o gives the file the mode umask allows (644)" test "$(stat -c %a "$tmp/mode.txt")" = 644
# -o on a FIFO writes into it (it is not replaced by a regular file).
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from_fifo" &
$wrap "$bin" -r "$cap" -o "$tmp/fifo"
wait
check "-o FIFO: still a FIFO" test -p "$tmp/fifo"
check "-o FIFO: the reader got the report" grep -q 'closed(client)' "$tmp/from_fifo"
# Cut short: text and JSON reports say so and are kept; a CSV file could not, so none.
expect 1 "^tcptrack: $tmp/cut.pcap: file truncated in the middle of a packet record$" -- -r "$tmp/cut.pcap" -F json -o "$tmp/cut.json"
check "-o JSON of a truncated file is kept" grep -q '"truncated":true' "$tmp/cut.json"
expect 1 "the CSV report is not written" -- -r "$tmp/cut.pcap" -F csv -o "$tmp/cut.csv"
check "-o CSV of a truncated file is not written" test ! -e "$tmp/cut.csv"
$wrap "$bin" -r "$tmp/text.pcap" -o "$tmp/bad.json" 2>/dev/null
check "-o with a bad input leaves no report" test ! -e "$tmp/bad.json"
$wrap "$bin" --help >"$tmp/help" 2>&1
check "--help exits 0 and shows the usage" grep -q '^Usage: tcptrack -r FILE' "$tmp/help"
$wrap "$bin" -V | grep -q '^tcptrack [0-9]' || { echo "FAIL: -V"; fails=$((fails + 1)); }

# Connection stories: selectors, one-line errors, nothing matched, -o.
expect 2 "^tcptrack: --ladder, --timeline and --plot need --conn SEL" -- -r "$cap" --ladder
expect 2 "^tcptrack: --conn: '10.0.0.1:99999': '99999' is not a port \\(0 to 65535\\)$" -- -r "$cap" --ladder --conn 10.0.0.1:99999
expect 2 "^tcptrack: --conn: '\\[fd00::1\\]443': an IPv6 endpoint is \\[ADDRESS\\]:PORT$" -- -r "$cap" --ladder --conn '[fd00::1]443'
expect 2 "^tcptrack: --conn: '10.0.0.300:80': '10.0.0.300' is not an IPv4 address$" -- -r "$cap" --ladder --conn 10.0.0.300:80
expect 2 "^tcptrack: --conn: '0' is not a connection id" -- -r "$cap" --ladder --conn 0
expect 2 "^tcptrack: --conn: 'tcp port' is not a connection id, an endpoint \\(10.0.0.1:80, \\[fd00::1\\]:443\\) or a filter: .*syntax error" -- -r "$cap" --ladder --conn 'tcp port'
expect 1 "^tcptrack: --conn 'port 1': no connection matched$" -- -r "$cap" --timeline --conn 'port 1'
expect 1 "^tcptrack: --conn '7': no connection matched$" -- -r "$cap" --ladder --conn 7
expect 2 "^tcptrack: --plot: 'pie' is not one of ladder, tseq, window, rtt$" -- -r "$cap" --plot pie --conn 1
expect 2 "^tcptrack: --plot writes a picture: not with --ladder or --timeline$" -- -r "$cap" --plot tseq --ladder --conn 1
expect 2 "^tcptrack: --conn, --full, --ascii and -S go with --ladder, --timeline or --plot$" -- -r "$cap" --conn 1
expect 2 "^tcptrack: --ladder, --timeline and --plot: -F does not apply$" -- -r "$cap" --ladder --conn 1 -F json
expect 2 "^tcptrack: --ladder, --timeline and --plot read a file" -- -r "$cap" --ladder --conn 1 --no-ui
expect 0 '^$' -- -r "$cap" --ladder --conn 'tcp and dst port 8899 and tcp[tcpflags] & tcp-syn != 0' -o "$tmp/ladder.txt"
check "--ladder -o FILE: the ladder, from the SYN a multi-word filter selects" \
	grep -q 'SYN_SENT |--- SYN 0(0) win 4096 <mss 1460> -*>|$' "$tmp/ladder.txt"
expect 0 '^$' -- -r "$cap" --ladder --conn 'tcp[tcpflags] & tcp-fin != 0'
check "--conn FILTER matching later: rows from the first packet it matches" \
	sh -c "! grep -q SYN_SENT '$tmp/out' && grep -q FIN_WAIT_1 '$tmp/out'"
rm -f "$tmp/none.svg"
expect 1 "^tcptrack: --conn '9': no connection matched$" -- -r "$cap" --plot tseq --conn 9 -o "$tmp/none.svg"
check "--plot with nothing matched writes no file" test ! -e "$tmp/none.svg"

# The README's quick start shows the report of the bundled capture: keep it true.
(cd "$td" && $wrap "$bin" -r seeds_classic.pcap) >"$tmp/quick" 2>&1
awk '/^The first command prints:/ {on = 1; next} on && /^```$/ {if (in_block) exit; in_block = 1; next}
	in_block {print}' "$td/../README.md" | sed 's|Summary of testdata/|Summary of |' >"$tmp/readme"
check "README quick start output is current" cmp -s "$tmp/quick" "$tmp/readme"

# ... and the ladder it shows.
(cd "$td" && "$bin" -r seeds_classic.pcap --ladder --conn 1 -S) >"$tmp/ladder" 2>&1
awk '/^\$ tcptrack -r testdata\/seeds_classic.pcap --ladder --conn 1 -S$/ {on = 1; next}
	on && /^```$/ {exit} on {print}' "$td/../README.md" >"$tmp/readme-ladder"
check "README ladder is current" cmp -s "$tmp/ladder" "$tmp/readme-ladder"

[ "$fails" -eq 0 ] && echo "cli: all checks passed"
exit $((fails > 0))
