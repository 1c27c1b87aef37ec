"""Drives `tandem mcp` over stdio with the official MCP Python SDK (see scenario.py).

Usage: TANDEM_BIN=target/debug/tandem python test_stdio.py
"""

from __future__ import annotations

import sys

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

import scenario


async def main() -> None:
    manifest = scenario.loqa_workspace()
    params = StdioServerParameters(
        command=scenario.tandem_binary(),
        args=["--workspace", manifest, "--actor", "mcp-test", "mcp"],
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            passed = await scenario.run(session, init, manifest)
    print(f"stdio: {passed} passed, 0 failed")


if __name__ == "__main__":
    sys.exit(scenario.main("stdio", main))
