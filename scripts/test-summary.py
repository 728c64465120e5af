#!/usr/bin/python3
"""Print 'N passed, N failed, N skipped' from meson testlog.json files.

TAP tests count per case (ok / not ok / # SKIP); other tests count once.
Usage: test-summary.py [--extra-passed N] [--extra-failed N] BUILD_DIR [BUILD_DIR...]
"""
import glob
import json
import os
import re
import sys

passed = failed = skipped = 0
args = sys.argv[1:]
while args and args[0].startswith("--extra-"):
    n = int(args[1])
    if args[0] == "--extra-passed":
        passed += n
    else:
        failed += n
    args = args[2:]
logs = []
for build in args:
    found = sorted(glob.glob(os.path.join(build, "meson-logs", "testlog*.json")))
    if not found:
        print(f"no test log in {build}", file=sys.stderr)
        failed += 1
    logs += found   # testlog.json, plus testlog-<setup>.json for runs under a test setup
for path in logs:
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            res = t.get("result", "")
            out = t.get("stdout") or ""
            cases = [l for l in out.splitlines() if re.match(r"^(not )?ok\b", l)]
            if cases and res not in ("TIMEOUT",):
                for c in cases:
                    if re.search(r"#\s*SKIP", c, re.I):
                        skipped += 1
                    elif c.startswith("not ok") and not re.search(r"#\s*TODO", c, re.I):
                        failed += 1
                    else:
                        passed += 1
                if res not in ("OK", "SKIP", "EXPECTEDFAIL") and not any(c.startswith("not ok") for c in cases):
                    failed += 1   # crashed or bad plan after its last case
            elif res in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif res == "SKIP":
                skipped += 1
            else:
                failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
