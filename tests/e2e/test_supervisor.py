"""`ai-trader serve` supervises its own children (as run by the container's entrypoint): start-up checks, the MCP
tool servers as child processes waited for with the health probe, the worker as a child process, any child exiting
stops everything with a non-zero exit, TERM stops everything with exit 0 and leaves no child, a port taken fails
the start clearly."""

from __future__ import annotations

import json
import os
import signal
import socket

import pytest

from tests.support.stack import Stack, alive, descendants, wait_for

pytestmark = pytest.mark.slow
MCP_NAMES = ("mcp-math", "mcp-search", "mcp-trade", "mcp-price")


@pytest.fixture
def stack(tmp_path):
    made: list[Stack] = []

    def make(**env: str) -> Stack:
        s = Stack(tmp_path, **env).start()
        made.append(s)
        return s

    yield make
    for s in made:
        s.close()


def _all_gone(pids: set[int]) -> None:
    assert wait_for(lambda: not any(alive(p) for p in pids) or None, 30, "every child to exit")


def _messages(s: Stack) -> list[str]:
    return [r.get("message", "") for r in s.records()]


def test_invalid_setting_fails_before_starting_anything(stack):
    s = stack(API_PORT="eighty")
    assert s.wait_exit() == 2
    out = "\n".join(s.lines)
    assert "invalid settings" in out and "API_PORT" in out and "Traceback" not in out
    assert not any(m.startswith("started") for m in _messages(s))


