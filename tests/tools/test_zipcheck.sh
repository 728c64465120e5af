#!/bin/sh
# TAP test for zipcheck: lists a ZIP made by Python's zipfile, and rejects damaged ones.
set -u
zipcheck=$1
py=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ohb-zipcheck-XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; fail=1; }

if [ ! -x "$py" ]; then
	echo "1..0 # SKIP $py not available"
	exit 0
fi
"$py" - "$tmp" <<'PY'
import sys, zipfile, hashlib
d = sys.argv[1]
files = [("a.txt", b"hello\n"), ("empty", b""), ("dir/Δοκιμή ünï.txt", "δεδομένα\n".encode()),
         ("big.bin", bytes((i * 7 + (i >> 8)) & 255 for i in range(300000)))]
with zipfile.ZipFile(d + "/t.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in files:
        z.writestr(name, data)
with open(d + "/want", "w", encoding="utf-8") as f:
    for name, data in files:
        f.write("%s %d %s\n" % (hashlib.sha256(data).hexdigest(), len(data), name))
with zipfile.ZipFile(d + "/stored.zip", "w", zipfile.ZIP_STORED) as z:
    z.writestr("q.txt", b"q" * 1000)
raw = bytearray(open(d + "/stored.zip", "rb").read())
raw[raw.index(b"q" * 10) + 500] = ord("r")
open(d + "/badcrc.zip", "wb").write(raw)
t = open(d + "/t.zip", "rb").read()
open(d + "/trunc.zip", "wb").write(t[: len(t) // 2])
open(d + "/html.zip", "wb").write(b"<!DOCTYPE html>\n<html></html>\n")
PY

if LC_ALL=C "$zipcheck" "$tmp/t.zip" >"$tmp/got" 2>"$tmp/err" && cmp -s "$tmp/got" "$tmp/want"; then
	ok "lists names, sizes and sha256 in archive order (LC_ALL=C)"
else
	notok "lists names, sizes and sha256 in archive order (LC_ALL=C)"
	diff "$tmp/want" "$tmp/got" | sed 's/^/# /'
	sed 's/^/# /' "$tmp/err"
fi
for bad in badcrc trunc html; do
	if "$zipcheck" "$tmp/$bad.zip" >/dev/null 2>"$tmp/err"; then
		notok "$bad.zip is rejected"
	elif grep -q "^zipcheck: $tmp/$bad.zip: " "$tmp/err"; then
		ok "$bad.zip is rejected with a message"
	else
		notok "$bad.zip is rejected with a message"
		sed 's/^/# /' "$tmp/err"
	fi
done
if "$zipcheck" >/dev/null 2>&1; then notok "usage error"; else ok "usage error"; fi
echo "1..$n"
exit $fail
