#!/bin/sh
# tests/smoke/fatal-login.sh: SIGSEGV while `ohbrowse login` waits for the key with the
# echo off. The prompt's emergency hook (async-signal-safe: tcsetattr only) gives the
# terminal its echo back, and the process still dies by the signal.
# usage: fatal-login.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
[ -n "${ASAN_OPTIONS:-}" ] && ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0"
fh_start "$here/list.json"
tmux_start --server "$url" login
# The prompt goes to stderr (a file here) once the echo is off.
i=0
while [ $i -lt 100 ] && ! grep -q 'API key: ' "$tmp/stderr" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
grep -q 'API key: ' "$tmp/stderr" 2>/dev/null || bail "no key prompt"
kill -SEGV "$ob_pid"
check_exit 139
check "the note is on stderr" grep -q 'fatal signal; terminal restored' "$tmp/stderr"
smoke_done
