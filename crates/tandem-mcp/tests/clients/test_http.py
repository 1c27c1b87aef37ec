"""Drives `tandem mcp --http 127.0.0.1:0` over streamable HTTP with the official MCP Python SDK
(see scenario.py), and checks that Host headers other than loopback are refused unless allowed.

Usage: TANDEM_BIN=target/debug/tandem python test_http.py
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

import scenario


@contextmanager
def http_server(manifest: str, *extra: str) -> Iterator[int]:
    """Starts `tandem mcp --http 127.0.0.1:0`, yields the port it printed, stops it."""
    proc = subprocess.Popen(
        [scenario.tandem_binary(), "--workspace", manifest, "--actor", "mcp-test", "mcp", "--http", "127.0.0.1:0",
         *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/mcp", line)
        assert m, f"the server prints where it listens, got {line!r}"
        yield int(m.group(1))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def post_initialize(port: int, host: str) -> int:
    """A raw initialize POST to 127.0.0.1 carrying the given Host header; returns the status."""
    body = json.dumps({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "host-check", "version": "1"}},
    })
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/mcp", body, headers={
            "Host": host, "Content-Type": "application/json", "Accept": "application/json, text/event-stream",
        })
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


async def main() -> None:
    c = scenario.Checks()
    manifest = scenario.loqa_workspace()
    with http_server(manifest) as port:
        async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write):
            async with ClientSession(read, write) as session:
                init = await session.initialize()
                passed = await scenario.run(session, init, manifest)
        c.ok(post_initialize(port, f"127.0.0.1:{port}") == 200, "a loopback Host is served")
        c.ok(post_initialize(port, f"localhost:{port}") == 200, "localhost is served")
        c.ok(post_initialize(port, "evil.example") == 403, "another Host is refused (DNS rebinding)")
    with http_server(scenario.loqa_workspace(), "--allow-host", "tandem.internal") as port:
        c.ok(post_initialize(port, f"tandem.internal:{port}") == 200, "an allowed Host is served")
        c.ok(post_initialize(port, "evil.example") == 403, "others are still refused")
    print(f"http: {passed + c.passed} passed, 0 failed")


if __name__ == "__main__":
    sys.exit(scenario.main("http", main))
