#!/bin/sh
# tests/smoke/sigterm.sh: SIGTERM during a download removes the .part file,
# restores the terminal and exits 128+15 (app.h).
# usage: sigterm.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/download.json"
tmux_start --server "$url"
start_download
kill -TERM "$ob_pid"
check_exit 143
check "no .part file remains" sh -c "! ls '$tmp/work'/*.part >/dev/null 2>&1"
smoke_done
