#!/bin/sh
# live.sh TCPTRACK: a live capture on the loopback interface of traffic this
# test makes itself (a bounded Python client and server): the connections
# appear with the right states, TIME_WAIT expires with no packet in sight, and
# the monitor leaves on SIGINT with the capture statistics; -c stops it by
# itself and closes what is still open.  Skips (77) when
# capturing is not permitted here or python3 is missing.
set -u
bin=$1
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
port=$((20000 + $$ % 20000))
fails=0

"$bin" -i lo --no-ui -F json --msl 0.5 "tcp port $port or tcp port $((port + 1))" \
	>"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 1
if ! kill -0 "$pid" 2>/dev/null; then
	wait "$pid"
	if grep -q -e 'permission denied' -e 'Operation not permitted' "$tmp/err"; then
		echo "SKIP: $(cat "$tmp/err")"
		exit 77
	fi
	echo "FAIL: the capture did not start: $(cat "$tmp/err")"
	exit 1
fi

python3 - "$port" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(4)
srv.settimeout(5)
# A normal exchange, closed by the client first (client TIME_WAIT).
c = socket.create_connection(("127.0.0.1", port), timeout=5)
a, _ = srv.accept()
c.sendall(b"hello")
a.recv(16)
a.sendall(b"world")
c.recv(16)
c.close()
time.sleep(0.1)
a.close()
# A refused connection: nothing listens on port + 1.
try:
    socket.create_connection(("127.0.0.1", port + 1), timeout=5)
except ConnectionRefusedError:
    pass
srv.close()
PY
# TIME_WAIT lasts 2*MSL = 1 s; the record is written a second after its end.
sleep 3
kill -INT "$pid"
wait "$pid"
st=$?

check() { # check DESCRIPTION PATTERN
	if ! grep -q -- "$2" "$tmp/out"; then
		echo "FAIL: $1 (no line matching $2)"
		fails=$((fails + 1))
	fi
}
[ "$st" -eq 0 ] || { echo "FAIL: exit status $st after SIGINT"; fails=$((fails + 1)); }
check "the connection opened" "\"event\":\"opened\".*\"server\":\"127.0.0.1:$port\""
check "client established" "\"server\":\"127.0.0.1:$port\",\"endpoint\":\"client\",\"from\":\"SYN_SENT\",\"to\":\"ESTABLISHED\""
check "server established" "\"server\":\"127.0.0.1:$port\",\"endpoint\":\"server\",\"from\":\"SYN_RCVD\",\"to\":\"ESTABLISHED\""
check "client TIME_WAIT" "\"server\":\"127.0.0.1:$port\",\"endpoint\":\"client\",\"from\":\"FIN_WAIT_2\",\"to\":\"TIME_WAIT\""
check "TIME_WAIT expired with no packet" "\"server\":\"127.0.0.1:$port\",\"endpoint\":\"client\",\"from\":\"TIME_WAIT\",\"to\":\"CLOSED\""
check "closed event" "\"event\":\"closed\".*\"server\":\"127.0.0.1:$port\",\"outcome\":\"closed\""
check "refused" "\"server\":\"127.0.0.1:$((port + 1))\",\"endpoint\":\"client\",\"from\":\"SYN_SENT\",\"to\":\"CLOSED\""
if ! grep -q '^[0-9]* packets captured, [0-9]* dropped by kernel' "$tmp/err"; then
	echo "FAIL: no capture statistics on leaving: $(cat "$tmp/err")"
	fails=$((fails + 1))
fi
if [ "$fails" -ne 0 ]; then
	echo "--- events:"; cat "$tmp/out"; echo "--- stderr:"; cat "$tmp/err"
	exit 1
fi

# -c 3: the three segments of a handshake, then tcptrack stops by itself and
# the connection, still open, gets its closed line (end_of_input, ESTABLISHED).
p2=$((port + 2))
"$bin" -i lo --no-ui -c 3 "tcp port $p2" >"$tmp/out2" 2>"$tmp/err2" &
pid=$!
sleep 1
python3 - "$p2" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
c = socket.create_connection(("127.0.0.1", port), timeout=5)
time.sleep(1.5)
c.close()
srv.close()
PY
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
	kill -INT "$pid"
	echo "FAIL: -c 3 did not stop after three packets"
	fails=$((fails + 1))
fi
wait "$pid"
if ! grep -q "closed timeout (end_of_input) ESTABLISHED/ESTABLISHED\|closed .*(end_of_input) ESTABLISHED/ESTABLISHED" "$tmp/out2"; then
	echo "FAIL: -c 3: no closed line for the open connection"
	fails=$((fails + 1))
fi
if ! grep -q '^3 packets captured' "$tmp/err2"; then
	echo "FAIL: -c 3: statistics: $(cat "$tmp/err2")"
	fails=$((fails + 1))
fi
if [ "$fails" -ne 0 ]; then
	echo "--- events:"; cat "$tmp/out2"; echo "--- stderr:"; cat "$tmp/err2"
	exit 1
fi
echo "live: all checks passed"
