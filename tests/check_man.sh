#!/bin/sh
# Man pages must render without a single groff warning (TAP).
# usage: check_man.sh PAGE...
n=0
fail=0
for page in "$@"; do
	n=$((n + 1))
	if ! command -v groff >/dev/null 2>&1; then
		echo "ok $n - $(basename "$page") # SKIP groff is not installed"
		continue
	fi
	out=$(groff -mdoc -ww -z "$page" 2>&1)
	if [ -z "$out" ]; then
		echo "ok $n - $(basename "$page") renders cleanly"
	else
		echo "not ok $n - $(basename "$page") has groff warnings"
		echo "$out" | sed 's/^/# /'
		fail=1
	fi
done
echo "1..$n"
exit $fail
