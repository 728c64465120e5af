#!/usr/bin/python3
"""bench/gentree.py: writes a fakehands scenario for the benchmarks to stdout.

  gentree.py tree                 2,000 small text files in 200 directories (10 top, 19 sub each)
  gentree.py flat N SIZE          N generated binary files of SIZE bytes in one directory
  gentree.py big SIZE             one generated binary file of SIZE bytes
  gentree.py many TOTAL           generated binary files of 1..8 MiB adding up to about TOTAL bytes

Options after the kind: --text (flat: generated text files), --latency MS (every agent-server and runtime route), --no-limiter
(runtime_rate_limit false). One V0 conversation aaaa... and one V1 conversation bbbb...,
both RUNNING on the same workspace.
"""
import json
import sys

args = sys.argv[1:]
kind = args.pop(0)
latency = 0
limiter = True
text = False
rest = []
while args:
    a = args.pop(0)
    if a == "--latency":
        latency = int(args.pop(0))
    elif a == "--text":
        text = True
    elif a == "--no-limiter":
        limiter = False
    else:
        rest.append(a)
files = []
if kind == "tree":
    for d in range(200):
        top = "dir%02d" % (d // 20)
        sub = top if d % 20 == 0 else "%s/sub%02d" % (top, d % 20)
        for f in range(10):
            files.append({"path": "%s/file%d.txt" % (sub, f), "size": 100 + f, "text": True, "seed": d * 10 + f})
elif kind == "flat":
    n, size = int(rest[0]), int(rest[1])
    for i in range(n):
        files.append({"path": "data/f%04d.%s" % (i, "txt" if text else "bin"), "size": size, "text": text, "seed": i + 1})
elif kind == "big":
    files.append({"path": "big.bin", "size": int(rest[0]), "seed": 7})
    files.append({"path": "README.md", "text": "one big file\n"})
elif kind == "many":
    total, i, done = int(rest[0]), 0, 0
    while done < total:
        size = (1 + i % 8) * 1048576
        files.append({"path": "d%d/f%04d.bin" % (i % 10, i), "size": size, "seed": i + 1})
        done += size
        i += 1
else:
    sys.exit("gentree.py: unknown kind " + kind)
sc = {
    "app": {"api_key": "benchbenchbenchbenchbenchbench00", "now": "2026-11-25T12:00:00Z"},
    "runtime_rate_limit": limiter,
    "workspaces": {"ws": {"files": files}},
    "conversations": [
        {"id": "a" * 32, "title": "Bench V0", "version": "V0", "status": "RUNNING", "workspace": "ws", "created_at": "-1h"},
        {"id": "b" * 32, "title": "Bench V1", "version": "V1", "status": "RUNNING", "workspace": "ws", "created_at": "-2h"},
    ],
}
if latency:
    sc["faults"] = [{"server": "agent", "route": "*", "latency_ms": latency},
                    {"server": "runtime", "route": "*", "latency_ms": latency}]
json.dump(sc, sys.stdout)
