#!/bin/sh
# tests/smoke/pager.sh: o and e hand the terminal over (issue 14, basics). With a
# stub $PAGER that records its input: o on README.md gives it the file's content
# with the terminal (the browser leaves the screen), a key ends it and the
# browser comes back and redraws; e gives $EDITOR a read-only copy (mode 400),
# and the copy is removed afterwards.
# usage: pager.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/download.json"
smoke_env="PAGER='$here/stubpager.sh $tmp/paged' EDITOR='$here/stubpager.sh $tmp/edited' TMPDIR=$tmp/t"
mkdir -p "$tmp/t"
tmux_start --server "$url"

wait_screen ' 1/1  ' || bail "the list never showed"
tm send-keys Enter
wait_screen 'README\.md' || bail "the files never showed"
wait_screen '^Preview: README\.md' || bail "README.md never previewed"
tm send-keys o
if wait_screen 'STUB PAGER: press a key'; then ok "o hands the terminal to \$PAGER"
else not_ok "o hands the terminal to \$PAGER" "$(cat "$tmp/screen")"; fi
wait_file "$tmp/paged"
check "the pager got the file's content" sh -c "head -n 1 '$tmp/paged' | grep -q '^# smoke'"
check "the pager had the terminal" test -f "$tmp/paged.tty"
tm send-keys Enter
if wait_screen 'Back from '; then ok "after the pager the browser redraws and says so"
else not_ok "after the pager the browser redraws and says so" "$(cat "$tmp/screen")"; fi
check "the browser's screen is back (the files pane)" grep -q '^Files: ' "$tmp/screen"
tm send-keys e
wait_screen 'STUB PAGER: press a key' || bail "e never ran the editor"
wait_file "$tmp/edited.mode"
check "the editor gets a read-only copy (mode 400)" grep -qx 400 "$tmp/edited.mode"
tm send-keys Enter
wait_screen 'Back from ' || bail "the browser did not come back"
check "the temporary copies are removed" sh -c "[ -z \"\$(ls -A '$tmp/t')\" ]"
tm send-keys q
wait_screen 'Quit ohbrowse\? y/n' && tm send-keys y
check_exit 0
smoke_done
