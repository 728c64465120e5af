#!/bin/sh
# Cloud as it is today (openhands-api-2026.md §1, §3): the CLI against the fake's cloud-2026
# generation (no V0 routes, events at /api/v1/conversation/{id}/events/search, paused
# sandboxes without URL or key, keys that rotate on resume, MISSING sandboxes, orgs), and the
# same commands on the 2025 generation and on a V0-only server. TAP.
# usage: run.sh OHBROWSE FAKEHANDS ZIPCHECK DIR
TAP_NAME=cloud
FAKE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$(dirname "$0")/../tap.sh"
OHB=$(abs "$1")
ZIPCHECK=$(abs "$3")
DIR=$(abs "$4")
KEY=Tk9tZXN0S2V5Rm9yT2hCcm93c2VUZXN0

start_fake c26 "$DIR/cloud2026.json"
ohb() { # the cloud-2026 server, with the key
	OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_c26" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
RUN=c0000000000000000000000000000001
PAUSED=c0000000000000000000000000000002
SOON=c0000000000000000000000000000003
GONE=c0000000000000000000000000000004

# ---- list
mark c26
ohb list --json
check "cloud-2026 list: exit 0, every conversation" '[ $rc -eq 0 ] && json "len(J) == 4"'
check "statuses in the sandbox's own words (RUNNING, PAUSED, MISSING), never V0's STOPPED/ARCHIVED" \
	'json "[c[\"status\"] for c in J] == [\"RUNNING\", \"PAUSED\", \"PAUSED\", \"MISSING\"]"'
check "reap_at for PAUSED is updated_at + 14 days, null otherwise" \
	'json "J[1][\"reap_at\"] == \"2026-12-08T10:00:00Z\" and J[0][\"reap_at\"] is None and J[3][\"reap_at\"] is None"'
ohb --retention-days 7 list --json
check "--retention-days moves the reap date" 'json "J[1][\"reap_at\"] == \"2026-12-01T10:00:00Z\""'
ohb list
check "the table says deleted and when a paused sandbox will go" \
	'grep -q "deleted .*Deleted long ago" "$tmp/out" && grep -q "PAUSED .*in 1 d .*Reaped soon" "$tmp/out" && grep -q "in 12 d" "$tmp/out"'
check "the V1 search never asks for more than 100 rows" \
	'log c26 "all(\"limit=\" not in r[\"query\"] or int(r[\"query\"].split(\"limit=\")[1].split(\"&\")[0]) <= 100 for r in $(since c26) if r[\"path\"].startswith(\"/api/v1/\"))"'

# ---- one conversation: files, changes, download
mark c26
ohb files $RUN --changed --json
check "files --changed on a server without V0: exit 0, the changes" \
	'[ $rc -eq 0 ] && json "sorted(f[\"path\"] for f in J) == [\"README.md\", \"old.txt\", \"src/new.c\"]"'
check "the lookup went to the V1 batch get, never to /api/conversations/{id}" \
	'log c26 "any(r[\"path\"] == \"/api/v1/app-conversations\" and \"ids=$RUN\" in r[\"query\"] for r in $(since c26)) and not any(r[\"server\"] == \"app\" and r[\"path\"].startswith(\"/api/conversations/\") for r in $(since c26))"'
mkdir -p "$tmp/dl" && cd "$tmp/dl" || exit 1
ohb download $RUN -o whole.zip
"$ZIPCHECK" whole.zip >"$tmp/z1" 2>>"$tmp/err"
check "download of a running cloud conversation: exit 0, the workspace in the ZIP" \
	'[ $rc -eq 0 ] && grep -q " README.md$" "$tmp/z1" && grep -q " data/big.txt$" "$tmp/z1"'
check "README.md in the ZIP byte for byte as the workspace holds it" \
	'$PY -c "import zipfile,sys; sys.exit(0 if zipfile.ZipFile(\"whole.zip\").read(\"README.md\") == b\"# Parser\\n\\nFixed.\\n\" else 1)"'
ohb download $RUN src/new.c -o sel.zip
check "a selected download holds that file only (and the metadata)" \
	'[ $rc -eq 0 ] && $PY -c "import zipfile,sys; n=zipfile.ZipFile(\"sel.zip\").namelist(); sys.exit(0 if sorted(n) == [\"conversation_metadata.json\", \"src/new.c\"] else 1)"'

# ---- paused and deleted
ohb files $PAUSED
check "a paused sandbox without --wake: exit 5, says to add --wake" '[ $rc -eq 5 ] && grep -q -- "--wake" "$tmp/err"'
ohb files $GONE
check "a deleted (MISSING) sandbox: exit 4, its files are gone, its events remain" \
	'[ $rc -eq 4 ] && grep -q "the sandbox was deleted: its files are gone; its events remain (ohbrowse events $GONE)" "$tmp/err"'
ohb download $GONE --wake -o gone.zip
check "download --wake of a deleted sandbox: exit 4, nothing resumed, no file" \
	'[ $rc -eq 4 ] && [ ! -e gone.zip ] && [ ! -e gone.zip.part ] && ! grep -q "/resume" "$tmp/c26.log"'

mark c26
ohb events $PAUSED --json
check "events of a paused sandbox come from the app server" \
	'[ $rc -eq 0 ] && json "[e[\"summary\"] for e in J] == [\"Paused work\"]"'
check "... through /api/v1/conversation/{id}/events/search with sort_order=TIMESTAMP and limit <= 100" \
	'log c26 "[r[\"path\"] for r in $(since c26) if \"events\" in r[\"path\"]] == [\"/api/v1/conversation/$PAUSED/events/search\"] and all(\"sort_order=TIMESTAMP\" in r[\"query\"] and \"limit=100\" in r[\"query\"] for r in $(since c26) if \"events\" in r[\"path\"])"'
ohb events $GONE --json
check "events of a deleted sandbox still work; ConversationErrorEvent is an error" \
	'[ $rc -eq 0 ] && json "len(J) == 2 and J[1][\"kind\"] == \"error\" and \"budget exceeded\" in J[1][\"summary\"]"'

# ---- the server's export
ohb export $GONE --format trajectory
check "export --format trajectory of a deleted sandbox: the server's ZIP under its own name" \
	'[ $rc -eq 0 ] && $PY -c "import zipfile,sys,json; z=zipfile.ZipFile(\"conversation_c0000000-0000-0000-0000-000000000004.zip\"); n=z.namelist(); m=json.loads(z.read(\"meta.json\")); sys.exit(0 if n[0] == \"meta.json\" and len(n) == 3 and n[1].startswith(\"event_000000_\") and m[\"id\"] == \"$GONE\" else 1)"'
ohb export $GONE --format trajectory
check "export never writes over an existing file (exit 2, the file untouched)" \
	'[ $rc -eq 2 ] && grep -q "never writes over" "$tmp/err" && [ ! -e conversation_c0000000-0000-0000-0000-000000000004.zip.part ]'

# ---- wake with the key rotating under it, then pause again
mark c26
ohb download $PAUSED --wake -o woke.zip
check "download --wake of a paused sandbox: exit 0, the ZIP is complete" \
	'[ $rc -eq 0 ] && $PY -c "import zipfile,sys; z=zipfile.ZipFile(\"woke.zip\"); sys.exit(0 if z.read(\"README.md\") == b\"# Parser\\n\\nFixed.\\n\" else 1)"'
check "it says a resume can pause other sandboxes" 'grep -q "can pause your oldest running ones" "$tmp/err"'
check "resume, then /ready until 200, then the archive" \
	'log c26 "[r[\"path\"] for r in $(since c26) if r[\"path\"] in (\"/api/v1/sandboxes/sbx-cloud-2/resume\", \"/ready\", \"/api/file/archive\")][0] == \"/api/v1/sandboxes/sbx-cloud-2/resume\" and any(r[\"path\"] == \"/ready\" and r[\"status\"] == 503 for r in $(since c26)) and any(r[\"path\"] == \"/ready\" and r[\"status\"] == 200 for r in $(since c26))"'
check "the agent-server got the key minted by the resume, never the one from before it" \
	'log c26 "all(r[\"headers\"].get(\"x-session-api-key\", \"\").startswith(\"fh-rotated-\") for r in $(since c26) if r[\"server\"].startswith(\"agent:\") and r[\"path\"].startswith(\"/api/\")) and not any(\"sess-paused-0002\" in json.dumps(r) for r in $(since c26))"'
check "... and the sandbox was paused again afterwards" \
	'log c26 "$(since c26)[-1][\"path\"] == \"/api/v1/sandboxes/sbx-cloud-2/pause\"" && grep -q "paused the sandbox" "$tmp/err"'
mark c26
ohb --keep-awake files $PAUSED --wake
check "--keep-awake leaves it running (no pause request)" \
	'[ $rc -eq 0 ] && ! log c26 "any(r[\"path\"].endswith(\"/pause\") for r in $(since c26))" && grep -q "stays running" "$tmp/err"'
cd "$tmp" || exit 1

# ---- the key rotates under a running command: re-read on the agent-server's 401
$PY - "$DIR/cloud2026.json" "$tmp/rot.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["conversations"][0]["wake_delay_ms"] = 0
# the archive request waits 3 s before it is answered (and its key checked): time for someone
# else to pause and resume the sandbox, which mints a new key (openhands-api-2026.md §1.5)
d["faults"] = [{"server": "agent", "route": "file-archive", "nth": 1, "latency_ms": 3000}]
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake rot "$tmp/rot.json"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_rot" download $RUN -o "$tmp/rot.zip" >"$tmp/out" 2>"$tmp/err" &
dpid=$!
i=0
while [ $i -lt 100 ] && ! grep -q '"path":"/api/v1/app-conversations","query":"ids=' "$tmp/rot.log"; do i=$((i + 1)); sleep 0.05; done
sleep 0.3
$PY - "$APP_rot" "$KEY" <<'PY'
import sys, urllib.request
app, key = sys.argv[1], sys.argv[2]
for what in ("pause", "resume"):
    req = urllib.request.Request(app + "/api/v1/sandboxes/sbx-cloud-1/" + what, data=b"{}", method="POST",
                                 headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    urllib.request.urlopen(req).read()
PY
wait $dpid
rc=$?
check "the key rotated while the archive was asked for: 401, the conversation read again, the archive with the new key" \
	'[ $rc -eq 0 ] && $PY -c "import zipfile,sys; sys.exit(0 if zipfile.ZipFile(\"$tmp/rot.zip\").read(\"README.md\") == b\"# Parser\\n\\nFixed.\\n\" else 1)" && log rot "[(r[\"status\"], r[\"headers\"].get(\"x-session-api-key\", \"\").startswith(\"fh-rotated-\")) for r in R if r[\"path\"] == \"/api/file/archive\"] == [(401, False), (200, True)]"'

# ---- the workspace root comes from the agent-server (a grouped sandbox, openhands-api-2026.md §2.6)
$PY - "$DIR/cloud2026.json" "$tmp/grouped.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["workspaces"]["ws0"]["root"] = "/home/openhands/workspace/c0000000000000000000000000000001"
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake grp "$tmp/grouped.json"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_grp" download $RUN -o "$tmp/grp.zip" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a sandbox whose working_dir is not /workspace/project: found from the agent-server, the ZIP complete" \
	'[ $rc -eq 0 ] && $PY -c "import zipfile,sys; z=zipfile.ZipFile(\"$tmp/grp.zip\"); sys.exit(0 if z.read(\"README.md\") == b\"# Parser\\n\\nFixed.\\n\" and \"data/big.txt\" in z.namelist() else 1)"'
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_grp" --workspace-root /workspace/project files $RUN >"$tmp/out" 2>"$tmp/err"
rc=$?
check "... while an explicit --workspace-root wins (and, wrong here, says the root is not there: exit 4)" '[ $rc -eq 4 ]'

# ---- the key and orgs
ohb whoami --json
check "whoami --json: what /api/keys/current says" \
	'[ $rc -eq 0 ] && json "J[\"name\"] == \"fakehands key\" and J[\"org_id\"] == \"9b1f4c2e-5a6d-4e7f-8a9b-0c1d2e3f4a5b\" and J[\"bound_org_id\"] is None"'
mark c26
ohb --org 0d3a5f6e-1b2c-4d5e-9f80-a1b2c3d4e5f6 whoami
check "--org: the effective org changes" '[ $rc -eq 0 ] && grep -q "0d3a5f6e-1b2c-4d5e-9f80-a1b2c3d4e5f6" "$tmp/out"'
OPENHANDS_ORG_ID=0d3a5f6e-1b2c-4d5e-9f80-a1b2c3d4e5f6 OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_c26" files $RUN >"$tmp/out" 2>"$tmp/err"
rc=$?
check "OPENHANDS_ORG_ID: X-Org-Id reaches the app server, never an agent-server" \
	'[ $rc -eq 0 ] && log c26 "any(r[\"headers\"].get(\"x-org-id\") for r in $(since c26) if r[\"server\"] == \"app\") and not any(\"x-org-id\" in r[\"headers\"] for r in $(since c26) if r[\"server\"] != \"app\")"'
ohb --org 1d3a5f6e-1b2c-4d5e-9f80-a1b2c3d4e5f6 list
check "an org the user is not in: exit 3, the message names --org" '[ $rc -eq 3 ] && grep -q "refused the organization" "$tmp/err" && grep -q -- "--org" "$tmp/err"'
echo '{"app": {"generation": "cloud-2026", "api_key": "'$KEY'", "key_cookie": true}, "conversations": []}' >"$tmp/cookie.json"
start_fake cookie "$tmp/cookie.json"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_cookie" whoami >"$tmp/out" 2>"$tmp/err"
rc=$?
check "whoami answered 400 (not an API key): explained, exit 2, no 'try again later'" \
	'[ $rc -eq 2 ] && grep -q "not authenticated by an API key" "$tmp/err" && ! grep -q "try again later" "$tmp/err"'

# ---- the 2025 generation and a V0-only server: the same commands still work
start_fake g25 "$DIR/../cli/scenarios/basic.json"
g25() { OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_g25" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
mark g25
g25 events bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03 --json
check "2025 server: V1 events found through /api/v1/events/search after the 2026 route answered HTML" \
	'[ $rc -eq 0 ] && log g25 "[r[\"path\"] for r in $(since g25) if \"events\" in r[\"path\"]][:2] == [\"/api/v1/conversation/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03/events/search\", \"/api/v1/events/search\"]"'
g25 files aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 --changed --json
check "2025 server: a V0 conversation is found through /api/conversations/{id} after the V1 batch said null" \
	'[ $rc -eq 0 ] && json "sorted(f[\"path\"] for f in J) == [\"README.md\", \"old.txt\", \"src/new.c\"]"'
g25 whoami
check "2025 server: whoami says the server cannot tell (no /api/keys/current)" '[ $rc -ne 0 ] && grep -q "has no /api/keys/current" "$tmp/err"'
$PY - "$DIR/../cli/scenarios/basic.json" "$tmp/v0only.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["app"]["v1"] = False
json.dump(d, open(sys.argv[2], "w"))
PY
start_fake v0 "$tmp/v0only.json"
v0() { OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_v0" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
v0 files aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 --json
check "V0-only server: files of a V0 conversation (the V1 batch answered HTML)" \
	'[ $rc -eq 0 ] && json "any(f[\"path\"] == \"README.md\" for f in J)"'
v0 list --json
check "V0-only server: list" '[ $rc -eq 0 ] && json "len(J) > 0 and all(c[\"version\"] == \"V0\" for c in J)"'

tap_end
