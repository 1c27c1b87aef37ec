"""Measures a `get_coordination_progress` round trip over stdio, from the official MCP Python SDK,
for a coordination with 200 children (BENCHMARKS.md records the figure).

Usage: TANDEM_BIN=target/release/tandem python bench_progress.py [--calls 500] [--repos 200]
       [--max-median-ms MS]  (exit 1 when the median is above MS; used by the test as a loose bound)
       [--skip-output-validation]  (the SDK validates every result against the tool's output
       schema, in Python; this shows the round trip without that)
Prints one JSON line: calls, children, median_ms, p95_ms, mean_ms, max_ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

import scenario


def workspace(repos: int) -> str:
    """One protocol repo, services on it, clients on the services: `repos` repositories in all."""
    services = max(1, (repos - 1) // 5)
    lines = ['[workspace]\nname = "bench"\n', '[coordination]\nrepo = "proto"\nforge = "local"\n',
             '[[repo]]\nname = "proto"\nrole = "protocol"\nweight = 2\n']
    for i in range(services):
        lines.append(f'[[repo]]\nname = "svc-{i}"\nrole = "service"\nweight = 3\n'
                     f'depends_on = [{{ repo = "proto", via = "grpc" }}]\n')
    for i in range(repos - 1 - services):
        lines.append(f'[[repo]]\nname = "client-{i}"\nrole = "client"\n'
                     f'depends_on = [{{ repo = "svc-{i % services}", via = "grpc" }}, '
                     f'{{ repo = "proto", via = "grpc" }}]\n')
    d = tempfile.mkdtemp(prefix="tandem-bench-")
    path = os.path.join(d, "tandem.toml")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path


async def measure(calls: int, repos: int) -> dict:
    params = StdioServerParameters(command=scenario.tandem_binary(),
                                   args=["--workspace", workspace(repos), "--actor", "bench", "mcp"])
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await session.list_tools()
            created = await session.call_tool("create_coordination_issue", {
                "title": "Bench change", "type": "protocol", "from_repo": "proto"})
            assert not created.is_error, created.content
            cid = created.structured_content["coordination"]["id"]
            children = len(created.structured_content["child_issues"])
            # Some state worth computing: started, the provider done, a blocked service.
            for args in ({"status": "in_progress"}, {"repo": "proto", "status": "in_progress"},
                         {"repo": "proto", "status": "in_review"}, {"repo": "proto", "status": "done"},
                         {"repo": "svc-0", "status": "blocked", "reason": "bench"}):
                r = await session.call_tool("sync_coordination_status", {"coordination": cid, **args})
                assert not r.is_error, r.content
            for _ in range(min(20, calls)):  # warm-up
                await session.call_tool("get_coordination_progress", {"coordination": cid})
            samples = []
            for _ in range(calls):
                t0 = time.perf_counter()
                r = await session.call_tool("get_coordination_progress", {"coordination": cid})
                samples.append((time.perf_counter() - t0) * 1000)
                assert not r.is_error and r.structured_content["children_total"] == children
    samples.sort()
    return {
        "calls": calls,
        "children": children,
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 3),
        "mean_ms": round(statistics.fmean(samples), 3),
        "max_ms": round(samples[-1], 3),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--repos", type=int, default=200)
    ap.add_argument("--max-median-ms", type=float, default=None)
    ap.add_argument("--skip-output-validation", action="store_true",
                    help="turn off the SDK's JSON-schema validation of each result, to see what it costs")
    a = ap.parse_args()
    if a.skip_output_validation:
        async def no_validation(self, name, result):  # noqa: ANN001
            return None

        ClientSession.validate_tool_result = no_validation
    import anyio

    result = anyio.run(measure, a.calls, a.repos)
    print(json.dumps(result))
    if a.max_median_ms is not None and result["median_ms"] > a.max_median_ms:
        print(f"median {result['median_ms']} ms is above {a.max_median_ms} ms", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
