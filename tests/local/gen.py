#!/usr/bin/env python3
"""Generate OpenHands persistence directories for the local-source tests.

usage: gen.py ROOT [--big N]
Writes ROOT/conversations/<hex>/ (SDK V1, old agent_status, corrupt files,
unknown kinds, a workspace) and ROOT/sessions/<sid>/ (V0 file store), and
ROOT/expected.json describing what ohbrowse should report.  --big N adds a
conversation with N events (6+ digit file names past 99999).
"""
import json, os, sys, uuid

root = sys.argv[1]
big = int(sys.argv[sys.argv.index("--big") + 1]) if "--big" in sys.argv else 0
conv_root = os.path.join(root, "conversations")
os.makedirs(conv_root, exist_ok=True)
expected = {}


def uid(n):
    return str(uuid.UUID(int=n))


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)


def sdk_conv(hexid, events, state_key="execution_status", status="finished", workspace=None,
             extra_files=()):
    d = os.path.join(conv_root, hexid)
    dashed = str(uuid.UUID(hexid))
    base = {"id": dashed, "agent": {"kind": "Agent", "llm": {"model": "x"}},
            "workspace": {"working_dir": workspace or "/nonexistent/workspace/project",
                          "kind": "LocalWorkspace"},
            "persistence_dir": d, "max_iterations": 500, state_key: status,
            "confirmation_policy": {"kind": "NeverConfirm"}, "stats": {"usage_to_metrics": {}}}
    write(os.path.join(d, "base_state.json"), json.dumps(base))
    write(os.path.join(d, "events", ".eventlog.lock"), "")
    stored = []
    for i, ev in enumerate(events):
        name = "event-%05d-%s.json" % (i, ev.get("id", uid(10**6 + i)) if isinstance(ev, dict) else uid(i))
        text = ev if isinstance(ev, str) else json.dumps(ev, indent=None)
        write(os.path.join(d, "events", name), text)
        stored.append(text)
    for name, text in extra_files:
        write(os.path.join(d, "events", name), text)
    return d, stored


