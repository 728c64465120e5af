#!/bin/sh
# Install what is missing, build, and open ohbrowse on the built-in demo server
# (sample conversations on 127.0.0.1; no OpenHands account needed).
# Extra arguments go to ohbrowse, e.g. `scripts/demo.sh list`.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
if [ $# -eq 0 ] && ! { [ -t 0 ] && [ -t 1 ]; }; then
	# no terminal to draw on: show the demo's conversation list instead
	exec build/src/ohbrowse --demo list
fi
exec build/src/ohbrowse --demo "$@"
