#!/bin/sh
# tests/tui/run.sh: one scripted, headless screen-dump case (tig style).
# usage: run.sh OHBROWSE FAKEHANDS CASE
#   starts fakehands with tests/tui/cases/CASE.json, runs OHBROWSE --server URL with
#   OHBROWSE_SCRIPT=tests/tui/cases/CASE.script in a pinned environment, then diffs every
#   dump against tests/tui/expected/CASE/*.screen. UPDATE_GOLDEN=1 rewrites the expected files.
#   Every :dump also carries "# expect: ERE" lines (before it, in the script): what the step
#   is meant to show, grepped in the dump, so a golden cannot drift away from its case.
set -u
abspath() { (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")"); }
ohbrowse=$(abspath "$1")
fakehands=$(abspath "$2")
case_name=$3
here=$(cd "$(dirname "$0")" && pwd)
scenario=$here/cases/$case_name.json
script=$here/cases/$case_name.script
expected=$here/expected/$case_name
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ohb-tui.XXXXXX") || exit 1
fh_pid=
cleanup() {
	[ -n "$fh_pid" ] && kill "$fh_pid" 2>/dev/null && wait "$fh_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkfifo "$tmp/fh.out"
"$fakehands" --scenario "$scenario" --log "$tmp/fh.log" >"$tmp/fh.out" 2>"$tmp/fh.err" &
fh_pid=$!
url=
while IFS= read -r line; do
	case $line in
	"app "*) url=${line#app } ;;
	ready) break ;;
	esac
done <"$tmp/fh.out"
# Keep draining the server's stdout so it never blocks on a full pipe.
cat "$tmp/fh.out" >/dev/null &
if [ -z "$url" ]; then
	echo "fakehands did not start:"; cat "$tmp/fh.err"; exit 1
fi
mkdir -p "$tmp/dumps" "$tmp/home" "$tmp/work"
# Cases with CASE.local get local conversations in the default directory
# (~/.openhands/conversations), generated as tests/local does; the file holds gen.py's options.
if [ -f "$here/cases/$case_name.local" ]; then
	# shellcheck disable=SC2046
	python3 "$here/../local/gen.py" "$tmp/home/.openhands" $(cat "$here/cases/$case_name.local") \
		>/dev/null || { echo "gen.py failed"; exit 1; }
fi
extra=
[ -f "$here/cases/$case_name.args" ] && extra=$(cat "$here/cases/$case_name.args")
if [ -f "$here/cases/$case_name.config" ]; then
	mkdir -p "$tmp/home/ohbrowse"
	cp "$here/cases/$case_name.config" "$tmp/home/ohbrowse/config"
fi
# shellcheck disable=SC2086
(cd "$tmp/work" && env -i PATH="$PATH" TERM=dumb LINES=24 COLUMNS=80 TZ=UTC LC_ALL=C.UTF-8 \
	OHBROWSE_NOW=2026-11-25T12:00:00Z HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home" \
	OHBROWSE_SCRIPT="$script" OHBROWSE_DUMP_DIR="$tmp/dumps" \
	${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
	timeout 60 "$ohbrowse" --server "$url" $extra </dev/null >"$tmp/stdout" 2>"$tmp/stderr")
rc=$?
if [ $rc -ne 0 ]; then
	echo "ohbrowse exited with $rc"; cat "$tmp/stderr"; exit 1
fi
# The server's port changes every run: normalise it.
for f in "$tmp"/dumps/*.screen; do
	[ -f "$f" ] || continue
	# Rates and ETAs depend on timing: normalise them too.
	sed -i -e 's/127\.0\.0\.1:[0-9][0-9]*/127.0.0.1:PORT/g' -e 's/127\.0\.0\.1_[0-9][0-9]*/127.0.0.1_PORT/g' -e "s|$tmp|TMP|g" \
		-e 's/  [0-9.]* [KMGT]*i*B\/s/  RATE/' -e 's/  ETA [0-9]*:[0-9]*/  ETA/' "$f"
done
# Archives written by export cases: list them (name only) so goldens can show them.
ls "$tmp/work" >"$tmp/dumps/files.list" 2>/dev/null
# Cases whose golden has home.list also check what was written under HOME
# (mode, size, path; the config copied in above is left out), e.g. a stored key.
if [ -f "$expected/home.list" ]; then
	# (keys are stored per server, under a name that holds the server's port)
	(cd "$tmp/home" && find . -type f ! -path ./ohbrowse/config -printf '%m %s %P\n' | sort) |
		sed 's/127\.0\.0\.1_[0-9][0-9]*/127.0.0.1_PORT/g' >"$tmp/dumps/home.list"
fi
fail=0
# Intent: every :dump in the script is preceded by at least one "# expect: ERE" (and
# may have "# expect-not: ERE") saying what that step is meant to show; each is grepped
# (grep -E) in the dump. A golden can be rewritten with UPDATE_GOLDEN=1; what the case
# is for cannot, so these are checked first, in both modes.
tab=$(printf '\t')
awk '
/^# expect: / { n++; k[n] = "expect"; r[n] = substr($0, 11); next }
/^# expect-not: / { n++; k[n] = "not"; r[n] = substr($0, 15); next }
/^:dump / { if (n == 0) print $2 "\tnone\t"; for (i = 1; i <= n; i++) print $2 "\t" k[i] "\t" r[i]; n = 0 }
' "$script" >"$tmp/intent"
while IFS="$tab" read -r name kind re; do
	f=$tmp/dumps/$name.screen
	case $kind in
	none) echo "intent: dump $name asserts nothing: put '# expect: ERE' before its :dump"; fail=1 ;;
	expect) grep -Eq -- "$re" "$f" 2>/dev/null || { echo "intent: dump $name does not show /$re/"; fail=1; } ;;
	not) if grep -Eq -- "$re" "$f" 2>/dev/null; then echo "intent: dump $name shows /$re/, which it must not"; fail=1; fi ;;
	esac
done <"$tmp/intent"
if [ "${UPDATE_GOLDEN:-}" = 1 ] && [ $fail -ne 0 ]; then
	echo "--- not updating $expected: the dumps do not show what the script says they are for"
	exit 1
fi
if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
	mkdir -p "$expected"
	rm -f "$expected"/*.screen "$expected"/files.list
	cp "$tmp"/dumps/* "$expected"/
	echo "updated $expected"
	exit 0
fi
for f in "$expected"/*; do
	name=$(basename "$f")
	if [ ! -f "$tmp/dumps/$name" ]; then
		echo "missing dump $name"; fail=1; continue
	fi
	diff -u "$f" "$tmp/dumps/$name" || fail=1
done
for f in "$tmp"/dumps/*; do
	[ -f "$expected/$(basename "$f")" ] || { echo "unexpected dump $(basename "$f")"; fail=1; }
done
[ $fail -eq 0 ] || { echo "--- stderr"; cat "$tmp/stderr"; }
exit $fail
