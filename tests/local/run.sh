#!/bin/sh
# Local conversations and events end to end (TAP): persistence directories generated here in
# every supported format (gen.py), and events from the fake server (scenario.py).
# usage: run.sh OHBROWSE FAKEHANDS SRCDIR
TAP_NAME=local
FAKE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$(dirname "$0")/../tap.sh"
OHB=$(abs "$1")
SRC=$(abs "$3")
KEY=Tk9tZXN0S2V5Rm9yT2hCcm93c2VUZXN0
BIG=${OHB_LOCAL_BIG:-100000}
unset OPENHANDS_CONVERSATIONS_DIR OPENHANDS_PERSISTENCE_DIR

py() { # python over E (expected.json), J (parsed $tmp/out when JSON), O (raw $tmp/out)
	$PY - "$@" 2>>"$tmp/err" <<PYEOF
import json, sys
E = json.load(open("$P/expected.json")) if "$P" else {}
O = open("$tmp/out", encoding="utf-8", errors="replace").read()
try:
    J = json.loads(O)
except Exception:
    J = None
sys.exit(0 if ($PYX) else 1)
PYEOF
}
t() { PYX=$1 py; }

P="$tmp/p"
start=$(date +%s)
$PY "$SRC/gen.py" "$P" --big "$BIG" || { echo "Bail out! gen.py failed"; exit 1; }
echo "# generated the persistence dirs ($BIG events in the big one) in $(($(date +%s) - start)) s"
C="$P/conversations"
A=a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1
B=b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2
CC=c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3
S=d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4
E=e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5
WS="$P/workspace"
have_git=false
if command -v git >/dev/null 2>&1; then
	(cd "$P/workspace" && git init -q && git add README.md .gitignore &&
		git -c user.email=t@t -c user.name=t commit -qm init && echo more >>README.md) && have_git=true