def ts(i):
    return "2026-01-28T14:%02d:%02d.804395" % ((i // 60) % 60, i % 60)


def msg(i, source, text):
    return {"id": uid(1000 + i), "timestamp": ts(i), "source": source,
            "llm_message": {"role": "user" if source == "user" else "assistant",
                            "content": [{"cache_prompt": False, "type": "text", "text": text,
                                         "enable_truncation": True}], "thinking_blocks": []},
            "activated_skills": [], "extended_content": [], "kind": "MessageEvent"}


def sysprompt(i):
    return {"id": uid(2000 + i), "timestamp": ts(i), "source": "agent",
            "system_prompt": {"type": "text", "text": "You are OpenHands agent.\nBe helpful."},
            "tools": [{"name": "terminal"}, {"name": "file_editor"}], "kind": "SystemPromptEvent"}


def action(i, cmd):
    return {"id": uid(3000 + i), "timestamp": ts(i), "source": "agent", "thought": [],
            "reasoning_content": "I should run it", "action": {"command": cmd, "is_input": False,
                                                              "reset": False, "kind": "TerminalAction"},
            "tool_name": "terminal", "tool_call_id": "toolu_1",
            "tool_call": {"id": "toolu_1", "name": "terminal", "arguments": json.dumps({"command": cmd}),
                          "origin": "completion"},
            "llm_response_id": "chatcmpl-1", "security_risk": "LOW", "summary": "Run " + cmd,
            "kind": "ActionEvent"}


def edit(i, path):
    return {"id": uid(4000 + i), "timestamp": ts(i), "source": "agent", "thought": [{"type": "text", "text": "Edit it"}],
            "action": {"command": "str_replace", "path": path, "old_str": "a", "new_str": "b",
                       "kind": "FileEditorAction"},
            "tool_name": "file_editor", "tool_call_id": "toolu_2", "kind": "ActionEvent"}


def obs(i, out, code):
    return {"id": uid(5000 + i), "timestamp": ts(i), "source": "environment", "tool_name": "terminal",
            "tool_call_id": "toolu_1",
            "observation": {"content": [{"type": "text", "text": out}], "is_error": False,
                            "command": "echo", "exit_code": code, "timeout": False,
                            "metadata": {"exit_code": code, "working_dir": "/tmp"},
                            "kind": "TerminalObservation"},
            "action_id": uid(3000 + i - 1), "kind": "ObservationEvent"}


def state(i, key, value):
    return {"id": uid(6000 + i), "timestamp": ts(i), "source": "environment", "key": key,
            "value": value, "kind": "ConversationStateUpdateEvent"}


def err(i, text):
    return {"id": uid(7000 + i), "timestamp": ts(i), "source": "agent", "error": text,
            "tool_name": "terminal", "tool_call_id": "t", "kind": "AgentErrorEvent"}


# 1. a normal SDK conversation with a workspace (a git repository when git is available)
ws = os.path.join(root, "workspace")
write(os.path.join(ws, "README.md"), "# demo\n")
write(os.path.join(ws, "src", "main.c"), "int main(void) { return 0; }\n")
write(os.path.join(ws, ".gitignore"), "build/\n*.o\n")
write(os.path.join(ws, "build", "out.bin"), "x")
write(os.path.join(ws, "src", "main.o"), "x")
# a workspace file with the name download --events reserves for the events
write(os.path.join(ws, "events.json"), "[\"mine\"]\n")
big_out = "\n".join("line %d of a long output" % k for k in range(5000))
A = "a1" * 16
evs = [sysprompt(0), msg(1, "user", "Fix the build\nplease, it fails"), action(2, "make -j2"),
       obs(3, "cc main.c\nerror: boom", 2), edit(4, "src/main.c"), obs(5, big_out, 0),
       err(6, "tool crashed"), state(7, "execution_status", "finished"),
       msg(8, "agent", "Done: the build works now.")]
d, stored = sdk_conv(A, evs, workspace=ws)
expected[A] = {"title": "Fix the build", "status": "FINISHED", "events": stored,
               "kinds": ["other", "user", "action", "observation", "action", "observation", "error",
                         "state", "agent"], "workspace": True}

# 2. an old conversation: agent_status, no workspace
B = "b2" * 16
evs = [msg(0, "user", "Old style conversation"), msg(1, "agent", "Hello from 2025")]
d, stored = sdk_conv(B, evs, state_key="agent_status", status="idle")
expected[B] = {"title": "Old style conversation", "status": "IDLE", "events": stored,
               "kinds": ["user", "agent"], "workspace": False}

# 3. corrupt, partial and unknown-kind files between good ones
C = "c3" * 16
evs = [msg(0, "user", "Corrupt files ahead"),
       "{\"id\": \"x\", \"kind\": \"MessageEvent\", \"llm_mess",      # partial (cut off)
       "not json at all",                                           # corrupt
       {"id": uid(9001), "timestamp": ts(3), "source": "agent", "kind": "FutureFancyEvent", "x": 1},
       "[1, 2, 3]",                                                 # JSON, not an event
       "",                                                          # empty file
       msg(6, "agent", "Still loading after the bad ones")]
d, stored = sdk_conv(C, evs, status="error",
                     extra_files=[("notes.txt", "ignored"), ("event-1-short.json", "{}")])
expected[C] = {"title": "Corrupt files ahead", "status": "ERROR",
               "events": [s for k, s in enumerate(stored) if k in (0, 3, 6)],
               "kinds": ["user", "corrupt", "corrupt", "other", "corrupt", "corrupt", "agent"],
               "workspace": False}

# 4. V0 file store: sessions/<sid>/metadata.json + events/<N>.json (no padding; 10 sorts after 9)
S = "d4" * 16
sd = os.path.join(root, "sessions", S)
write(os.path.join(sd, "metadata.json"), json.dumps({
    "conversation_id": S, "title": "V0 stored conversation", "selected_repository": "o/r",
    "selected_branch": "main", "created_at": "2025-11-24T23:39:59.362035",
    "last_updated_at": "2025-11-24T23:45:00.000000", "trigger": "gui"}))
v0 = [{"id": 0, "timestamp": "2025-11-24T23:39:59.362035", "source": "environment", "message": "",
       "observation": "agent_state_changed", "content": "", "extras": {"agent_state": "loading", "reason": ""}},
      {"id": 1, "timestamp": "2025-11-24T23:40:00.000000", "source": "user", "message": "hi",
       "action": "message", "args": {"content": "List the files", "file_urls": None, "image_urls": [],
                                     "wait_for_response": False, "security_risk": -1}}]
for k in range(2, 11):
    if k % 2 == 0:
        v0.append({"id": k, "timestamp": "2025-11-24T23:40:%02d" % k, "source": "agent",
                   "message": "Running ls", "action": "run",
                   "args": {"command": "ls -%d" % k, "thought": "look", "blocking": False}})
    else:
        v0.append({"id": k, "timestamp": "2025-11-24T23:40:%02d" % k, "source": "agent",
                   "message": "Command finished", "observation": "run", "content": "a\nb\n",
                   "cause": k - 1, "extras": {"command": "ls", "metadata": {"exit_code": 0}}})
stored = []
for ev in v0:
    text = json.dumps(ev)
    write(os.path.join(sd, "events", "%d.json" % ev["id"]), text)
    stored.append(text)
expected[S] = {"title": "V0 stored conversation", "status": "STOPPED", "events": stored,
               "kinds": ["state", "user"] + ["action", "observation"] * 4 + ["action"],
               "workspace": False}

# 5. many events: 6-digit names past 99999 must sort numerically
if big:
    E = "e5" * 16
    d = os.path.join(conv_root, E)
    write(os.path.join(d, "base_state.json"), json.dumps({"id": str(uuid.UUID(E)), "execution_status": "idle",
                                                           "workspace": {"working_dir": "/nonexistent"}}))
    os.makedirs(os.path.join(d, "events"))
    first = json.dumps(msg(0, "user", "A very long conversation"))
    for i in range(big):
        name = os.path.join(d, "events", "event-%05d-%s.json" % (i, uid(i)))
        with open(name, "w") as f:
            f.write(first if i == 0 else '{"id":"%s","timestamp":"%s","source":"agent","kind":"MessageEvent","llm_message":{"role":"assistant","content":[{"type":"text","text":"message %d"}]}}' % (uid(i), ts(i % 3600), i))
    expected[E] = {"title": "A very long conversation", "status": "IDLE", "count": big}

with open(os.path.join(root, "expected.json"), "w") as f:
    json.dump(expected, f)
