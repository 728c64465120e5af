#!/bin/sh
# bench/run.sh [BUILD]: runs every benchmark against the build in BUILD (default: build; it builds
# nothing: use a release build, meson setup BUILD -Dbuildtype=release && ninja -C BUILD) and
# prints one table of figures and ratios. Benchmarks are not tests: nothing here is asserted.
# Each part can also be run alone: bench/listing.sh BUILD, memory.sh, parallel.sh, ... (the list
# below). Takes about 12 minutes on 2 cores; needs ~5.5 GB free in TMPDIR for a moment.
set -u
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
rows=$(mktemp "${TMPDIR:-/tmp}/ohb-bench-rows.XXXXXX")
trap 'rm -f "$rows" "$rows.part"' EXIT
trap 'exit 1' INT TERM HUP
status=0
# The parts, one a line (add yours on a line of its own): each is bench/NAME.sh BUILD.
for b in \
	listing \
	memory \
	parallel \
	ratelimit \
	archive \
	tui_latency \
	local_latency \
	backup \
	engine \
	v0_binaries \
	search \
	first_screen \
	; do
	echo "== $b" >&2
	start=$(date +%s)
	# (not a pipeline: its status would be the last command's, not the part's)
	sh "$here/$b.sh" "$BUILD" >"$rows.part"
	rc=$?
	cat "$rows.part" >>"$rows"
	sed -n 's/^ROW\t//p' "$rows.part" | tr '\t' '|' | sed 's/^/  /' >&2
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "   (exit status $rc)" >&2
	fi
	echo "   ($(($(date +%s) - start)) s)" >&2
done
echo
printf '%s\n' "| benchmark | figure | ohbrowse | baseline | ratio | target |" "|---|---|---|---|---|---|"
sed -n 's/^ROW\t//p' "$rows" | awk -F '\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }'
echo
echo "Ratios: baseline / ohbrowse for times and request counts (>1: ohbrowse is faster or sends fewer)."
echo "Baseline: bench/seqfetch, one request at a time (the seed downloader's way), or curl -o."
echo "Machine: $(nproc) cores, $(uname -sr), loopback, fakehands; build $BUILD."
exit $status
