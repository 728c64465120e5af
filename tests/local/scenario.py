#!/usr/bin/env python3
"""Write a fakehands scenario whose conversations carry events (tests/local/run.sh).

usage: scenario.py FILE [FAULTED_FILE]
V0 running (runtime /events, paged by start_id), V0 stopped, V1 paused with 250
events (app server events search: three pages), V1 running, V1 running with a
workspace (download --events). FAULTED_FILE: that last conversation alone on a
server whose V1 events search always answers 500 (the fake cannot aim a fault at
one conversation there: the id is in the query).
"""
import json, sys

def v0_events(n):
    evs = [{"id": 0, "timestamp": "2026-11-24T09:00:00.100000", "source": "environment", "message": "",
            "observation": "agent_state_changed", "content": "", "extras": {"agent_state": "loading", "reason": ""}},
           {"id": 1, "timestamp": "2026-11-24T09:00:01.200000", "source": "user", "message": "Fix CI",
            "action": "message", "args": {"content": "Fix CI", "file_urls": None, "image_urls": [],
                                          "wait_for_response": False, "security_risk": -1}}]
    for k in range(2, n):
        if k % 2 == 0:
            evs.append({"id": k, "timestamp": "2026-11-24T09:01:%02d" % (k % 60), "source": "agent",
                        "message": "Running command", "action": "run",
                        "args": {"command": "echo %d" % k, "thought": "", "blocking": False}})
        else:
            evs.append({"id": k, "timestamp": "2026-11-24T09:01:%02d" % (k % 60), "source": "environment",
                        "message": "done", "observation": "run", "content": "%d\n" % (k - 1), "cause": k - 1,
                        "extras": {"command": "echo", "metadata": {"exit_code": 0}, "hidden": False}})
    return evs

def v1_events(n):
    evs = [{"id": "00000000-0000-0000-0000-%012d" % 0, "timestamp": "2026-11-24T10:00:00.000001",
            "source": "user", "kind": "MessageEvent",
            "llm_message": {"role": "user", "content": [{"type": "text", "text": "Build the site ✓"}]}}]
    for k in range(1, n):
        if k % 3 == 1:
            evs.append({"id": "00000000-0000-0000-0000-%012d" % k, "timestamp": "2026-11-24T10:%02d:%02d.5" % (k // 60 % 60, k % 60),
                        "source": "agent", "kind": "ActionEvent", "tool_name": "terminal", "thought": [],
                        "action": {"command": "make step%d" % k, "kind": "TerminalAction"}})
        elif k % 3 == 2:
            evs.append({"id": "00000000-0000-0000-0000-%012d" % k, "timestamp": "2026-11-24T10:%02d:%02d.5" % (k // 60 % 60, k % 60),
                        "source": "environment", "kind": "ObservationEvent", "tool_name": "terminal",
                        "observation": {"kind": "TerminalObservation", "exit_code": k % 2,
                                        "content": [{"type": "text", "text": "out %d" % k}], "ratio": 0.1}})
        else:
            evs.append({"id": "00000000-0000-0000-0000-%012d" % k, "timestamp": "2026-11-24T10:%02d:%02d.5" % (k // 60 % 60, k % 60),
                        "source": "environment", "kind": "ConversationStateUpdateEvent",
                        "key": "execution_status", "value": "running"})
    return evs

scen = {
    "app": {"auth": "bearer", "api_key": "Tk9tZXN0S2V5Rm9yT2hCcm93c2VUZXN0", "v0": True, "v1": True,
            "max_age_days": 0, "now": "2026-11-25T12:00:00Z"},
    "runtime_rate_limit": False,
    "conversations": [
        {"id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa01", "title": "V0 running", "version": "V0", "status": "RUNNING",
         "created_at": "2026-11-25T10:00:00Z", "events": v0_events(130)},
        {"id": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa02", "title": "V0 stopped", "version": "V0", "status": "STOPPED",
         "created_at": "2026-11-24T10:00:00Z", "events": v0_events(5)},
        {"id": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb03", "title": "V1 paused", "version": "V1", "status": "PAUSED",
         "created_at": "2026-11-25T09:00:00Z", "events": v1_events(250)},
        {"id": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb04", "title": "V1 running", "version": "V1", "status": "RUNNING",
         "created_at": "2026-11-25T08:00:00Z", "events": v1_events(7)},
        {"id": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb05", "title": "V1 with a workspace", "version": "V1",
         "status": "RUNNING", "created_at": "2026-11-25T07:00:00Z", "workspace": "ws", "events": v1_events(120)},
    ],
    "workspaces": {"ws": {"files": [{"path": "README.md", "text": "hello\n"},
                                    {"path": "src/app.py", "text": "print('hi')\n"}]}},
}
with open(sys.argv[1], "w") as f:
    json.dump(scen, f, ensure_ascii=False)
if len(sys.argv) > 2:
    scen["conversations"] = scen["conversations"][-1:]
    scen["faults"] = [{"server": "app", "route": "v1-events", "status": 500}]
    with open(sys.argv[2], "w") as f:
        json.dump(scen, f, ensure_ascii=False)
