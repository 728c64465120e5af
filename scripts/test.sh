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
	/usr/bin/python3 scripts/test-summary.py build-test build-san
else
	/usr/bin/python3 scripts/test-summary.py build-test
fi
exit $rc
