#!/usr/bin/env python3
"""The contract suite (TAP): the fake server and the client against the committed contract.

usage: run.py FAKEHANDS OHBROWSE

  (a) the fake: for every generation in GENERATIONS, start tests/fakehands with the row's
      scenario, drive every route of that server kind (PROBES) with plain urllib and check each
      answer against the contract entry for its status (python3-jsonschema). A route the fake
      serves that no contract entry of that generation describes fails; so does a route of
      another generation (or one the row lists as absent) that is not answered the way the
      generation answers an unknown route.
  (b) the client: run ohbrowse's CLI commands against the fake with its request log on and
      check every logged request: the path template is in the contract of the generation of the
      server it went to, every query parameter is named there, limits and enums hold, required
      headers are present, and no account key goes to a sandbox.
  (c) self-tests: deliberate mismatches (a renamed field, limit=500, a removed route served, an
      unknown parameter, a fake route without a probe) must fail with a message naming them.

Contract files: tests/contract/*.json (see README.md). Offline, 127.0.0.1 only, port 0, one
temporary directory per run: safe to run in parallel. Python 3 + python3-jsonschema (Debian).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_SRC = os.path.join(HERE, "..", "fakehands")

try:
    import jsonschema
except ImportError:
    print("1..0 # SKIP python3-jsonschema is not installed (scripts/install-deps.sh)")
    sys.exit(0)

# ---------------------------------------------------------------------------------------------
# The generations. Adding one is one row: its scenario (tests/contract/scenarios), the server it
# plays ("app" / "runtime:<conversation id>" / "agent:<conversation id>"), the contract files
# whose entries for that server kind apply, the routes of those files this generation does not
# have ("absent": they must get the unknown-route answer), and "active": probes that tell whether
# this fake plays that generation at all (else the row is a TAP SKIP, so a row can be written
# before the fake learns the generation and turns itself on when it does).
V0RUN, V0STOP = "c0" * 15 + "01", "c0" * 15 + "02"
ORG = "9b1f4c2e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"  # the cloud-2026 fake's default org
V1BOTH, V1QUERY, V1PATH, V1PAUSED, V1NEW = ("c1" * 15 + n for n in ("03", "04", "05", "06", "07"))
AGENT_DOCS = ["agent-server-2026-02-13.json", "extra.json"]
PATH_FORMS = [("GET", "/api/file/download/{path}"), ("GET", "/api/git/changes/{path}"), ("GET", "/api/git/diff/{path}")]
GENERATIONS = [
    {"name": "cloud-2025", "scenario": "cloud-2025.json", "server": "app",
     "what": "Cloud app server as of 2025: V0 /api/conversations* beside V1 /api/v1/*",
     "contracts": ["v0-2026-01-29.json", "cloud-2026-08-13.json", "extra.json"], "absent": []},
    {"name": "cloud-2026", "scenario": "cloud-2026.json", "server": "app",
     "what": "Cloud app server as of 2026-08 (openhands-api-2026.md 1.1, 1.12): V1 only",
     "contracts": ["cloud-2026-08-13.json", "extra.json"],
     "absent": [("GET", "/api/conversations"), ("GET", "/api/conversations/{conversation_id}"),
                ("POST", "/api/conversations/{conversation_id}/start"), ("GET", "/api/options/models"),
                ("GET", "/api/v1/events/search")],
     "active": [("absent", "GET", "/api/conversations", [("limit", "1")]),
                ("served", "GET", "/api/v1/conversation/%s/events/search" % V1BOTH, [("limit", "1")])]},
    {"name": "v0-runtime", "scenario": "cloud-2025.json", "server": "runtime:" + V0RUN,
     "what": "V0 nested runtime (openhands-api.md 5.1)",
     "contracts": ["v0-2026-01-29.json", "extra.json"], "absent": []},
    {"name": "agent-both", "scenario": "cloud-2025.json", "server": "agent:" + V1BOTH,
     "what": "agent-server, fake default: path and query forms and the archive (no real version has all three)",
     "contracts": AGENT_DOCS, "absent": [("GET", "/api/file/search_subdirs")]},
    {"name": "agent-query", "scenario": "cloud-2025.json", "server": "agent:" + V1QUERY,
     "what": "agent-server >= v1.30 (query forms only, archive; openhands-api-2026.md 2.7)",
     "contracts": AGENT_DOCS, "absent": PATH_FORMS + [("GET", "/api/file/search_subdirs")]},
    {"name": "agent-path", "scenario": "cloud-2025.json", "server": "agent:" + V1PATH,
     "what": "agent-server v1.12 (download path form only, both git forms, no archive; 2.7)",
     "contracts": AGENT_DOCS,
     "absent": [("GET", "/api/file/download"), ("GET", "/api/file/archive"), ("GET", "/api/file/search_subdirs")]},
    {"name": "agent-v1.43", "scenario": "cloud-2025.json", "server": "agent:" + V1NEW,
     "what": "agent-server v1.43.1 (openhands-api-2026.md 2, fake agent.generation 2026): query forms only, archive",
     "contracts": AGENT_DOCS, "absent": PATH_FORMS,
     # R6 (openhands-api-2026.md 7): git/diff of a missing file is a 400 there, a 200 on older servers
     "active": [("absent", "GET", "/api/file/download//workspace/project/README.md", []),
                ("status", 400, "GET", "/api/git/diff", [("path", "/workspace/project/missing.txt")])]},
]
# which generation each server of a scenario plays, for checking the client's requests
SERVER_GENERATION = {"runtime:": "v0-runtime", "agent:" + V1BOTH: "agent-both", "agent:" + V1QUERY: "agent-query",
                     "agent:" + V1PATH: "agent-path", "agent:" + V1PAUSED: "agent-both", "agent:" + V1NEW: "agent-v1.43"}

# The CLI commands of part (b), per app generation.
CLI_RUNS = {
    "cloud-2025": [["list", "--json"], ["list", "--limit", "3"],
                   ["files", V0RUN, "--json"], ["files", V0RUN, "--changed", "--json"], ["download", V0RUN, "-o", "v0.zip"],
                   ["download", V0RUN, "--no-server-archive", "-o", "v0b.zip"], ["events", V0RUN, "--json"],
                   ["export", V0RUN, "--format", "md", "-o", "v0.md"], ["files", V0STOP, "--wake", "--json"]]
    + [c for v in (V1BOTH, V1QUERY, V1PATH) for c in (
        ["files", v, "--json"], ["files", v, "--changed", "--json"], ["download", v, "-o", v + ".zip"],
        ["download", v, "--no-server-archive", "-o", v + "b.zip"], ["download", v, "--events", "-o", v + "e.zip"],
        ["events", v, "--json"], ["export", v, "--format", "json", "-o", v + ".json"])]
    + [["files", V1NEW, "--json"], ["files", V1NEW, "--changed", "--json"], ["download", V1NEW, "-o", "new.zip"],
       ["download", V1NEW, "--changed", "-o", "newc.zip"]]
    + [["files", V1PAUSED, "--wake", "--json"]],
    "cloud-2026": [["list", "--json"], ["files", V1QUERY, "--json"], ["download", V1QUERY, "-o", "q.zip"],
                   ["events", V1QUERY, "--json"], ["files", V1PAUSED, "--wake", "--json"], ["whoami", "--json"],
                   ["--org", ORG, "list", "--json"], ["--org", ORG, "files", V1BOTH, "--changed", "--json"]],
}

# The fake's route names (tests/fakehands/README.md "Route names") -> the route template a probe
# drives. A name in the fake's source without a row here fails the suite: a new fake route needs
# a probe, and the probe needs a contract entry.
ROUTE_NAMES = {
    "app": {"conversations": ("GET", "/api/conversations"), "conversation": ("GET", "/api/conversations/{conversation_id}"),
            "start": ("POST", "/api/conversations/{conversation_id}/start"), "models": ("GET", "/api/options/models"),
            "v1-search": ("GET", "/api/v1/app-conversations/search"), "v1-count": ("GET", "/api/v1/app-conversations/count"),
            "v1-batch": ("GET", "/api/v1/app-conversations"), "sandboxes": ("GET", "/api/v1/sandboxes"),
            "sandbox-resume": ("POST", "/api/v1/sandboxes/{sandbox_id}/resume"), "v1-events": ("GET", "/api/v1/events/search"),
            "v1-conv-events": ("GET", "/api/v1/conversation/{conversation_id}/events/search"),
            "keys-current": ("GET", "/api/keys/current"),
            "sandbox-pause": ("POST", "/api/v1/sandboxes/{sandbox_id}/pause"),
            "v1-conv-events-count": ("GET", "/api/v1/conversation/{conversation_id}/events/count"),
            "v1-download": ("GET", "/api/v1/app-conversations/{conversation_id}/download")},
    "runtime": {n: ("GET", "/api/conversations/{conversation_id}/" + p) for n, p in (
        ("list-files", "list-files"), ("select-file", "select-file"), ("zip-directory", "zip-directory"),
        ("git-changes", "git/changes"), ("git-diff", "git/diff"), ("trajectory", "trajectory"), ("events", "events"))},
    "agent": {"file-download": ("GET", "/api/file/download"), "file-archive": ("GET", "/api/file/archive"),
              "bash-start": ("POST", "/api/bash/start_bash_command"), "bash-exec": ("POST", "/api/bash/execute_bash_command"),
              "bash-events": ("GET", "/api/bash/bash_events/search"), "git-changes": ("GET", "/api/git/changes"),
              "git-diff": ("GET", "/api/git/diff"), "events": ("GET", "/api/conversations/{conversation_id}/events/search"),
              "alive": ("GET", "/alive"), "search-subdirs": ("GET", "/api/file/search_subdirs"),
              "conversation": ("GET", "/api/conversations/{conversation_id}")},
}
ROUTE_FUNCS = {"app": "app_route", "runtime": "runtime_route", "agent": "agent_route"}
UNKNOWN_NAMES = {"html", "unknown"}
LISTING = "cd -- '/workspace/project' && find . -mindepth 1 -name .git -prune -o -printf '%y %s %T@ %P\\n'"


# ---------------------------------------------------------------------------------------------
# TAP

class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=()):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, desc))
        if not cond:
            self.failed += 1
            for d in list(diag)[:40]:
                print("#   " + str(d).replace("\n", "\n#   "))
            if len(list(diag)) > 40:
                print("#   ... %d more" % (len(list(diag)) - 40))
        sys.stdout.flush()
        return cond

    def skip(self, desc, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, desc, why))

    def note(self, text):
        for line in text.splitlines():
            print("# " + line)
        sys.stdout.flush()


# ---------------------------------------------------------------------------------------------
# The contract

def load_contract():
    files = {}
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".json"):
            with open(os.path.join(HERE, name), encoding="utf-8") as f:
                files[name] = json.load(f)
    # "responses_from": "<file> <entry id>": the answers are those of another entry (the 2025
    # events route answers the EventPage of the Cloud document), the entry's own on top
    for c in files.values():
        for e in c["routes"]:
            if "responses_from" in e:
                fname, eid = e["responses_from"].split(" ", 1)
                other = next(o for o in files[fname]["routes"] if o["id"] == eid)
                e["responses"] = dict(other["responses"], **e["responses"])
    return files


def template_regex(entry):
    if entry["path"] == "*":
        return None
    kinds = {p["name"]: p.get("schema", {}).get("format") for p in entry["parameters"] if p["in"] == "path"}
    out, pos = "", 0
    for m in re.finditer(r"\{([^}]+)\}", entry["path"]):
        out += re.escape(entry["path"][pos:m.start()])
        # {path} is FastAPI's {path:path} (openhands-api-2026.md 2.2, 2.4): the document drops the
        # converter, and only the git routes keep "format": "path"
        multi = kinds.get(m.group(1)) == "path" or m.group(1) == "path"
        out += "(?P<%s>.+)" % m.group(1) if multi else "(?P<%s>[^/]+)" % m.group(1)
        pos = m.end()
    return re.compile("^" + out + re.escape(entry["path"][pos:]) + "$")


class Generation:
    def __init__(self, row, contract):
        self.row = row
        self.name = row["name"]
        self.kind = row["server"].split(":")[0]
        self.absent = set(tuple(a) for a in row["absent"])
        self.routes, self.fallbacks, self.any_route, self.removed = [], [], [], []
        for fname in row["contracts"]:
            for e in contract[fname]["routes"]:
                if e["server"] != self.kind or ("generations" in e and self.name not in e["generations"]):
                    continue
                e = dict(e, _file=fname, _re=template_regex(e))
                kind = e.get("kind", "route")
                if kind == "fallback":
                    self.fallbacks.append(e)
                elif kind == "any-route":
                    self.any_route.append(e)
                elif kind == "removed":
                    self.removed.append(e)
                elif kind == "amend":
                    self._amend(e)
                elif (e["method"], e["path"]) not in self.absent:
                    self.routes.append(e)

    def _amend(self, a):
        """An "amend" entry (extra.json, read after the documents) adds answers and parameter limits
        the reference gives and the document lacks; it names its source beside the document's."""
        for i, r in enumerate(self.routes):
            if (r["method"], r["path"]) != (a["method"], a["path"]):
                continue
            r = dict(r, responses=dict(r["responses"], **a["responses"]), source=dict(r["source"], amended_by=a["source"]))
            if "undocumented_fields" in a:
                r["undocumented_fields"] = a["undocumented_fields"]
            params = {(p["in"], p["name"]): p for p in r["parameters"]}
            for p in a["parameters"]:
                params[(p["in"], p["name"])] = dict(params.get((p["in"], p["name"]), {}), **p)
            r["parameters"] = sorted(params.values(), key=lambda p: (p["in"], p["name"]))
            self.routes[i] = r

    def match(self, method, path, entries=None):
        for e in (self.routes if entries is None else entries):
            if e["method"] == method and e["_re"].match(path):
                return e
        return None

    def fallback_for(self, method):
        for e in self.fallbacks:
            if e["method"] in (method, "*"):
                return e
        return None


