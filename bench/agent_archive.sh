#!/bin/sh
# bench/agent_archive.sh BUILD: issue 10. A V1 workspace on the fake 2026 agent-server, which
# builds its tar.gz before the first byte at 23 MB/s (openhands-api-2026.md R10): ohbrowse
# download through that archive (the sandbox packs, then one stream) against the walk
# (--no-server-archive: the listing, then files in parallel); and the listing's bytes on the
# wire against the listing's own size (base64 of NUL-separated records, R7).
# AGENT_BENCH_BYTES sets the workspace size (default 200 MB; the issue's case is 2000000000).
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
TOTAL=${AGENT_BENCH_BYTES:-200000000}
ID=cccccccccccccccccccccccccccccc90
python3 - "$TOTAL" "$ID" >"$tmp/agent.json" <<'PY'
import json, sys
total, cid = int(sys.argv[1]), sys.argv[2]
files, i, size = [], 0, 0
while size < total:
    n = 1 + (i * 7919) % (8 << 20)  # 1 B .. 8 MiB
    files.append({"path": "src/d%03d/f%05d-\u00fc.bin" % (i % 200, i), "size": n, "seed": i})
    size += n
    i += 1
print(json.dumps({"app": {"auth": "bearer", "api_key": "benchbenchbenchbenchbenchbench00"},
    "conversations": [{"id": cid, "version": "V1", "status": "RUNNING", "workspace": "ws",
                       "agent": {"generation": 2026}}],
    "workspaces": {"ws": {"repos": [""], "files": files}}}))
PY
nfiles=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["workspaces"]["ws"]["files"]))' "$tmp/agent.json")
start_fake ag "$tmp/agent.json"
measure "$tmp/arc" "$OHB" --server "$APP" download $ID -o "$tmp/a.zip" --progress=none
a_wall=$WALL a_rss=$RSS a_rc=$RC
arc_req=$(grep -c '"path":"/api/file/archive"' "$tmp/ag.log")
rm -f "$tmp/a.zip"
measure "$tmp/walk" "$OHB" --server "$APP" download $ID --no-server-archive -o "$tmp/w.zip" --progress=none
w_wall=$WALL w_rss=$RSS w_rc=$RC
rm -f "$tmp/w.zip"
[ "$a_rc" -eq 0 ] && [ "$w_rc" -eq 0 ] || note "agent archive: exit $a_rc (archive), $w_rc (walk)"
# the listing: bytes of bash output on the wire (the events search answers) against the raw records
skip=$(wc -l <"$tmp/ag.log")
"$OHB" --server "$APP" files $ID --json >"$tmp/files.json" 2>/dev/null
# per listing: `files` lists twice (the tree, and the changes' own listing)
wire=$(python3 - "$tmp/ag.log" "$skip" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]):]
n = sum(1 for r in rows if r["path"] == "/api/bash/start_bash_command")
print(sum(r["bytes"] for r in rows if r["path"] == "/api/bash/bash_events/search") // max(n, 1))
PY
)
raw=$(python3 -c 'import json,sys; J=json.load(open(sys.argv[1])); print(sum(len(("f %d 1732406400.0000000000 644 %s" % (f["size"] or 4096, f["path"])).encode()) + 2 for f in J))' "$tmp/files.json")
stop_fake
what="V1 2026 archive, $(awk -v b="$TOTAL" 'BEGIN { printf "%.0f MB", b / 1e6 }') in $nfiles files"
row "$what" "wall: archive (packing at 23 MB/s, $arc_req request) vs walk" "${a_wall} s" "${w_wall} s walk" "$(ratio "$w_wall" "$a_wall" 2)" "-"
row "$what" "peak RSS archive / walk" "$(mib "$a_rss")" "$(mib "$w_rss") walk" "-" "-"
row "$what" "one listing: bytes on the wire vs its records" "$wire B" "$raw B" "$(ratio "$wire" "$raw" 2)" "<= 1.5x"
exit 0
