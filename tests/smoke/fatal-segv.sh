#!/bin/sh
# tests/smoke/fatal-segv.sh: SIGSEGV kills the browser; the terminal is restored and the
# process dies by the signal (fatal_case in lib.sh).
# usage: fatal-segv.sh OHBROWSE FAKEHANDS
. "$(dirname "$0")/lib.sh"
smoke_init "$1" "$2"
fatal_case SEGV 11
smoke_done
