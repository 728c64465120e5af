#!/bin/sh
# bench/ratelimit.sh BUILD: benchmark 4 (issue 4): the same 500 files of 16 KiB from a V0 runtime
# with the real limiter on (10 requests/s): achieved requests/s, 429 answers, files lost.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
V0=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
python3 "$BENCH_DIR/gentree.py" flat 500 16384 --text >"$tmp/flat.json"
start_fake rl "$tmp/flat.json"
: >"$tmp/rl.log"
measure "$tmp/out" "$OHB" --server "$APP" download $V0 --no-server-archive -o "$tmp/o.zip" --progress=none
o_wall=$WALL
nf=$("$ZIPCHECK" "$tmp/o.zip" 2>>"$tmp/out.err" | grep -c ' data/f')
rm -f "$tmp/o.zip"
stop_fake
# requests/s of the runtime over the whole transfer: (n - 1) / (last - first)
set -- $(grep '"server":"runtime' "$tmp/rl.log" | sed 's/^{"t_ms":\([0-9]*\),.*/\1/' | awk 'NR == 1 { f = $1 } { l = $1; n++ } END { print n, f, l }')
n=$1 span=$(($3 - $2))
rps=$(awk -v n="$n" -v s="$span" 'BEGIN { printf "%.2f\n", (s > 0 ? (n - 1) * 1000 / s : 0) }')
n429=$(grep -c '"status":429' "$tmp/rl.log")
note "ratelimit: ohbrowse exit $RC, $n runtime requests in $span ms, wall $o_wall s"
row "500x16 KiB V0, limiter 10/s" "achieved req/s" "$rps ($n req)" "10 (limit)" "$(awk -v r="$rps" 'BEGIN { printf "%.0f%%\n", r * 10 }')" ">= 95%"
row "500x16 KiB V0, limiter 10/s" "429 answers" "$n429" "-" "-" "0"
row "500x16 KiB V0, limiter 10/s" "files lost" "$((500 - nf))" "-" "-" "0"
row "500x16 KiB V0, limiter 10/s" "wall" "${o_wall} s" "-" "-" "-"
exit 0
