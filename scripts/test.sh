#!/bin/sh
# Install what is missing, build with -Werror, run every suite; then again under ASan+UBSan.
# Prints 'N passed, N failed, N skipped' last and exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.." || exit 1
sh scripts/install-deps.sh --test || exit 1
rc=0
build() { # dir, extra meson args...
	dir=$1
	shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" --werror "$@" >/dev/null || return 1
	else
		meson setup "$dir" --werror "$@" >/dev/null || return 1
	fi
	ninja -C "$dir" >/dev/null || { ninja -C "$dir"; return 1; }
}
if build build-test; then
	meson test -C build-test --print-errorlogs --num-processes 2 || rc=1
	# The C test programs again under valgrind memcheck (leaks and invalid accesses).
	if [ "${SKIP_VALGRIND:-}" != 1 ] && command -v valgrind >/dev/null 2>&1; then
		meson test -C build-test --setup valgrind --suite unit --print-errorlogs --num-processes 2 || rc=1
	fi
else
	echo "build failed" >&2; rc=1
fi
if [ "${SKIP_SANITIZE:-}" != 1 ]; then
	if build build-san -Db_sanitize=address,undefined -Db_lundef=false; then
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
			meson test -C build-san --print-errorlogs --num-processes 2 --no-suite bench || rc=1
	else
		echo "sanitizer build failed" >&2; rc=1
	fi
	# Short libFuzzer runs (clang): the JSON decoders, then the archive reader and the name
	# sanitiser, FUZZ_SECONDS each; the corpora are replayed in the unit suite on every build.
	# FUZZ_SECONDS=0 skips them.
	fuzz=""
	if [ "${FUZZ_SECONDS:-30}" != 0 ] && command -v clang >/dev/null 2>&1; then
		if sh tests/fuzz/run-fuzz.sh "${FUZZ_SECONDS:-30}" >build-fuzz.log 2>&1; then
			echo "fuzz: OK (${FUZZ_SECONDS:-30} s per target, $(grep -o 'stat::number_of_executed_units: *[0-9]*' build-fuzz.log | grep -o '[0-9]*$' | awk '{ s += $1 } END { print s }') runs)"
			fuzz="--extra-passed 3"
		else
			echo "fuzz: FAILED (see build-fuzz.log)"; tail -30 build-fuzz.log
			fuzz="--extra-failed 1"; rc=1
		fi
	fi
	# shellcheck disable=SC2086
	/usr/bin/python3 scripts/test-summary.py $fuzz build-test build-san
else
	/usr/bin/python3 scripts/test-summary.py build-test
fi
exit $rc
