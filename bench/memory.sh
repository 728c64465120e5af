#!/bin/sh
# bench/memory.sh BUILD: benchmark 2 (issue 4): peak RSS of an export of one 1 GiB file and of
# one 100 MiB file, V1 (raw /api/file/download, --no-server-archive) and V0 (zip-directory
# re-packed). The peak must not depend on the size. Outputs are deleted at once.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
V0=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
V1=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
for size in 104857600 1073741824; do
	python3 "$BENCH_DIR/gentree.py" big $size >"$tmp/big.json"
	start_fake big "$tmp/big.json"
	for v in V1 V0; do
		if [ $v = V1 ]; then set -- $V1 --no-server-archive; else set -- $V0; fi
		rm -f "$tmp/o.zip"
		measure "$tmp/out" "$OHB" --server "$APP" download "$@" -o "$tmp/o.zip" --progress=none
		zs=$(stat -c %s "$tmp/o.zip" 2>/dev/null || echo 0)
		[ "$RC" -eq 0 ] && [ "$zs" -gt "$size" ] || note "memory $v $size: exit $RC, archive $zs bytes: $(tail -n 3 "$tmp/out.err")"
		rm -f "$tmp/o.zip"
		eval "rss_${v}_$size=\$RSS wall_${v}_$size=\$WALL"
	done
	stop_fake
done
for v in V1 V0; do
	route="raw download"
	[ $v = V0 ] && route="zip-directory re-pack"
	eval "a=\$rss_${v}_1073741824 b=\$rss_${v}_104857600 wa=\$wall_${v}_1073741824 wb=\$wall_${v}_104857600"
	row "export $v ($route)" "peak RSS 1 GiB / 100 MiB" "$(mib "$a") / $(mib "$b")" "-" "$(ratio "$a" "$b" 2)" "<= 32 MiB, equal"
	row "export $v ($route)" "wall 1 GiB / 100 MiB" "$wa s / $wb s" "-" "-" "-"
done
exit 0