def test_unwritable_data_dir_fails_with_a_clear_message(stack, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where DATA_DIR should be")
    s = stack(DATA_DIR=str(blocker))
    assert s.wait_exit() == 2
    assert any("is not a writable directory" in m for m in _messages(s))


def test_without_mcp_the_api_alone_runs_and_sigterm_stops_it_cleanly(stack, tmp_path):
    data = tmp_path / 'da "ta" \\ dir'  # JSON log lines must escape it
    s = stack(MCP_ENABLED="false", DATA_DIR=str(data))
    body = s.wait_healthy()
    assert body["database"]["status"] == "connected"
    assert (data / "jobs.db").exists(), "migrations ran"
    ready = [r for r in s.records() if r.get("message") == "database ready"]
    assert ready and ready[0]["data_dir"] == str(data) and ready[0]["schema_version"] >= 1
    assert not any(m.startswith("started mcp") for m in _messages(s))
    s.signal(signal.SIGTERM)
    assert s.wait_exit() == 0
    assert s.get(s.ports["API_PORT"], "/health") is None
    assert "stopped" in _messages(s)


def test_full_stack_answers_and_one_mcp_server_dying_stops_everything_with_non_zero_exit(stack):
    s = stack()
    health = s.wait_healthy()
    assert {k: v["status"] for k, v in health["services"].items()} == dict.fromkeys(
        ("mcp_math", "mcp_search", "mcp_trade", "mcp_getprice"), "up"
    )
    started = {name: s.child_pid(name) for name in (*MCP_NAMES, "worker")}
    assert set(started.values()) == descendants(s.proc.pid), "exactly the four MCP servers and the worker"
    # a server that hangs (alive, not answering) is not the supervisor's business: /health turns 503 and names it
    os.kill(started["mcp-search"], signal.SIGSTOP)
    try:
        got = s.get(s.ports["API_PORT"], "/health")
        assert got is not None and got[0] == 503, got
        body = json.loads(got[1])
        assert body["services"]["mcp_search"]["status"] == "down" and body["services"]["mcp_math"]["status"] == "up"
    finally:
        os.kill(started["mcp-search"], signal.SIGCONT)
    os.kill(started["mcp-trade"], signal.SIGKILL)
    assert s.wait_exit() == 1
    _all_gone(set(started.values()))
    assert "mcp-trade exited, stopping the others" in _messages(s)
    for name in ("API_PORT", "MATH_HTTP_PORT", "GETPRICE_HTTP_PORT"):
        assert s.get(s.ports[name], "/") is None, f"{name} still answers"


def test_sigterm_stops_the_api_and_every_child_with_exit_0(stack):
    s = stack()
    s.wait_healthy()
    children = {s.child_pid(name) for name in (*MCP_NAMES, "worker")}
    assert children == descendants(s.proc.pid)
    s.signal(signal.SIGTERM)
    assert s.wait_exit() == 0
    _all_gone(children)
    assert "stopped" in _messages(s)
    assert descendants(s.proc.pid) == set()


def _live_worker(s: Stack) -> dict:
    def check():
        got = s.get(s.ports["API_PORT"], "/health")
        live = json.loads(got[1])["worker"]["live"] if got else []
        return live[0] if live else None

    return wait_for(check, 60, "the worker to report its heartbeat")  # type: ignore[return-value]


def test_the_worker_runs_as_a_child_process_and_its_death_stops_everything_with_non_zero_exit(stack):
    """Issue 15 item 10: the worker is not a thread of the API process (a running job would slow every read) but
    its own child; like any child, its exit stops the service (exit 1) so the restart policy applies."""
    s = stack(MCP_ENABLED="false")
    health = s.wait_healthy()
    worker = s.child_pid("worker")
    assert descendants(s.proc.pid) == {worker}
    live = _live_worker(s)
    assert health["worker"]["in_process"] is False
    assert f":{worker}:" in live["worker_id"], "the live worker is the child, not the API process"
    os.kill(worker, signal.SIGKILL)
    assert s.wait_exit() == 1
    assert "worker exited, stopping the others" in _messages(s)
    assert s.get(s.ports["API_PORT"], "/health") is None
    assert descendants(s.proc.pid) == set()


def test_worker_in_process_runs_the_worker_as_a_thread_of_the_api_process(stack):
    s = stack(MCP_ENABLED="false", WORKER_IN_PROCESS="true")
    health = s.wait_healthy()
    assert health["worker"]["in_process"] is True and health["worker"]["status"] == "running"
    assert f":{s.proc.pid}:" in _live_worker(s)["worker_id"]
    assert descendants(s.proc.pid) == set(), "no worker child"
    assert not any(m == "started worker" for m in _messages(s))
    s.signal(signal.SIGTERM)
    assert s.wait_exit() == 0


def test_without_a_worker_no_worker_child_starts(stack):
    s = stack(MCP_ENABLED="false", WORKER_ENABLED="false")
    assert s.wait_healthy()["worker"]["status"] == "stopped"
    assert descendants(s.proc.pid) == set()
    s.signal(signal.SIGTERM)
    assert s.wait_exit() == 0


def test_mcp_port_taken_fails_start_up_and_leaves_nothing(stack):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()  # accepts connections, never answers HTTP
    try:
        s = stack(TRADE_HTTP_PORT=str(blocker.getsockname()[1]))
        assert s.wait_exit() == 1
    finally:
        blocker.close()
    failed = [m for m in _messages(s) if m.startswith("MCP tool servers did not come up")]
    assert failed and "mcp-trade" in failed[0] and "TRADE_HTTP_PORT" in failed[0] and "MCP_ENABLED=false" in failed[0]
    assert not any(m.startswith("started mcp") for m in _messages(s)), "no child starts when a port is taken"
    assert s.get(s.ports["API_PORT"], "/health") is None


def test_an_mcp_server_exiting_before_it_answers_fails_start_up_and_leaves_nothing(stack, tmp_path):
    """A child that dies during start-up (here: its news file setting is unusable) is named, the others stopped."""
    s = stack(NEWS_PROVIDER="local", NEWS_FILE=str(tmp_path / "missing.json"))
    assert s.wait_exit() == 1
    failed = [m for m in _messages(s) if m.startswith("MCP tool servers did not come up")]
    assert failed and "exited with status" in failed[0]
    started = [r["pid"] for r in s.records() if r.get("child", "").startswith("mcp-") and "pid" in r]
    assert len(started) == 4
    _all_gone(set(started))
    assert s.get(s.ports["API_PORT"], "/health") is None


def test_api_port_taken_fails_start_up_with_a_clear_message(stack):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    try:
        s = stack(API_PORT=str(blocker.getsockname()[1]))
        assert s.wait_exit() == 1
    finally:
        blocker.close()
    assert any(m.startswith("cannot listen on 127.0.0.1:") and "API_PORT" in m for m in _messages(s))
    assert not any(m.startswith("started mcp") for m in _messages(s)), "nothing starts when the API cannot listen"


def test_sigterm_during_start_up_stops_what_was_started(stack):
    s = stack(STARTUP_TIMEOUT_SECONDS="60")
    s.child_pid("mcp-price")  # the last server started: the supervisor now waits for them to answer
    children = descendants(s.proc.pid)
    s.signal(signal.SIGTERM)
    assert s.wait_exit() == 0
    _all_gone(children)
    assert "service ready (worker running)" not in _messages(s)
