#!/bin/sh
# bench/archive.sh BUILD: benchmark 5 (issue 4, issue 16 item 1): the whole workspace (~300 MB of
# generated files) through the server's own archive, the fake throttled to 50 MiB/s
# (--bandwidth 52428800), against curl -o of the same endpoint in the same run:
#   V0: the runtime's zip-directory (re-packed while it downloads: sizes in the local headers);
#   V1: the 2026 agent-server's tar.gz (re-packed while it downloads, through the worker
#       thread), and the same with OHBROWSE_NO_TAR_STREAM=1 (re-packed after the download,
#       the way before issue 16). The workspace is a repository at the root (X-Archive-Repo-Root
#       is sent) and the fake packs at once (archive_rate 10^12): the sandbox's packing silence
#       (R10) is the same for curl and for us, and is left out so the figure is the transfer.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
V0=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
V1=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
python3 "$BENCH_DIR/gentree.py" many 300000000 >"$tmp/gen.json"
python3 - "$tmp/gen.json" >"$tmp/many.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["workspaces"]["ws"]["repos"] = [""]
for c in d["conversations"]:
    if c["version"] == "V1":
        c["agent"] = {"generation": 2026, "archive_rate": 10 ** 12}
json.dump(d, sys.stdout)
PY
nexp=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["workspaces"]["ws"]["files"]))' "$tmp/many.json")
start_fake ar "$tmp/many.json" --bandwidth 52428800
tp() { awk -v b="$1" -v w="$2" 'BEGIN { printf "%.1f MiB/s\n", (w > 0 ? b / w / 1048576 : 0) }'; }
# ours LABEL ID [ENV=VALUE]: one ohbrowse download; o_wall, o_rss, o_cpu; checks the file count
ours() {
	label=$1 id=$2
	shift 2
	measure "$tmp/out" env "$@" "$OHB" --server "$APP" download "$id" -o "$tmp/o.zip" --progress=none
	o_wall=$WALL o_rss=$RSS o_cpu=$CPU
	nf=$("$ZIPCHECK" "$tmp/o.zip" 2>>"$tmp/out.err" | grep -c '\.bin$')
	[ "$RC" -eq 0 ] && [ "$nf" -eq "$nexp" ] || note "archive ($label): ohbrowse exit $RC, $nf of $nexp files in the archive"
	rm -f "$tmp/o.zip"
}

# ---- V0 zip-directory
conv_info $V0
measure "$tmp/curl.out" curl -s -f -H "X-Session-API-Key: $SKEY" -o "$tmp/raw" "$CONV_URL/zip-directory"
c_wall=$WALL c_rss=$RSS c_cpu=$CPU
bytes=$(stat -c %s "$tmp/raw" 2>/dev/null || echo 0)
rm -f "$tmp/raw"
ours V0 $V0
what="V0 zip-directory $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'), 50 MiB/s"
row "$what" "throughput (curl: $bytes B)" "$(tp "$bytes" "$o_wall") (${o_wall} s)" "$(tp "$bytes" "$c_wall") (${c_wall} s) curl -o" "$(ratio "$c_wall" "$o_wall" 2)" ">= 0.95x"
row "$what" "CPU user+sys" "${o_cpu} s" "${c_cpu} s curl" "-" "-"
row "$what" "peak RSS" "$(mib "$o_rss")" "$(mib "$c_rss") curl" "-" "<= 32 MiB"

# ---- V1 tar.gz (2026 agent-server)
conv_info $V1
AGENT=${CONV_URL%/api/conversations/*}
measure "$tmp/curl.out" curl -s -f -H "X-Session-API-Key: $SKEY" -o "$tmp/raw" \
	"$AGENT/api/file/archive?path=%2Fworkspace%2Fproject&format=tar.gz&use_default_excludes=false"
c_wall=$WALL c_rss=$RSS c_cpu=$CPU
bytes=$(stat -c %s "$tmp/raw" 2>/dev/null || echo 0)
rm -f "$tmp/raw"
ours "V1 after" $V1 OHBROWSE_NO_TAR_STREAM=1
a_wall=$o_wall a_rss=$o_rss
ours "V1 streamed" $V1
stop_fake
what="V1 tar.gz $(awk -v b="$bytes" 'BEGIN { printf "%.0f MB", b / 1e6 }'), 50 MiB/s"
row "$what" "throughput, re-packed as it arrives (curl: $bytes B)" "$(tp "$bytes" "$o_wall") (${o_wall} s)" "$(tp "$bytes" "$c_wall") (${c_wall} s) curl -o" "$(ratio "$c_wall" "$o_wall" 2)" ">= 0.95x"
row "$what" "throughput, re-packed after the download" "$(tp "$bytes" "$a_wall") (${a_wall} s)" "$(tp "$bytes" "$c_wall") (${c_wall} s) curl -o" "$(ratio "$c_wall" "$a_wall" 2)" "-"
row "$what" "CPU user+sys (as it arrives)" "${o_cpu} s" "${c_cpu} s curl" "-" "-"
row "$what" "peak RSS as it arrives / after" "$(mib "$o_rss")" "$(mib "$a_rss") after" "-" "<= 32 MiB"
exit 0
