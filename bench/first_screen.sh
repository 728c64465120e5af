#!/bin/sh
# bench/first_screen.sh [BUILD]: the browser's first screen and a 10,000-conversation list
# (issue 16, item 4), headless from a key script as in tests/tui.
#  - first screen: start, list, draw the first page, quit (script ":wait :quit"), 10 runs each
#    with 0 and 100 ms of server latency on every request: wall, CPU (user+sys, from
#    getrusage of the children, so in microseconds), and the round trips it waited for,
#    (wall at 100 ms - wall at 0 ms) / 100 ms. Baseline: curl fetching the one page itself.
#  - 10,000 conversations: PgDn through the whole list (pages load as the cursor nears the
#    end; a :wait every 5 keys lets them arrive), then G, k, k, g: peak RSS, key-to-frame
#    p50/p99/max (OHBROWSE_LATENCY_LOG). Baseline: the same keys over 200 conversations.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"

# gen N LATENCY_MS: a scenario of N generated conversations (half V0, half V1)
gen() {
	python3 - "$1" "$2" <<'PY'
import json, sys
n, lat = int(sys.argv[1]), int(sys.argv[2])
j = {"app": {"api_key": "benchbenchbenchbenchbenchbench00", "now": "2026-11-25T12:00:00Z"},
     "generate": {"count": n, "version": "mixed", "status": "STOPPED", "newest": "-1h", "step_s": 30}}
if lat:
    j["faults"] = [{"server": "*", "route": "*", "latency_ms": lat}]
print(json.dumps(j))
PY
}
# runs N CMD...: run CMD N times; prints "mean-wall-ms mean-cpu-ms"
runs() {
	python3 - "$@" <<'PY'
import os, resource, subprocess, sys, time
n, cmd = int(sys.argv[1]), sys.argv[2:]
wall = 0.0
r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
for _ in range(n):
    t = time.monotonic()
    rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    wall += time.monotonic() - t
    if rc != 0:
        print("fail", rc); sys.exit(1)
r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
print("%.1f %.1f" % (wall * 1000 / n, cpu * 1000 / n))
PY
}
pct() {
	python3 - "$1" <<'PY'
import sys
v = sorted(int(x) for x in open(sys.argv[1]) if x.strip())
p = lambda q: v[min(len(v) - 1, int(q * len(v)))]
print(len(v), p(0.5), p(0.99), v[-1])
PY
}
mkdir -p "$tmp/work"
printf ':wait\n:quit\n' >"$tmp/first.script"
for lat in 0 100; do
	gen 10000 $lat >"$tmp/l$lat.json"
	start_fake l$lat "$tmp/l$lat.json"
	set -- $(cd "$tmp/work" && OHBROWSE_SCRIPT="$tmp/first.script" TERM=dumb LINES=40 COLUMNS=120 \
		runs 10 "$OHB" --server "$APP")
	eval "o_wall$lat=$1 o_cpu$lat=$2"
	set -- $(runs 10 curl -s -o /dev/null -H "Authorization: Bearer $KEY" "$APP/api/v1/app-conversations/search?limit=100")
	eval "c_wall$lat=$1 c_cpu$lat=$2"
	stop_fake
done
rtt=$(awk -v a="$o_wall100" -v b="$o_wall0" 'BEGIN { printf "%.2f", (a - b) / 100 }')
c_rtt=$(awk -v a="$c_wall100" -v b="$c_wall0" 'BEGIN { printf "%.2f", (a - b) / 100 }')
note "first screen: ohbrowse ${o_wall0} ms / ${o_wall100} ms wall (0 / 100 ms latency), ${o_cpu0} ms CPU; curl ${c_wall0} / ${c_wall100} ms, ${c_cpu0} ms CPU"
row "first screen (10k conv listed)" "round trips waited (wall 100 ms - 0 ms, / 100 ms)" "$rtt" "$c_rtt (curl, 1 request)" "-" "1"
row "first screen (10k conv listed)" "wall, 100 ms latency" "${o_wall100} ms" "${c_wall100} ms (curl)" "$(ratio "$c_wall100" "$o_wall100" 2)" "100 ms + 30 ms"
row "first screen (10k conv listed)" "wall, loopback" "${o_wall0} ms" "${c_wall0} ms (curl)" "$(ratio "$c_wall0" "$o_wall0" 2)" "-"
row "first screen (10k conv listed)" "CPU user+sys (start, page, draw, quit)" "${o_cpu0} ms" "${c_cpu0} ms (curl)" "$(ratio "$c_cpu0" "$o_cpu0" 2)" "<= 30 ms"

# ---- scrolling: PgDn through N conversations
scroll() { # N: sets S_RSS (KiB), S_N S_P50 S_P99 S_MAX, S_ROWS (conversations loaded)
	gen "$1" 0 >"$tmp/s.json"
	start_fake s "$tmp/s.json"
	{
		printf ':wait\n'
		k=0
		while [ $k -lt $(($1 / 25 + 20)) ]; do
			printf '<PgDn>\n'
			k=$((k + 1))
			[ $((k % 5)) -eq 0 ] && printf ':wait\n'
		done
		printf ':wait\nG\n:wait\nk\nk\ng\n:dump end\n:quit\n'
	} >"$tmp/s.script"
	mkdir -p "$tmp/dump"
	(cd "$tmp/work" && OHBROWSE_SCRIPT="$tmp/s.script" OHBROWSE_LATENCY_LOG="$tmp/s.ms" OHBROWSE_DUMP_DIR="$tmp/dump" \
		TERM=dumb LINES=40 COLUMNS=120 measure "$tmp/s.out" "$OHB" --server "$APP" --rate 1000)
	stop_fake
	S_RSS=$(tail -n 1 "$tmp/time" | cut -d' ' -f2)
	S_ROWS=$(head -1 "$tmp/dump/end.screen" | grep -oE '[0-9]+/[0-9]+[+]?' | head -1)
	set -- $(pct "$tmp/s.ms")
	S_N=$1 S_P50=$2 S_P99=$3 S_MAX=$4
}
scroll 200
b_rss=$S_RSS b_p99=$S_P99 b_rows=$S_ROWS
scroll 10000
note "scroll: 10k: at $S_ROWS (row/loaded), $S_N keys, p50 $S_P50 / p99 $S_P99 / max $S_MAX ms, $(mib "$S_RSS"); 200: at $b_rows, p99 $b_p99 ms, $(mib "$b_rss")"
row "10k conv in the browser" "peak RSS after PgDn to the end" "$(mib "$S_RSS")" "$(mib "$b_rss") (200 conv)" "-" "<= 20 MiB"
row "10k conv in the browser" "key-to-frame p50 / p99 / max ($S_N keys)" "$S_P50 / $S_P99 / $S_MAX ms" "p99 $b_p99 ms (200 conv)" "-" "p99 <= 50 ms"
