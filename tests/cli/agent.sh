#!/bin/sh
# End-to-end tests of workspace downloads against the fake agent-server and V0 runtime (TAP):
# what a user finds in the ZIP, compared with the workspace the scenario describes.
# usage: agent.sh OHBROWSE FAKEHANDS SCENARIO_DIR
set -u
abs() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
OHB=$(abs "$1")
FAKE=$(abs "$2")
SCEN=$(abs "$3")
PY=/usr/bin/python3
KEY=Tk9tZXN0S2V5Rm9yT2hCcm93c2VUZXN0
TOKEN=ghp_FAKETOKEN0123456789

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ohb-agent.XXXXXX")
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 1" INT TERM
export HOME="$tmp/home" OHBROWSE_NOW=2026-11-25T12:00:00Z TZ=UTC LC_ALL=C.UTF-8
unset OPENHANDS_API_KEY OPENHANDS_URL
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
check() { # description, shell condition
	if eval "$2"; then ok "$1"; else not_ok "$1"; fi
}

# start_fake NAME SCENARIO: sets APP_<NAME>, leaves ports in $tmp/NAME.ports and log in $tmp/NAME.log
start_fake() {
	"$FAKE" --scenario "$2" --log "$tmp/$1.log" >"$tmp/$1.ports" 2>"$tmp/$1.stderr" &
	pids="$pids $!"
	i=0
	while ! grep -q '^ready$' "$tmp/$1.ports" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "Bail out! fakehands did not start: $(cat "$tmp/$1.stderr")"
			exit 1
		fi
		sleep 0.1
	done
	eval "APP_$1=\$(sed -n 's/^app //p' \"\$tmp/$1.ports\")"
}

start_fake agent "$SCEN/agent.json"

ohb() { # run ohbrowse against the agent scenario; stdout -> $tmp/out, stderr -> $tmp/err
	OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_agent" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
# zpy ZIP EXPR: a python condition over Z (entry name -> bytes, without the metadata),
# M (the parsed conversation_metadata.json) and RAW (every byte of the ZIP file)
zpy() {
	$PY - "$1" "$2" <<'PYEOF' 2>>"$tmp/err"
import json, sys, zipfile
zf = zipfile.ZipFile(sys.argv[1])
Z = {i.filename: zf.read(i) for i in zf.infolist() if i.filename != "conversation_metadata.json"}
M = json.loads(zf.read("conversation_metadata.json"))
RAW = open(sys.argv[1], "rb").read()
ok = eval(sys.argv[2])
if not ok:
    print("# entries:", sorted(Z), file=sys.stderr)
    print("# skipped:", M.get("skipped"), file=sys.stderr)
sys.exit(0 if ok else 1)
PYEOF
}
# no_token ZIP: the token is in no entry (stored or inflated) and nowhere in the file
no_token() { zpy "$1" "not any(b'$TOKEN' in v for v in Z.values()) and b'$TOKEN' not in RAW"; }
CREDS='[".git-credentials", ".git/FETCH_HEAD", ".git/config", ".git/config.worktree", ".git/logs/HEAD", ".git/logs/refs/heads/main", ".git/modules/sub/config"]'

V0C=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa11
V1C=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb12
mkdir -p "$tmp/dl" && cd "$tmp/dl" || exit 1

# ---- no git credentials in any archive (issue 10 item 6; openhands-api-2026.md 2.2)
ohb download $V0C -o v0zip.zip
check "V0 zip-directory: exit 0 although credential files were left out" '[ $rc -eq 0 ]'
check "V0 zip-directory: no credential file, the rest of .git kept" \
	'zpy v0zip.zip "not any(k in Z for k in $CREDS) and Z[\".git/HEAD\"] == b\"ref: refs/heads/main\\n\" and \".git/modules/sub/HEAD\" in Z and \"sub/.git\" in Z and \"config/app.ini\" in Z"'
check "V0 zip-directory: the metadata lists each as skipped, \"git credentials\"" \
	'zpy v0zip.zip "sorted(s[\"path\"] for s in M[\"skipped\"] if s[\"reason\"] == \"git credentials\") == $CREDS"'
check "V0 zip-directory: no token anywhere in the ZIP" 'no_token v0zip.zip'
check "the user is told files were left out on purpose, not that the ZIP is incomplete" \
	'grep -q "7 left out on purpose" "$tmp/err" && ! grep -q incomplete "$tmp/err"'
ohb download $V0C --no-server-archive -o v0walk.zip
check "V0 walk: exit 0, no token" '[ $rc -eq 0 ] && no_token v0walk.zip'
ohb download $V0C .git/HEAD .git/config .git/logs/HEAD -o v0sel.zip
check "V0 selected .git files: HEAD in, credentials out and listed" \
	'[ $rc -eq 0 ] && no_token v0sel.zip && zpy v0sel.zip "list(Z) == [\".git/HEAD\"] and sorted(s[\"path\"] for s in M[\"skipped\"] if s[\"reason\"] == \"git credentials\") == [\".git/config\", \".git/logs/HEAD\"]"'
ohb download $V0C .git/config -o v0one.zip
check "V0 selected .git/config alone: never downloaded, recorded as skipped" \
	'no_token v0one.zip && zpy v0one.zip "Z == {} and M[\"skipped\"] == [{\"path\": \".git/config\", \"reason\": \"git credentials\"}]"'
ohb download $V1C -o v1arc.zip
check "V1 tar.gz (use_default_excludes=false): exit 0, no credential file, no token" \
	'[ $rc -eq 0 ] && no_token v1arc.zip && zpy v1arc.zip "not any(k in Z for k in $CREDS) and \".git/HEAD\" in Z and \".git/modules/sub/HEAD\" in Z"'
ohb download $V1C .git/modules/sub/HEAD .git/modules/sub/config .git-credentials -o v1sel.zip
check "V1 selected files: a submodule's config and .git-credentials out, listed" \
	'[ $rc -eq 0 ] && no_token v1sel.zip && zpy v1sel.zip "list(Z) == [\".git/modules/sub/HEAD\"] and len(M[\"skipped\"]) == 2"'
check "no .part file survives any of the above" '[ -z "$(ls *.part 2>/dev/null)" ]'
cd "$tmp" || exit 1

echo "1..$n"
exit $failed
