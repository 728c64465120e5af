#!/bin/sh
# tests/smoke/resize.sh: start, list, a real SIGWINCH relayout, q, terminal restored.
# usage: resize.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/list.json"
tmux_start --server "$url"

if wait_screen ' 1/3  '; then ok "the list shows"; else bail "the list never showed"; fi
# The title bar ends with the sort and its arrow (the status part).
check "80 columns: the title ends at column 79" \
	sh -c "head -n 1 '$tmp/screen' | LC_ALL=C.UTF-8 grep -Eq '^.{78}↓\$'"

tm resize-window -x 100 -y 30
# Relayout done when the title line is 99 wide and the pane has 30 rows.
relaid() {
	screen >"$tmp/screen"
	[ "$(wc -l <"$tmp/screen")" -eq 30 ] && head -n 1 "$tmp/screen" | LC_ALL=C.UTF-8 grep -Eq '^.{98}↓$'
}
i=0
while [ $i -lt 100 ] && ! relaid; do sleep 0.1; i=$((i + 1)); done
if relaid; then ok "resize to 100x30: title bar spans 100 columns"
else not_ok "resize to 100x30: title bar spans 100 columns" "$(cat "$tmp/screen")"; fi
check "UTF-8 locale: borders are box characters (no ACS letters)" \
	sh -c "grep -q '^Conversations ─' '$tmp/screen' && grep -q '│' '$tmp/screen' && ! grep -Eq 'qqqq|[^a-z]x[A-Z]' '$tmp/screen'"
check "resize to 100x30: key hints on row 29" \
	sh -c "sed -n 29p '$tmp/screen' | grep -q 'q quit'"
check "resize to 100x30: conversations pane frame is 100 wide" \
	sh -c "grep -Eq '^Conversations.{80,}' '$tmp/screen'"

tm send-keys q
check_exit 0
smoke_done
