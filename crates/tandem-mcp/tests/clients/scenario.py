"""The behaviour every transport must show, driven through the official MCP Python SDK.

`run(session)` takes an initialized `mcp.ClientSession` connected to `tandem mcp` over a fresh
`tandem init --example loqa` workspace, calls every tool with good and bad arguments, and raises
AssertionError on the first difference. Shared by test_stdio.py and test_http.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

EXPECTED_TOOLS = {
    "create_coordination_issue": {"title", "type"},
    "analyze_dependency_impact": {"repo"},
    "sync_coordination_status": {"coordination", "status"},
    "check_checklist_item": {"coordination", "repo", "item"},
    "get_coordination_progress": {"coordination"},
    "generate_coordination_workflow": {"type", "description"},
    "list_coordinations": set(),
    "get_coordination": {"coordination"},
    "get_coordination_history": {"coordination"},
    "plan_deployment": {"coordination"},
    "get_dependency_graph": set(),
    "check_health": set(),
    "run_rollout": {"coordination"},
    "get_rollout_status": {"coordination"},
}

LOQA = ["loqa-proto", "loqa-hub", "loqa-commander", "loqa-relay", "loqa-skills", "loqa"]


def tandem_binary() -> str:
    exe = os.environ.get("TANDEM_BIN")
    assert exe and os.path.exists(exe), "set TANDEM_BIN to the built tandem binary"
    return exe


def loqa_workspace() -> str:
    """A fresh `tandem init --example loqa` workspace; returns the manifest's path."""
    d = tempfile.mkdtemp(prefix="tandem-mcp-")
    subprocess.run([tandem_binary(), "init", "--example", "loqa", d], check=True, capture_output=True)
    return os.path.join(d, "tandem.toml")


def git(cwd: str, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=tandem-test", "-c", "user.email=test@example.invalid", *args],
                   cwd=cwd, check=True, capture_output=True)


def proto_checkout(manifest: str) -> None:
    """loqa-proto's checkout: a git repo whose last commit deletes field 3 of AudioChunk."""
    d = os.path.join(os.path.dirname(manifest), "loqa-proto")
    os.makedirs(os.path.join(d, "proto"), exist_ok=True)
    git(d, "init", "-q", "-b", "main")
    fields = ["bytes data = 1;", "int32 sample_rate = 2;", "string session_id = 3;"]
    for n, kept in ((1, fields), (2, fields[:2])):
        with open(os.path.join(d, "proto", "audio.proto"), "w") as f:
            f.write('syntax = "proto3";\npackage loqa.audio.v1;\n\nmessage AudioChunk {\n')
            f.write("".join(f"  {x}\n" for x in kept) + "}\n")
        git(d, "add", "-A")
        git(d, "commit", "-q", "-m", f"change {n}")


class Checks:
    def __init__(self) -> None:
        self.passed = 0

    def ok(self, cond: bool, what: str, detail: Any = None) -> None:
        if not cond:
            raise AssertionError(f"{what}" + (f": {detail!r}" if detail is not None else ""))
        self.passed += 1


def text_of(result: Any) -> str:
    return "\n".join(c.text for c in result.content if getattr(c, "type", None) == "text")


