#!/bin/sh
# corpus.sh TCPTRACK DIR: every capture in DIR must be read with exit 0, or
# exit 1 with a one-line "tcptrack: FILE: reason" error; never a crash or a
# sanitizer report.  Skips (77) when DIR does not exist.
set -u
bin=$1 dir=$2
[ -d "$dir" ] || { echo "SKIP: $dir not present"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
for f in "$dir"/*.pcap "$dir"/*.pcapng; do
	[ -f "$f" ] || continue
	for fmt in text json csv; do
		n=$((n + 1))
		"$bin" -r "$f" --format "$fmt" >"$tmp/out" 2>"$tmp/err"
		st=$?
		lines=$(wc -l <"$tmp/err")
		if grep -q -e 'runtime error' -e 'Sanitizer' "$tmp/err" || [ "$st" -gt 1 ] ||
			{ [ "$st" -eq 1 ] && { [ "$lines" -ne 1 ] || ! grep -q '^tcptrack: ' "$tmp/err"; }; } ||
			{ [ "$st" -eq 0 ] && [ "$lines" -ne 0 ]; }; then
			echo "FAIL: $f ($fmt): exit $st"
			cat "$tmp/err"
			fail=1
		fi
		if [ "$fmt" = json ] && ! tail -n 1 "$tmp/out" | grep -q '^{"type":"summary"'; then
			echo "FAIL: $f: JSON report has no summary line"
			fail=1
		fi
	done
done
echo "$n runs over $dir"
exit $fail
