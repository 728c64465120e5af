#!/bin/sh
# Run the libFuzzer targets for SECONDS each (default 60): fuzz_json (api/json.c decoders
# and api/events.c), fuzz_archive (the server-archive reader and the entry-name sanitiser) and
# fuzz_changes (api/changes.c, the agent-server's bash output).
# Usage: tests/fuzz/run-fuzz.sh [SECONDS] [TARGET...]
# Builds in build-fuzz/ (clang, -Dfuzz=true; override with FUZZ_BUILD_DIR), fuzzes a
# scratch copy of each target's corpus so the checked-in seeds stay small, and leaves any
# crash input as build-fuzz/crash-* (copy it into the target's corpus once fixed, so the
# corpus replay test keeps it fixed).
set -eu
secs=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-fuzz_json fuzz_archive fuzz_changes}
root=$(cd "$(dirname "$0")/../.." && pwd)
bdir=${FUZZ_BUILD_DIR:-$root/build-fuzz}

if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang meson setup "$bdir" "$root" -Dfuzz=true >"$bdir.setup.log" 2>&1 || {
		cat "$bdir.setup.log" >&2
		exit 1
	}
	rm -f "$bdir.setup.log"
fi
for t in $targets; do
	meson compile -C "$bdir" "$t" >/dev/null
	case $t in
	fuzz_json | fuzz_changes) corpus=corpus ;;
	fuzz_archive) corpus=corpus-archive ;;
	*) echo "unknown fuzz target $t" >&2; exit 2 ;;
	esac
	work=$(mktemp -d "${TMPDIR:-/tmp}/ohb-fuzz.XXXXXX")
	cp "$root/tests/fuzz/$corpus/"* "$work/"
	echo "== $t ($secs s)"
	# -jobs/-workers: one per core would double the time budget's CPU; keep it to one process.
	rc=0
	"$bdir/tests/fuzz/$t" -max_total_time="$secs" -max_len=16384 -timeout=10 \
		-rss_limit_mb=2048 -artifact_prefix="$bdir/$t-" -print_final_stats=1 "$work" || rc=$?
	rm -rf "$work"
	[ $rc -eq 0 ] || exit $rc
done
