#!/bin/sh
# ui_tmux.sh TCPTRACK MKPCAP TESTDATA: drive the full-screen view in tmux over a
# replayed capture (send-keys, capture-pane) and check what the screen shows:
# header, rows, sort order, filter, detail view, help, resizing to 80x24, and
# that q and SIGTERM give the terminal back.  Skips (77) without tmux.
set -u
abspath() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
bin=$(abspath "$1") mkpcap=$(abspath "$2") td=$3
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux not found"; exit 77; }
tmp=$(mktemp -d) || exit 99
sock="$tmp/tmux.sock"
T() { tmux -S "$sock" "$@"; }
trap 'T kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
"$mkpcap" "$td/scenarios/many.txt" "$tmp/many.pcap" || exit 99
fails=0
export TERM=xterm-256color

screen() { T capture-pane -p -t ui 2>/dev/null; }
# wait_for PATTERN [SECONDS]: until the screen matches (grep -E), or fail.
wait_for() {
	n=0
	while [ "$n" -lt $((${2:-5} * 10)) ]; do
		if screen | grep -Eq -- "$1"; then return 0; fi
		sleep 0.1
		n=$((n + 1))
	done
	echo "FAIL: the screen never showed /$1/:"
	screen
	fails=$((fails + 1))
	return 1
}
absent() {
	if screen | grep -Eq -- "$1"; then
		echo "FAIL: the screen shows /$1/:"; screen
		fails=$((fails + 1))
	fi
}
keys() { T send-keys -t ui "$@"; sleep 0.3; }

start() { # start WIDTH HEIGHT: the view over the replay, then a marker when it exits
	T kill-server 2>/dev/null
	n=0
	while T has-session 2>/dev/null && [ "$n" -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	sleep 0.3
	T new-session -d -s ui -x "$1" -y "$2" \
		"'$bin' -r '$tmp/many.pcap' --live --speed max 'tcp'; echo EXITED \$?; sleep 60"
}

start 120 30
wait_for '^tcptrack .* - .*many\.pcap \(replay xmax\)  filter: tcp'
wait_for '^packets 38  connections [0-9]+ open'
wait_for '^CLIENT +SERVER +C-STATE +S-STATE +AGE +IDLE +BYTES> +BYTES< +RATE +RETX +WIN> +WIN<'
wait_for '^10\.0\.0\.1:40005 +10\.0\.0\.6:8805 +ESTABLISHED +ESTABLISHED +[0-9.]+s +[0-9.]+s +300 +600 '
wait_for '^10\.0\.0\.1:40001 +10\.0\.0\.2:8801 +TIME_WAIT +CLOSED '
wait_for 'q quit  h help'
wait_for 'sort: rate v'

# Sort by age (oldest first), then reversed.
keys 3
wait_for 'sort: age v'
first=$(screen | sed -n 5p)
keys r
wait_for 'sort: age \^'
[ "$(screen | sed -n 5p)" != "$first" ] || { echo "FAIL: r did not reverse the order"; fails=$((fails + 1)); }

# Filter by port, then by state.
keys / 8805 Enter
wait_for 'filter: /8805'
wait_for '10\.0\.0\.6:8805'
absent '10\.0\.0\.2:8801'
keys / BSpace BSpace BSpace BSpace SYN_SENT Enter
wait_for 'filter: /SYN_SENT'
wait_for 'SYN_SENT'
absent ' ESTABLISHED +ESTABLISHED'
keys / BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace Enter
wait_for '10\.0\.0\.2:8801'

# Details of the selected connection, and back.
keys Home Enter
wait_for '^connection [0-9]+: '
wait_for '^client: SYN_SENT@'
wait_for 'retransmissions [0-9]+'
keys Escape
wait_for '^CLIENT +SERVER'

# Help, and back.
keys h
wait_for '^Keys'
wait_for 'Enter +details of the selected connection'
keys q
wait_for '^CLIENT +SERVER'

# Pause.
keys p
wait_for '\[paused\]'
keys p

# Smaller: 80x24 still shows the addresses and both states.
T resize-window -t ui -x 80 -y 24
sleep 0.8
wait_for '^CLIENT +SERVER +C-STATE +S-STATE'
wait_for '^10\.0\.0\.1:[0-9]+ +10\.0\.0\.[0-9]+:[0-9]+ +[A-Z_]+ +[A-Z_]+'
if screen | awk 'length > 80 { bad = 1 } END { exit !bad }'; then
	echo "FAIL: a line is wider than 80 columns"; fails=$((fails + 1))
fi

# q leaves and gives the terminal back.
keys q
wait_for '^EXITED 0'
absent 'q quit  h help'

# SIGTERM too.
start 100 30
wait_for '^CLIENT +SERVER'
pane=$(T display-message -p -t ui '#{pane_pid}')
kill -TERM "$(pgrep -P "$pane" | head -n 1)"
wait_for '^EXITED 0'
absent 'q quit  h help'

# The detail view draws its connection's ladder as segments come (keep-alives
# over 160 s of capture, replayed 20 times faster).
"$mkpcap" "$td/scenarios/an_keepalive.txt" "$tmp/ka.pcap" || exit 99
T kill-server 2>/dev/null
sleep 0.3
T new-session -d -s ui -x 150 -y 100 \
	"'$bin' -r '$tmp/ka.pcap' --live --speed 20; echo EXITED \$?; sleep 60"
wait_for '^10\.0\.0\.1:40008 +10\.0\.0\.2:8000 '
keys Enter
wait_for '^ladder \(segments since this view opened'
wait_for '^ *[0-9.]+ +\|--- ACK ack 501 win 64256 -+>\| +keep-alive$' 10
# Its counters come with the view's copy of the record (the side block too).
wait_for '^ +keepalives +[1-9]' 10
wait_for '^ *[0-9.]+ +\|<-- ACK ack 101 win 262656 -+\| +keep-alive ACK$' 10
wait_for '^ *[0-9.]+ +FIN_WAIT_1 \|--- FIN,ACK 201\(0\) ack 1001 win 64256 -+>\| CLOSE_WAIT$' 15
wait_for '^ *[0-9.]+ +\|--- ACK ack 1002 win 64256 -+>\| CLOSED$' 5
wait_for '^  end at [0-9.]+ s: closed by the client' 5
# Over, the view shows its own copy of the final record, side block included
# (the tracker's block is given back when the record is freed).
sleep 1.5
wait_for '^ +keepalives +[1-9]' 5
keys Escape
keys q
wait_for '^EXITED 0'

if [ "$fails" -ne 0 ]; then exit 1; fi
echo "ui_tmux: all checks passed"
