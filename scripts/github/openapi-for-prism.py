#!/usr/bin/env python3
"""Writes the copy of GitHub's OpenAPI description (npm @octokit/openapi) that the contract
tests give Prism.

Two changes, neither of which loosens what the operations tandem uses accept:

1. Prism silently skips validating a request body whose schema holds `nullable` beside
   `oneOf`/`anyOf` (issue creation's `milestone` is one). Each such node becomes an `anyOf` of
   its branches, each made nullable, so the body is validated again.
2. Only the paths tandem calls are kept, with every component they reference (Prism reads the
   whole 13 MB description at start-up otherwise, on every test run). A request to any other
   path is then answered "no route" by Prism: still a failure the tests see.

usage: openapi-for-prism.py SOURCE.json DEST.json
"""
import json
import sys

PATHS = [
    "/user",
    "/repos/{owner}/{repo}/issues",
    "/repos/{owner}/{repo}/issues/{issue_number}",
    "/repos/{owner}/{repo}/issues/{issue_number}/comments",
    "/repos/{owner}/{repo}/issues/{issue_number}/events",
    "/repos/{owner}/{repo}/issues/{issue_number}/sub_issues",
    "/repos/{owner}/{repo}/labels",
    "/repos/{owner}/{repo}/pulls",
]


def rewrite(node):
    """Rewrites `nullable` beside `oneOf`/`anyOf` as an `anyOf` of nullable branches; returns how many."""
    count = 0
    if isinstance(node, dict):
        for key in ("oneOf", "anyOf"):
            if node.get("nullable") is True and isinstance(node.get(key), list):
                branches = []
                for b in node.pop(key):
                    b = dict(b)
                    if "$ref" in b:
                        b = {"allOf": [b], "nullable": True}
                    else:
                        b["nullable"] = True
                    branches.append(b)
                node.pop("nullable")
                node["anyOf"] = branches
                count += 1
        for v in node.values():
            count += rewrite(v)
    elif isinstance(node, list):
        for v in node:
            count += rewrite(v)
    return count


def refs(node, out):
    if isinstance(node, dict):
        r = node.get("$ref")
        if isinstance(r, str) and r.startswith("#/components/"):
            out.add(tuple(r[len("#/components/"):].split("/", 1)))
        for v in node.values():
            refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def main():
    src, dest = sys.argv[1], sys.argv[2]
    with open(src) as f:
        d = json.load(f)
    missing = [p for p in PATHS if p not in d["paths"]]
    if missing:
        sys.exit(f"{src}: no path {', '.join(missing)}")
    d["paths"] = {p: d["paths"][p] for p in PATHS}
    # Keep the components reachable from the kept paths.
    keep, todo = set(), set()
    refs(d["paths"], todo)
    while todo:
        item = todo.pop()
        if item in keep:
            continue
        keep.add(item)
        kind, name = item
        node = d["components"].get(kind, {}).get(name)
        if node is None:
            sys.exit(f"{src}: dangling reference #/components/{kind}/{name}")
        refs(node, todo)
    comps = {}
    for kind, name in keep:
        comps.setdefault(kind, {})[name] = d["components"][kind][name]
    d["components"] = comps
    for k in ("webhooks", "x-webhooks"):
        d.pop(k, None)
    n = rewrite(d)
    with open(dest, "w") as f:
        json.dump(d, f)
    total = sum(len(v) for v in comps.values())
    print(f"{dest}: {len(PATHS)} paths, {total} components, {n} nullable oneOf/anyOf rewritten")


if __name__ == "__main__":
    main()
