#!/bin/sh
# Hostile servers, hostile files and keys (issue 13's items 4, 8, 11-14, 18-20): what
# ohbrowse does when a server loops, lies about its cursor, answers 4xx, sends a session key
# with a line break, or when the key file is a FIFO or someone else's. TAP.
# usage: run.sh OHBROWSE FAKEHANDS SCENARIO
TAP_NAME=hostile
FAKE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$(dirname "$0")/../tap.sh"
OHB=$(abs "$1")
SCEN=$(abs "$3")
KEY=Tk9tZXN0S2V5Rm9yT2hCcm93c2VUZXN0

RUN=c0000000000000000000000000000001

# A server whose list cursor never moves, whose events cursor never moves, that answers the
# batch get with 418, and whose running conversation's session key holds CR/LF.
$PY - "$SCEN" "$tmp/h.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["conversations"][0]["session_api_key"] = "sess\r\nX-Injected: yes"
page = json.dumps({"items": [], "next_page_id": "same"})
d["faults"] = [
    {"server": "app", "route": "v1-search", "body": json.dumps({"items": [], "next_page_id": "same"}), "status": 200,
     "content_type": "application/json"},
    {"server": "app", "route": "v1-conv-events", "conversation": "c0000000000000000000000000000002",
     "status": 200, "content_type": "application/json",
     "body": json.dumps({"items": [{"id": "x1", "kind": "PauseEvent", "source": "user", "timestamp": "2026-11-25T09:00:00"}], "next_page_id": "same"})},
    {"server": "app", "route": "keys-current", "status": 418,
     "content_type": "application/json", "body": "{\"detail\": \"I'm a teapot\"}"},
]
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake h "$tmp/h.json"
ohb() { OPENHANDS_API_KEY=$KEY timeout 60 "$OHB" --server "$APP_h" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }

ohb list
check "a list cursor that never moves: stops with a message (exit 5 or 6), not forever" \
	'{ [ $rc -eq 5 ] || [ $rc -eq 6 ]; } && grep -q "same next-page id twice" "$tmp/err"'
ohb events c0000000000000000000000000000002
check "an events cursor that never moves: stops with a message" \
	'[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "same next-page id twice" "$tmp/err"'
ohb whoami
check "a 4xx answer never says 'try again later'" '[ $rc -eq 5 ] && grep -q "HTTP 418" "$tmp/err" && ! grep -q "try again later" "$tmp/err"'
ohb files $RUN
check "a session key with CR/LF from the server is refused, never sent" \
	'[ $rc -ne 0 ] && grep -q "cannot go into an HTTP header" "$tmp/err" && ! grep -qi "x-injected" "$tmp/h.log"'
OPENHANDS_API_KEY="$(printf 'abc\r\nX-Injected: 1')" "$OHB" --server "$APP_h" list >"$tmp/out" 2>"$tmp/err"
rc=$?
check "an account key with CR/LF: usage error before anything is sent" \
	'[ $rc -eq 2 ] && grep -q "cannot go into an HTTP header" "$tmp/err" && ! grep -qi "x-injected" "$tmp/h.log"'

# ---- a listing that names a path with ".." (issue 13, item 16): never sent back
$PY - "$SCEN" "$tmp/dots.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["workspaces"]["ws0"]["files"].append({"path": "sub/../../escape.txt", "text": "outside\n"})
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake dots "$tmp/dots.json"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_dots" download $RUN --no-server-archive -o "$tmp/dots.zip" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a listed path with '..' is never fetched: skipped with its reason, the rest of the ZIP complete" \
	'[ $rc -eq 0 ] && $PY -c "
