#!/bin/sh
# manlint.sh PAGE: the mdoc page must format with no warning at all.
out=$(groff -mdoc -ww -z "$1" 2>&1) || { echo "$out"; exit 1; }
[ -z "$out" ] || { echo "$out"; exit 1; }
out=$(groff -mdoc -ww -Tutf8 "$1" 2>&1 >/dev/null)
[ -z "$out" ] || { echo "$out"; exit 1; }
