#!/bin/sh
# tests/smoke/statuses.sh: statuses that stand out (issue 14): in a real terminal
# with colours, ERROR is red, STARTING yellow and PAUSED cyan -- three different
# colours -- and MISSING reads "deleted". Read from tmux capture-pane -e (SGR).
# usage: statuses.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/statuses.json"
tmux_start --server "$url"

wait_screen ' 1/4  ' || bail "the list never showed"
# The cursor goes to the last row, so the three rows are drawn in their own colours.
tm send-keys G
wait_screen ' 4/4  ' || bail "G did not move"
tm capture-pane -e -p >"$tmp/sgr"
# The foreground SGR right before each status word: 31 red, 33 yellow, 36 cyan
# (or 38;5;N).
colour() { # colour WORD: the last foreground colour set before WORD on its line
	grep "$1" "$tmp/sgr" | head -n 1 | sed "s/$1.*//" | grep -Eo '\[(3[0-7]|38;5;[0-9]+)m' | tail -n 1
}
e=$(colour ERROR); s=$(colour STARTING); p=$(colour PAUSED)
check "ERROR is drawn red" sh -c "[ '$e' = '[31m' ] || [ '$e' = '[38;5;1m' ]"
check "STARTING, PAUSED and ERROR have three different colours" \
	sh -c "[ '$e' != '$s' ] && [ '$s' != '$p' ] && [ '$e' != '$p' ] && [ -n '$s' ] && [ -n '$p' ]"
screen >"$tmp/screen"
check "MISSING is shown as deleted" grep -q '^deleted  V1 Status missing' "$tmp/screen"
[ -n "${SMOKE_DEBUG:-}" ] && cat -v "$tmp/sgr" | head -8
tm send-keys q
check_exit 0
smoke_done
