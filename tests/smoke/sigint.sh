#!/bin/sh
# tests/smoke/sigint.sh: Ctrl-C (a real SIGINT from the pane's tty) during a
# download asks for confirmation; a second Ctrl-C quits (exit 130), removes
# the .part file and restores the terminal.
# usage: sigint.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/download.json"
tmux_start --server "$url"
start_download
tm send-keys C-c
if wait_screen 'quit and cancel it\?'; then ok "first SIGINT asks for confirmation"
else not_ok "first SIGINT asks for confirmation" "$(cat "$tmp/screen")"; fi
check "still running after the first SIGINT" kill -0 "$ob_pid"
tm send-keys C-c
check_exit 130
check "no .part file remains" sh -c "! ls '$tmp/work'/*.part >/dev/null 2>&1"
smoke_done
