#!/bin/sh
# privileges.sh TCPTRACK: after opening a live capture tcptrack runs without
# privileges: -Z nobody, and the default (tcpdump's user, else nobody), leave
# no root uid/gid in any slot, no supplementary groups and no capabilities
# (effective, permitted, inheritable, ambient), read from /proc/PID/status once
# capturing.  Also: the binary imports no resolver or shell-out function (no
# name lookups, no commands run).  Skips (77) when not root or when capturing
# on lo is not possible here.
set -u
bin=$1
fails=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# What tcptrack calls from other libraries: never a resolver, never a shell.
if command -v nm >/dev/null 2>&1; then
	bad=$(nm -D --undefined-only "$bin" 2>/dev/null | awk '{print $NF}' | sed 's/@.*//' |
		grep -E '^(getaddrinfo|getnameinfo|gethostbyname.*|gethostbyaddr.*|getservby.*|res_.*|system|popen|exec[lv]p?e?|posix_spawnp?|fork|vfork)$')
	[ -z "$bad" ] || fail "the binary imports $(echo $bad)"
fi

[ "$(id -u)" = 0 ] || { echo "SKIP: not root (privileges are dropped only by root)"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }

# check_dropped USER -- ARGS: start a live capture, inspect it, stop it.
check_dropped() {
	user=$1
	shift 2
	port=$((30000 + $$ % 20000))
	"$bin" -i lo --no-ui "$@" "tcp port $port" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	i=0
	# Started up: the privileges are dropped right after the capture opens.
	while [ $i -lt 50 ]; do
		uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
		[ -n "$uid" ] && [ "$uid" != 0 ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if ! kill -0 "$pid" 2>/dev/null; then
		wait "$pid"
		pid=
		if grep -q -e 'permission denied' -e 'no such interface' "$tmp/err"; then
			echo "SKIP: $(cat "$tmp/err")"
			exit 77
		fi
		fail "$user: tcptrack did not keep running: $(cat "$tmp/err")"
		return
	fi
	cp "/proc/$pid/status" "$tmp/status"
	kill -INT "$pid"
	wait "$pid"
	pid=
	want_uid=$(id -u "$user") want_gid=$(id -g "$user")
	grep -Eq "^Uid:[[:space:]]+$want_uid[[:space:]]+$want_uid[[:space:]]+$want_uid[[:space:]]+$want_uid\$" "$tmp/status" ||
		fail "$user: uids (real, effective, saved, fs) are not all $want_uid: $(grep ^Uid: "$tmp/status")"
	grep -Eq "^Gid:[[:space:]]+$want_gid[[:space:]]+$want_gid[[:space:]]+$want_gid[[:space:]]+$want_gid\$" "$tmp/status" ||
		fail "$user: gids are not all $want_gid: $(grep ^Gid: "$tmp/status")"
	grep -Eq '^Groups:[[:space:]]*$' "$tmp/status" ||
		fail "$user: supplementary groups left: $(grep ^Groups: "$tmp/status")"
	for c in CapInh CapPrm CapEff CapAmb; do
		grep -Eq "^$c:[[:space:]]+0+\$" "$tmp/status" ||
			fail "$user: capabilities left: $(grep "^$c:" "$tmp/status")"
	done
	echo "$user: $(grep -E '^(Uid|Gid|Groups|CapEff|CapPrm):' "$tmp/status" | tr -s '\t\n' '  ')"
}

check_dropped nobody -- -Z nobody
# The default: tcpdump's own user when the system has one, else nobody.
if id tcpdump >/dev/null 2>&1; then def=tcpdump; else def=nobody; fi
check_dropped "$def" --

[ "$fails" -eq 0 ] && echo "privileges: all checks passed"
exit $((fails > 0))