def unwrap_null(schema):
    """X out of anyOf [X, null]."""
    if isinstance(schema, dict) and "anyOf" in schema:
        rest = [s for s in schema["anyOf"] if s.get("type") != "null"]
        if len(rest) == 1:
            return unwrap_null(rest[0])
    return schema or {}


def coerce(values, schema):
    """The query strings as the value FastAPI would validate."""
    s = unwrap_null(schema)
    if s.get("type") == "array":
        return [coerce([v], s.get("items", {})) for v in values]
    v = values[-1]
    t = s.get("type")
    if t == "integer":
        try:
            return int(v)
        except ValueError:
            return v
    if t == "number":
        try:
            return float(v)
        except ValueError:
            return v
    if t == "boolean":
        return {"true": True, "1": True, "false": False, "0": False}.get(v.lower(), v)
    return v


def limit_errors(value, limits):
    errs = []
    vals = value if isinstance(value, list) else [value]
    for v in vals:
        if "enum" in limits and v not in limits["enum"]:
            errs.append("%r is not one of %s" % (v, limits["enum"]))
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if "maximum" in limits and v > limits["maximum"]:
                errs.append("%r > maximum %s" % (v, limits["maximum"]))
            if "minimum" in limits and v < limits["minimum"]:
                errs.append("%r < minimum %s" % (v, limits["minimum"]))
            if "exclusiveMaximum" in limits and v >= limits["exclusiveMaximum"]:
                errs.append("%r >= exclusiveMaximum %s" % (v, limits["exclusiveMaximum"]))
            if "exclusiveMinimum" in limits and v <= limits["exclusiveMinimum"]:
                errs.append("%r <= exclusiveMinimum %s" % (v, limits["exclusiveMinimum"]))
    if isinstance(value, list) and "maxItems" in limits and len(value) > limits["maxItems"]:
        errs.append("%d values > maxItems %s" % (len(value), limits["maxItems"]))
    return errs


