#!/bin/sh
# tests/smoke/sighup.sh: the terminal-restore check on its own -- after SIGHUP
# ohbrowse exits 128+1, and `stty -a` run in the same pane afterwards shows
# icanon and echo (cbreak/noecho undone), with the alternate screen off.
# It runs in the C locale, so it also checks the ASCII line-drawing fallback.
# usage: sighup.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/list.json"
smoke_locale=C
tmux_start --server "$url"
if wait_screen ' 1/3  '; then ok "the list shows"; else bail "the list never showed"; fi
check "C locale: ASCII borders (no ACS letters, no box characters)" \
	sh -c "grep -q '^Conversations ---' '$tmp/screen' && ! grep -q 'qqqq' '$tmp/screen' && ! grep -q '─' '$tmp/screen'"
check "alternate screen on while running" sh -c "[ \"\$(tmux -S '$tmp/sock' display-message -p '#{alternate_on}')\" = 1 ]"
kill -HUP "$ob_pid"
check_exit 129
smoke_done
