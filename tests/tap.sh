# tests/tap.sh: the harness the end-to-end shell suites share (sourced, POSIX sh): TAP
# output, a private HOME and temp dir removed on exit, fake servers started and stopped,
# and the request-log helpers. The caller sets FAKE (the fakehands binary) and TAP_NAME.
#   ok/not_ok/check/skip  one TAP line each; not_ok shows the last command's stderr
#   start_fake NAME SCENARIO [fakehands options]: APP_<NAME>, PID_<NAME>; ports and log in
#                         $tmp/NAME.ports and $tmp/NAME.log
#   log NAME EXPR         a python expression over R, the request log (a list of dicts)
#   mark NAME / since NAME  the requests after the mark: $(since NAME) inside a log EXPR
#   json EXPR             a python expression over J, the JSON in $tmp/out
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
PY=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ohb-${TAP_NAME:-test}.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 1" INT TERM
export HOME="$tmp/home" OHBROWSE_NOW=2026-11-25T12:00:00Z TZ=UTC LC_ALL=C.UTF-8
unset OPENHANDS_API_KEY OPENHANDS_URL OPENHANDS_ORG_ID OHBROWSE_BACKUP_DIR
mkdir -p "$HOME"

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1))
	failed=1
	echo "not ok $n - $1"
	[ -f "$tmp/err" ] && sed 's/^/# stderr: /' "$tmp/err" | head -20
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { if eval "$2"; then ok "$1"; else not_ok "$1"; fi; }
tap_end() {
	echo "1..$n"
	exit $failed
}

start_fake() { # NAME SCENARIO [fakehands options]
	_name=$1 _scen=$2
	shift 2
	"$FAKE" --scenario "$_scen" --log "$tmp/$_name.log" "$@" >"$tmp/$_name.ports" 2>"$tmp/$_name.stderr" &
	_pid=$!
	pids="$pids $_pid"
	eval "PID_$_name=$_pid"
	_i=0
	while ! grep -q '^ready$' "$tmp/$_name.ports" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ]; then
			echo "Bail out! fakehands did not start: $(cat "$tmp/$_name.stderr")"
			exit 1
		fi
		sleep 0.1
	done
	eval "APP_$_name=\$(sed -n 's/^app //p' \"\$tmp/$_name.ports\")"
}
port_of() { sed -n "s/^[a-z]* $2 //p" "$tmp/$1.ports"; }
log() { $PY -c "import json,sys; R=[json.loads(l) for l in open('$tmp/$1.log')]; sys.exit(0 if ($2) else 1)" 2>>"$tmp/err"; }
mark() { wc -l <"$tmp/$1.log" | tr -d ' ' >"$tmp/$1.mark"; }
since() { echo "R[$(cat "$tmp/$1.mark"):]"; }
json() { $PY -c "import json,sys; J=json.load(open('$tmp/out')); sys.exit(0 if ($1) else 1)" 2>>"$tmp/err"; }
