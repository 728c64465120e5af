# bench/lib.sh: helpers shared by the benchmark scripts (sourced, POSIX sh).
# The caller sets BUILD (the build dir) before sourcing. Every script prints its figures
# as rows "ROW<TAB>benchmark<TAB>figure<TAB>ohbrowse<TAB>baseline<TAB>ratio<TAB>target"
# (run.sh turns them into the table), and its own notes on stderr.
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
BUILD=$(abs "${BUILD:-build}")
OHB=$BUILD/src/ohbrowse
FAKE=$BUILD/tests/fakehands/fakehands
SEQ=$BUILD/bench/seqfetch
ZIPCHECK=$BUILD/tests/tools/zipcheck
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
TIME=/usr/bin/time
KEY=benchbenchbenchbenchbenchbench00
for f in "$OHB" "$FAKE" "$SEQ" "$ZIPCHECK" "$TIME"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f is missing (build with: meson setup $BUILD -Dbuildtype=release && ninja -C $BUILD; apt-get install time)" >&2
		exit 2
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ohb-bench.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
export HOME="$tmp/home" OHBROWSE_NOW=2026-11-25T12:00:00Z TZ=UTC LC_ALL=C.UTF-8
export OPENHANDS_API_KEY=$KEY
unset OPENHANDS_URL
mkdir -p "$HOME"

note() { echo "  $*" >&2; }
row() { printf 'ROW\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6"; }
# ratio A B [digits]: A / B
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-1}" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.*fx\n", d, a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB\n", k / 1024 }'; }

# start_fake NAME SCENARIO [fakehands options]: APP=app URL; ports in $tmp/NAME.ports, log $tmp/NAME.log
start_fake() {
	name=$1 scen=$2
	shift 2
	# A ports file left by the last server of that name says "ready" before the new one
	# truncates it (the redirection runs in the background child): it would be read as
	# this server's, empty by the time its URL is read, and ohbrowse would go to the
	# default server (the "exit 5" of the 1 GiB exports in memory.sh).
	rm -f "$tmp/$name.ports"
	"$FAKE" --scenario "$scen" --log "$tmp/$name.log" "$@" >"$tmp/$name.ports" 2>"$tmp/$name.stderr" &
	pids="$pids $!"
	FAKE_PID=$!
	i=0
	while ! grep -q '^ready$' "$tmp/$name.ports" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			echo "bench: fakehands did not start: $(cat "$tmp/$name.stderr")" >&2
			exit 1
		fi
		sleep 0.1
	done
	APP=$(sed -n 's/^app //p' "$tmp/$name.ports")
	if [ -z "$APP" ]; then
		echo "bench: fakehands gave no app URL" >&2
		exit 1
	fi
}
stop_fake() {
	kill "$FAKE_PID" 2>/dev/null
	wait "$FAKE_PID" 2>/dev/null
}
# conv_info ID: CONV_URL (runtime URL of the conversation), BASE (its server), SKEY (session key)
conv_info() {
	curl -s -H "Authorization: Bearer $KEY" "$APP/api/conversations/$1" >"$tmp/conv.json"
	CONV_URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$tmp/conv.json")
	SKEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["session_api_key"])' "$tmp/conv.json")
	BASE=${CONV_URL%/api/conversations/*}
}
# measure OUTFILE CMD...: run CMD with stdout to OUTFILE, stderr to OUTFILE.err; WALL (s), RSS (KiB), CPU (user+sys s), RC
measure() {
	out=$1
	shift
	"$TIME" -f '%e %M %U %S' -o "$tmp/time" "$@" >"$out" 2>"$out.err"
	RC=$?
	WALL=$(tail -n 1 "$tmp/time" | cut -d' ' -f1)
	RSS=$(tail -n 1 "$tmp/time" | cut -d' ' -f2)
	CPU=$(tail -n 1 "$tmp/time" | awk '{ printf "%.2f", $3 + $4 }')
}
# requests LOGFILE [server-prefix]: lines of the fake's request log
requests() {
	if [ $# -gt 1 ]; then grep -c "\"server\":\"$2" "$1"; else wc -l <"$1" | tr -d ' '; fi
}
