#!/bin/sh
# Layering check (TAP): each third-party library belongs to exactly one folder.
#   curses          only in tui/
#   curl, jansson   only in api/
#   libarchive      only in archive/
# and the lower layers never include the upper ones:
#   src/base/       includes nothing of ours outside src/base/ (libc only)
#   api/, archive/  never include tui/ or src/ (except the base, src/base/)
#   tui/            never includes api/ (it reads the model in src/model.h)
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 1
n=0
fail=0
check() { # description, command producing offending lines
	n=$((n + 1))
	out=$(eval "$2")
	if [ -n "$out" ]; then
		echo "not ok $n - $1"
		echo "$out" | sed 's/^/# /'
		fail=1
	else
		echo "ok $n - $1"
	fi
}
src() { find "$@" -name '*.[ch]' 2>/dev/null; }
check "curses only in tui/" \
	"src api archive | xargs -r grep -lE '#include *[<\"](n?curses|ncursesw/|term\\.h)' 2>/dev/null; true"
check "curl and jansson only in api/" \
	"src src tui archive | xargs -r grep -lE '#include *[<\"](curl/|jansson)' 2>/dev/null; true"
check "libarchive only in archive/" \
	"src src tui api | xargs -r grep -lE '#include *[<\"]archive(_entry)?\\.h' 2>/dev/null; true"
check "src/base/ depends on nothing of ours and on no library" \
	"src src/base | xargs -r grep -nE '#include *(\"(tui|api|archive|src)/|<(n?curses|curl/|jansson|archive))' 2>/dev/null | grep -vE '\"src/base/'; true"
check "api/, archive/ and tui/ include nothing of src/ but the base" \
	"src api archive tui | xargs -r grep -nE '#include *\"src/' 2>/dev/null | grep -vE '\"src/base/'; true"
check "tui/ does not include api/ or archive/ (but plain types)" \
	"src tui | xargs -r grep -nE '#include *\"(api|archive)/' 2>/dev/null | grep -v '\"api/types.h\"'; true"
check "no source outside the known folders links a library directly" \
	"find . \\( -type d -exec test -e '{}/build.ninja' \\; -prune \\) -o -name '*.c' -print | grep -vE '^\\./(src|api|archive|tui|tests|bench)/'; true"
echo "1..$n"
exit $fail
