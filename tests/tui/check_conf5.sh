#!/bin/sh
# The action table in docs/ohbrowse.conf.5 must list exactly the actions of
# --dump-actions, in the same order, with the same help sentence (TAP).
# usage: check_conf5.sh OHBROWSE ohbrowse.conf.5
set -u
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
"$1" --dump-actions | cut -f1,3 >"$tmp/want"
# In the page: ".It Cm name" then one line of help text, inside the ACTIONS section.
awk '
	/^\.Sh ACTIONS/ { on = 1; next }
	/^\.Sh / { on = 0 }
	on && /^\.It Cm / { name = $3; getline; print name "\t" $0 }
' "$2" >"$tmp/have"
echo "1..1"
if diff -u "$tmp/want" "$tmp/have" >"$tmp/diff"; then
	echo "ok 1 - ohbrowse.conf.5 ACTIONS matches --dump-actions"
else
	echo "not ok 1 - ohbrowse.conf.5 ACTIONS differs from --dump-actions"
	sed 's/^/# /' "$tmp/diff"
	exit 1
fi