fi
# the state of the persistence directory: nothing may change it
snap() { (cd "$C/.." && find conversations sessions -printf '%p %s %T@ %m\n' | sort && cat conversations/*/base_state.json | cksum); }
snap >"$tmp/before"

ohb() { "$OHB" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }

# ---- list
ohb --local "$C" list --json
check "--local DIR list --json exits 0" '[ $rc -eq 0 ]'
check "every format is listed: SDK, old agent_status, corrupt files, V0 file store, the big one" \
	't "sorted(c[\"id\"] for c in J) == sorted(E)"'
check "titles come from the first user message (or V0 metadata)" \
	't "all(c[\"title\"] == E[c[\"id\"]][\"title\"] for c in J)"'
check "status from execution_status / agent_status; versions V1 and V0" \
	't "all(c[\"status\"] == E[c[\"id\"]][\"status\"] for c in J) and [c[\"version\"] for c in J if c[\"id\"] == \"$S\"] == [\"V0\"]"'
check "dates come from the events" \
	't "[c[\"created_at\"] for c in J if c[\"id\"] == \"$A\"] == [\"2026-01-28T14:00:00.804395\"] and [c[\"updated_at\"] for c in J if c[\"id\"] == \"$A\"] == [\"2026-01-28T14:00:08.804395\"]"'
ohb --local="$C" list
check "--local=DIR list prints a table" '[ $rc -eq 0 ] && grep -q "Fix the build" "$tmp/out" && grep -q "V0 stored conversation" "$tmp/out"'
OPENHANDS_CONVERSATIONS_DIR="$C" "$OHB" --local list --json >"$tmp/out" 2>"$tmp/err"
check "OPENHANDS_CONVERSATIONS_DIR is the default" 't "len(J) == len(E)"'
OPENHANDS_PERSISTENCE_DIR="$P" "$OHB" --local list --json >"$tmp/out" 2>"$tmp/err"
check "OPENHANDS_PERSISTENCE_DIR/conversations is the default, with ../sessions beside it" 't "len(J) == len(E)"'
mkdir -p "$HOME/.openhands" && ln -s "$C" "$HOME/.openhands/conversations"
ohb --local list --json
check "~/.openhands/conversations is the default" 't "len(J) == len(E)"'
ohb --local "$C/$A" list --json
check "DIR may be one conversation's directory" 't "[c[\"id\"] for c in J] == [\"$A\"]"'
ohb --local "$tmp/nowhere" list
check "a missing directory is 'not found' (exit 4) and says so" '[ $rc -eq 4 ] && grep -q "not a directory" "$tmp/err"'
ohb --local "$C" list --filter "old style" --json
check "list --filter works locally" 't "[c[\"id\"] for c in J] == [\"$B\"]"'

# ---- files
ohb --local "$C" files "$A" --json
check "files lists the local workspace" '[ $rc -eq 0 ] && t "set(f[\"path\"] for f in J) >= {\"README.md\", \"src\", \"src/main.c\", \".gitignore\"}"'
check ".gitignore is honoured (build/, *.o)" 't "not any(f[\"path\"].startswith(\"build\") or f[\"path\"].endswith(\".o\") for f in J)"'
if $have_git; then
	check "git changes mark the files (M README.md, U src/main.c)" \
		't "{f[\"path\"]: f[\"change\"] for f in J}[\"README.md\"] == \"M\" and {f[\"path\"]: f[\"change\"] for f in J}[\"src/main.c\"] == \"U\""'
else
	ok "# SKIP git is not installed"
fi
ohb --local "$C" files "$B"
check "a conversation whose workspace is not here cannot list files (exit 5)" '[ $rc -eq 5 ]'
ohb --local "$C" files "$B" --wake
check "... and --wake says the workspace is not on this machine" '[ $rc -eq 5 ] && grep -q "no workspace on this machine" "$tmp/err"'
ohb --local "$C" download "${A%????????????????????????}" -o "$tmp/ws.zip"
check "download of a local workspace (by a unique id prefix) writes a ZIP" \
	'[ $rc -eq 0 ] && $PY -c "import zipfile,sys; z=zipfile.ZipFile(\"$tmp/ws.zip\"); n=z.namelist(); sys.exit(0 if \"README.md\" in n and \"src/main.c\" in n and z.read(\"src/main.c\") == open(\"$P/workspace/src/main.c\",\"rb\").read() else 1)"'
# git credentials never leave the machine through a ZIP (issue 10 item 6), local source too
mkdir -p "$P/workspace/.git/logs"
printf 'https://x-access-token:ghp_LOCALTOKEN42@github.com\n' >"$P/workspace/.git-credentials"
printf 'url = https://x-access-token:ghp_LOCALTOKEN42@github.com/a/b\n' >"$P/workspace/.git/config.worktree"
printf 'ghp_LOCALTOKEN42\n' >"$P/workspace/.git/logs/HEAD.tok"
ohb --local "$C" download "$A" -o "$tmp/wscred.zip"
ohb2rc=$rc
ohb --local "$C" download "$A" README.md .git-credentials .git/config.worktree .git/logs/HEAD.tok -o "$tmp/wscred2.zip"
check "local download (whole and selected): exit 0, no credential file and no token in the ZIP, listed as skipped" \
	'[ $ohb2rc -eq 0 ] && [ $rc -eq 0 ] && $PY -c "
import json, sys, zipfile
for p in (\"$tmp/wscred.zip\", \"$tmp/wscred2.zip\"):
    z = zipfile.ZipFile(p)
    if b\"ghp_LOCALTOKEN42\" in open(p, \"rb\").read() or any(b\"ghp_LOCALTOKEN42\" in z.read(n) for n in z.namelist()):
        sys.exit(1)
m = json.loads(zipfile.ZipFile(\"$tmp/wscred2.zip\").read(\"conversation_metadata.json\"))
sys.exit(0 if sorted(s[\"path\"] for s in m[\"skipped\"] if s[\"reason\"] == \"git credentials\") == [\".git-credentials\", \".git/config.worktree\", \".git/logs/HEAD.tok\"] and [f[\"path\"] for f in m[\"files\"]] == [\"README.md\"] else 1)"'
rm -f "$P/workspace/.git-credentials" "$P/workspace/.git/config.worktree" "$P/workspace/.git/logs/HEAD.tok"
ohb --local "$C" files ffffffffffffffffffffffffffffffff
check "an unknown id is 'not found' (exit 4)" '[ $rc -eq 4 ]'

# ---- events
for id in $A $B $CC $S; do
	ohb --local "$C" events "$id" --json
	check "events --json $id: every event in order, kinds as expected" \
		"[ \$rc -eq 0 ] && t \"[e['kind'] for e in J] == E['$id']['kinds'] and [e['index'] for e in J] == list(range(len(J)))\""
done
ohb --local "$C" events "$A" --json
check "actions carry the command and the edited file; observations the exit code" \
	't "J[2][\"command\"] == \"make -j2\" and J[4][\"path\"] == \"src/main.c\" and J[3][\"exit_code\"] == 2 and J[3][\"summary\"].startswith(\"exit 2: cc main.c\")"'
check "a huge observation is summarised on one line and kept whole in text" \
	't "len(J[5][\"summary\"]) < 300 and J[5][\"text\"].count(\"\\n\") == 4999"'
ohb --local "$C" events "$CC" --json
check "corrupt, cut-off, empty and non-event files are rows naming the file" \
	't "all(\"event-0000\" in J[i][\"summary\"] and J[i][\"file\"] for i in (1, 2, 4, 5)) and \"unknown event kind FutureFancyEvent\" in J[3][\"summary\"]"'
ohb --local "$C" events "$A" --kind action,error
check "events --kind filters (table output)" \
	'[ $rc -eq 0 ] && [ $(grep -c "^ *[0-9]" "$tmp/out") -eq 3 ] && grep -q "make -j2" "$tmp/out"'
ohb --local "$C" events "$A" --kind bogus
check "events --kind with an unknown kind is a usage error" '[ $rc -eq 2 ]'

# ---- export
for id in $A $B $S; do
	ohb --local "$C" export "$id" --format json
	check "export json $id: the stored events, byte for byte, as one JSON array" \
		"[ \$rc -eq 0 ] && t \"O == '[\\\\n' + ',\\\\n'.join(E['$id']['events']) + '\\\\n]\\\\n' and len(J) == len(E['$id']['events'])\""
done
ohb --local "$C" export "$CC" -o "$tmp/c.json"
cp "$tmp/c.json" "$tmp/out"
check "export json with corrupt files: valid JSON of the good events, exit 6, a message per file" \
	'[ $rc -eq 6 ] && t "J == [json.loads(s) for s in E[\"$CC\"][\"events\"]]" && [ $(grep -c skipped "$tmp/err") -eq 4 ]'
ohb --local "$C" export "$A" --format md -o "$tmp/a.md"
cp "$tmp/a.md" "$tmp/out"
check "export md: a readable transcript with the whole output" \
	'[ $rc -eq 0 ] && grep -q "^# Fix the build" "$tmp/a.md" && grep -q "^## User" "$tmp/a.md" && grep -q "(exit 2)" "$tmp/a.md" && grep -q "line 4999 of a long output" "$tmp/a.md" && grep -q "make -j2" "$tmp/a.md"'
ohb --local "$C" download "$A" --events -o "$tmp/wse.zip"
zx() { # python over the ZIP Z, its metadata M and expected.json E
	$PY - "$@" 2>>"$tmp/err" <<PYEOF
import json, sys, zipfile
E = json.load(open("$P/expected.json"))
Z = zipfile.ZipFile("$tmp/wse.zip")
M = json.loads(Z.read("conversation_metadata.json"))
R = {f["path"]: f["entry"] for f in M["files"]}
sys.exit(0 if ($1) else 1)
PYEOF
}
check "download --events (local): the workspace files, events.json and conversation.md, metadata last" \
	'[ $rc -eq 0 ] && zx "{\"README.md\", \"src/main.c\", \"events.json\", \"conversation.md\"} <= set(Z.namelist()) and Z.namelist()[-1] == \"conversation_metadata.json\" and Z.read(\"src/main.c\") == open(\"$P/workspace/src/main.c\", \"rb\").read()"'
check "download --events: events.json is the stored event files byte for byte (as export --format json)" \
	'zx "Z.read(\"events.json\").decode() == \"[\\n\" + \",\\n\".join(E[\"$A\"][\"events\"]) + \"\\n]\\n\""'
check "download --events: conversation.md is the transcript of export --format md" \
	'zx "Z.read(\"conversation.md\") == open(\"$tmp/a.md\", \"rb\").read()"'
check "download --events: the metadata records the events (count, corrupt, source), nothing skipped" \
	'zx "M[\"events\"] == {\"count\": len(E[\"$A\"][\"kinds\"]), \"corrupt\": 0, \"source\": \"local\"} and M[\"skipped\"] == []"'
check "download --events: a workspace file named events.json keeps its bytes under another entry" \
	'zx "R[\"events.json\"] not in (\"events.json\", \"conversation.md\") and Z.read(R[\"events.json\"]) == b\"[\\\"mine\\\"]\\n\""'
ohb --local "$C" download "$A" -o "$tmp/wsn.zip"
check "download without --events adds no events and no events key; events.json is a workspace file" \
	'[ $rc -eq 0 ] && $PY -c "import zipfile,json,sys; z=zipfile.ZipFile(\"$tmp/wsn.zip\"); m=json.loads(z.read(\"conversation_metadata.json\")); sys.exit(0 if \"conversation.md\" not in z.namelist() and \"events\" not in m and z.read(\"events.json\") == b\"[\\\"mine\\\"]\\n\" else 1)"'
ohb --local "$C" export "$A" -o "$C/$A/x.json"
check "export refuses to write inside the conversations directory" '[ $rc -eq 2 ] && [ ! -e "$C/$A/x.json" ]'

# ---- scale: 100,000 event files (no timing asserted; the time is reported)
start=$(date +%s%N)
ohb --local "$C" events "$E" --json
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# events --json of $BIG event files: $ms ms"
check "all $BIG events, numerically ordered past 99999" \
	't "len(J) == $BIG and J[-1][\"id\"] == \"00000000-0000-0000-0000-%012x\" % ($BIG - 1) and J[0][\"kind\"] == \"user\" and all(J[i][\"index\"] == i for i in (0, 99999 % $BIG, $BIG - 1))"'
start=$(date +%s%N)
ohb --local "$C" export "$E" -o "$tmp/big.json"
echo "# export of $BIG events: $(( ($(date +%s%N) - start) / 1000000 )) ms"
cp "$tmp/big.json" "$tmp/out"
check "export of the big conversation holds every event" '[ $rc -eq 0 ] && t "len(J) == $BIG"'

snap >"$tmp/after"
check "nothing under the persistence directory was written" 'cmp -s "$tmp/before" "$tmp/after"'

# ---- a large local file is copied in slices: the loop keeps turning (issue 12 item 4).
# Progress lines come from the CLI's loop between turns; a copy made whole inside one turn
# (as before) shows the file either not started or done, never in between.
truncate -s 805306368 "$WS/huge.bin"
ohb --local "$C" download "$A" huge.bin -o "$tmp/huge.zip" --progress json
check "a 768 MiB local file: progress while it is copied (0 < done < size), then the whole file in the ZIP" \
	'[ $rc -eq 0 ] && $PY -c "
import json, sys, zipfile
mid = 0
for line in open(\"$tmp/err\"):
    try:
        p = json.loads(line)
    except ValueError:
        continue
    mid += any(a[\"path\"] == \"huge.bin\" and 0 < a[\"done\"] < 805306368 for a in p.get(\"active\", []))
z = zipfile.ZipFile(\"$tmp/huge.zip\")
sys.exit(0 if mid >= 1 and z.getinfo(\"huge.bin\").file_size == 805306368 else 1)"'
rm -f "$WS/huge.bin" "$tmp/huge.zip"

# ---- events from the fake server
$PY "$SRC/scenario.py" "$tmp/scen.json" "$tmp/scen-fault.json"
fake() { # scenario, ports file, log: start a fake server and wait until it is ready
	"$FAKE" --scenario "$1" --log "$3" >"$2" 2>"$2.err" &
	pids="$pids $!"
	i=0
	while ! grep -q '^ready$' "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "Bail out! fakehands did not start"; exit 1; }
		sleep 0.1
	done
}
fake "$tmp/scen.json" "$tmp/ports" "$tmp/fake.log"
APP=$(sed -n 's/^app //p' "$tmp/ports")
P=""
srv() { OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
sx() { # python over J and the scenario conversation K
	PYX=$1
	$PY - 2>>"$tmp/err" <<PYEOF
import json, sys
O = open("$tmp/out", encoding="utf-8").read()
J = json.loads(O)
K = {c["id"]: c for c in json.load(open("$tmp/scen.json"))["conversations"]}
sys.exit(0 if ($PYX) else 1)
PYEOF
}
srv events aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 --json
check "V0 running: events from the runtime, paged by start_id (130 events)" \
	'[ $rc -eq 0 ] && sx "len(J) == 130 and [e[\"id\"] for e in J] == [str(i) for i in range(130)] and J[1][\"kind\"] == \"user\" and J[3][\"exit_code\"] == 0"'
srv export aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01 --format json
check "V0 export json equals the server's events" \
	'[ $rc -eq 0 ] && sx "J == K[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01\"][\"events\"]"'
srv events aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02
check "V0 stopped: exit 5 and a hint to wake it" '[ $rc -eq 5 ] && grep -q "wake" "$tmp/err"'
srv events aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02 --wake --json
check "V0 stopped with --wake: events after waking" '[ $rc -eq 0 ] && sx "len(J) == 5"'
srv events bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03 --json
check "V1 paused: events from the app server's search, all three pages" \
	'[ $rc -eq 0 ] && sx "len(J) == 250 and J[0][\"kind\"] == \"user\" and J[1][\"command\"] == \"make step1\" and J[2][\"exit_code\"] == 0 and J[3][\"kind\"] == \"state\""'
check "V1 events search asked with conversation_id__eq and page_id, with the account key" \
	'[ $(grep -c "\"path\":\"/api/v1/events/search\".*conversation_id__eq=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03" "$tmp/fake.log") -eq 3 ] && grep "/api/v1/events/search" "$tmp/fake.log" | grep -q "page_id=200"'
srv export bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03 --format json -o "$tmp/v1.json"
cp "$tmp/v1.json" "$tmp/out"
check "V1 export json equals the server's events" \
	'[ $rc -eq 0 ] && sx "J == K[\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03\"][\"events\"]"'
srv export bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb04 --format md
check "V1 export md is a transcript" '[ $rc -eq 0 ] && grep -q "^# V1 running" "$tmp/out" && grep -q "Build the site ✓" "$tmp/out"'
W=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb05
srv download $W --events -o "$tmp/v1e.zip"
check "V1 download --events: workspace files, events.json equal to the server's events, conversation.md" \
	'[ $rc -eq 0 ] && $PY -c "
import json, sys, zipfile
z = zipfile.ZipFile(\"$tmp/v1e.zip\")
m = json.loads(z.read(\"conversation_metadata.json\"))
k = {c[\"id\"]: c for c in json.load(open(\"$tmp/scen.json\"))[\"conversations\"]}[\"$W\"]
md = z.read(\"conversation.md\").decode()
sys.exit(0 if z.read(\"README.md\") == b\"hello\\n\" and json.loads(z.read(\"events.json\")) == k[\"events\"]
         and md.startswith(\"# V1 with a workspace\") and \"- Events: 120\" in md and \"make step1\" in md
         and m[\"events\"] == {\"count\": 120, \"corrupt\": 0, \"source\": \"server\"} and m[\"skipped\"] == [] else 1)"'
fake "$tmp/scen-fault.json" "$tmp/ports-fault" "$tmp/fake-fault.log"
APPF=$(sed -n 's/^app //p' "$tmp/ports-fault")
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APPF" download $W --events -o "$tmp/v1f.zip" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "V1 download --events with a 500 on the events search: the archive is written, events.json skipped, exit 6" \
	'[ $rc -eq 6 ] && grep -q "skipped events.json" "$tmp/err" && $PY -c "
import json, sys, zipfile
z = zipfile.ZipFile(\"$tmp/v1f.zip\")
m = json.loads(z.read(\"conversation_metadata.json\"))
sys.exit(0 if sorted(z.namelist()) == [\"README.md\", \"conversation_metadata.json\", \"src/app.py\"]
         and \"events.json\" in [s[\"path\"] for s in m[\"skipped\"]] and \"HTTP 500\" in m[\"events\"][\"error\"] else 1)"'
srv events ../x
check "a malformed id is a usage error" '[ $rc -eq 2 ]'
srv events ffffffffffffffffffffffffffffffff
check "an unknown id is 'not found' (exit 4)" '[ $rc -eq 4 ]'

# ---- backup of the local conversations (issue 15, item 8): the same engine, nothing to wake
(cd "$tmp" && "$OHB" --local "$C" backup -d "$tmp/lbk" >"$tmp/out" 2>"$tmp/err")
rc=$?
check "backup --local: every conversation, the one with a workspace whole, the rest events only, nothing woken" \
	'[ $rc -eq 0 ] && ! grep -q "will be resumed" "$tmp/err" && $PY -c "
import json, sys, zipfile
I = {c[\"id\"]: c for c in json.load(open(\"$tmp/lbk/index.json\"))[\"conversations\"]}
a = zipfile.ZipFile(\"$tmp/lbk/\" + I[\"$A\"][\"archive\"])
ok = len(I) == 5 and I[\"$A\"][\"outcome\"] == \"backed up\" and \"README.md\" in a.namelist() and \"events.json\" in a.namelist()
ok = ok and all(c[\"outcome\"] == \"events only\" for k, c in I.items() if k != \"$A\")
sys.exit(0 if ok else 1)"'
snap >"$tmp/after-backup"
check "... and the persistence directory is untouched" 'cmp -s "$tmp/before" "$tmp/after-backup"'

# ---- a FIFO named like a file (issue 13, item 12): asked for by name, it must not hang the export
mkfifo "$WS/pipe.txt"
(cd "$tmp" && timeout 30 "$OHB" --local "$C" download "$A" pipe.txt README.md -o fifo.zip >"$tmp/out" 2>"$tmp/err")
rc=$?
check "download of a FIFO by name: no hang, the FIFO reported as not a regular file, the rest written (exit 6)" \
	'[ $rc -eq 6 ] && grep -q "pipe.txt.*not a regular file" "$tmp/err" && [ -f "$tmp/fifo.zip" ]'
rm -f "$WS/pipe.txt" "$tmp/fifo.zip"

# ---- a hostile repository: its own git config must run nothing (issue 13, item 17)
if $have_git; then
	(cd "$WS" && printf '*.md filter=evil\n' >.gitattributes &&
		git config core.fsmonitor "sh -c 'touch $tmp/pwned-fsmonitor'" &&
		git config filter.evil.clean "sh -c 'touch $tmp/pwned-filter; cat'" &&
		git config filter.evil.smudge "sh -c 'touch $tmp/pwned-filter; cat'" &&
		touch -d 2020-01-01 README.md)
	ohb --local "$C" files "$A" --changed --json
	check "files --changed in a repo whose config names an fsmonitor and a clean filter: neither runs" \
		'[ $rc -eq 0 ] && [ ! -e "$tmp/pwned-fsmonitor" ] && [ ! -e "$tmp/pwned-filter" ] && t "\"README.md\" in [f[\"path\"] for f in J]"'
	# the same repo, plain git: the hooks are real (the test would pass for nothing otherwise)
	(cd "$WS" && git status --porcelain >/dev/null 2>&1)
	check "... while plain git status does run the repo's fsmonitor (the hostile repo is real)" '[ -e "$tmp/pwned-fsmonitor" ]'
else
	ok "# SKIP git is not installed"
fi

tap_end
