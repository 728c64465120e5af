#!/bin/sh
# bench/parallel.sh BUILD: benchmark 3 (issue 4): 500 files of 16 KiB from a V1 agent-server
# with 20 ms latency on every route, no rate limit: ohbrowse download --no-server-archive
# against one request per file, one at a time (seqfetch fetch-v1); and the same directory
# selected (download ID data) from a 2026 agent-server, as one archive of it.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
V1=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
V1D=cccccccccccccccccccccccccccccccc
python3 "$BENCH_DIR/gentree.py" flat 500 16384 --latency 20 >"$tmp/flat.json"
# the same workspace behind a 2026 agent-server, whose archive resolves a directory's repo
# root (openhands-api-2026.md 2.2): "data" holds no repository, so it is packed as itself
python3 - "$tmp/flat.json" "$V1D" <<'PY'
import json, sys
sc = json.load(open(sys.argv[1]))
sc["conversations"].append({"id": sys.argv[2], "title": "Bench V1 2026", "version": "V1", "status": "RUNNING",
                            "workspace": "ws", "created_at": "-3h", "agent": {"generation": 2026}})
json.dump(sc, open(sys.argv[1], "w"))
PY
start_fake flat "$tmp/flat.json"
conv_info $V1
: >"$tmp/flat.log"
measure "$tmp/out" "$OHB" --server "$APP" --verbose download $V1 --no-server-archive -o "$tmp/o.zip" --progress=none
o_req=$(requests "$tmp/flat.log") o_wall=$WALL o_rss=$RSS
# Where the time goes (issue 16, item 2), from the fake's log (each line written as the
# answer goes out, t_ms) and the first request's duration in ohbrowse's --verbose lines.
phases=$(python3 - "$tmp/flat.log" "$tmp/out.err" "$o_wall" <<'PY'
import json, re, sys
log = [json.loads(l) for l in open(sys.argv[1])]
first = re.search(r'^< .*, (\d+) ms$', open(sys.argv[2]).read(), re.M)
wall = float(sys.argv[3]) * 1000
start = log[0]["t_ms"] - (int(first.group(1)) if first else 0)  # the first request's start
dl = [l["t_ms"] for l in log if "file/download" in l["path"]]
setup = [l["t_ms"] for l in log if "file/download" not in l["path"]]
lookup = [l["t_ms"] for l in log if "/bash/" not in l["path"] and "file/download" not in l["path"]]
listing_end = max(setup)
print("%.0f %.0f %.0f %.0f %.0f" % (max(lookup) - start, listing_end - max(lookup), min(dl) - listing_end,
      max(dl) - min(dl), wall - (max(dl) - start)))
PY
)
set -- $phases
ph_lookup=$1 ph_list=$2 ph_first=$3 ph_xfer=$4 ph_rest=$5
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
# issue 16 item 2: the directory selected, taken as one archive of it (the fake packs it at
# the real server's 23 MB/s before the first byte, R10)
: >"$tmp/flat.log"
measure "$tmp/outd" "$OHB" --server "$APP" download $V1D data -o "$tmp/o.zip" --progress=none
d_wall=$WALL d_req=$(requests "$tmp/flat.log")
d_arc=$(grep -c '"path":"/api/file/archive"' "$tmp/flat.log") d_dl=$(grep -c '"path":"/api/file/download"' "$tmp/flat.log")
nf=$("$ZIPCHECK" "$tmp/o.zip" 2>>"$tmp/outd.err" | grep -c ' data/f')
[ "$RC" -eq 0 ] && [ "$nf" -eq 500 ] && [ "$d_arc" -eq 1 ] && [ "$d_dl" -eq 0 ] ||
	note "parallel: directory: ohbrowse exit $RC, $nf files, $d_arc archive and $d_dl file requests (expected 500, 1, 0)"
rm -f "$tmp/o.zip"
stop_fake
row "500x16 KiB V1, 20 ms" "requests" "$o_req" "$s_req" "-" "-"
row "500x16 KiB V1, 20 ms" "wall" "${o_wall} s" "${s_wall} s" "$(ratio "$s_wall" "$o_wall")" ">= 8x"
row "500x16 KiB V1, 20 ms" "wall, --parallel 16" "${p_wall} s" "${s_wall} s" "$(ratio "$s_wall" "$p_wall")" "-"
row "500x16 KiB V1, 20 ms" "500 files as a selected directory (download ID data)" "${d_wall} s" "${s_wall} s" "$(ratio "$s_wall" "$d_wall")" ">= 15x"
row "500x16 KiB V1, 20 ms" "requests, as a selected directory" "$d_req" "$s_req" "-" "-"
row "500x16 KiB V1, 20 ms" "peak RSS" "$(mib "$o_rss")" "-" "-" "-"
# the floor for each phase at 20 ms: one round trip per request in a row, 500 / 16 waves
note "parallel phases: lookup $ph_lookup ms, listing $ph_list ms, first byte $ph_first ms, transfers $ph_xfer ms, rest $ph_rest ms"
row "500x16 KiB V1, 20 ms: where the time goes" "lookup (app, agent conversation)" "$ph_lookup ms" "20 ms (1 RTT)" "-" "-"
row "500x16 KiB V1, 20 ms: where the time goes" "listing (bash start, its events)" "$ph_list ms" "40 ms (2 RTT)" "-" "-"
row "500x16 KiB V1, 20 ms: where the time goes" "first byte (listing to first file answered)" "$ph_first ms" "20 ms (1 RTT)" "-" "-"
row "500x16 KiB V1, 20 ms: where the time goes" "transfers (first to last file answered)" "$ph_xfer ms" "$((500 / 16 * 20)) ms (31 more waves)" "$(ratio $((500 / 16 * 20)) "$ph_xfer" 2)" "-"
row "500x16 KiB V1, 20 ms: where the time goes" "rest: process start, last body, ZIP close" "$ph_rest ms" "-" "-" "-"
exit 0