import json, sys, zipfile
z = zipfile.ZipFile(\"$tmp/dots.zip\")
m = json.loads(z.read(\"conversation_metadata.json\"))
sk = {s[\"path\"]: s[\"reason\"] for s in m[\"skipped\"]}
sys.exit(0 if \"outside the workspace\" in sk.get(\"sub/../../escape.txt\", \"\") and \"README.md\" in z.namelist() else 1)
" && ! grep -q "escape" "$tmp/dots.log"'

# ---- hard links in the tar.gz (issue 13, item 2): the second name is not lost
$PY - "$SCEN" "$tmp/hard.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["workspaces"]["ws0"]["files"].append({"path": "src/same.c", "text": "int main(void) { return 0; }\n",
                                         "hardlink": "src/main.c"})
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake hard "$tmp/hard.json"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_hard" download $RUN -o "$tmp/hard.zip" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a tar.gz hard link (LNKTYPE) arrives in the ZIP with its content, fetched by its name after the archive" \
	'[ $rc -eq 0 ] && $PY -c "
import sys, zipfile
z = zipfile.ZipFile(\"$tmp/hard.zip\")
sys.exit(0 if z.read(\"src/same.c\") == z.read(\"src/main.c\") == b\"int main(void) { return 0; }\\n\" else 1)
" && grep -q "/api/file/archive" "$tmp/hard.log"'

# ---- -o - (issue 13, item 21): the ZIP on standard output, as a stream
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_hard" download $RUN -o - >"$tmp/stdout.zip" 2>"$tmp/err" | cat
rc=$?
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_hard" download $RUN -o - 2>"$tmp/err2" | cat >"$tmp/piped.zip"
check "download -o - writes the ZIP to standard output (a file or a pipe), no file named '-'" \
	'[ $rc -eq 0 ] && [ ! -e ./- ] && $PY -c "
import sys, zipfile
for p in (\"$tmp/stdout.zip\", \"$tmp/piped.zip\"):
    z = zipfile.ZipFile(p)
    assert z.testzip() is None and z.read(\"README.md\") == b\"# Parser\\n\\nFixed.\\n\"
" && grep -q "standard output" "$tmp/err"'

# ---- a V0 file that is not UTF-8 (issue 13, item 3): select-file cannot send it, zip-directory can
$PY - "$(dirname "$SCEN")/../cli/scenarios/basic.json" "$tmp/latin.json" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1]))
d["workspaces"]["ws0"]["files"].append({"path": "notes/latin1.txt", "base64": base64.b64encode(b"caf\xe9 cr\xe8me\n").decode()})
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake latin "$tmp/latin.json"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_latin" download aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 --no-server-archive \
	-o "$tmp/latin.zip" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a V0 file select-file cannot decode as UTF-8 is taken from zip-directory, byte for byte (exit 0)" \
	'[ $rc -eq 0 ] && $PY -c "
import sys, zipfile
sys.exit(0 if zipfile.ZipFile(\"$tmp/latin.zip\").read(\"notes/latin1.txt\") == b\"caf\\xe9 cr\\xe8me\\n\" else 1)"'

# ---- a V0 zip-directory that keeps failing (issue 13, item 1): the walk's listing is not the whole
$PY - "$tmp/latin.json" "$tmp/zipfail.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["faults"] = [{"server": "runtime", "route": "zip-directory", "status": 500,
                "body": "{\"error\": \"Failed to zip workspace\"}", "content_type": "application/json"}]
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake zipfail "$tmp/zipfail.json"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_zipfail" download aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 \
	-o "$tmp/zipfail.zip" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "after the V0 archive failed (retried), the walk's ZIP says what it cannot see: exit 6, a warning, noted inside" \
	'[ $rc -eq 6 ] && grep -q "cannot see files .gitignore hides" "$tmp/err" && [ $(grep -c "/zip-directory" "$tmp/zipfail.log") -ge 2 ] && $PY -c "
import json, sys, zipfile
m = json.loads(zipfile.ZipFile(\"$tmp/zipfail.zip\").read(\"conversation_metadata.json\"))
sys.exit(0 if \"gitignore\" in m.get(\"incomplete\", \"\") else 1)"'

# ---- an archive bomb (issue 13, item 9): a tar.gz that holds far more than the listing says
$PY - "$SCEN" "$tmp/bomb.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["workspaces"]["ws0"]["files"].append({"path": "bomb.bin", "text": "small\n", "archive_size": 30000000})
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake bomb "$tmp/bomb.json"
OHBROWSE_BOMB_SLACK=1000000 OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_bomb" download $RUN -o "$tmp/bomb.zip" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
check "a tar.gz expanding past twice what the listing announced stops being read: a clear message, the files taken one by one" \
	'[ $rc -eq 6 ] && grep -q "expands to more than twice what the listing announced" "$tmp/err" && $PY -c "
import sys, zipfile
z = zipfile.ZipFile(\"$tmp/bomb.zip\")
sys.exit(0 if z.read(\"README.md\") == b\"# Parser\\n\\nFixed.\\n\" and z.getinfo(\"data/big.txt\").file_size == 3000000 else 1)"'

# ---- Ctrl-C after one of two ops completed (issue 12: a freed op was cancelled; ASan in CI)
$PY - "$tmp/latin.json" "$tmp/slowlist.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["faults"] = [{"server": "runtime", "route": "list-files", "latency_ms": 4000}]
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake slowlist "$tmp/slowlist.json"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_slowlist" files aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 >"$tmp/out" 2>"$tmp/err" &
fpid=$!
i=0
while [ $i -lt 200 ] && ! grep -q '/git/changes' "$tmp/slowlist.log" 2>/dev/null; do i=$((i + 1)); sleep 0.05; done
sleep 0.2
kill -INT $fpid
wait $fpid
rc=$?
check "Ctrl-C while the listing runs and the changes already answered: exit 130, 'interrupted', no crash" \
	'[ $rc -eq 130 ] && grep -q "interrupted" "$tmp/err" && ! grep -q "Sanitizer" "$tmp/err"'

# ---- slowloris (issue 13, item 7): a byte now and then is not a download
$PY - "$SCEN" "$tmp/slow.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["faults"] = [{"server": "agent", "route": "file-download", "bandwidth": 200}]
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake slow "$tmp/slow.json"
t0=$(date +%s)
OHBROWSE_STALL_S=2 OPENHANDS_API_KEY=$KEY timeout 60 "$OHB" --server "$APP_slow" --retries 1 download $RUN data/big.txt \
	-o "$tmp/slow.zip" >"$tmp/out" 2>"$tmp/err"
rc=$?
t1=$(date +%s)
check "a server sending 200 bytes/s is a stall (under 1 KiB/s for the stall time), not a download that never ends" \
	'[ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $((t1 - t0)) -lt 30 ] && grep -qi "stalled\|too slow" "$tmp/err"'

# ---- loopback means loopback
OPENHANDS_API_KEY=$KEY "$OHB" --server http://127.attacker.invalid list >"$tmp/out" 2>"$tmp/err"
rc=$?
check "http://127.attacker.invalid is a name, not the loopback: the key is refused over plain http" \
	'[ $rc -eq 2 ] && grep -q -- "--allow-http" "$tmp/err"'
OPENHANDS_API_KEY=$KEY "$OHB" --server http://127.0.0.1.invalid list >"$tmp/out" 2>"$tmp/err"
rc=$?
check "... so is http://127.0.0.1.invalid" '[ $rc -eq 2 ] && grep -q -- "--allow-http" "$tmp/err"'
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_h" events $RUN >"$tmp/out" 2>"$tmp/err"
rc=$?
check "and 127.0.0.1 itself still is" '[ $rc -eq 0 ]'

# ---- key files
mkfifo "$tmp/fifo"
timeout 10 "$OHB" --server "$APP_h" --api-key-file "$tmp/fifo" list >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a FIFO as the key file: refused at once (no hang), exit 3" '[ $rc -eq 3 ] && grep -q "not a regular file" "$tmp/err"'
printf '%s\n' "$KEY" >"$tmp/other"
chmod 600 "$tmp/other"
if [ "$(id -u)" = 0 ] && chown 65534 "$tmp/other" 2>/dev/null; then
	"$OHB" --server "$APP_h" --api-key-file "$tmp/other" list >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "a key file owned by another user is refused, exit 3" '[ $rc -eq 3 ] && grep -q "belongs to another user" "$tmp/err"'
else
	skip "a key file owned by another user is refused" "needs root to give a file away"
fi

# ---- proxies: the user's NO_PROXY is kept, loopback always goes direct
http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=example.invalid OPENHANDS_API_KEY=$KEY \
	"$OHB" --server "$APP_h" events $RUN >"$tmp/out" 2>"$tmp/err"
rc=$?
check "with a proxy set and NO_PROXY naming another host, the loopback server is still reached directly" '[ $rc -eq 0 ]'

tap_end
