"""`ai-trader serve` with the MCP tool servers: they start as a child process before the API answers, /health sees
all four up, and TERM stops everything; when one cannot start (its port is taken), `serve` refuses to start."""

from __future__ import annotations

import os
import signal
import socket
import subprocess

import pytest

from .server import BIN, Server, env_for, free_port

pytestmark = pytest.mark.slow


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    if not os.path.exists(path):
        pytest.skip("needs Linux /proc")
    with open(path) as f:
        return [int(x) for x in f.read().split()]


def test_serve_starts_mcp_servers_and_term_stops_everything(e2e_root):
    server = Server(e2e_root, mcp=True)
    try:
        body = server.http.get("/health").json()
        assert body["status"] == "healthy"
        assert {k: v["status"] for k, v in body["services"].items()} == dict.fromkeys(
            ("mcp_math", "mcp_search", "mcp_trade", "mcp_getprice"), "up"
        )
        assert body["services"]["mcp_trade"]["url"] == f"http://127.0.0.1:{server.mcp_ports[2]}/mcp"
        children = _children(server.proc.pid)
        assert children, "the MCP servers run as a child process"
    finally:
        server.proc.send_signal(signal.SIGTERM)
        code = server.proc.wait(timeout=60)
        server.close()
    assert code == 0
    for pid in children:
        assert not _alive(pid), f"MCP child {pid} still running after TERM"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def test_serve_refuses_to_start_when_an_mcp_server_cannot(e2e_root):
    """Issue 12 item 5: before, `serve` switched MCP off and /health said 200 "disabled" while every MCP-backed
    model-day failed. Now: exit 1, naming the service and its URL, and no API answering."""
    ports = [free_port() for _ in range(4)]
    api_port = free_port()
    with socket.socket() as taken:  # something else holds the trade server's port
        taken.bind(("127.0.0.1", ports[2]))
        taken.listen()
        done = subprocess.run(
            [str(BIN), "serve"],
            check=False,
            env=env_for(e2e_root, api_port, ports),
            cwd=e2e_root,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert done.returncode == 1, done.stdout + done.stderr
    text = " ".join((done.stdout + done.stderr).split())
    assert f"MCP tool servers did not come up: mcp-trade cannot listen on 127.0.0.1:{ports[2]}" in text, text
    assert "--no-mcp" in text and "TRADE_HTTP_PORT" in text
    assert "Uvicorn running" not in done.stdout + done.stderr
