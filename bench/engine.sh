#!/bin/sh
# bench/engine.sh BUILD: the HTTP engine's work per completion against the number of queued
# requests (issue 16, item 3): 2,000 completions run by one http_perform() with 10,000
# requests queued behind a limiter, against the same with 100 queued, in the same run.
# No server: nothing but one primer request goes on the wire (bench/engine.c).
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
ENG=$BUILD/bench/engine
if [ ! -x "$ENG" ]; then
	echo "bench: $ENG is missing (ninja -C $BUILD)" >&2
	exit 2
fi
"$ENG" 2000 100 10000 >"$tmp/eng.out" || note "engine: exit $?"
note "engine: $(tr '\n' ' ' <"$tmp/eng.out")"
field() { sed -n "s/^queued=$1 .*$2=\([0-9.]*\).*/\1/p" "$tmp/eng.out"; }
small=$(field 100 marginal_us) large=$(field 10000 marginal_us)
row "engine, 2,000 completions" "us per completion, 10,000 queued (baseline: 100 queued)" "$large us" "$small us" \
	"$(ratio "$large" "$small") the cost" "near 1x (before: 580x)"
small=$(field 100 us_per_completion) large=$(field 10000 us_per_completion)
row "engine, 2,000 completions" "one perform over 2,000, its list walk included" "$large us" "$small us" \
	"$(ratio "$large" "$small") the cost" "-"
exit 0
