#!/bin/sh
# tests/fakehands/test_cli.sh: the fakehands executable's stdout protocol and exit rules.
# Owns: checking "app URL" / "runtime|agent ID URL" / "ready" lines, unique ports,
# exit on stdin EOF with --exit-with-stdin, exit on SIGTERM, and errors for bad input.
set -u
exe=$1
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/err" ] && cat "$tmp/err"; exit 1; }

wait_ready() { # file
	i=0
	while ! grep -qx ready "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 200 ] && fail "no 'ready' line in $1"
		sleep 0.05
	done
}

wait_exit() { # pid, tenths of a second
	i=0
	while kill -0 "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt "$2" ] && fail "process $1 did not exit"
		sleep 0.1
	done
}

# 1. --demo with --exit-with-stdin: the protocol, then exit when the parent's pipe closes
mkfifo "$tmp/in"
"$exe" --demo --exit-with-stdin --log "$tmp/log" <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
pid=$!
exec 3>"$tmp/in"
wait_ready "$tmp/out"
grep -Eq '^app http://127\.0\.0\.1:[0-9]+$' "$tmp/out" || fail "no app line"
[ "$(head -n 1 "$tmp/out" | cut -d' ' -f1)" = app ] || fail "app line is not first"
[ "$(tail -n 1 "$tmp/out")" = ready ] || fail "ready is not last"
n=$(grep -Ec '^(runtime|agent) [0-9a-f]{32} http://127\.0\.0\.1:[0-9]+$' "$tmp/out")
[ "$n" -eq 40 ] || fail "expected 40 runtime/agent lines, got $n"
lines=$(wc -l <"$tmp/out")
[ "$lines" -eq 42 ] || fail "unexpected extra lines ($lines)"
ports=$(grep -Eo ':[0-9]+$' "$tmp/out" | sort | uniq -d)
[ -z "$ports" ] || fail "ports reused: $ports"
exec 3>&-
wait_exit "$pid" 50
wait "$pid" || fail "non-zero exit after stdin EOF"
pid=

# 2. a scenario file; SIGTERM ends it with status 0
cat >"$tmp/s.json" <<'JSON'
{"conversations": [{"id": "0123456789abcdef0123456789abcdef", "version": "V1", "status": "STOPPED"},
                   {"id": "fedcba9876543210fedcba9876543210", "status": "RUNNING", "runtime": false}],
 "generate": {"count": 500}}
JSON
"$exe" --scenario "$tmp/s.json" >"$tmp/out2" 2>"$tmp/err" &
pid=$!
wait_ready "$tmp/out2"
grep -qx 'agent 0123456789abcdef0123456789abcdef http://127.0.0.1:[0-9]*' "$tmp/out2" || fail "no agent line"
[ "$(wc -l <"$tmp/out2")" -eq 3 ] || fail "generated conversations must not get ports"
kill -TERM "$pid"
wait_exit "$pid" 30
wait "$pid" || fail "non-zero exit after SIGTERM"
pid=

# 3. errors
echo '{"conversations": [{"id": "nothex"}]}' >"$tmp/bad.json"
"$exe" --scenario "$tmp/bad.json" >/dev/null 2>"$tmp/err" && fail "bad scenario accepted"
grep -q 'id must be 32 lowercase hex' "$tmp/err" || fail "no message for a bad scenario"
"$exe" --bogus >/dev/null 2>&1 && fail "bad option accepted"
echo "ok"
exit 0
