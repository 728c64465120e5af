#!/bin/sh
# tests/smoke/copy.sh: y copies through OSC 52 (issue 14, basics). tmux with
# set-clipboard on turns the sequence the browser writes to the pty into a paste
# buffer, so the buffer must hold exactly the selected conversation's id, and
# the message says what was copied.
# usage: copy.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/list.json"
tmux_start --server "$url"
tm set-option -g set-clipboard on >/dev/null

wait_screen ' 1/3  ' || bail "the list never showed"
tm send-keys j
wait_screen ' 2/3  ' || bail "j did not move"
tm send-keys y
if wait_screen 'Copied the conversation id: '; then ok "the message says what was copied"
else not_ok "the message says what was copied" "$(cat "$tmp/screen")"; fi
want=$(grep -o 'Copied the conversation id: [0-9a-f]*' "$tmp/screen" | sed 's/.*: //')
i=0
while [ $i -lt 50 ] && [ "$(tm show-buffer 2>/dev/null)" != "$want" ]; do sleep 0.1; i=$((i + 1)); done
got=$(tm show-buffer 2>/dev/null)
if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "OSC 52 reached the terminal: the paste buffer holds the id"
else not_ok "OSC 52 reached the terminal: the paste buffer holds the id" "want '$want' got '$got'"; fi
check "the id is the second conversation's (the selected one)" grep -q "Id: *$want" "$tmp/screen"
tm send-keys q
check_exit 0
smoke_done