async def call(session: Any, c: Checks, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A call that must succeed: structured content, a text summary, no isError."""
    r = await session.call_tool(name, args)
    c.ok(not r.is_error, f"{name}({args}) succeeds", text_of(r))
    c.ok(isinstance(r.structured_content, dict), f"{name} returns structured content")
    c.ok(len(r.content) >= 1 and r.content[0].text.strip() != "", f"{name} returns a text summary")
    # The text blocks carry the same JSON for clients that ignore structuredContent.
    c.ok(json.loads(r.content[-1].text) == r.structured_content, f"{name}: JSON text equals structuredContent")
    return r.structured_content


async def fails(session: Any, c: Checks, name: str, args: dict[str, Any], *needles: str) -> str:
    """A call that must give a tool error whose message contains every needle."""
    r = await session.call_tool(name, args)
    msg = text_of(r)
    c.ok(r.is_error is True, f"{name}({args}) is a tool error", msg)
    for n in needles:
        c.ok(n in msg, f"{name}({args}) error mentions {n!r}", msg)
    return msg


async def run(session: Any, init: Any, manifest: str) -> int:
    c = Checks()
    c.ok(init.server_info.name == "tandem", "server names itself tandem", init.server_info)
    c.ok(init.capabilities.tools is not None, "server offers tools")

    # Every tool, with an object input schema naming its required fields, and an output schema.
    listed = {t.name: t for t in (await session.list_tools()).tools}
    for name, required in EXPECTED_TOOLS.items():
        c.ok(name in listed, f"tool {name} is listed", sorted(listed))
        t = listed[name]
        c.ok(t.input_schema.get("type") == "object", f"{name} input schema is an object", t.input_schema)
        c.ok(set(t.input_schema.get("required", [])) == required, f"{name} requires {sorted(required)}",
             t.input_schema.get("required"))
        c.ok(required <= set(t.input_schema.get("properties", {})), f"{name} describes its fields")
        c.ok(bool(t.description), f"{name} has a description")
        c.ok(isinstance(t.output_schema, dict), f"{name} has an output schema")
    props = listed["create_coordination_issue"].input_schema["properties"]
    ct = props["type"]
    c.ok("protocol" in ct.get("enum", []), "type's schema lists the change types", ct)
    c.ok("change_type" not in props, "the schema shows `type` only (change_type is a hidden alias)", sorted(props))

    # The graph.
    g = await call(session, c, "get_dependency_graph", {"format": "mermaid"})
    c.ok(g["order"][0] == "loqa-proto" or "loqa-proto" in g["waves"][0], "providers come first", g["order"])
    hub = next(r for r in g["repos"] if r["name"] == "loqa-hub")
    c.ok({"loqa-relay", "loqa-skills", "loqa-commander"} <= set(hub["consumers"]), "hub's consumers", hub)
    c.ok("loqa-hub" in (g["rendered"] or ""), "mermaid rendering names the repos")

    # Nothing yet.
    c.ok((await call(session, c, "list_coordinations", {}))["coordinations"] == [], "no coordinations at first")

    # A plan, without storing anything.
    w = await call(session, c, "generate_coordination_workflow", {
        "type": "protocol", "from_repo": "loqa-proto",
        "description": "Add auth metadata to AudioChunk\n\nEvery consumer must send the token.",
    })
    c.ok(w["title"] == "Add auth metadata to AudioChunk", "title from the description's first line", w["title"])
    c.ok(w["repos"] == LOQA, "affected repos in dependency order", w["repos"])
    c.ok([r["repo"] for r in w["phases"][0]["repos"]] == ["loqa-proto"], "phase 1 is the provider", w["phases"][0])
    c.ok(all(r["tasks"] for p in w["phases"] for r in p["repos"]), "every repo has tasks")
    c.ok(len(w["phases"]) >= 3, "phases follow the dependency waves", [p["name"] for p in w["phases"]])
    c.ok(w["integration_testing"]["tasks"], "integration testing tasks")
    c.ok([d["repo"] for d in w["deployment"]][0] == "loqa-proto", "deploy the provider first")
    c.ok(w["rollback"][0]["action"] == "stop_traffic", "rollback starts by stopping traffic", w["rollback"][0])
    for heading in ("# Coordination plan", "## Implementation phases", "## Integration testing", "## Deployment",
                    "## Rollback"):
        c.ok(heading in w["markdown"], f"markdown has {heading!r}")
    c.ok((await call(session, c, "list_coordinations", {}))["coordinations"] == [], "planning stores nothing")

    # Create, idempotently.
    args = {"title": "Add auth metadata", "type": "protocol", "from_repo": "loqa-proto", "key": "auth-1"}
    created = await call(session, c, "create_coordination_issue", args)
    cid = created["coordination"]["id"]
    c.ok(created["created"] is True, "first creation creates")
    c.ok([x["repo"] for x in created["child_issues"]] == LOQA, "one child per affected repo", created["child_issues"])
    c.ok(all(x["issue"] for x in created["child_issues"]), "every child issue is open")
    c.ok(created["parent_issue"] and created["integration_issue"], "parent and integration issues are open")
    # The older spelling `change_type` still works (an alias of `type`).
    legacy = {k: v for k, v in args.items() if k != "type"} | {"change_type": "protocol"}
    again = await call(session, c, "create_coordination_issue", legacy)
    c.ok(again["created"] is False and again["issues_opened"] == 0, "the same key finds it again", again["created"])
    c.ok(again["coordination"]["id"] == cid, "same coordination")

    full = await call(session, c, "get_coordination", {"coordination": cid})
    c.ok(full["status"] == "planning" and len(full["children"]) == len(LOQA), "new coordination is planning")
    c.ok(all(ch["checklist"] for ch in full["children"]), "children have checklists")

    p = await call(session, c, "get_coordination_progress", {"coordination": cid})
    c.ok(p["percent"] == 0 and p["children_total"] == len(LOQA), "nothing done yet", p["percent"])
    c.ok(p["critical_path"]["repos"][0] == "loqa-proto", "critical path starts at the provider", p["critical_path"])

    # Start it: the change plus what it propagated (sequential: only the provider gets ready).
    ch = await call(session, c, "sync_coordination_status",
                    {"coordination": cid, "status": "in_progress", "reason": "kick-off"})
    c.ok(ch["changed"] and ch["status"] == "in_progress", "coordination started", ch["status"])
    c.ok(ch["events"][0]["subject"] == "coordination" and ch["events"][0]["reason"] == "kick-off", "change first")
    readied = [e["repo"] for e in ch["events"] if e["subject"] == "child" and e["to"] == "ready"]
    c.ok(readied == ["loqa-proto"], "propagated: the provider's child is ready", ch["events"])

    for step in ("in_progress", "in_review"):
        await call(session, c, "sync_coordination_status", {"coordination": cid, "repo": "loqa-proto", "status": step})
    ch = await call(session, c, "sync_coordination_status",
                    {"coordination": cid, "repo": "loqa-proto", "status": "done", "reason": "merged"})
    c.ok(any(e["repo"] == "loqa-hub" and e["to"] == "ready" for e in ch["events"]), "provider done readies hub",
         ch["events"])

    ch = await call(session, c, "check_checklist_item", {"coordination": cid, "repo": "loqa-hub", "item": "1"})
    c.ok(ch["changed"] and ch["events"][0]["action"] == "checked", "item ticked", ch["events"])

    ch = await call(session, c, "sync_coordination_status",
                    {"coordination": cid, "repo": "loqa-hub", "status": "blocked", "reason": "waiting on infra"})
    c.ok(ch["effective_status"] == "blocked", "a blocked child shows the coordination as blocked")
    p = await call(session, c, "get_coordination_progress", {"coordination": cid})
    c.ok(any(b["reason"] == "waiting on infra" for b in p["blockers"]), "blocker with its reason", p["blockers"])
    c.ok(p["children_done"] == 1 and 0 < p["percent"] < 100, "progress moved", (p["children_done"], p["percent"]))

    d = await call(session, c, "plan_deployment", {"coordination": cid})
    c.ok(d["waves"][0] == ["loqa-proto"], "deploy wave 1 is the provider", d["waves"])
    c.ok(d["readiness"]["ready"] is False and d["readiness"]["reasons"], "not ready, with reasons")
    c.ok(d["rollback"][0]["action"] == "stop_traffic", "rollback stops traffic first")

    h = await call(session, c, "get_coordination_history", {"coordination": cid})
    c.ok(any(e["reason"] == "kick-off" for e in h["events"]), "history has the change and its reason")

    # Impact analysis on a real checkout: a field deleted from a message in loqa-proto.
    await fails(session, c, "analyze_dependency_impact", {"repo": "loqa-proto"}, "loqa-proto", "does not exist")
    proto_checkout(manifest)
    a = await call(session, c, "analyze_dependency_impact", {"repo": "loqa-proto", "base": "HEAD~1", "head": "HEAD"})
    c.ok(a["repo"] == "loqa-proto" and a["files"], "the contract files were compared", a)
    c.ok(any(f["rule"] == "FIELD_NO_DELETE" and f["severity"] == "breaking" for f in a["findings"]),
         "the deleted field is a breaking finding", a["findings"])
    c.ok(a["impact"] == "critical" and a["suggested_change_type"] == "protocol", "protocol break is critical", a)
    c.ok({"loqa-hub", "loqa-relay", "loqa-skills"} <= set(a["affected_repos"]), "consumers must follow", a)
    c.ok(a["recommendations"] and a["analysis_id"], "recommendations, and the analysis is recorded")
    await fails(session, c, "analyze_dependency_impact",
                {"repo": "loqa-proto", "base": "HEAD~1", "open_coordination_at": "huge"}, "huge", "critical")

    health = await call(session, c, "check_health", {"probe_endpoints": False})
    c.ok(health["healthy"] is False and not health["endpoints_probed"], "blocked work is unhealthy", health)
    c.ok(any(f["check"] == "CHILD_BLOCKED" and any("loqa-hub" in s and f"#{cid}" in s for s in f["subjects"])
             for f in health["findings"]), "the blocked child is a finding", health["findings"])
    await fails(session, c, "check_health", {"stale_days": 0}, "at least 1")

    listed_now = (await call(session, c, "list_coordinations", {}))["coordinations"]
    c.ok([s["id"] for s in listed_now] == [cid], "the coordination is listed", listed_now)

    # Bad arguments: tool errors that say what is wrong and the valid choices.
    await fails(session, c, "create_coordination_issue",
                {"title": "x", "type": "protocol", "repos": ["loqa-hub", "nope"]},
                "unknown repository 'nope'", "loqa-relay")
    await fails(session, c, "create_coordination_issue", {"title": "x", "type": "bogus", "repos": ["loqa"]},
                "bogus", "protocol", "breaking")
    await fails(session, c, "create_coordination_issue", {"title": "x", "type": "feature"},
                "no repositories", "loqa-hub")
    await fails(session, c, "sync_coordination_status", {"coordination": cid, "status": "flying"},
                "flying", "in_progress", "cancelled")
    await fails(session, c, "sync_coordination_status", {"coordination": cid, "status": "done"}, "refused")
    await fails(session, c, "sync_coordination_status",
                {"coordination": cid, "repo": "loqa-hub", "status": "flying"}, "flying", "in_review")
    await fails(session, c, "sync_coordination_status",
                {"coordination": cid, "repo": "www-loqalabs-com", "status": "done"}, "www-loqalabs-com")
    await fails(session, c, "get_coordination_progress", {"coordination": 9999},
                "no coordination #9999", f"#{cid}")
    await fails(session, c, "get_coordination", {}, "missing field `coordination`")
    await fails(session, c, "get_coordination", {"coordination": "one"}, "invalid type")
    await fails(session, c, "get_coordination", {"coordination": cid, "colour": "red"}, "unknown field `colour`")
    await fails(session, c, "analyze_dependency_impact", {"repo": "nope"}, "unknown repository 'nope'", "loqa-hub")
    await fails(session, c, "check_checklist_item", {"coordination": cid, "repo": "loqa-hub", "item": "99"})
    await fails(session, c, "no_such_tool", {}, "unknown tool", "create_coordination_issue")

    # Still serving after all of that.
    p = await call(session, c, "get_coordination_progress", {"coordination": cid})
    c.ok(p["coordination"] == cid, "the server is still answering")
    return c.passed


def first_assertion(e: BaseException) -> AssertionError | None:
    """The AssertionError inside (possibly nested) exception groups."""
    if isinstance(e, AssertionError):
        return e
    for sub in getattr(e, "exceptions", []):
        found = first_assertion(sub)
        if found:
            return found
    return None


def main(label: str, entry: Any) -> int:
    """Runs `entry` under anyio; prints the failed check plainly and returns the exit code."""
    import anyio

    try:
        anyio.run(entry)
    except BaseException as e:  # noqa: BLE001 - report any failure, then fail
        found = first_assertion(e)
        if found is None:
            raise
        print(f"{label}: FAILED: {found}", file=sys.stderr)
        return 1
    return 0
