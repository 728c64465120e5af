#!/bin/sh
# bench/local_latency.sh [BUILD]: key-to-frame latency of the browser (--local) while a local
# 5 GiB file is copied and a 200,000-file workspace is walked (issue 12 item 4).
# The machinery is bench/tui_latency.sh's: a headless key script, OHBROWSE_LATENCY_LOG (the
# milliseconds from the loop's wake-up to the end of the frame that follows a key).
# The workspace of one local conversation holds big.bin (a sparse 5 GiB file: disk use stays
# small, the bytes still go through read() and into the export's spool) and tree/ with
# 200 directories of 995 empty files (199,202 entries: the walk's limit is 200,000).
# The script opens the files pane (a walk), marks
# big.bin and downloads it (the export lists the workspace first, then copies big.bin in
# slices); 20 batches of keys are spread over the copy with :wait-bytes, each starting with
# r (refresh: the 200,000-file walk again, while the copy runs) and then 8 x j/k.
# Baseline, in the same run: the same keys in the same pane with nothing running.
# A second row: `files --json` of the 200,000 files (the walk in steps) against find | sort.
# Needs about 5 GiB free in TMPDIR for a moment (the spool); everything is removed at the end.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"

ID=10ca1000000000000000000000000001
BIG=${OHB_LOCAL_BIG_BYTES:-5368709120}
NDIRS=${OHB_LOCAL_DIRS:-200}
NPER=${OHB_LOCAL_PER_DIR:-995}
WS="$tmp/ws"
CONV="$tmp/conversations"
mkdir -p "$WS" "$CONV/$ID/events"
truncate -s "$BIG" "$WS/big.bin"
python3 - "$WS/tree" "$NDIRS" "$NPER" <<'PY'
import os, sys
root, nd, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for d in range(nd):
    p = os.path.join(root, "d%03d" % d)
    os.makedirs(p)
    for i in range(per):
        os.close(os.open(os.path.join(p, "f%04d.txt" % i), os.O_WRONLY | os.O_CREAT, 0o644))
PY
cat >"$CONV/$ID/base_state.json" <<JSON
{"id": "$ID", "execution_status": "finished", "workspace": {"working_dir": "$WS"}}
JSON
cat >"$CONV/$ID/events/event-00000-0000000000000000000000000000000a.json" <<JSON
{"id": "0000000000000000000000000000000a", "timestamp": "2026-11-25T10:00:00", "source": "user",
 "kind": "MessageEvent", "llm_message": {"role": "user", "content": [{"type": "text", "text": "Local latency"}]}}
JSON
files=$((NDIRS * NPER + NDIRS + 2))
note "local_latency: $(awk -v b="$BIG" 'BEGIN { printf "%.1f GiB", b / 1073741824 }') sparse file, $files entries"

# keys: one batch is r, then 8 x (j, k). No search: a search over 200,000 rows costs the
# browser tens of milliseconds with nothing running (src/, not the local ops measured here)
batch() {
	printf 'r\n'
	for k in 1 2 3 4 5 6 7 8; do printf 'j\nk\n'; done
}
run_tui() { # NAME SCRIPT: the browser on the key script, latencies in $tmp/NAME.ms
	mkdir -p "$tmp/work"
	(cd "$tmp/work" && OHBROWSE_SCRIPT="$2" OHBROWSE_LATENCY_LOG="$tmp/$1.ms" TERM=dumb LINES=40 COLUMNS=120 \
		"$OHB" --local "$CONV" >"$tmp/$1.out" 2>"$tmp/$1.err")
	rc=$?
	rm -rf "$tmp/work"
	if [ $rc -ne 0 ] || [ ! -s "$tmp/$1.ms" ]; then
		note "local_latency: ohbrowse ($1) exited $rc: $(tail -3 "$tmp/$1.err")"
		exit 1
	fi
}
pct() { # FILE (skipping the first N lines): count p50 p99 max
	tail -n +"$2" "$1" | python3 -c '
import sys
v = sorted(int(x) for x in sys.stdin if x.strip())
p = lambda q: v[min(len(v) - 1, int(q * len(v)))]
print(len(v), p(0.5), p(0.99), v[-1])'
}

# the baseline: the pane open, the walk finished, nothing running
{
	printf ':wait\n<Enter>\n:wait\n'
	b=1
	while [ $b -le 20 ]; do
		for k in 1 2 3 4 5 6 7 8; do printf 'j\nk\n'; done
		b=$((b + 1))
	done
	printf ':quit\n'
} >"$tmp/idle.script"
run_tui idle "$tmp/idle.script"
set -- $(pct "$tmp/idle.ms" 2)
idle_n=$1 idle_50=$2 idle_99=$3 idle_max=$4

# during: big.bin is the second row (after tree/); mark it, download it, then the batches
{
	printf ':wait\n<Enter>\n:wait\nj\n<Space>\nd\ny\n'
	b=1
	while [ $b -le 20 ]; do
		printf ':wait-bytes %d\n' $((b * BIG / 22))
		batch
		b=$((b + 1))
	done
	printf ':quit\n'
} >"$tmp/busy.script"
start=$(date +%s%N)
run_tui busy "$tmp/busy.script"
busy_s=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.1f", ns / 1e9 }')
# the first 5 keys (open, down, mark, download, confirm) come before the copy
set -- $(pct "$tmp/busy.ms" 6)
note "local_latency: $1 keys during the copy and the walks: p50 $2 ms, p99 $3 ms, max $4 ms ($busy_s s in all); idle: p50 $idle_50, p99 $idle_99, max $idle_max ms"
row "TUI keys (--local) during a 5 GiB copy + 200k-file walks" "key-to-frame p50 / p99 / max ($1 keys)" \
	"$2 / $3 / $4 ms" "$idle_50 / $idle_99 / $idle_max ms idle" "$(ratio "$idle_99" "$3" 2) (p99)" "p99 <= 50 ms"

# the walk alone, through the CLI, against find | sort
measure "$tmp/files.json" "$OHB" --local "$CONV" files "$ID" --json
walk_s=$WALL walk_rss=$RSS
got=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/files.json")
measure "$tmp/find.out" sh -c "cd '$WS' && find . -mindepth 1 -printf '%P %s %T@ %m\n' | LC_ALL=C sort"
note "local_latency: files --json listed $got entries in $walk_s s (peak RSS $(mib "$walk_rss")); find | sort $WALL s"
row "files --json (--local), 200k-file workspace" "wall time ($got entries)" "$walk_s s" "$WALL s (find | sort)" \
	"$(ratio "$WALL" "$walk_s" 2)" "-"
