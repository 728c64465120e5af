#!/bin/sh
# tests/smoke/notty.sh: without a terminal (stdin /dev/null, stdout a file)
# the browser refuses to start: exit 2, a clear message on stderr, nothing
# drawn on stdout. No tmux here.
# usage: notty.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fh_start "$here/list.json"
(cd "$tmp/work" && env -i PATH="$PATH" TERM=xterm-256color LANG=C.UTF-8 HOME="$tmp/home" \
	XDG_CONFIG_HOME="$tmp/home" \
	${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	timeout 20 "$ohbrowse" --server "$url" </dev/null >"$tmp/stdout" 2>"$tmp/stderr")
rc=$?
if [ $rc -eq 2 ]; then ok "exit code 2"; else not_ok "exit code 2" "got $rc"; fi
if grep -q 'needs a terminal' "$tmp/stderr"; then ok "stderr says a terminal is needed"
else not_ok "stderr says a terminal is needed" "$(cat "$tmp/stderr")"; fi
check "nothing written to stdout" sh -c "[ ! -s '$tmp/stdout' ]"
# A terminal whose TERM terminfo does not know (issue 13, item 23): a clear message, exit 2,
# and nothing leaked (ncurses' failed newterm() leaks; it is never called then). script(1)
# gives it a pty.
if command -v script >/dev/null 2>&1; then
	(cd "$tmp/work" && env -i PATH="$PATH" TERM=no-such-terminal LANG=C.UTF-8 HOME="$tmp/home" \
		XDG_CONFIG_HOME="$tmp/home" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		timeout 20 script -qec "\"$ohbrowse\" --server $url" /dev/null </dev/null >"$tmp/term.out" 2>&1)
	check "an unknown TERM: the message names it and says what to set" grep -q 'TERM=no-such-terminal is not in the terminfo' "$tmp/term.out"
	check "... and nothing leaked" sh -c "! grep -q 'LeakSanitizer' '$tmp/term.out'"
else
	ok "# SKIP script(1) is not installed"
fi
smoke_done
