"""GET /health: 200 healthy / 503 unhealthy with the api.md body; a hung MCP service is reported down quickly."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from ai_trader.api.app import create_app
from ai_trader.jobs.worker import Worker
from ai_trader.store import Store

from .standins import Answering, Hanging, dead_port


@pytest.fixture
def answering():
    servers = [Answering() for _ in range(4)]
    yield servers
    for s in servers:
        s.close()


def _mcp(settings, ports):
    return settings.model_copy(
        update={
            "mcp_enabled": True,
            "mcp_host": "127.0.0.1",
            "math_http_port": ports[0],
            "search_http_port": ports[1],
            "trade_http_port": ports[2],
            "getprice_http_port": ports[3],
            "health_check_timeout_seconds": 0.3,
        }
    )


def _health(settings, store, start_worker=True):
    with TestClient(create_app(settings, store=store, start_worker=start_worker)) as c:
        t0 = time.perf_counter()
        resp = c.get("/health")
        return resp, time.perf_counter() - t0


def test_healthy_with_worker_and_all_mcp_services(api_settings, priced_store, answering):
    resp, _ = _health(_mcp(api_settings, [s.port for s in answering]), priced_store)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "healthy" and body["timestamp"].endswith("Z")
    assert set(body["services"]) == {"mcp_math", "mcp_search", "mcp_trade", "mcp_getprice"}
    assert all(s["status"] == "up" for s in body["services"].values())
    assert body["services"]["mcp_trade"]["url"] == f"http://127.0.0.1:{answering[2].port}/mcp"
    assert body["database"]["status"] == "connected"
    assert body["storage"]["writable"] is True and body["storage"]["free_space_mb"] > 0
    assert body["worker"]["status"] == "running" and body["worker"]["in_process"] is True
    assert [w["mode"] for w in body["worker"]["live"]] == ["background"]  # its heartbeat row in the database


def test_no_live_worker_is_unhealthy_only_while_work_is_queued(api_settings, priced_store):
    """Issue 12 item 6: workers report through the database, so a worker outside the API process counts; 503 only
    when work is queued and no live worker exists."""
    with TestClient(create_app(api_settings, store=priced_store, start_worker=False)) as c:
        idle = c.get("/health")
        assert idle.status_code == 200, idle.text  # nothing to do: no worker needed
        assert idle.json()["worker"] == {"status": "stopped", "in_process": False, "live": [], "queued_jobs": 0}
        assert c.post("/simulate/trigger", json={"models": ["idle"], "start_date": "2025-10-30"}).status_code == 202
        waiting = c.get("/health")
        assert waiting.status_code == 503 and waiting.json()["status"] == "unhealthy"
        assert waiting.json()["worker"]["status"] == "stopped" and waiting.json()["worker"]["queued_jobs"] == 1

        other = Worker(api_settings, Store(api_settings.db_path))
        other.start()  # as `ai-trader worker` would: its own thread, its own connection, a row in `workers`
        try:
            deadline = time.monotonic() + 30
            while (live := c.get("/health")).status_code != 200:
                assert time.monotonic() < deadline, live.text
                time.sleep(0.05)
            worker = live.json()["worker"]
            assert worker["status"] == "running" and worker["in_process"] is False
            assert [w["worker_id"] for w in worker["live"]] == [other.worker_id]
            assert worker["live"][0]["heartbeat_silent_seconds"] < 60
        finally:
            other.stop(0)
        stopped = c.get("/health")  # the stop is recorded: not counted any more (the job ran meanwhile, or not)
        assert stopped.json()["worker"]["live"] == []
        assert stopped.status_code == (503 if stopped.json()["worker"]["queued_jobs"] else 200)


def test_hung_and_dead_mcp_services_are_down_and_health_still_answers_fast(api_settings, priced_store, answering):
    hung = Hanging()
    try:
        ports = [answering[0].port, hung.port, dead_port(), answering[3].port]
        resp, elapsed = _health(_mcp(api_settings, ports), priced_store)
    finally:
        hung.close()
    assert resp.status_code == 503
    services = resp.json()["services"]
    assert services["mcp_math"]["status"] == "up" and services["mcp_getprice"]["status"] == "up"
    assert services["mcp_search"]["status"] == "down" and "no answer within" in services["mcp_search"]["error"]
    assert services["mcp_trade"]["status"] == "down" and services["mcp_trade"]["error"]
    assert elapsed < 1.0  # api.md: health answers within 1 s even when a service hangs (checks run concurrently)
