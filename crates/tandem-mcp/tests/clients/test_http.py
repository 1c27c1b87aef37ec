"""Drives `tandem mcp --http 127.0.0.1:0` over streamable HTTP with the official MCP Python SDK
(see scenario.py), and checks that Host headers other than loopback are refused unless allowed,
that cross-site Origins and malformed bodies are refused, and that a token, when set, is required.

Usage: TANDEM_BIN=target/debug/tandem python test_http.py
"""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from typing import Iterator

from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

import scenario


@contextmanager
def http_server(manifest: str, *extra: str, token: str | None = None) -> Iterator[int]:
    """Starts `tandem mcp --http 127.0.0.1:0`, yields the port it printed, stops it."""
    env = {k: v for k, v in os.environ.items() if k != "TANDEM_MCP_TOKEN"}
    if token is not None:
        env["TANDEM_MCP_TOKEN"] = token
    proc = subprocess.Popen(
        [scenario.tandem_binary(), "--workspace", manifest, "--actor", "mcp-test", "mcp", "--http", "127.0.0.1:0",
         *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
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


INITIALIZE = json.dumps({
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "host-check", "version": "1"}},
})


def post(port: int, body: str, **headers: str) -> tuple[int, bytes]:
    """A raw POST to 127.0.0.1/mcp with the given headers (`Content_Type` for Content-Type);
    returns the status and the body."""
    sent = {"Host": f"127.0.0.1:{port}", "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream"}
    sent.update({k.replace("_", "-"): v for k, v in headers.items()})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", "/mcp", body, headers=sent)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def post_initialize(port: int, host: str) -> int:
    """A raw initialize POST to 127.0.0.1 carrying the given Host header; returns the status."""
    return post(port, INITIALIZE, Host=host)[0]


def rpc_error_code(body: bytes) -> int | None:
    try:
        return json.loads(body)["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


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
        status, _ = post(port, INITIALIZE, Origin="https://evil.example")
        c.ok(status == 403, "a cross-site Origin is refused", status)
        c.ok(post(port, INITIALIZE, Origin="http://localhost:5173")[0] == 200, "a loopback Origin is served")
        status, body = post(port, INITIALIZE, Content_Type="text/plain")
        c.ok((status, rpc_error_code(body)) == (415, -32600), "text/plain is a JSON-RPC invalid request", body)
        status, body = post(port, "{garbage")
        c.ok((status, rpc_error_code(body)) == (400, -32700), "garbage is a JSON-RPC parse error", body)
        status, body = post(port, "[]")
        c.ok((status, rpc_error_code(body)) == (400, -32600), "a non-object is a JSON-RPC invalid request", body)
    with http_server(scenario.loqa_workspace(), "--allow-host", "tandem.internal") as port:
        c.ok(post_initialize(port, f"tandem.internal:{port}") == 200, "an allowed Host is served")
        c.ok(post_initialize(port, "evil.example") == 403, "others are still refused")
    token = "tandem-test-token-0123456789"
    with http_server(scenario.loqa_workspace(), token=token) as port:
        c.ok(post_initialize(port, f"127.0.0.1:{port}") == 401, "without the token: 401")
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with client, streamable_http_client(f"http://127.0.0.1:{port}/mcp", http_client=client) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
                c.ok(len(tools.tools) == len(scenario.EXPECTED_TOOLS), "with the token the SDK is served")
    print(f"http: {passed + c.passed} passed, 0 failed")


if __name__ == "__main__":
    sys.exit(scenario.main("http", main))
