#!/bin/sh
# End-to-end tests of the command-line twin against the fake OpenHands server (TAP).
# usage: run.sh OHBROWSE FAKEHANDS ZIPCHECK SCENARIO_DIR
TAP_NAME=cli
FAKE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$(dirname "$0")/../tap.sh"
OHB=$(abs "$1")
ZIPCHECK=$(abs "$3")
SCEN=$(abs "$4")
KEY=Tk9tZXN0S2V5Rm9yT2hCcm93c2VUZXN0

start_fake basic "$SCEN/basic.json"
start_fake faults "$SCEN/faults.json"
echo '{"app": {"auth": "none", "v0": false, "v1": false}, "conversations": []}' >"$tmp/html.json"
start_fake html "$tmp/html.json"

ohb() { # run ohbrowse against the basic server with the key; stdout -> $tmp/out, stderr -> $tmp/err
	OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_basic" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
json() { # python expression over J (the parsed $tmp/out)
	$PY -c "import json,sys; J=json.load(open('$tmp/out')); sys.exit(0 if ($1) else 1)" 2>>"$tmp/err"
}

V0=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01
V0STOP=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02
V1=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03
V1OLD=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb04

# ---- list
ohb list --json
check "list --json exits 0" '[ $rc -eq 0 ]'
check "list --json follows every page: 234 conversations, unique ids" \
	'json "len(J) == 234 and len(set(c[\"id\"] for c in J)) == 234"'
check "list is newest first and the V1 rows are marked V1" \
	'json "J[0][\"id\"] == \"$V0\" and J[1][\"version\"] == \"V1\" and J[1][\"id\"] == \"$V1\""'
check "list --json has the documented fields and never a session key" \
	'json "all(set([\"id\",\"title\",\"status\",\"version\",\"created_at\",\"updated_at\",\"repository\",\"branch\"]) <= set(c) for c in J)" && ! grep -q 11111111-2222 "$tmp/out"'
ohb list --limit 3
check "list --limit 3 prints a header and three rows" '[ $rc -eq 0 ] && [ $(wc -l <"$tmp/out") -eq 4 ] && grep -q "Fix the parser" "$tmp/out"'
ohb list --filter "agent SERVER" --json
check "list --filter matches titles case-insensitively" 'json "len(J) == 2"'

"$OHB" --server "$APP_basic" list >"$tmp/out" 2>"$tmp/err"
rc=$?
check "no key: exit 3 and the message says how to add one" '[ $rc -eq 3 ] && grep -q "ohbrowse login" "$tmp/err"'
OPENHANDS_API_KEY=wrongwrongwrongwrongwrongwrong12 "$OHB" --server "$APP_basic" list >"$tmp/out" 2>"$tmp/err"
rc=$?
check "wrong key: exit 3, the key is not echoed" '[ $rc -eq 3 ] && grep -q "rejected the API key" "$tmp/err" && ! grep -q wrongwrong "$tmp/err"'

# Keys are stored per server (issue 14, item 15): this server's file is
# ~/.config/ohbrowse/keys/<URL with :// and unsafe characters as _>; the shared
# files (the seed tool's, the OpenHands CLI's) hold Cloud keys, never sent here.
keyfile="$HOME/.config/ohbrowse/keys/$(printf '%s' "$APP_basic" | sed 's|://|_|; s|[^A-Za-z0-9.-]|_|g')"
mkdir -p "$HOME/.config/ohbrowse/keys" "$HOME/.config/openhands"
printf '%s\n' "$KEY" >"$keyfile"
chmod 644 "$keyfile"
"$OHB" --server "$APP_basic" list >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a key file readable by others is refused with the chmod that fixes it" \
	'[ $rc -eq 3 ] && grep -q "chmod 600" "$tmp/err"'
chmod 600 "$keyfile"
"$OHB" --server "$APP_basic" list --limit 1 --json >"$tmp/out" 2>"$tmp/err"
rc=$?
check "the server's own stored key is used when it is 0600" '[ $rc -eq 0 ] && json "len(J) == 1"'
rm -f "$keyfile"
printf '%s\n' "$KEY" >"$HOME/.config/openhands/api_token"
chmod 600 "$HOME/.config/openhands/api_token"
"$OHB" --server "$APP_basic" list --limit 1 --json >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a Cloud key in the shared file is not sent to another server" '[ $rc -eq 3 ]'
rm -f "$HOME/.config/openhands/api_token"

OPENHANDS_API_KEY=$KEY "$OHB" --server http://ohbrowse-test.invalid list >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a key is never sent over plain http to a non-loopback host" '[ $rc -eq 2 ] && grep -q -- "--allow-http" "$tmp/err"'

"$OHB" --server "$APP_html" list >"$tmp/out" 2>"$tmp/err"
rc=$?
check "a server answering HTML is reported as not an OpenHands server" \
	'[ $rc -eq 5 ] && grep -q "does not look like an OpenHands server" "$tmp/err"'

# ---- files
ohb files $V0 --json
check "files (V0) lists the tree with sizes unknown and change letters" \
	'[ $rc -eq 0 ] && json "{f[\"path\"]: f[\"change\"] for f in J}.get(\"README.md\") == \"M\" and any(f[\"path\"] == \"assets/logo.png\" for f in J) and any(f[\"path\"] == \"old.txt\" and f[\"change\"] == \"D\" for f in J) and any(f[\"path\"] == \"src\" and f[\"type\"] == \"dir\" for f in J)"'
ohb files $V1 --json
check "files (V1) lists through the bash API with sizes" \
	'[ $rc -eq 0 ] && json "{f[\"path\"]: f[\"size\"] for f in J}.get(\"app/index.html\") == 14 and {f[\"path\"]: f[\"size\"] for f in J}.get(\"app/bin/tool\") == 200000"'
ohb files $V0 --changed --json
check "files --changed gives only the changes" 'json "sorted(f[\"path\"] for f in J) == [\"README.md\", \"old.txt\", \"src/new.c\"]"'
ohb files $V0STOP
check "a stopped conversation: exit 5 and a hint to use --wake" '[ $rc -eq 5 ] && grep -q -- "--wake" "$tmp/err"'
ohb download $V0STOP -o "$tmp/nope.zip"
check "download of a stopped conversation without --wake fails and leaves no file" \
	'[ $rc -eq 5 ] && [ ! -e "$tmp/nope.zip" ] && [ ! -e "$tmp/nope.zip.part" ]'
ohb files $V0STOP --wake --json
check "files --wake starts the sandbox and lists it" '[ $rc -eq 0 ] && json "any(f[\"path\"] == \"README.md\" for f in J)"'
ohb files ffffffffffffffffffffffffffffffff
check "an unknown id: exit 4" '[ $rc -eq 4 ]'
# Id prefixes (issue 14): a unique start of an id names its conversation; the
# start of several, or of none, is a usage error that says so.
ohb files "${V0%??}"
check "an id prefix naming two conversations: exit 2, both named" \
	'[ $rc -eq 2 ] && grep -q "more than one id" "$tmp/err" && grep -q "$V0" "$tmp/err"'
ohb files "${V0%?}1" --json
check "a whole id still works as it is" '[ $rc -eq 0 ]'
ohb files abcdef012345
check "an id prefix naming none: exit 2, it says so" '[ $rc -eq 2 ] && grep -q "no conversation id starts with" "$tmp/err"'
ohb list --json
uniq=$($PY -c "
import json
ids = [c['id'] for c in json.load(open('$tmp/out'))]
for i in ids:
    p = i[:8]
    if sum(1 for j in ids if j.startswith(p)) == 1 and i not in ('$V0', '$V0STOP'):
        print(p, i); break
")
ohb files "${uniq% *}" --wake --json
check "a unique id prefix names its conversation (files --wake lists it)" \
	'[ -n "$uniq" ] && [ $rc -ne 2 ] && [ $rc -ne 4 ] && ! grep -q "starts with\|more than one" "$tmp/err"'
ohb files "../../etc"
check "a malformed id: exit 2, nothing sent" '[ $rc -eq 2 ]'

# ---- download
mkdir -p "$tmp/dl" && cd "$tmp/dl" || exit 1
ohb download $V0 --no-server-archive
zip1=$(cat "$tmp/out")
check "download (V0, file by file) writes the seed-style name" '[ $rc -eq 0 ] && [ "$zip1" = "./fix-the-parser.zip" ] && [ -f fix-the-parser.zip ]'
"$ZIPCHECK" fix-the-parser.zip >"$tmp/z1" 2>>"$tmp/err"
check "the ZIP reads back and holds text, binary and the 3 MB file" \
	'grep -q " README.md$" "$tmp/z1" && grep -q " assets/logo.png$" "$tmp/z1" && grep -q " 3000000 data/big.txt$" "$tmp/z1" && grep -q " conversation_metadata.json$" "$tmp/z1"'
ohb download $V0
check "download again never overwrites: -2 suffix (server archive this time)" '[ $rc -eq 0 ] && [ -f fix-the-parser-2.zip ]'
"$ZIPCHECK" fix-the-parser-2.zip >"$tmp/z2" 2>>"$tmp/err"
check "zip-directory re-packed equals the file-by-file archive byte for byte (nothing here is hidden from list-files)" \
	'[ -s "$tmp/z2" ] && [ "$(grep -v conversation_metadata "$tmp/z1" | sort)" = "$(grep -v conversation_metadata "$tmp/z2" | sort)" ]'
# The same comparison on a workspace with what list-files cannot see: .git, a .gitignore
# (build/, *.log) and node_modules. zip-directory has it all; the walk has the rest, and
# every file both have is the same bytes. .git/config (a credential) is in neither.
start_fake ignored "$SCEN/ignored.json"
"$OHB" --server "$APP_ignored" download dddddddddddddddddddddddddddddd01 --no-server-archive -o ig-walk.zip >"$tmp/out" 2>"$tmp/err"
rc1=$?
"$OHB" --server "$APP_ignored" download dddddddddddddddddddddddddddddd01 -o ig-arc.zip >"$tmp/out" 2>>"$tmp/err"
rc2=$?
"$ZIPCHECK" ig-walk.zip 2>>"$tmp/err" | grep -v " conversation_metadata.json$" | sort >"$tmp/zw"
"$ZIPCHECK" ig-arc.zip 2>>"$tmp/err" | grep -v " conversation_metadata.json$" | sort >"$tmp/za"
check "the walk and zip-directory of a workspace with .git, .gitignore and node_modules both succeed" \
	'[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] && [ -s "$tmp/zw" ] && [ -s "$tmp/za" ]'
check "every file of the walk is in the zip-directory re-pack, byte for byte (.gitignore, node_modules too)" \
	'[ -z "$(comm -23 "$tmp/zw" "$tmp/za")" ] && grep -q " \.gitignore$" "$tmp/zw" && grep -q " node_modules/left-pad/index.js$" "$tmp/zw"'
check "zip-directory has exactly what list-files hides on top: .git and the .gitignore'd build/ and *.log" \
	'[ "$(comm -13 "$tmp/zw" "$tmp/za" | awk "{print \$3}" | LC_ALL=C sort | tr "\n" " ")" = ".git/HEAD .git/refs/heads/main build/out.o debug.log " ]'
check "the .git/config credential is in neither" '! grep -q "\.git/config" "$tmp/zw" "$tmp/za"'
ohb download $V0 --zip-compat --no-server-archive -o compat.zip
check "--zip-compat writes a ZIP without Zip64 that reads back (version needed 2.0)" \
	'[ $rc -eq 0 ] && "$ZIPCHECK" compat.zip >/dev/null 2>>"$tmp/err" && [ "$(od -An -tu2 -j4 -N2 compat.zip | tr -d " ")" = 20 ]'
ohb download $V0 --changed -o changes.zip
"$ZIPCHECK" changes.zip >"$tmp/z3" 2>>"$tmp/err"
check "download --changed: changed files only, deletions in the metadata" \
	'[ $rc -eq 0 ] && [ "$(grep -v conversation_metadata "$tmp/z3" | awk "{print \$3}" | sort | tr "\n" " ")" = "README.md src/new.c " ]'
ohb download $V0 -o changes.zip
check "-o onto an existing file is refused and the file is untouched" \
	'[ $rc -eq 2 ] && [ -s "$tmp/z3" ] && [ "$(cat "$tmp/z3")" = "$("$ZIPCHECK" changes.zip 2>/dev/null)" ]'
ohb download $V0 src -o sel.zip
"$ZIPCHECK" sel.zip >"$tmp/z4" 2>>"$tmp/err"
check "download ID PATH takes a directory" \
	'[ $rc -eq 0 ] && [ "$(grep -v conversation_metadata "$tmp/z4" | awk "{print \$3}" | sort | tr "\n" " ")" = "src/main.c src/new.c " ]'
ohb download $V1 -o v1.zip --no-server-archive
"$ZIPCHECK" v1.zip >"$tmp/z5" 2>>"$tmp/err"
ohb download $V1 -o v1b.zip
"$ZIPCHECK" v1b.zip >"$tmp/z6" 2>>"$tmp/err"
check "download (V1): file by file and the tar.gz archive agree" \
	'[ $rc -eq 0 ] && grep -q " 200000 app/bin/tool$" "$tmp/z5" && [ "$(grep -v conversation_metadata "$tmp/z5" | sort)" = "$(grep -v conversation_metadata "$tmp/z6" | sort)" ]'
ohb download $V1OLD -o v1old.zip
"$ZIPCHECK" v1old.zip >"$tmp/z7" 2>>"$tmp/err"
check "download (old agent-server: /download/<path>, no archive route) still works" \
	'[ $rc -eq 0 ] && grep -q " 200000 app/bin/tool$" "$tmp/z7"'
check "no .part file survives any of the above" '[ -z "$(ls *.part 2>/dev/null)" ]'
cd "$tmp" || exit 1

# ---- keys went only where they belong (request log of the basic server)
v0port=$(port_of basic $V0 | sed 's|.*:||')
check "the account key reached only the app server" \
	'$PY - "$tmp/basic.log" "$APP_basic" <<EOF
import json, sys
app = sys.argv[2].split("//")[1]
bad = [r for r in map(json.loads, open(sys.argv[1])) if r["host"] != app and any("$KEY" in v for v in r["headers"].values())]
sys.exit(1 if bad else 0)
EOF'
check "a session key reached only its own runtime, and never the app server" \
	'$PY - "$tmp/basic.log" "$tmp/basic.ports" <<EOF
import json, sys
own = {}
for line in open(sys.argv[2]):
    p = line.split()
    if len(p) == 3: own[p[2].split("//")[1]] = p[1]
bad = []
for r in map(json.loads, open(sys.argv[1])):
    k = r["headers"].get("x-session-api-key")
    if k is None or k == "$KEY": continue
    conv = own.get(r["host"])
    if conv is None or not k.endswith(conv[-2:]): bad.append(r)
sys.exit(1 if bad else 0)
EOF'

# ---- faults
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_faults" list --json >"$tmp/out" 2>"$tmp/err"
rc=$?
check "list survives a 503 and a 429 with Retry-After (retried, complete)" '[ $rc -eq 0 ] && json "len(J) == 151"'
# The gap itself: from the 429 (Retry-After: 1) to the next request of the list, at least
# the second it asked for (less 50 ms for the log's own rounding), and not a minute either.
check "the 429 was retried after its Retry-After (gap >= 0.95 s), not hammered" \
	'$PY - "$tmp/faults.log" >>"$tmp/err" 2>&1 <<EOF
import json, sys
rows = [r for r in map(json.loads, open(sys.argv[1])) if r["path"] == "/api/conversations"]
i = next(i for i, r in enumerate(rows) if r["status"] == 429)
gap = rows[i + 1]["t_ms"] - rows[i]["t_ms"]
print("429 retried after %d ms" % gap)
sys.exit(0 if 950 <= gap <= 30000 else 1)
EOF'
mkdir -p "$tmp/dl2" && cd "$tmp/dl2" || exit 1
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_faults" download cccccccccccccccccccccccccccccc01 --no-server-archive -o f.zip >"$tmp/out" 2>"$tmp/err"
rc=$?
"$ZIPCHECK" f.zip >"$tmp/z8" 2>>"$tmp/err"
check "a connection reset mid-body is retried: the archive is complete" \
	'[ $rc -eq 0 ] && grep -q " 2 a.txt$" "$tmp/z8" && grep -q " 2 b.txt$" "$tmp/z8"'
cd "$tmp" || exit 1

# ---- SIGINT (src/signals.c, shared with the browser): a download held mid-body stops
# at once with 130, says so, and leaves neither the archive nor its .part behind.
start_fake hold "$SCEN/hold.json"
mkdir -p "$tmp/int" && cd "$tmp/int" || exit 1
"$OHB" --server "$APP_hold" download c0000000000000000000000000000001 -o held.zip >"$tmp/out" 2>"$tmp/err" &
ob=$!
i=0
while [ $i -lt 100 ] && ! ls ./*.part >/dev/null 2>&1; do sleep 0.1; i=$((i + 1)); done
check "a held download is running: its .part exists" 'ls ./*.part >/dev/null 2>&1'
kill -INT $ob
wait $ob
rc=$?
check "SIGINT stops the command: exit 130, 'interrupted' on stderr" '[ $rc -eq 130 ] && grep -q interrupted "$tmp/err"'
check "SIGINT leaves no archive and no .part" '! ls ./*.part ./held.zip >/dev/null 2>&1'
cd "$tmp" || exit 1

tap_end
