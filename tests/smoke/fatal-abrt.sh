#!/bin/sh
# tests/smoke/fatal-abrt.sh: SIGABRT kills the browser; the terminal is restored and the
# process dies by the signal (fatal_case in lib.sh).
# usage: fatal-abrt.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fatal_case ABRT 6
smoke_done
