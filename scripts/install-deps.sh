#!/bin/sh
# Install the Debian packages ohbrowse needs to build and test, only those missing.
# Non-interactive; uses sudo when not root. Debian 12 / Ubuntu 22.04+.
set -eu
PKGS="build-essential meson ninja-build pkg-config libncurses-dev libcurl4-openssl-dev \
libarchive-dev libjansson-dev libcmocka-dev libmicrohttpd-dev tmux unzip python3 python3-jsonschema \
ncurses-base ncurses-term"
if [ "${1:-}" = "--test" ]; then
	PKGS="$PKGS valgrind clang libclang-rt-14-dev groff-base"
fi
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "ohbrowse: installing missing packages:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "ohbrowse: need root or sudo to install:$missing" >&2; exit 1; }
	SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
