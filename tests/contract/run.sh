#!/bin/sh
# The contract suite (TAP); run.py does the work. A missing tool is a SKIP, never a vanished suite.
# usage: run.sh FAKEHANDS|none OHBROWSE
here=$(dirname "$0")
if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 is not installed (scripts/install-deps.sh)"
	exit 0
fi
exec python3 "$here/run.py" "$@"
