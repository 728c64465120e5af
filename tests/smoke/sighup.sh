#!/bin/sh
# tests/smoke/sighup.sh: the terminal-restore check on its own -- after SIGHUP
# ohbrowse exits 128+1, and `stty -a` run in the same pane afterwards shows
# icanon and echo (cbreak/noecho undone), with the alternate screen off.
# usage: sighup.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/list.json"
tmux_start --server "$url"
if wait_screen '3 loaded'; then ok "the list shows"; else bail "the list never showed"; fi
check "alternate screen on while running" sh -c "[ \"\$(tmux -S '$tmp/sock' display-message -p '#{alternate_on}')\" = 1 ]"
kill -HUP "$ob_pid"
check_exit 129
smoke_done
