#!/bin/sh
# End-to-end tests of workspace downloads against the fake agent-server and V0 runtime (TAP):
# what a user finds in the ZIP, compared with the workspace the scenario describes.
# usage: agent.sh OHBROWSE FAKEHANDS SCENARIO_DIR
TAP_NAME=agent
FAKE=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
. "$(dirname "$0")/../tap.sh"
OHB=$(abs "$1")
SCEN=$(abs "$3")
TOKEN=ghp_FAKETOKEN0123456789
KEY=Tk9tZXN0S2V5Rm9yT2hCcm93c2VUZXN0

start_fake agent "$SCEN/agent.json"

ohb() { # run ohbrowse against the agent scenario; stdout -> $tmp/out, stderr -> $tmp/err
	OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_agent" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
json_ok() { $PY -c "import json,sys; J=json.load(open('$tmp/out')); sys.exit(0 if ($1) else 1)" 2>>"$tmp/err"; }
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
ohb download $V1C --no-server-archive -o v1walk.zip
check "V1 walk (the listing, then inside .git): the rest of .git kept, no credential file, no token" \
	'[ $rc -eq 0 ] && no_token v1walk.zip && zpy v1walk.zip "not any(k in Z for k in $CREDS) and \".git/HEAD\" in Z and \".git/refs/heads/main\" in Z and \".git/modules/sub/HEAD\" in Z and \"sub/.git\" in Z"'
ohb download $V1C -o v1arc.zip
check "V1 tar.gz (use_default_excludes=false): exit 0, no credential file, no token" \
	'[ $rc -eq 0 ] && no_token v1arc.zip && zpy v1arc.zip "not any(k in Z for k in $CREDS) and \".git/HEAD\" in Z and \".git/modules/sub/HEAD\" in Z"'
ohb download $V1C .git/modules/sub/HEAD .git/modules/sub/config .git-credentials -o v1sel.zip
check "V1 selected files: a submodule's config and .git-credentials out, listed" \
	'[ $rc -eq 0 ] && no_token v1sel.zip && zpy v1sel.zip "list(Z) == [\".git/modules/sub/HEAD\"] and len(M[\"skipped\"]) == 2"'

# ---- changed files on every layout (item 2): a 2026 agent-server (R1-R6) in the fake
# changes_json EXPECTED: `files --changed --json` gives exactly these [path, change] rows
changes_json() {
	$PY -c "import json,sys; J=json.load(open('$tmp/out')); got=[[f['path'], f['change']] for f in J]; sys.exit(0 if got == $1 else print('# got', got) or 1)" 2>>"$tmp/err"
}
# same_as_ws ZIP WORKSPACE PATHS_JSON: the ZIP holds exactly those workspace files, byte for byte
same_as_ws() {
	zpy "$1" "Z == {p: f.get('text', '').encode() for f in json.load(open('$SCEN/agent.json'))['workspaces']['$2']['files'] for p in [f['path']] if p in $3}"
}
NESTED=cccccccccccccccccccccccccccccc21
NOREPO=cccccccccccccccccccccccccccccc22
SIDES=cccccccccccccccccccccccccccccc23
NOGIT=cccccccccccccccccccccccccccccc24
NESTED_CH='[["libs/deep/x.c", "M"], ["notes.txt", "A"], ["proj/docs/with space.md", "M"], ["proj/i18n/\u00fc.txt", "M"], ["proj/new file.txt", "A"], ["proj/old.txt", "D"]]'
ohb files $NESTED --changed --json
check "base repo (git init, R1) with a nested project: each repo's changes under its prefix, R3 names decoded, R4 and R2 survived" \
	'[ $rc -eq 0 ] && changes_json "$NESTED_CH"'
ohb download $NESTED --changed -o nested.zip
check "download --changed (nested): exactly the changed files, byte for byte; the deleted one in the metadata" \
	'[ $rc -eq 0 ] && same_as_ws nested.zip nested "[\"libs/deep/x.c\", \"notes.txt\", \"proj/docs/with space.md\", \"proj/i18n/\u00fc.txt\", \"proj/new file.txt\"]" && zpy nested.zip "M[\"deleted\"] == [\"proj/old.txt\"] and M[\"skipped\"] == []"'
check "the server was asked per repository and the failing one (R4: 400) recomputed through bash" \
	'grep -q "git/changes.*path=%2Fworkspace%2Fproject%2Fproj" "$tmp/agent.log" && grep -q "start_bash_command" "$tmp/agent.log"'
ohb files $NESTED --json
check "files lists each file once, with its change letter; the deleted file too; no .git" \
	'[ $rc -eq 0 ] && $PY -c "import json,sys; J=json.load(open(\"$tmp/out\")); p=[f[\"path\"] for f in J]; c={f[\"path\"]: f[\"change\"] for f in J}; sys.exit(0 if len(p) == len(set(p)) and c[\"proj/old.txt\"] == \"D\" and c[\"proj/README.md\"] is None and c[\"notes.txt\"] == \"A\" and not any(x.endswith(\".git\") or \"/.git/\" in x for x in p) else 1)"'
ohb files $NOREPO --changed --json
check "base not a repo (R2: the server gives []): the project repo found by the listing is asked itself" \
	'[ $rc -eq 0 ] && changes_json "[[\"proj/docs/with space.md\", \"M\"], [\"proj/i18n/\u00fc.txt\", \"M\"], [\"proj/new file.txt\", \"A\"], [\"proj/old.txt\", \"D\"]]"'
ohb download $NOREPO --changed -o norepo.zip
check "download --changed (base not a repo): the changed files byte for byte, not an empty ZIP" \
	'[ $rc -eq 0 ] && same_as_ws norepo.zip norepo "[\"proj/docs/with space.md\", \"proj/i18n/\u00fc.txt\", \"proj/new file.txt\"]"'
ohb files $SIDES --changed --json
check "two repos side by side: a's quoted names (R3) resolved, b recomputed (R4), a's deletion kept" \
	'[ $rc -eq 0 ] && changes_json "[[\"a/caf\u00e9.md\", \"M\"], [\"a/gone.txt\", \"D\"], [\"a/x y/\u00e9t\u00e9.txt\", \"A\"], [\"b/ok.c\", \"M\"], [\"b/with space.c\", \"M\"]]"'
ohb download $SIDES --changed -o sides.zip
check "download --changed (two repos): byte for byte" \
	'[ $rc -eq 0 ] && same_as_ws sides.zip sides "[\"a/caf\u00e9.md\", \"a/x y/\u00e9t\u00e9.txt\", \"b/ok.c\", \"b/with space.c\"]" && zpy sides.zip "M[\"deleted\"] == [\"a/gone.txt\"]"'
ohb files $SIDES --json
check "files (two repos, a deleted file among the changes): each path once, the deletion listed" \
	'[ $rc -eq 0 ] && json_ok "len([f[\"path\"] for f in J]) == len(set(f[\"path\"] for f in J)) and {f[\"path\"]: f[\"change\"] for f in J}[\"a/gone.txt\"] == \"D\" and {f[\"path\"]: f[\"change\"] for f in J}[\"b/ok.c\"] == \"M\""'
ohb files cccccccccccccccccccccccccccccc29 --json
check "files: deletions that sort before a changed file do not list it twice (the array was searched while it grew)" \
	'[ $rc -eq 0 ] && json_ok "[(f[\"path\"], f[\"change\"]) for f in J if f[\"type\"] == \"file\"] == [(\"r/a/0.txt\", \"D\"), (\"r/a/1.txt\", \"D\"), (\"r/a/2.txt\", \"D\"), (\"r/z/k.txt\", \"M\")]"'
ohb files $NOGIT --changed
check "no git at all: files --changed says so, exit 4" '[ $rc -eq 4 ] && grep -q "no git repository" "$tmp/err"'
ohb download $NOGIT --changed -o nogit.zip
check "no git at all: download --changed writes no ZIP (never an empty one with exit 0), exit 4" \
	'[ $rc -eq 4 ] && [ ! -e nogit.zip ] && grep -q "no git repository" "$tmp/err"'
ohb files $NOGIT --json
check "no git at all: files still lists the tree (no change markers), exit 0" \
	'[ $rc -eq 0 ] && json_ok "[f[\"path\"] for f in J] == [\"a.txt\"]"'

# ---- symbolic links (item 4, R9): ZIP symlink entries, never downloaded through
LINKS=cccccccccccccccccccccccccccccc25
LINKSET='{"app/.venv/bin/python": "/usr/bin/python3", "app/.venv/bin/python3": "python", "app/docs-link": "docs", "app/readme-link": "docs/a.md", "app/dangling": "nowhere.txt"}'
# links_ok ZIP: every link is a Unix symlink entry whose data is its target, and nothing else is a link
links_ok() {
	zpy "$1" "all((zf.getinfo(k).external_attr >> 16) == 0o120777 and Z[k] == v.encode() for k, v in $LINKSET.items() if k in Z) and not any((i.external_attr >> 16) & 0o170000 == 0o120000 for i in zf.infolist() if i.filename not in $LINKSET)"
}
ohb files $LINKS --json
check "files lists links as links with their target" \
	'[ $rc -eq 0 ] && json_ok "{f[\"path\"]: f.get(\"target\") for f in J if f[\"type\"] == \"link\"} == $LINKSET"'
ohb download $LINKS --no-server-archive -o links-walk.zip
check "walk: exit 0 (links to directories and dangling links are no failure), not incomplete" \
	'[ $rc -eq 0 ] && ! grep -q incomplete "$tmp/err"'
check "walk: each link is a symlink entry holding its target; the interpreter was never downloaded" \
	'links_ok links-walk.zip && zpy links-walk.zip "set($LINKSET) <= set(Z) and max(len(v) for v in Z.values()) < 1000 and M[\"skipped\"] == []" && ! grep -q "file/download?path=%2Fworkspace%2Fproject%2Fapp%2F.venv" "$tmp/agent.log"'
check "walk: the metadata names each link's target" \
	'zpy links-walk.zip "{f[\"path\"]: f[\"symlink\"] for f in M[\"files\"] if \"symlink\" in f} == $LINKSET"'
check "walk: the script keeps its exec bit, regular files are 0644" \
	'zpy links-walk.zip "(zf.getinfo(\"app/bin/run.sh\").external_attr >> 16) == 0o100755 and (zf.getinfo(\"app/docs/a.md\").external_attr >> 16) == 0o100644"'
ohb download $LINKS --changed -o links-changed.zip
check "changed: an untracked link (R9: ADDED) is a link entry, the dangling one too; exit 0" \
	'[ $rc -eq 0 ] && links_ok links-changed.zip && zpy links-changed.zip "sorted(Z) == [\"app/bin/run.sh\", \"app/dangling\", \"app/readme-link\"]"'
ohb download $LINKS app/docs-link app/docs-link/a.md app/.venv -o links-sel.zip
check "selected: links stay links; a path through a link to a directory is left out, with the reason" \
	'[ $rc -eq 0 ] && links_ok links-sel.zip && zpy links-sel.zip "sorted(Z) == [\"app/.venv/bin/activate\", \"app/.venv/bin/python\", \"app/.venv/bin/python3\", \"app/docs-link\"] and [s[\"path\"] for s in M[\"skipped\"]] == [\"app/docs-link/a.md\"] and \"symbolic link\" in M[\"skipped\"][0][\"reason\"]"'

# ---- the whole workspace: the archive read as the server writes it (item 5, 2.2, R9-R11)
# ws_exact ZIP WORKSPACE [git]: the ZIP is the workspace exactly: every file byte for byte with
# its mode, every link as a link, every empty directory as a directory entry, nothing else;
# with "git", each repository's .git/HEAD too (the archive keeps .git; the walk never enters it)
ws_exact() {
	zpy "$1" "(lambda W, git: (lambda exp: (Z == exp[0] and {i.filename: i.external_attr >> 16 for i in zf.infolist() if i.filename != 'conversation_metadata.json'} == exp[1]) or print('# want', sorted(exp[0]), file=sys.stderr))(
  (lambda files, dirs: (
    dict([(f['path'], (f.get('link') or f.get('text', '')).encode()) for f in files]
         + [(d, b'') for d in dirs]
         + ([(r + '/.git/HEAD' if r else '.git/HEAD', b'ref: refs/heads/main\\n') for r in W.get('repos', [])] if git else [])),
    dict([(f['path'], 0o120777 if 'link' in f else 0o100000 | int(f.get('mode', '0644'), 8)) for f in files]
         + [(d, 0o40755) for d in dirs]
         + ([(r + '/.git/HEAD' if r else '.git/HEAD', 0o100644) for r in W.get('repos', [])] if git else []))))(
    [f for f in W['files'] if not f['path'].endswith('/')],
    [f['path'] for f in W['files'] if f['path'].endswith('/') and not any(g['path'].startswith(f['path']) and g['path'] != f['path'] for g in W['files'])])))(
  json.load(open('$SCEN/agent.json'))['workspaces']['$2'], '${3:-}' == 'git')"
}
archive_requests() { grep -c "\"path\":\"/api/file/archive\"" "$tmp/agent.log"; }
for pair in $NESTED:nested $NOREPO:norepo $SIDES:sides $NOGIT:nogit $LINKS:links; do
	id=${pair%%:*} ws=${pair#*:}
	before=$(archive_requests)
	ohb download $id -o "arc-$ws.zip"
	rca=$rc
	ohb download $id --no-server-archive -o "walk-$ws.zip"
	git=git; [ $ws = nogit ] && git=
	check "$ws: the archive export is the workspace exactly (files, modes, links, empty dirs, .git kept), asked once" \
		'[ $rca -eq 0 ] && ws_exact "arc-$ws.zip" $ws $git && [ $(($(archive_requests) - before)) -eq 1 ]'
	check "$ws: the walk export is the same workspace, exactly, .git included (its second listing)" '[ $rc -eq 0 ] && ws_exact "walk-$ws.zip" $ws $git'
done
check "base not a repo: the server packed proj (X-Archive-Repo-Root), its members went back under proj/, outside.txt came from the walk" \
	'grep -q "x-archive-repo-root\|X-Archive-Repo-Root" "$tmp/agent.log" || true; zpy arc-norepo.zip "\"proj/README.md\" in Z and \"README.md\" not in Z and Z[\"outside.txt\"] == b\"not in any repo\\n\""'
check "R11: the server's manifest is dropped, a workspace file of that name is kept" \
	'zpy arc-norepo.zip "not any(k.endswith(\"archive_manifest.json\") for k in Z)" && zpy arc-sides.zip "Z[\"archive_manifest.json\"] == b\"{\\\"format\\\": \\\"mine\\\"}\\n\""'
SLOW=cccccccccccccccccccccccccccccc26
VERYSLOW=cccccccccccccccccccccccccccccc27
before=$(archive_requests)
OHBROWSE_STALL_S=1 OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_agent" download $SLOW -o slow.zip --progress=json >"$tmp/out" 2>"$tmp/err"
rc=$?
check "R10: 2.5 s of silence before the first byte is no stall (stall detection at 1 s): exit 0, one request, exact" \
	'[ $rc -eq 0 ] && [ $(($(archive_requests) - before)) -eq 1 ] && ws_exact slow.zip norepo git'
check "R10: the progress says the sandbox is packing the workspace" 'grep -q "\"packing_s\":[12]" "$tmp/err"'
before=$(archive_requests)
ohb --archive-wait 2 download $VERYSLOW -o veryslow.zip
rcv=$rc
# the fake logs a request when it answers: the abandoned one after its 6 s build
i=0; while [ $(($(archive_requests) - before)) -lt 1 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
rc=$rcv
check "R10: an archive that does not start in time is never asked again: the walk gives the same workspace" \
	'[ $rc -eq 0 ] && [ $(($(archive_requests) - before)) -eq 1 ] && ws_exact veryslow.zip norepo git'
before=$(archive_requests)
OHBROWSE_WALK_ABOVE=10 OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_agent" --verbose download $NOREPO -o big.zip >"$tmp/out" 2>"$tmp/err"
rc=$?
check "above the size threshold the walk is taken instead of the archive, and --verbose says why" \
	'[ $rc -eq 0 ] && [ $(archive_requests) -eq $before ] && grep -q "fetched one by one instead" "$tmp/err" && ws_exact big.zip norepo git'
OPENHANDS_API_KEY=$KEY "$OHB" --server "$APP_agent" --verbose download $NOREPO -o small.zip >"$tmp/out" 2>"$tmp/err"
check "below it the archive is taken, said in --verbose, and the one listing also completes it" \
	'grep -q "taking the agent-server" "$tmp/err" && [ $(grep -c "^> POST.*start_bash_command" "$tmp/err") -eq 1 ]'
ohb --workspace-root workspace/project files $NESTED
check "--workspace-root must be absolute: exit 2" '[ $rc -eq 2 ] && grep -q absolute "$tmp/err"'
ohb --workspace-root /workspace/nowhere files $NESTED
check "a workspace root that does not exist (dash: exit 2, R8) is 'not found': exit 4" '[ $rc -eq 4 ] && grep -q "not found" "$tmp/err"'

# ---- a listing no decoder can damage (item 3, R7)
MANY=cccccccccccccccccccccccccccccc28
ohb files $MANY --json
check "R7: 400 non-ASCII names (a 40 KiB listing the server decodes 8 KiB at a time) and a newline in a name, all exact" \
	'[ $rc -eq 0 ] && json_ok "sorted(f[\"path\"] for f in J if f[\"type\"] == \"file\") == sorted(f[\"path\"] for f in json.load(open(\"$SCEN/agent.json\"))[\"workspaces\"][\"many\"][\"files\"]) and not any(\"\\ufffd\" in f[\"path\"] for f in J)"'
ohb download $MANY --no-server-archive -o many.zip
check "R7: the walk of that workspace is exact, byte for byte (the newline in a name becomes _ in the ZIP, as every control character)" \
	'[ $rc -eq 0 ] && zpy many.zip "Z == dict([(f[\"path\"].replace(\"\\n\", \"_\"), f[\"text\"].encode()) for f in json.load(open(\"$SCEN/agent.json\"))[\"workspaces\"][\"many\"][\"files\"]] + [(\".git/HEAD\", b\"ref: refs/heads/main\\n\")])"'
check "the listing was polled incrementally (order__gt), not from the first page every time" \
	'grep -q "order__gt=" "$tmp/agent.log"'

# ---- a selected directory as one archive (issue 16 item 2; openhands-api-2026.md 2.2)
DIRS=cccccccccccccccccccccccccccccc30
DIRS_NOARC=cccccccccccccccccccccccccccccc31
# reqs_since N KIND: the agent-server requests after log line N: KIND "arc" the archive
# requests' decoded path=, "dl" the downloaded files' paths (workspace-relative, sorted)
reqs_since() {
	$PY - "$tmp/agent.log" "$1" "$2" <<'PYEOF'
import json, sys, urllib.parse
log = [json.loads(l) for l in open(sys.argv[1])][int(sys.argv[2]):]
q = lambda l: urllib.parse.parse_qs(l.get("query") or "")
if sys.argv[3] == "arc":
    out = [q(l)["path"][0] for l in log if l["path"] == "/api/file/archive"]
else:
    out = sorted(q(l)["path"][0].replace("/workspace/project/", "", 1) for l in log if l["path"] == "/api/file/download")
print(" ".join(out))
PYEOF
}
# same_zip A B: the same entries, byte for byte, with the same modes (the metadata aside)
same_zip() {
	$PY - "$1" "$2" <<'PYEOF' 2>>"$tmp/err"
import sys, zipfile
def entries(p):
    zf = zipfile.ZipFile(p)
    return {i.filename: (zf.read(i), i.external_attr >> 16) for i in zf.infolist() if i.filename != "conversation_metadata.json"}
a, b = entries(sys.argv[1]), entries(sys.argv[2])
if a != b:
    print("# differ:", sorted(set(a.items()) ^ set(b.items())), file=sys.stderr)
sys.exit(0 if a == b else 1)
PYEOF
}
n0=$(wc -l <"$tmp/agent.log")
ohb download $DIRS data -o dir-arc.zip
rca=$rc
arcs=$(reqs_since $n0 arc) dls=$(reqs_since $n0 dl)
ohb download $DIRS data --no-server-archive -o dir-walk.zip
rcw=$rc
check "a selected directory that is no repository: one archive of it, per-file only for what it lacked (data/late.txt)" \
	'[ $rca -eq 0 ] && [ "$arcs" = "/workspace/project/data" ] && [ "$dls" = "data/late.txt" ]'
check "that ZIP is the per-file one, entry for entry, byte for byte, modes and the link included" \
	'[ $rcw -eq 0 ] && same_zip dir-arc.zip dir-walk.zip && zpy dir-arc.zip "sorted(Z) == [\"data/a.txt\", \"data/late.txt\", \"data/link\", \"data/run.sh\", \"data/sp ace/\\u00e9.txt\", \"data/sub/deep/b.txt\"]"'
n0=$(wc -l <"$tmp/agent.log")
ohb download $DIRS tools -o dir-repo.zip
arcs=$(reqs_since $n0 arc) dls=$(reqs_since $n0 dl)
echo "# archives: $arcs; downloads: $dls" >>"$tmp/err"
check "a directory the server would resolve to its one repository (tools/lib) stays per-file" \
	'[ $rc -eq 0 ] && [ -z "$arcs" ] && [ "$dls" = "tools/lib/x.c tools/readme.md" ]'
n0=$(wc -l <"$tmp/agent.log")
ohb download $DIRS multi top.txt -o dir-multi.zip
rca=$rc
arcs=$(reqs_since $n0 arc) dls=$(reqs_since $n0 dl)
ohb download $DIRS multi top.txt --no-server-archive -o dir-multi-walk.zip
check "a directory with two repositories below packs itself: one archive of it, .git left out, the loose file per-file" \
	'[ $rca -eq 0 ] && [ "$arcs" = "/workspace/project/multi" ] && [ "$dls" = "top.txt" ] && same_zip dir-multi.zip dir-multi-walk.zip && zpy dir-multi.zip "not any(\".git\" in k for k in Z) and \"multi/r1/one.c\" in Z"'
n0=$(wc -l <"$tmp/agent.log")
ohb download $DIRS_NOARC data -o dir-noarc.zip
arcs=$(reqs_since $n0 arc) dls=$(reqs_since $n0 dl)
echo "# archives: $arcs; downloads: $dls" >>"$tmp/err"
check "no archive route: the directory per-file, the same ZIP" \
	'[ $rc -eq 0 ] && [ "$arcs" = "/workspace/project/data" ] && [ "$dls" = "data/a.txt data/late.txt data/run.sh data/sp ace/é.txt data/sub/deep/b.txt" ] && same_zip dir-noarc.zip dir-walk.zip'

check "no .part file survives any of the above" '[ -z "$(ls *.part 2>/dev/null)" ]'
cd "$tmp" || exit 1

tap_end
