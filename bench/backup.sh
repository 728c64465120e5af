#!/bin/sh
# bench/backup.sh [BUILD]: `ohbrowse backup` of 50 Cloud-2026 conversations (10 paused, 40
# running, each sandbox with its own agent-server, a 40-file workspace) against the way one
# would do it without it: `ohbrowse download ID --wake --events` once per conversation.
# Then the second, incremental run. Resumes take 2 s in the fake (Cloud's take tens of
# seconds: the real gap is larger), every request has 5 ms of latency, and the app server counts
# 10 requests a second and 100 a minute per user as Cloud does (429 past them), for both.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"

python3 - "$tmp/scen.json" "$KEY" <<'PY'
import json, sys
files = [{"path": "src/mod%02d.py" % i, "size": 8192, "text": True, "seed": i} for i in range(38)]
files += [{"path": "README.md", "text": "# bench\n"}, {"path": "assets/blob.bin", "size": 65536, "seed": 99}]
convs = []
for i in range(50):
    paused = i % 5 == 0
    convs.append({"id": "%032x" % (0xbac0 + i), "title": "Bench conversation %02d" % i, "version": "V1",
                  "status": "PAUSED" if paused else "RUNNING", "created_at": "-%dh" % (i + 1),
                  "updated_at": "-%dh" % (i + 1), "workspace": "ws", "sandbox_id": "sbx-bench-%02d" % i,
                  "wake_delay_ms": 2000, "agent": {"download_api": "query", "archive": True},
                  "events": [{"id": "ev%d" % i, "kind": "MessageEvent", "source": "user",
                              "timestamp": "2026-11-25T09:00:00", "llm_message": {"role": "user",
                              "content": [{"type": "text", "text": "work %d" % i}]}}]})
json.dump({"app": {"generation": "cloud-2026", "auth": "bearer", "api_key": sys.argv[2], "max_age_days": 0,
                   "rate_limit": True},
           "conversations": convs,
           "faults": [{"server": "*", "route": "*", "latency_ms": 5}],
           "workspaces": {"ws": {"root": "/workspace/project", "git": True, "files": files}}},
          open(sys.argv[1], "w"))
PY

# the baseline: one download --wake --events per conversation, one after the other
start_fake base "$tmp/scen.json"
mkdir -p "$tmp/one" && cd "$tmp/one" || exit 1
python3 -c 'for i in range(50): print("%032x" % (0xbac0 + i))' >"$tmp/ids"
cat >"$tmp/loop.sh" <<SH
while read -r id; do "$OHB" --server "$APP" download "\$id" --wake --events -o "\$id.zip" || exit 1; done <"$tmp/ids"
SH
measure "$tmp/base.out" sh "$tmp/loop.sh"
base_wall=$WALL base_req=$(requests "$tmp/base.log") base_rc=$RC
stop_fake
note "one by one: ${base_wall} s, $base_req requests (rc $base_rc)"

start_fake bk "$tmp/scen.json"
measure "$tmp/bk.out" "$OHB" --server "$APP" backup -d "$tmp/bk" --progress=none
bk_wall=$WALL bk_req=$(requests "$tmp/bk.log") bk_rc=$RC
note "backup: ${bk_wall} s, $bk_req requests (rc $bk_rc)"
mark=$(requests "$tmp/bk.log")
measure "$tmp/bk2.out" "$OHB" --server "$APP" backup -d "$tmp/bk" --progress=none
bk2_wall=$WALL bk2_req=$(($(requests "$tmp/bk.log") - mark)) bk2_rc=$RC
note "second backup run: ${bk2_wall} s, $bk2_req requests (rc $bk2_rc)"
stop_fake

row "backup, 50 conversations (10 paused): wall" "s" "$bk_wall" "$base_wall" "$(ratio "$base_wall" "$bk_wall" 2)" "-"
row "backup, 50 conversations: requests" "count" "$bk_req" "$base_req" "$(ratio "$base_req" "$bk_req" 2)" "-"
row "backup, second run (nothing changed): wall" "s" "$bk2_wall" "$base_wall" "$(ratio "$base_wall" "$bk2_wall" 1)" "-"
row "backup, second run: requests" "count" "$bk2_req" "$base_req" "$(ratio "$base_req" "$bk2_req" 1)" "-"