def closed(schema, allow=(), in_allof=False):
    """The schema with undeclared properties forbidden wherever it declares properties and says
    nothing about others. The servers answer with pydantic models, which write exactly their
    fields; and a field with a default is not "required", so a renamed one would pass an open
    schema unnoticed. Only answers are checked this way (see check_answer). allow: names an
    extra.json entry says the server writes although the document lacks them (undocumented_fields)."""
    if isinstance(schema, list):
        return [closed(s, allow, in_allof) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k in ("properties", "patternProperties", "$defs", "dependentSchemas"):
            out[k] = {n: closed(x, allow) for n, x in v.items()}
        elif k in ("enum", "const", "default", "required", "examples"):
            out[k] = v
        else:
            out[k] = closed(v, allow, in_allof or k == "allOf")
    if ("properties" in out and not in_allof and "allOf" not in out and
            not any(k in out for k in ("additionalProperties", "patternProperties", "unevaluatedProperties"))):
        out["additionalProperties"] = False
        for name in allow:
            out["properties"].setdefault(name, {})
    return out


def deepest(err):
    """Of an anyOf/oneOf failure, the branch error deepest in the answer (not "is not null")."""
    if not err.context:
        return err
    return max((deepest(c) for c in err.context), key=lambda c: (len(c.absolute_path), c.validator != "type"))


def schema_errors(schema, value, where):
    """One line per error: field (instance path) and schema path."""
    out = []
    v = jsonschema.Draft202012Validator(schema)
    for err in sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path)):
        best = deepest(err)
        field = "/".join(str(p) for p in best.absolute_path) or "(the whole body)"
        spath = "/".join(str(p) for p in best.absolute_schema_path)
        out.append("%s: field %s: %s (schema path %s)" % (where, field, best.message[:300], spath))
    return out


def ctype_ok(expected, got):
    got = (got or "").split(";")[0].strip().lower()
    return expected is None or got == expected


def check_answer(gen, entry, method, status, ctype, body, where):
    """Mismatches of one answer with the contract entry (or the server's any-route answers)."""
    resp = entry["responses"].get(str(status))
    src = entry
    allow = list(entry.get("undocumented_fields", {}).get(str(status), []))
    for e in gen.any_route:
        allow += e.get("undocumented_fields", {}).get(str(status), [])
        if resp is None and str(status) in e["responses"]:
            resp, src = e["responses"][str(status)], e
    if resp is None:
        return ["%s: status %d is not in the contract (documented: %s; %s)" % (
            where, status, ", ".join(sorted(entry["responses"])), cite(entry))]
    schema = resp.get("schema")
    if schema == {}:
        return []  # FastAPI writes {} for a Response it cannot describe (files, archives): anything goes
    if not ctype_ok(resp.get("content_type"), ctype):
        return ["%s: Content-Type %s, the contract says %s (%s)" % (where, ctype, resp["content_type"], cite(src))]
    if resp.get("content_type") != "application/json" or schema is None:
        return []
    try:
        value = json.loads(body)
    except ValueError as e:
        return ["%s: body is not JSON (%s): %r" % (where, e, body[:80])]
    return schema_errors(closed(schema, allow), value, where)


def cite(e):
    s = e["source"]
    out = "%s %s %s" % (s["document"], s.get("date"), s.get("pointer") or s.get("section"))
    if "amended_by" in s:
        out += "; amended by " + cite({"source": s["amended_by"]})
    return out


