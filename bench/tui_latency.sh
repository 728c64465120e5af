#!/bin/sh
# bench/tui_latency.sh [BUILD]: key-to-frame latency of the browser while 8 downloads run.
# The browser runs headless from a key script (as in tests/tui); OHBROWSE_LATENCY_LOG makes it
# write, for every frame that follows a key, the milliseconds from the loop's wake-up (transfers
# run before keys are read) to the end of that
# frame. Eight 48 MB files download from a V1 agent-server throttled to 16 MiB/s per response,
# and 20 batches of 16 keys (j/k, then a search: / f5 Enter n N) are spread over the
# transfer with :wait-bytes; the title bar's status line is drawn on every frame.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"

cat >"$tmp/lat.json" <<JSON
{"app": {"auth": "none", "v0": false, "v1": true, "max_age_days": 0},
 "conversations": [{"id": "c0000000000000000000000000000001", "title": "Latency", "version": "V1",
   "status": "RUNNING", "created_at": "2026-11-25T10:00:00Z", "workspace": "ws",
   "agent": {"download_api": "query", "archive": false}}],
 "workspaces": {"ws": {"root": "/workspace/project", "git": false, "files": [
   {"path": "f1.bin", "size": 50331648, "seed": 1}, {"path": "f2.bin", "size": 50331648, "seed": 2},
   {"path": "f3.bin", "size": 50331648, "seed": 3}, {"path": "f4.bin", "size": 50331648, "seed": 4},
   {"path": "f5.bin", "size": 50331648, "seed": 5}, {"path": "f6.bin", "size": 50331648, "seed": 6},
   {"path": "f7.bin", "size": 50331648, "seed": 7}, {"path": "f8.bin", "size": 50331648, "seed": 8}]}}}
JSON
start_fake lat "$tmp/lat.json" --bandwidth 16777216
{
	printf ':wait\n<Enter>\n:wait\na\nd\ny\n'
	b=1
	while [ $b -le 20 ]; do
		printf ':wait-bytes %d\n' $((b * 16000000))
		for k in 1 2 3 4 5; do printf 'j\nk\n'; done
		# the search (issue 14): / f5 Enter, then n and N, drawn with the highlight
		printf '/\nf\n5\n<Enter>\nn\nN\n'
		b=$((b + 1))
	done
	printf ':quit\n'
} >"$tmp/lat.script"
mkdir -p "$tmp/work"
cd "$tmp/work" || exit 1
OHBROWSE_SCRIPT="$tmp/lat.script" OHBROWSE_LATENCY_LOG="$tmp/lat.ms" TERM=dumb LINES=40 COLUMNS=120 \
	"$OHB" --server "$APP" >"$tmp/lat.out" 2>"$tmp/lat.err"
rc=$?
cd "$tmp" || exit 1
stop_fake
if [ $rc -ne 0 ] || [ ! -s "$tmp/lat.ms" ]; then
	note "tui_latency: ohbrowse exited $rc: $(tail -3 "$tmp/lat.err")"
	exit 1
fi
# the first 4 keys (open, mark, download, confirm) come before the transfer
tail -n +5 "$tmp/lat.ms" >"$tmp/lat.during"
stats=$(python3 - "$tmp/lat.during" <<'PY'
import sys
v = sorted(int(x) for x in open(sys.argv[1]) if x.strip())
p = lambda q: v[min(len(v) - 1, int(q * len(v)))]
print(len(v), p(0.5), p(0.99), v[-1])
PY
)
set -- $stats
note "tui_latency: $1 keys during 8 downloads: p50 $2 ms, p99 $3 ms, max $4 ms"
row "TUI keys during 8 downloads (16 MiB/s each)" "key-to-frame p50 / p99 / max ($1 keys)" "$2 / $3 / $4 ms" "-" "-" "p99 <= 50 ms"
