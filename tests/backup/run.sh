#!/bin/sh
# ohbrowse backup against Cloud as it is today (fakehands cloud-2026): running, paused and
# deleted sandboxes; first run, second run (nothing downloaded), a changed workspace, a run
# killed in the middle and started again, --dry-run, and a disk that fills up. TAP.
# usage: run.sh OHBROWSE FAKEHANDS ZIPCHECK SCENARIO
TAP_NAME=backup
FAKE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$(dirname "$0")/../tap.sh"
OHB=$(abs "$1")
ZIPCHECK=$(abs "$3")
SCEN=$(abs "$4")
KEY=Tk9tZXN0S2V5Rm9yT2hCcm93c2VUZXN0

idx() { $PY -c "import json,sys; I={c['id']: c for c in json.load(open('$tmp/bk/index.json'))['conversations']}; sys.exit(0 if ($1) else 1)" 2>>"$tmp/err"; }

RUN=c0000000000000000000000000000001
PAUSED=c0000000000000000000000000000002
SOON=c0000000000000000000000000000003
GONE=c0000000000000000000000000000004

start_fake a "$SCEN"
bk() { # APP dir args...
	app=$1
	shift
	OPENHANDS_API_KEY=$KEY "$OHB" --server "$app" backup "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# ---- --dry-run: a plan, nothing written, nothing woken
mark a
bk "$APP_a" -d "$tmp/bk" --dry-run
check "--dry-run: exit 0, a plan for every conversation, the directory not even created" \
	'[ $rc -eq 0 ] && [ ! -e "$tmp/bk" ] && grep -q "wake its sandbox" "$tmp/out" && grep -q "events only" "$tmp/out" && grep -q "download 6 files" "$tmp/out"'
check "--dry-run sends no write and no resume" 'log a "not any(r[\"method\"] == \"POST\" and \"/api/v1/\" in r[\"path\"] for r in $(since a))"'

# ---- first run
mark a
bk "$APP_a" -d "$tmp/bk"
check "first run: exit 0, 3 backed up and 1 events only" \
	'[ $rc -eq 0 ] && grep -q "3 backed up, 0 unchanged, 1 events only, 0 failed" "$tmp/out"'
check "closest to deletion first: the one reaped soonest, then the other paused one, then the running, then the deleted" \
	'idx "list(I) == [\"$SOON\", \"$PAUSED\", \"$RUN\", \"$GONE\"]"'
check "it said before the first wake how many would be woken and that others may pause" \
	'grep -q "2 paused sandboxes will be resumed" "$tmp/err" && grep -q "can pause your oldest running" "$tmp/err"'
for id in $RUN $PAUSED $SOON; do
	a=$($PY -c "import json; print({c['id']: c for c in json.load(open('$tmp/bk/index.json'))['conversations']}['$id']['archive'])")
	"$ZIPCHECK" "$tmp/bk/$a" >"$tmp/z" 2>>"$tmp/err"
	check "archive of ${id#c0000000000000000000000000}: complete, the workspace byte for byte, events and metadata" \
		'grep -q " README.md$" "$tmp/z" && grep -q " data/big.txt$" "$tmp/z" && grep -q " events.json$" "$tmp/z" && grep -q " conversation.md$" "$tmp/z" && grep -q " conversation_metadata.json$" "$tmp/z" && $PY -c "import zipfile,sys; sys.exit(0 if zipfile.ZipFile(\"$tmp/bk/$a\").read(\"README.md\") == b\"# Parser\\n\\nFixed.\\n\" else 1)"'
done
check "the running conversation's events are in its archive as the server sent them" \
	'$PY -c "import json,zipfile,sys; I={c[\"id\"]: c for c in json.load(open(\"$tmp/bk/index.json\"))[\"conversations\"]}; e=json.loads(zipfile.ZipFile(\"$tmp/bk/\" + I[\"$RUN\"][\"archive\"]).read(\"events.json\")); sys.exit(0 if [x[\"id\"] for x in e] == [\"e1\", \"e2\"] else 1)"'
check "the deleted sandbox got an events-only archive, marked so in the index" \
	'idx "I[\"$GONE\"][\"events_only\"] and I[\"$GONE\"][\"outcome\"] == \"events only\" and \"deleted\" in I[\"$GONE\"][\"reason\"]" && $PY -c "import zipfile,sys,json; I={c[\"id\"]: c for c in json.load(open(\"$tmp/bk/index.json\"))[\"conversations\"]}; z=zipfile.ZipFile(\"$tmp/bk/\" + I[\"$GONE\"][\"archive\"]); sys.exit(0 if sorted(z.namelist()) == [\"conversation.md\", \"conversation_metadata.json\", \"events.json\"] else 1)"'
check "the index records size, SHA-256 and the workspace fingerprint, and they are true" \
	'$PY -c "
import hashlib, json, os, sys
I = {c[\"id\"]: c for c in json.load(open(\"$tmp/bk/index.json\"))[\"conversations\"]}
for c in I.values():
    p = \"$tmp/bk/\" + c[\"archive\"]
    assert os.path.getsize(p) == c[\"size\"], c
    assert hashlib.sha256(open(p, \"rb\").read()).hexdigest() == c[\"sha256\"], c
assert I[\"$RUN\"][\"workspace_fingerprint\"] and I[\"$RUN\"][\"files\"] == 6
assert I[\"$PAUSED\"][\"status\"] == \"PAUSED\" and I[\"$PAUSED\"][\"reap_at\"] == \"2026-12-08T10:00:00Z\"
"'
check "index.md lists every conversation" '[ $(grep -c "^| .*(\`c0000000\`)" "$tmp/bk/index.md") -eq 4 ]'
check "what it woke it paused again; the running one was never paused; no resume of the running or deleted" \
	'log a "[r[\"path\"] for r in $(since a) if r[\"method\"] == \"POST\" and \"/sandboxes/\" in r[\"path\"]] == [\"/api/v1/sandboxes/sbx-cloud-3/resume\", \"/api/v1/sandboxes/sbx-cloud-3/pause\", \"/api/v1/sandboxes/sbx-cloud-2/resume\", \"/api/v1/sandboxes/sbx-cloud-2/pause\"]"'
check "no .part anywhere" '[ -z "$(find "$tmp/bk" -name "*.part")" ]'

# ---- second run: nothing downloaded
mark a
bk "$APP_a" -d "$tmp/bk"
check "second run: every conversation unchanged, exit 0" '[ $rc -eq 0 ] && grep -q "0 backed up, 4 unchanged" "$tmp/out"'
check "... and nothing was downloaded or woken (only the listing of the running one was read)" \
	'log a "not any(\"/api/file/\" in r[\"path\"] or r[\"path\"].endswith(\"/resume\") or \"/events/search\" in r[\"path\"] for r in $(since a))"'

# ---- a changed workspace: only that one again, a new archive beside the old
$PY - "$SCEN" "$tmp/changed.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["workspaces"]["ws0"]["files"]:
    if f["path"] == "README.md":
        f["text"] = "# Parser\n\nFixed, and then changed again.\n"
d["conversations"][0]["updated_at"] = "2026-11-25T11:00:00Z"
json.dump(d, open(sys.argv[2], "w"))
PY
kill $PID_a
start_fake b "$tmp/changed.json"
mark b
bk "$APP_b" -d "$tmp/bk"
check "a changed workspace: only that conversation is taken again" '[ $rc -eq 0 ] && grep -q "1 backed up, 3 unchanged" "$tmp/out"'
check "its new archive sits beside the old one, both in the index's versions, the new one has the change" \
	'idx "len(I[\"$RUN\"][\"versions\"]) == 2 and I[\"$RUN\"][\"archive\"] == I[\"$RUN\"][\"versions\"][0]" && $PY -c "import json,zipfile,sys,os; I={c[\"id\"]: c for c in json.load(open(\"$tmp/bk/index.json\"))[\"conversations\"]}; v=I[\"$RUN\"][\"versions\"]; sys.exit(0 if all(os.path.exists(\"$tmp/bk/\" + x) for x in v) and zipfile.ZipFile(\"$tmp/bk/\" + v[0]).read(\"README.md\").endswith(b\"changed again.\\n\") else 1)"'
bk "$APP_b" -d "$tmp/bk" --force --keep 2 $RUN
check "--force takes it again; --keep 2 removes the oldest once the new one is complete" \
	'[ $rc -eq 0 ] && idx "len(I[\"$RUN\"][\"versions\"]) == 2" && [ $(ls "$tmp/bk" | grep -c "^running-cloud-work") -eq 2 ]'

# ---- killed in the middle, started again
start_fake slow "$SCEN" --bandwidth 1500000
rm -rf "$tmp/bk2"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_slow" backup -d "$tmp/bk2" >"$tmp/out" 2>"$tmp/err" &
bpid=$!
i=0
while [ $i -lt 300 ] && ! grep -q "$SOON" "$tmp/bk2/index.json" 2>/dev/null; do i=$((i + 1)); sleep 0.05; done
sleep 0.3
kill -TERM $bpid
wait $bpid
rc=$?
check "SIGTERM in the middle: exit 130 or 143, no .part left, the index holds what finished" \
	'{ [ $rc -eq 130 ] || [ $rc -eq 143 ]; } && [ -z "$(find "$tmp/bk2" -name "*.part")" ] && $PY -c "import json; json.load(open(\"$tmp/bk2/index.json\"))"'
bk "$APP_a" -d "$tmp/bk2" 2>/dev/null || true
[ -n "${APP_a:-}" ] || true
bk "$APP_slow" -d "$tmp/bk2"
check "started again it completes: every conversation once, no duplicate archive, no .part" \
	'[ $rc -eq 0 ] && $PY -c "
import json, os, sys
I = json.load(open(\"$tmp/bk2/index.json\"))[\"conversations\"]
names = [f for f in os.listdir(\"$tmp/bk2\") if f.endswith(\".zip\")]
sys.exit(0 if len(I) == 4 and all(c[\"archive\"] for c in I) and len(names) == 4 else 1)
" && [ -z "$(find "$tmp/bk2" -name "*.part")" ]'

# ---- a disk that fills up
rm -rf "$tmp/bk3"
(ulimit -f 3000; trap "" XFSZ; OPENHANDS_API_KEY=$KEY exec "$OHB" --server "$APP_b" backup -d "$tmp/bk3") >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a full disk stops the run with a clear message, no .part, the index readable" \
	'[ $rc -ne 0 ] && [ $rc -ne 6 ] && grep -q "the backup stopped" "$tmp/err" && [ -z "$(find "$tmp/bk3" -name "*.part")" ] && { [ ! -e "$tmp/bk3/index.json" ] || $PY -c "import json; json.load(open(\"$tmp/bk3/index.json\"))"; }'

# ---- the 2025 generation: V0 and V1 conversations by id
start_fake g25 "$(dirname "$SCEN")/../cli/scenarios/basic.json"
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_g25" backup aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02 \
	bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03 -d "$tmp/bk25" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "2025 server: a running V0, a stopped V0 (woken through start) and a V1 conversation backed up by id" \
	'[ $rc -eq 0 ] && grep -q "3 backed up" "$tmp/out" && $PY -c "
import json, sys, zipfile
I = {c[\"id\"]: c for c in json.load(open(\"$tmp/bk25/index.json\"))[\"conversations\"]}
z = zipfile.ZipFile(\"$tmp/bk25/\" + I[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01\"][\"archive\"])
sys.exit(0 if len(I) == 3 and \"README.md\" in z.namelist() else 1)"'

tap_end
