#!/bin/sh
# bench/archive.sh BUILD: benchmark 5 (issue 4): the whole V0 workspace (~300 MB of generated
# files) through the server's zip-directory, the fake throttled to 50 MiB/s (--bandwidth
# 52428800): ohbrowse download (re-packed into our ZIP) against curl -o of the same endpoint.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
V0=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
python3 "$BENCH_DIR/gentree.py" many 300000000 >"$tmp/many.json"
start_fake ar "$tmp/many.json" --bandwidth 52428800
conv_info $V0
measure "$tmp/curl.out" curl -s -f -H "X-Session-API-Key: $SKEY" -o "$tmp/raw.zip" "$CONV_URL/zip-directory"
c_wall=$WALL c_rss=$RSS c_cpu=$CPU
bytes=$(stat -c %s "$tmp/raw.zip" 2>/dev/null || echo 0)
rm -f "$tmp/raw.zip"
measure "$tmp/out" "$OHB" --server "$APP" download $V0 -o "$tmp/o.zip" --progress=none
o_wall=$WALL o_rss=$RSS o_cpu=$CPU
nf=$("$ZIPCHECK" "$tmp/o.zip" 2>>"$tmp/out.err" | grep -c '\.bin$')
nexp=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["workspaces"]["ws"]["files"]))' "$tmp/many.json")
[ "$RC" -eq 0 ] && [ "$nf" -eq "$nexp" ] || note "archive: ohbrowse exit $RC, $nf of $nexp files in the archive"
rm -f "$tmp/o.zip"
stop_fake
tp() { awk -v b="$bytes" -v w="$1" 'BEGIN { printf "%.1f MiB/s\n", (w > 0 ? b / w / 1048576 : 0) }'; }
what="V0 zip-directory $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'), 50 MiB/s"
row "$what" "throughput (curl: $bytes B)" "$(tp "$o_wall") (${o_wall} s)" "$(tp "$c_wall") (${c_wall} s) curl -o" "$(ratio "$c_wall" "$o_wall" 2)" ">= 0.9x"
row "$what" "CPU user+sys" "${o_cpu} s" "${c_cpu} s curl" "-" "-"
row "$what" "peak RSS" "$(mib "$o_rss")" "$(mib "$c_rss") curl" "-" "-"
exit 0
