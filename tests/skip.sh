#!/bin/sh
# tests/skip.sh: stands in for a test whose tool is missing (cmocka, libmicrohttpd,
# tmux), so that `meson test` lists it as SKIP with the reason instead of the test
# vanishing from the run. Exit status 77 is meson's "skipped".
# usage: skip.sh REASON...
echo "SKIP: $*"
exit 77