def check_request(gens, gen, entry_log, api_key, stats):
    """Mismatches of one logged request with the contract of the generation it was sent to."""
    method, path = entry_log["method"], entry_log["path"]
    where = "%s %s %s" % (gen.name, method, path + ("?" + entry_log["query"] if entry_log["query"] else ""))
    errs = []
    entry = gen.match(method, path)
    if entry is None:
        # a probe for a route form of another generation of this server kind, answered as absent
        other = [g for g in gens if g.kind == gen.kind and g.match(method, path)]
        fb = gen.fallback_for(method)
        answered_absent = fb is not None and str(entry_log["status"]) in fb["responses"] and ctype_ok(
            fb["responses"][str(entry_log["status"])].get("content_type"), entry_log.get("content_type"))
        if other and answered_absent:
            stats["probes"].append("%s %s (a %s route; answered %d)" % (method, path, other[0].name, entry_log["status"]))
        else:
            errs.append("%s: no contract route of %s has this method and path" % (where, gen.name))
        return errs, None
    query = urllib.parse.parse_qs(entry_log["query"], keep_blank_values=True)
    params = {p["name"]: p for p in entry["parameters"] if p["in"] == "query"}
    for name, values in sorted(query.items()):
        p = params.get(name)
        if p is None:
            errs.append("%s: query parameter '%s' is not in the contract (it names: %s; %s)" % (
                where, name, ", ".join(sorted(params)) or "none", cite(entry)))
            continue
        value = coerce(values, p["schema"])
        for m in limit_errors(value, p.get("limits", {})):
            errs.append("%s: query parameter '%s': %s (%s)" % (where, name, m, cite(entry)))
        errs += schema_errors(p["schema"], value, "%s: query parameter '%s'" % (where, name))
    for name, p in sorted(params.items()):
        if p["required"] and name not in query:
            errs.append("%s: required query parameter '%s' is missing (%s)" % (where, name, cite(entry)))
    h = entry_log.get("headers", {})
    if gen.kind == "app":
        if not re.match(r"^Bearer \S+$", h.get("authorization", "")) and not h.get("x-session-api-key"):
            errs.append("%s: header Authorization: Bearer <key> is missing (openhands-api-2026.md 1.1)" % where)
    else:
        if path.startswith("/api/") and not h.get("x-session-api-key"):
            errs.append("%s: header X-Session-API-Key is missing (openhands-api-2026.md 2.1)" % where)
        if api_key and any(api_key in v for v in h.values()):
            errs.append("%s: the account API key was sent to a sandbox (openhands-api.md 2.5)" % where)
        if "x-org-id" in h:
            errs.append("%s: X-Org-Id was sent to a sandbox; it selects an organization on the app server only "
                        "(openhands-api-2026.md 1.11)" % where)
    if gen.kind == "app" and "x-org-id" in h and not re.match(
            r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$", h["x-org-id"]):
        errs.append("%s: X-Org-Id %r is not a UUID (a 400 on Cloud, openhands-api-2026.md 1.11)" % (where, h["x-org-id"]))
    return errs, entry


# ---------------------------------------------------------------------------------------------
# The fake and HTTP

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http(base, method, path, query=(), body=None, headers=None):
    url = base + path + ("?" + urllib.parse.urlencode(list(query)) if query else "")
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with OPENER.open(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


class Fake:
    def __init__(self, exe, scenario, tmp, tag):
        self.log = os.path.join(tmp, tag + ".log")
        self.proc = subprocess.Popen([exe, "--scenario", scenario, "--log", self.log, "--exit-with-stdin"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.servers, self.error = {}, None
        for line in self.proc.stdout:
            parts = line.split()
            if parts == ["ready"]:
                return
            if parts[0] == "app":
                self.servers["app"] = parts[1]
            elif len(parts) == 3:
                self.servers["%s:%s" % (parts[0], parts[1])] = parts[2]
        self.proc.wait()
        self.error = "fakehands exited %s: %s" % (self.proc.returncode, self.proc.stderr.read().strip()[:300])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def requests(self):
        try:
            with open(self.log, encoding="utf-8") as f:
                return [json.loads(line) for line in f if line.strip()]
        except FileNotFoundError:
            return []


def scenario_of(row):
    with open(os.path.join(HERE, "scenarios", row["scenario"]), encoding="utf-8") as f:
        return json.load(f)


def conv_of(scen, cid):
    for c in scen.get("conversations", []):
        if c["id"] == cid:
            return c
    return {"id": cid, "session_api_key": "none", "sandbox_id": None}


# Probes: (route template, method, concrete path, query, body) for each route the fake may serve.
def probes(kind, scen, cid):
    if kind == "app":
        sb = conv_of(scen, V1PAUSED).get("sandbox_id") or "sb" + V1PAUSED[:14]
        sb_run = conv_of(scen, V1BOTH).get("sandbox_id") or "sb" + V1BOTH[:14]
        return [
            ("GET", "/api/conversations", "/api/conversations", [("limit", "3")], None),
            ("GET", "/api/conversations", "/api/conversations", [("limit", "100")], None),
            ("GET", "/api/conversations/{conversation_id}", "/api/conversations/" + V0RUN, [], None),
            ("GET", "/api/conversations/{conversation_id}", "/api/conversations/" + V1BOTH, [], None),
            ("POST", "/api/conversations/{conversation_id}/start", "/api/conversations/%s/start" % V0STOP, [], None),
            ("GET", "/api/options/models", "/api/options/models", [], None),
            ("GET", "/api/v1/app-conversations/search", "/api/v1/app-conversations/search", [("limit", "2")], None),
            ("GET", "/api/v1/app-conversations/search", "/api/v1/app-conversations/search", [("limit", "100")], None),
            ("GET", "/api/v1/app-conversations/count", "/api/v1/app-conversations/count", [], None),
            ("GET", "/api/v1/app-conversations", "/api/v1/app-conversations", [("ids", V1BOTH), ("ids", V1PAUSED)], None),
            ("GET", "/api/v1/sandboxes", "/api/v1/sandboxes", [("id", sb_run), ("id", sb)], None),
            ("POST", "/api/v1/sandboxes/{sandbox_id}/resume", "/api/v1/sandboxes/%s/resume" % sb, [], None),
            ("GET", "/api/v1/events/search", "/api/v1/events/search", [("conversation_id__eq", V1BOTH), ("limit", "100")], None),
            ("GET", "/api/v1/conversation/{conversation_id}/events/search",
             "/api/v1/conversation/%s/events/search" % V1BOTH, [("limit", "100")], None),
            ("GET", "/api/v1/app-conversations/{conversation_id}/download",
             "/api/v1/app-conversations/%s/download" % V1BOTH, [], None),
            ("GET", "/api/keys/current", "/api/keys/current", [], None),
            ("GET", "/api/keys/current", "/api/keys/current", [], None, {"X-Org-Id": ORG}),
            ("GET", "/api/keys/current", "/api/keys/current", [], None, {"X-Org-Id": "not-a-uuid"}),
            ("GET", "/api/keys/current", "/api/keys/current", [], None, {"X-Org-Id": "00000000-0000-4000-8000-000000000000"}),
            ("GET", "/api/v1/conversation/{conversation_id}/events/count",
             "/api/v1/conversation/%s/events/count" % V1BOTH, [], None),
            ("POST", "/api/v1/sandboxes/{sandbox_id}/pause", "/api/v1/sandboxes/%s/pause" % sb, [], None),
            # answers other than 200
            ("POST", "/api/v1/sandboxes/{sandbox_id}/pause", "/api/v1/sandboxes/sb-none/pause", [], None),
            ("GET", "/api/conversations/{conversation_id}", "/api/conversations/" + "f" * 32, [], None),
            ("POST", "/api/conversations/{conversation_id}/start", "/api/conversations/%s/start" % ("f" * 32), [], None),
            ("GET", "/api/v1/app-conversations/search", "/api/v1/app-conversations/search", [("limit", "500")], None),
            ("GET", "/api/v1/app-conversations", "/api/v1/app-conversations", [("ids", V1BOTH)] * 100, None),
            ("POST", "/api/v1/sandboxes/{sandbox_id}/resume", "/api/v1/sandboxes/sb-none/resume", [], None),
            ("GET", "/api/v1/events/search", "/api/v1/events/search", [("conversation_id__eq", V1BOTH), ("limit", "500")], None),
        ]
    if kind == "runtime":
        b = "/api/conversations/" + cid
        t = "/api/conversations/{conversation_id}/"
        return [(("GET", t + p, b + "/" + p, q, None)) for p, q in (
            ("list-files", []), ("list-files", [("path", "src")]), ("select-file", [("file", "README.md")]),
            ("zip-directory", []), ("git/changes", []), ("git/diff", [("path", "README.md")]), ("trajectory", []),
            ("events", [("start_id", "0"), ("limit", "100")]),
            # answers other than 200
            ("select-file", [("file", "logo.bin")]), ("select-file", [("file", "missing.txt")]),
            ("events", [("start_id", "0"), ("limit", "500")]))]
    root = "/workspace/project"
    return [
        ("GET", "/alive", "/alive", [], None), ("GET", "/health", "/health", [], None),
        ("GET", "/ready", "/ready", [], None), ("GET", "/server_info", "/server_info", [], None),
        ("GET", "/api/file/download", "/api/file/download", [("path", root + "/README.md")], None),
        ("GET", "/api/file/download/{path}", "/api/file/download/" + root + "/README.md", [], None),
        ("GET", "/api/file/archive", "/api/file/archive", [("path", root), ("format", "tar.gz")], None),
        ("GET", "/api/file/search_subdirs", "/api/file/search_subdirs", [("path", root)], None),
        ("GET", "/api/git/changes", "/api/git/changes", [("path", root)], None),
        ("GET", "/api/git/changes/{path}", "/api/git/changes/" + root, [], None),
        ("GET", "/api/git/diff", "/api/git/diff", [("path", root + "/README.md")], None),
        ("GET", "/api/git/diff", "/api/git/diff", [("path", root + "/missing.txt")], None),
        ("GET", "/api/git/diff/{path}", "/api/git/diff/" + root + "/README.md", [], None),
        ("POST", "/api/bash/start_bash_command", "/api/bash/start_bash_command", [], {"command": LISTING}),
        ("POST", "/api/bash/execute_bash_command", "/api/bash/execute_bash_command", [], {"command": LISTING}),
        ("GET", "/api/bash/bash_events/search", "/api/bash/bash_events/search",
         [("command_id__eq", "@bash"), ("kind__eq", "BashOutput"), ("sort_order", "TIMESTAMP"), ("limit", "100")], None),
        ("GET", "/api/conversations/{conversation_id}/events/search",
         "/api/conversations/%s/events/search" % cid, [("limit", "100")], None),
        ("GET", "/api/conversations/{conversation_id}", "/api/conversations/%s" % cid, [], None),
        # answers other than 200
        ("GET", "/api/file/download", "/api/file/download", [("path", root + "/missing.txt")], None),
        ("GET", "/api/file/download", "/api/file/download", [("path", "README.md")], None),
        ("GET", "/api/file/download", "/api/file/download", [("path", root + "/docs")], None),
        ("GET", "/api/file/archive", "/api/file/archive", [("path", root + "/missing"), ("format", "tar.gz")], None),
        ("GET", "/api/bash/bash_events/search", "/api/bash/bash_events/search", [("limit", "500")], None),
        ("GET", "/api/conversations/{conversation_id}/events/search",
         "/api/conversations/%s/events/search" % cid, [("limit", "500")], None),
    ]


def auth_headers(kind, scen, cid):
    if kind == "app":
        key = scen.get("app", {}).get("api_key")
        return {"Authorization": "Bearer " + key} if key else {}
    return {"X-Session-API-Key": conv_of(scen, cid).get("session_api_key", "")}


# ---------------------------------------------------------------------------------------------
# (a) the fake against the contract

def drive(tap, gen, gens, fake, scen, report):
    kind = gen.kind
    cid = gen.row["server"].split(":")[1] if ":" in gen.row["server"] else None
    base = fake.servers.get(gen.row["server"])
    if base is None:
        tap.ok(False, "%s: the fake prints a server %s" % (gen.name, gen.row["server"]), [str(fake.servers)])
        return
    hdr = auth_headers(kind, scen, cid)
    served, answers, not_served = set(), 0, []
    by_route = {}
    bash_id = None
    for probe in probes(kind, scen, cid):
        method, tmpl, path, query, body = probe[:5]
        extra = probe[5] if len(probe) > 5 else {}
        query = [(k, bash_id or "00000000000000000000000000000000") if v == "@bash" else (k, v) for k, v in query]
        status, ctype, raw = http(base, method, path, query, body, dict(hdr, **extra))
        text = raw.decode("utf-8", "replace")
        if tmpl == "/api/bash/start_bash_command" and status == 200:
            bash_id = json.loads(text).get("id")
        where = "%s %s %s%s%s -> %d" % (gen.name, method, path, "?" + urllib.parse.urlencode(query) if query else "",
                                        "".join(" [%s: %s]" % kv for kv in sorted(extra.items())), status)
        entry = gen.match(method, tmpl, [e for e in gen.routes if e["path"] == tmpl])
        fb = gen.fallback_for(method)
        is_absent = fb is not None and str(status) in fb["responses"] and not check_answer(gen, fb, method, status, ctype, text, where)
        r = by_route.setdefault((method, tmpl), {"errs": [], "n": 0, "entry": entry, "absent": []})
        r["n"] += 1
        if entry is not None:
            if is_absent:
                r["absent"].append(where)
                continue
            served.add((method, tmpl))
            answers += 1
            r["errs"] += check_answer(gen, entry, method, status, ctype, text, where)
        else:
            # not this generation's route: it must get the unknown-route answer
            removed = gen.match(method, path, gen.removed)
            if removed is not None:
                answers += 1
                r["errs"] += check_answer(gen, removed, method, status, ctype, text, where)
            elif not is_absent:
                why = "listed absent for %s" % gen.name if (method, tmpl) in gen.absent else \
                    "no contract entry of %s describes it" % gen.name
                r["errs"].append("%s: served, but %s (expected the unknown-route answer: %s)" % (
                    where, why, cite(fb) if fb else "none"))
    for (method, tmpl), r in sorted(by_route.items(), key=lambda x: (x[0][1], x[0][0])):
        if r["entry"] is not None and r["absent"] and not r["errs"]:
            not_served.append("%s %s" % (method, tmpl))
            continue
        if r["entry"] is not None:
            tap.ok(not r["errs"], "%s: %s %s answers as %s says (%d answer%s)" % (
                gen.name, method, tmpl, r["entry"]["_file"], r["n"], "" if r["n"] == 1 else "s"), r["errs"])
        else:
            tap.ok(not r["errs"], "%s: %s %s is not served (generations stay apart)" % (gen.name, method, tmpl), r["errs"])
    missing = [m for m in sorted({(e["method"], e["path"]) for e in gen.routes}) if m not in by_route]
    report[gen.name] = {"routes": len(served), "answers": answers, "not_served": not_served,
                        "no_probe": ["%s %s" % m for m in missing]}
    tap.note("%s (%s): %d routes served and %d answers checked; %d contract routes not served by the fake%s" % (
        gen.name, gen.row["what"], len(served), answers, len(not_served),
        (": " + ", ".join(not_served)) if not_served else ""))


def is_active(gen, fake, scen):
    kind = gen.kind
    cid = gen.row["server"].split(":")[1] if ":" in gen.row["server"] else None
    base = fake.servers.get(gen.row["server"])
    if base is None:
        return "the fake has no server %s for this scenario" % gen.row["server"]
    for check in gen.row.get("active", []):
        if check[0] == "status":
            _, code, method, path, query = check
            status, ctype, raw = http(base, method, path, query, None, auth_headers(kind, scen, cid))
            if status != code:
                return "generation not available in this fake (%s %s answers %d, %d expected)" % (method, path, status, code)
            continue
        want, method, path, query = check
        status, ctype, raw = http(base, method, path, query, None, auth_headers(kind, scen, cid))
        fb = gen.fallback_for(method)
        absent = fb is not None and str(status) in fb["responses"] and \
            not check_answer(gen, fb, method, status, ctype, raw.decode("utf-8", "replace"), path)
        if absent != (want == "absent"):
            return "generation not available in this fake (%s %s answers %d %s, %s expected)" % (
                method, path, status, (ctype or "").split(";")[0], "the unknown-route answer" if want == "absent" else "the route")
    return None


# ---------------------------------------------------------------------------------------------
# (b) the client against the contract

def run_cli(tap, ohb, app_gen, gens, fake, scen, tmp, report):
    key = scen["app"]["api_key"]
    keyfile = os.path.join(tmp, "key")
    with open(keyfile, "w") as f:
        f.write(key + "\n")
    os.chmod(keyfile, 0o600)
    env = dict(os.environ, HOME=os.path.join(tmp, "home"), OHBROWSE_NOW=scen["app"].get("now", ""), TZ="UTC",
               LC_ALL="C.UTF-8")
    for k in ("OPENHANDS_API_KEY", "OPENHANDS_URL", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(k, None)
    os.makedirs(env["HOME"], exist_ok=True)
    before = len(fake.requests())
    bad = []
    for args in CLI_RUNS[app_gen.name]:
        cmd = [ohb, "--server", fake.servers["app"], "--api-key-file", keyfile] + args
        try:
            p = subprocess.run(cmd, cwd=tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               timeout=60)
            if p.returncode != 0:
                bad.append("ohbrowse %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()[:300]))
        except subprocess.TimeoutExpired:
            bad.append("ohbrowse %s: timed out" % " ".join(args))
    tap.ok(not bad, "%s: %d ohbrowse commands ran (exit 0)" % (app_gen.name, len(CLI_RUNS[app_gen.name])), bad)
    time.sleep(0.2)
    log = fake.requests()[before:]
    by_gen = {}
    for req in log:
        srv = req["server"]
        gname = app_gen.name if srv == "app" else SERVER_GENERATION.get(srv, SERVER_GENERATION.get(srv.split(":")[0] + ":"))
        gen = next((g for g in gens if g.name == gname), None)
        st = by_gen.setdefault(gname, {"n": 0, "errs": [], "routes": {}, "probes": [], "gen": gen})
        st["n"] += 1
        if gen is None:
            st["errs"].append("%s %s went to %s, which plays no generation of the table" % (req["method"], req["path"], srv))
            continue
        errs, entry = check_request(gens, gen, req, key, st)
        st["errs"] += errs
        if entry is not None:
            st["routes"].setdefault(entry["id"], set()).update(urllib.parse.parse_qs(req["query"], keep_blank_values=True))
    tap.ok(len(log) > 0, "%s: the fake logged the client's requests (%d)" % (app_gen.name, len(log)))
    for gname in sorted(by_gen):
        st = by_gen[gname]
        tap.ok(not st["errs"], "%s client: %d requests to %s follow the contract (%d routes)" % (
            app_gen.name, st["n"], gname, len(st["routes"])), sorted(set(st["errs"])))
        report.setdefault("client", {})["%s/%s" % (app_gen.name, gname)] = {
            "requests": st["n"], "routes": ["%s%s" % (r, " (%s)" % ", ".join(sorted(q)) if q else "")
                                             for r, q in sorted(st["routes"].items())],
            "probes": sorted(set(st["probes"])),
            "mismatches": sorted(set(st["errs"]))}
        if st["probes"]:
            tap.note("%s client -> %s: probes of other generations' routes, answered as absent: %s" % (
                app_gen.name, gname, "; ".join(sorted(set(st["probes"])))))


# ---------------------------------------------------------------------------------------------
# (c) self-tests: deliberate mismatches must fail, naming what is wrong

def selftest(tap, gens):
    g25 = next(g for g in gens if g.name == "cloud-2025")
    g26 = next(g for g in gens if g.name == "cloud-2026")
    entry = g25.match("GET", "/api/v1/app-conversations/search")
    good = {"items": [{"id": "c1" * 16, "created_by_user_id": "u", "sandbox_id": "sb", "acp_server": None,
                       "launched_agent_profile": None, "created_at": "2026-11-25T10:00:00Z",
                       "updated_at": "2026-11-25T10:00:00Z", "sandbox_status": "RUNNING"}], "next_page_id": None}
    ok = check_answer(g25, entry, "GET", 200, "application/json", json.dumps(good), "self-test")
    tap.ok(not ok, "self-test: a well-formed AppConversationPage passes", ok)
    bad = json.loads(json.dumps(good))
    bad["items"][0]["sandbox"] = bad["items"][0].pop("sandbox_id")
    errs = check_answer(g25, entry, "GET", 200, "application/json", json.dumps(bad), "GET /api/v1/app-conversations/search")
    tap.ok(any("sandbox_id" in e and "field items/0" in e and "required" in e for e in errs),
           "self-test: a renamed field (sandbox_id -> sandbox) fails naming route, field and schema path",
           errs or ["no mismatch reported"])
    tap.note("self-test message: " + (errs[0] if errs else "none"))
    bad = json.loads(json.dumps(good))
    bad["items"][0]["sandbox_state"] = bad["items"][0].pop("sandbox_status")
    errs = check_answer(g25, entry, "GET", 200, "application/json", json.dumps(bad), "GET /api/v1/app-conversations/search")
    tap.ok(any("'sandbox_state' was unexpected" in e and "field items/0" in e for e in errs),
           "self-test: a renamed optional field (sandbox_status -> sandbox_state) fails as an undeclared field",
           errs or ["no mismatch reported"])
    tap.note("self-test message: " + (errs[0] if errs else "none"))
    req = {"server": "app", "method": "GET", "path": "/api/v1/app-conversations/search", "query": "limit=500",
           "headers": {"authorization": "Bearer k"}, "status": 422}
    errs, _ = check_request(gens, g25, req, "k2", {"probes": []})
    tap.ok(any("'limit'" in e and "500" in e and "maximum 100" in e for e in errs),
           "self-test: a request with limit=500 fails naming the parameter and its limit", errs or ["no mismatch reported"])
    tap.note("self-test message: " + (errs[0] if errs else "none"))
    req = dict(req, query="limit=100&sort_order=CREATED_AT_DESC")
    errs, _ = check_request(gens, g25, req, "k2", {"probes": []})
    tap.ok(any("'sort_order' is not in the contract" in e for e in errs),
           "self-test: an unknown query parameter (sort_order on the V1 search) fails", errs or ["no mismatch reported"])
    req = {"server": "app", "method": "GET", "path": "/api/v1/app-conversations/search", "query": "limit=100",
           "headers": {}, "status": 200}
    errs, _ = check_request(gens, g25, req, "k2", {"probes": []})
    tap.ok(any("Authorization" in e for e in errs), "self-test: a request without the Authorization header fails",
           errs or ["no mismatch reported"])
    gq = next(g for g in gens if g.name == "agent-query")
    req = {"server": "agent:x", "method": "GET", "path": "/api/file/download", "query": "path=%2Fworkspace%2Fproject%2Fa",
           "headers": {"x-session-api-key": "s", "x-org-id": ORG}, "status": 200}
    errs, _ = check_request(gens, gq, req, "k2", {"probes": []})
    tap.ok(any("X-Org-Id was sent to a sandbox" in e for e in errs), "self-test: X-Org-Id sent to an agent-server fails",
           errs or ["no mismatch reported"])
    # a removed route served: /api/conversations answering JSON on Cloud 2026
    removed = g26.match("GET", "/api/conversations", g26.removed)
    errs = check_answer(g26, removed, "GET", 200, "application/json", '{"results":[],"next_page_id":null}',
                        "cloud-2026 GET /api/conversations")
    tap.ok(any("Content-Type application/json" in e and "text/html" in e for e in errs),
           "self-test: a removed V0 route served as JSON on cloud-2026 fails", errs or ["no mismatch reported"])
    tap.note("self-test message: " + (errs[0] if errs else "none"))
    req = {"server": "app", "method": "GET", "path": "/api/conversations", "query": "limit=20",
           "headers": {"authorization": "Bearer k"}, "status": 200, "content_type": "application/json"}
    errs, _ = check_request(gens, g26, req, "k2", {"probes": []})
    tap.ok(any("no contract route of cloud-2026" in e for e in errs),
           "self-test: a client request to a removed route that the server answered fails", errs or ["no mismatch reported"])
    names = route_names_missing({"agent": "const char *\nagent_route(struct fh_req *r)\n{\n\treturn \"file-home\";\n}\n"})
    tap.ok(names == ["agent route 'file-home' (tests/fakehands) has no probe or contract entry in tests/contract/run.py"],
           "self-test: a fake route name without a probe fails", names or ["no mismatch reported"])


class Collect(Tap):
    """A Tap that keeps the cases instead of printing them (for the end-to-end self-tests)."""

    def __init__(self):
        Tap.__init__(self)
        self.cases = []

    def ok(self, cond, desc, diag=()):
        self.cases.append((cond, desc, list(diag)))
        return cond

    def skip(self, desc, why):
        self.cases.append((True, desc, []))

    def note(self, text):
        pass

    def failures(self):
        return [d for c in self.cases if not c[0] for d in (c[2] or [c[1]])]


def selftest_fake(tap, gens, fake_exe, tmp):
    """The same mismatches through the real fake: a fault renames a field, a Cloud-2026 check meets
    a fake that serves V0, a request with limit=500 goes through the fake's log."""
    g25 = next(g for g in gens if g.name == "cloud-2025")
    g26 = next(g for g in gens if g.name == "cloud-2026")
    scen = scenario_of(g25.row)
    page = {"items": [{"id": V1BOTH, "created_by_user_id": "u", "sandbox": "sb", "acp_server": None,
                       "launched_agent_profile": None, "created_at": "2026-11-25T10:00:00Z",
                       "updated_at": "2026-11-25T10:00:00Z", "sandbox_status": "RUNNING"}], "next_page_id": None}
    scen["faults"] = [{"server": "app", "route": "v1-search", "body": json.dumps(page)}]
    path = os.path.join(tmp, "selftest.json")
    with open(path, "w") as f:
        json.dump(scen, f)
    fake = Fake(fake_exe, path, tmp, "selftest")
    if fake.error:
        tap.ok(False, "self-test: the fake starts with a fault scenario", [fake.error])
        return
    try:
        c = Collect()
        drive(c, g25, gens, fake, scen, {})
        f = c.failures()
        tap.ok(any("GET /api/v1/app-conversations/search" in m and "'sandbox_id' is a required property" in m for m in f),
               "self-test through the fake: an answer with sandbox_id renamed fails, naming route and field",
               f or ["no mismatch reported"])
        tap.note("self-test message: " + next((m for m in f if "sandbox_id" in m), "none"))
        c = Collect()
        drive(c, g26, gens, fake, scen, {})
        f = c.failures()
        tap.ok(any("GET /api/conversations?limit=3 -> 200: Content-Type application/json, the contract says text/html" in m
                   for m in f), "self-test through the fake: a fake serving removed V0 routes fails the cloud-2026 checks",
               f or ["no mismatch reported"])
        tap.note("self-test message: " + next((m for m in f if "/api/conversations?" in m), "none"))
        before = len(fake.requests())
        http(fake.servers["app"], "GET", "/api/v1/app-conversations/search", [("limit", "500")],
             headers=auth_headers("app", scen, None))
        time.sleep(0.1)
        errs = []
        for req in fake.requests()[before:]:
            errs += check_request(gens, g25, req, scen["app"]["api_key"], {"probes": []})[0]
        tap.ok(any("query parameter 'limit': 500 > maximum 100" in m for m in errs),
               "self-test through the fake's log: a request with limit=500 fails naming the parameter",
               errs or ["no mismatch reported"])
    finally:
        fake.stop()


def route_names_missing(sources=None):
    out = []
    for kind, func in sorted(ROUTE_FUNCS.items()):
        if sources is not None:
            text = sources.get(kind)
            if text is None:
                continue
        else:
            with open(os.path.join(FAKE_SRC, kind + ".c"), encoding="utf-8") as f:
                text = f.read()
        m = re.search(r"\n%s\(struct fh_req \*r\)\n\{(.*?)\n\}\n" % func, text, re.S)
        if not m:
            out.append("%s: no %s() in tests/fakehands/%s.c" % (kind, func, kind))
            continue
        for name in sorted(set(re.findall(r'return "([a-z0-9-]+)";', m.group(1)))):
            if name not in UNKNOWN_NAMES and name not in ROUTE_NAMES[kind]:
                out.append("%s route '%s' (tests/fakehands) has no probe or contract entry in tests/contract/run.py" % (kind, name))
    return out


# ---------------------------------------------------------------------------------------------

def check_files(tap, contract):
    errs = []
    for fname, c in sorted(contract.items()):
        for e in c["routes"]:
            s = e.get("source", {})
            if not s.get("document") or not s.get("date") or not (s.get("pointer") or s.get("section")):
                errs.append("%s: %s names no source document, date and pointer or section" % (fname, e["id"]))
            for st, r in e["responses"].items():
                if r.get("schema") not in (None, {}):
                    try:
                        jsonschema.Draft202012Validator.check_schema(r["schema"])
                    except jsonschema.SchemaError as ex:
                        errs.append("%s: %s %s: %s" % (fname, e["id"], st, ex.message))
    tap.ok(not errs, "contract: %d files, %d entries, each citing its source, schemas well-formed" % (
        len(contract), sum(len(c["routes"]) for c in contract.values())), errs)
    ref = None
    for d in (os.path.join(HERE, "..", "..", "..", "shared", "reference", "openapi"), "/work/shared/reference/openapi"):
        if os.path.isdir(d):
            ref = d
            break
    if ref is None:
        tap.skip("contract: tests/contract/extract reproduces the committed files", "reference documents not found")
        return
    out = tempfile.mkdtemp(prefix="ohb-contract-extract.")
    try:
        p = subprocess.run([sys.executable, os.path.join(HERE, "extract"), ref, out], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        diff = [f for f in sorted(os.listdir(out)) if open(os.path.join(out, f), "rb").read() !=
                open(os.path.join(HERE, f), "rb").read()] if p.returncode == 0 else [p.stdout]
        tap.ok(not diff, "contract: tests/contract/extract reproduces the committed files from %s" % os.path.normpath(ref),
               ["differs: %s (run tests/contract/extract and review the diff)" % d for d in diff])
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main(argv):
    if len(argv) < 3 or argv[1] == "none":
        print("1..0 # SKIP fakehands is not built (libmicrohttpd missing)")
        return 0
    fake_exe, ohb = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    tap = Tap()
    contract = load_contract()
    check_files(tap, contract)
    gens = [Generation(r, contract) for r in GENERATIONS]
    missing = route_names_missing()
    tap.ok(not missing, "every route the fake's source names has a probe and a contract entry", missing)
    selftest(tap, gens)
    tmp = tempfile.mkdtemp(prefix="ohb-contract.")
    report = {}
    try:
        selftest_fake(tap, gens, fake_exe, tmp)
        fakes = {}
        for gen in gens:
            scen = scenario_of(gen.row)
            fake = fakes.get(gen.row["scenario"])
            if fake is None:
                fake = fakes[gen.row["scenario"]] = Fake(fake_exe, os.path.join(HERE, "scenarios", gen.row["scenario"]),
                                                         tmp, gen.row["scenario"][:-5])
            why = fake.error or is_active(gen, fake, scen)
            if why:
                if gen.row.get("active"):
                    tap.skip("%s: the fake against the contract" % gen.name, why)
                    tap.skip("%s: the client against the contract" % gen.name, why) if gen.kind == "app" else None
                    report[gen.name] = {"skipped": why}
                else:
                    tap.ok(False, "%s: the fake starts and plays this generation" % gen.name, [why])
                continue
            drive(tap, gen, gens, fake, scen, report)
            if gen.kind == "app":
                # the client gets a fresh fake: the probes above started and resumed conversations
                cli_fake = Fake(fake_exe, os.path.join(HERE, "scenarios", gen.row["scenario"]), tmp, gen.name + "-cli")
                if cli_fake.error:
                    tap.ok(False, "%s: the fake starts for the client" % gen.name, [cli_fake.error])
                else:
                    run_cli(tap, ohb, gen, gens, cli_fake, scen, tmp, report)
                cli_fake.stop()
        for f in fakes.values():
            f.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tap.note("report: " + json.dumps({k: v for k, v in report.items() if k != "client"}, sort_keys=True))
    for k, v in sorted(report.get("client", {}).items()):
        tap.note("client %s: %d requests, routes (query parameters sent): %s" % (k, v["requests"], "; ".join(v["routes"])))
    print("1..%d" % tap.n)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
