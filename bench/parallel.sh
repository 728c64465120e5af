#!/bin/sh
# bench/parallel.sh BUILD: benchmark 3 (issue 4): 500 files of 16 KiB from a V1 agent-server
# with 20 ms latency on every route, no rate limit: ohbrowse download --no-server-archive
# against one request per file, one at a time (seqfetch fetch-v1).
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
V1=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
python3 "$BENCH_DIR/gentree.py" flat 500 16384 --latency 20 >"$tmp/flat.json"
start_fake flat "$tmp/flat.json"
conv_info $V1
: >"$tmp/flat.log"
measure "$tmp/out" "$OHB" --server "$APP" download $V1 --no-server-archive -o "$tmp/o.zip" --progress=none
o_req=$(requests "$tmp/flat.log") o_wall=$WALL o_rss=$RSS
nf=$("$ZIPCHECK" "$tmp/o.zip" 2>>"$tmp/out.err" | grep -c ' data/f')
[ "$RC" -eq 0 ] && [ "$nf" -eq 500 ] || note "parallel: ohbrowse exit $RC, $nf files in the archive (expected 500)"
rm -f "$tmp/o.zip"
# the same with 16 transfers at once (the agent-server connection cap)
measure "$tmp/out16" "$OHB" --server "$APP" download $V1 --no-server-archive --parallel 16 -o "$tmp/o.zip" --progress=none
p_wall=$WALL
rm -f "$tmp/o.zip"
: >"$tmp/flat.log"
measure "$tmp/seq.out" "$SEQ" -H "X-Session-API-Key: $SKEY" fetch-v1 "$BASE" /workspace/project
s_req=$(requests "$tmp/flat.log") s_wall=$WALL
note "parallel baseline: $(cat "$tmp/seq.out")"
stop_fake
row "500x16 KiB V1, 20 ms" "requests" "$o_req" "$s_req" "-" "-"
row "500x16 KiB V1, 20 ms" "wall" "${o_wall} s" "${s_wall} s" "$(ratio "$s_wall" "$o_wall")" ">= 8x"
row "500x16 KiB V1, 20 ms" "wall, --parallel 16" "${p_wall} s" "${s_wall} s" "$(ratio "$s_wall" "$p_wall")" "-"
row "500x16 KiB V1, 20 ms" "peak RSS" "$(mib "$o_rss")" "-" "-" "-"
exit 0
