#!/bin/sh
# tests/smoke/keys.sh: Home and End in the forms tmux and terminals send that the
# terminfo entry does not list (issue 14, item 13). Before, curses gave them as
# Esc plus letters: the Esc closed the view and the letters ran as keys. Here
# CSI F (End) moves to the last conversation, CSI 1~ (Home) in the files view
# keeps the view open, and q outside the list asks before quitting.
# usage: keys.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/list.json"
tmux_start --server "$url"

wait_screen ' 1/3  ' || bail "the list never showed"
# TERM=xterm-256color lists End as ESC O F; send the CSI form tmux uses.
tm send-keys -H 1b 5b 46
if wait_screen 'Title: +Smoke: inventory API'; then ok "ESC [ F is End: the last conversation is selected"
else not_ok "ESC [ F is End: the last conversation is selected" "$(cat "$tmp/screen")"; fi
tm send-keys -H 1b 5b 31 7e
if wait_screen 'Title: +Smoke: unicode'; then ok "ESC [ 1 ~ is Home: the first conversation is selected"
else not_ok "ESC [ 1 ~ is Home: the first conversation is selected" "$(cat "$tmp/screen")"; fi
tm send-keys Enter
wait_screen '^Files: ' || bail "the files view never showed"
tm send-keys -H 1b 5b 34 7e
sleep 0.3
screen >"$tmp/screen"
check "ESC [ 4 ~ in the files view is End, not Esc: the view stays open" \
	grep -q '^Files: ' "$tmp/screen"
tm send-keys q
if wait_screen 'Quit ohbrowse\? y/n'; then ok "q outside the list asks before quitting"
else not_ok "q outside the list asks before quitting" "$(cat "$tmp/screen")"; fi
tm send-keys y
check_exit 0
smoke_done
