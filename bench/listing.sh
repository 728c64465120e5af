#!/bin/sh
# bench/listing.sh BUILD: benchmark 1 (issue 3): list --json over 10,000 conversations and
# files --json over a 2,000-file tree, against the sequential seed-like baseline.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
V0=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
V1=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb

# ---- list: 10,000 generated conversations, half V0, half V1
start_fake list "$BENCH_DIR/scenarios/list.json"
: >"$tmp/list.log"
measure "$tmp/ohb.json" "$OHB" --server "$APP" list --json
o_req=$(requests "$tmp/list.log") o_wall=$WALL o_rss=$RSS
n=$(python3 -c 'import json,sys; J=json.load(open(sys.argv[1])); print(len(set(c["id"] for c in J)))' "$tmp/ohb.json")
[ "$RC" -eq 0 ] && [ "$n" -eq 10000 ] || note "list: ohbrowse exit $RC, $n unique conversations (expected 10000)"
: >"$tmp/list.log"
measure "$tmp/ohbfast.json" "$OHB" --server "$APP" --rate 1000 list --json
f_req=$(requests "$tmp/list.log") f_wall=$WALL
: >"$tmp/list.log"
measure "$tmp/seq.out" "$SEQ" -H "Authorization: Bearer $KEY" list "$APP"
s_req=$(requests "$tmp/list.log") s_wall=$WALL s_rss=$RSS
note "list baseline: $(cat "$tmp/seq.out")"
stop_fake
row "list 10k conv" "requests" "$o_req" "$s_req" "$(ratio "$s_req" "$o_req") fewer" "-"
row "list 10k conv" "wall, default --rate 10" "${o_wall} s" "${s_wall} s" "$(ratio "$s_wall" "$o_wall" 2)" "-"
row "list 10k conv" "wall, --rate 1000" "${f_wall} s ($f_req req)" "${s_wall} s" "$(ratio "$s_wall" "$f_wall" 2)" "-"
row "list 10k conv" "peak RSS" "$(mib "$o_rss")" "$(mib "$s_rss")" "-" "-"
# the seed also sleeps 0.5 s after every page that has a next page
row "list 10k conv" "seed's 0.5 s/page sleeps" "-" "+$(awk -v n="$s_req" 'BEGIN { print (n - 2) * 0.5 }') s (model)" "-" "-"

# ---- files: 2,000 files in 200 directories; V0 walks list-files, V1 asks bash once
python3 "$BENCH_DIR/gentree.py" tree >"$tmp/tree.json"
python3 "$BENCH_DIR/gentree.py" tree --no-limiter >"$tmp/tree-nolim.json"
for lim in on off; do
	if [ $lim = on ]; then start_fake tree "$tmp/tree.json"; else start_fake tree "$tmp/tree-nolim.json"; fi
	for v in V0 V1; do
		[ $v = V1 ] && [ $lim = off ] && continue
		id=$V0
		[ $v = V1 ] && id=$V1
		conv_info $id
		rate=""
		[ $lim = off ] && rate="--rate 1000"
		: >"$tmp/tree.log"
		measure "$tmp/files.json" "$OHB" --server "$APP" $rate files $id --json
		o_req=$(requests "$tmp/tree.log") o_wall=$WALL o_rss=$RSS
		n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$tmp/files.json")
		[ "$RC" -eq 0 ] && [ "$n" -eq 2200 ] || note "files $v: ohbrowse exit $RC, $n entries (expected 2200)"
		o429=$(grep -c '"status":429' "$tmp/tree.log")
		: >"$tmp/tree.log"
		if [ $v = V0 ]; then
			measure "$tmp/seq.out" "$SEQ" -H "X-Session-API-Key: $SKEY" walk "$CONV_URL" /workspace/project
		else
			measure "$tmp/seq.out" "$SEQ" -H "X-Session-API-Key: $SKEY" bash "$BASE" /workspace/project
		fi
		s_req=$(requests "$tmp/tree.log") s_wall=$WALL s_rss=$RSS
		s429=$(grep -c '"status":429' "$tmp/tree.log")
		note "files $v limiter $lim baseline: $(cat "$tmp/seq.out"); 429s: ohbrowse $o429, baseline $s429"
		what="files $v 2k/200 dirs"
		if [ $v = V0 ] && [ $lim = on ]; then
			label="wall, runtime limiter on"
		elif [ $v = V0 ]; then
			label="wall, limiter off, --rate 1000"
		else
			label="wall"
		fi
		[ $lim = on ] && row "$what" "requests (+app)" "$o_req" "$s_req" "-" "-"
		row "$what" "$label" "${o_wall} s" "${s_wall} s" "$(ratio "$s_wall" "$o_wall" 2)" "-"
		[ $lim = on ] && row "$what" "peak RSS" "$(mib "$o_rss")" "$(mib "$s_rss")" "-" "-"
	done
	stop_fake
done
exit 0
