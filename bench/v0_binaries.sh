#!/bin/sh
# bench/v0_binaries.sh BUILD: issue 16 item 3: V0 binary files, which select-file refuses (415)
# and the export takes from one zip-directory download. 10,000 binary files of 512 B in shuffled
# order (the runtime builds the ZIP with os.walk, whose order is the directory's, not sorted:
# openhands-api.md, zip-directory), walked with --no-server-archive so each file is asked for
# and refused first. Each binary found through the index of the ZIP's central directory,
# against OHBROWSE_NO_ZIP_INDEX=1 (a scan from the current entry, restarted from the first
# when the name lies behind: the way before), in the same run. No limiter, no latency: the
# figure is the export's own work.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
V0=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
N=${V0_BINARIES:-10000}
python3 "$BENCH_DIR/gentree.py" flat $N 512 --no-limiter >"$tmp/gen.json"
python3 - "$tmp/gen.json" >"$tmp/bin.json" <<'PY'
import json, random, sys
d = json.load(open(sys.argv[1]))
random.Random(16).shuffle(d["workspaces"]["ws"]["files"])
json.dump(d, sys.stdout)
PY
start_fake bin "$tmp/bin.json"
one() { # label [ENV=VALUE]
	label=$1
	shift
	measure "$tmp/out" env "$@" "$OHB" --server "$APP" --rate 1000 --connections 16 download $V0 \
		--no-server-archive -o "$tmp/o.zip" --progress=none
	nf=$("$ZIPCHECK" "$tmp/o.zip" 2>>"$tmp/out.err" | grep -c '\.bin$')
	[ "$RC" -eq 0 ] && [ "$nf" -eq $N ] || note "v0_binaries ($label): ohbrowse exit $RC, $nf of $N files"
	rm -f "$tmp/o.zip"
}
one index
i_wall=$WALL i_cpu=$CPU i_rss=$RSS
one scan OHBROWSE_NO_ZIP_INDEX=1
s_wall=$WALL s_cpu=$CPU
stop_fake
what="$N V0 binaries of 512 B, shuffled"
row "$what" "wall" "${i_wall} s (index)" "${s_wall} s (scan)" "$(ratio "$s_wall" "$i_wall")" "-"
row "$what" "CPU user+sys" "${i_cpu} s" "${s_cpu} s" "$(ratio "$s_cpu" "$i_cpu")" "-"
row "$what" "peak RSS" "$(mib "$i_rss")" "-" "-" "-"
exit 0
