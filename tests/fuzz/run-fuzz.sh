#!/bin/sh
# Run the api/json.c libFuzzer target for SECONDS (default 60), or another target
# (fuzz_changes: api/changes.c, the agent-server's bash output) named by FUZZ_TARGET.
# Usage: [FUZZ_TARGET=fuzz_changes] tests/fuzz/run-fuzz.sh [SECONDS]
# Builds in build-fuzz/ (clang, -Dfuzz=true; override with FUZZ_BUILD_DIR), fuzzes a
# scratch copy of tests/fuzz/corpus so the checked-in seeds stay small, and leaves any
# crash input as build-fuzz/crash-* (copy it into tests/fuzz/corpus/ once fixed, so the
# corpus replay test keeps it fixed).
set -eu
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
bdir=${FUZZ_BUILD_DIR:-$root/build-fuzz}

if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang meson setup "$bdir" "$root" -Dfuzz=true >"$bdir.setup.log" 2>&1 || {
		cat "$bdir.setup.log" >&2
		exit 1
	}
	rm -f "$bdir.setup.log"
fi
target=${FUZZ_TARGET:-fuzz_json}
meson compile -C "$bdir" "$target" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/ohb-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp "$root/tests/fuzz/corpus/"* "$work/"
# -jobs/-workers: one per core would double the time budget's CPU; keep it to one process.
"$bdir/tests/fuzz/$target" -max_total_time="$secs" -max_len=16384 -timeout=10 \
	-rss_limit_mb=2048 -artifact_prefix="$bdir/" -print_final_stats=1 "$work"
