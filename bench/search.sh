#!/bin/sh
# bench/search.sh [BUILD]: event search and tree filter at 100,000 events and 200,000 files
# (issue 16, item 3): BUILD/bench/searchbench (bench/searchbench.c) types searches key by
# key into the model and times each key against the old full scan, in the same run.
BUILD=${1:-build}
. "$(dirname "$0")/lib.sh"
"$BUILD/bench/searchbench" "${SEARCH_EVENTS:-100000}" "${SEARCH_FILES:-200000}"
