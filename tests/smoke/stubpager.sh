#!/bin/sh
# tests/smoke/stubpager.sh OUT FILE: a stand-in for $PAGER and $EDITOR. Records
# what it was given (the file's content in OUT, its mode in OUT.mode, that it had
# a terminal in OUT.tty), shows a line, and waits for a key like a pager would.
out=$1
file=$2
cat "$file" >"$out.tmp"
stat -c %a "$file" >"$out.mode"
[ -t 0 ] && [ -t 1 ] && echo tty >"$out.tty"
mv "$out.tmp" "$out"
echo "STUB PAGER: press a key"
read -r _
