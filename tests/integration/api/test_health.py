"""GET /health: 200 healthy / 503 unhealthy with the api.md body; a hung MCP service is reported down quickly."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from ai_trader.api.app import create_app

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
    assert body["worker"] == {"status": "running"}


def test_worker_stopped_is_unhealthy(api_settings, priced_store):
    resp, _ = _health(api_settings, priced_store, start_worker=False)
    assert resp.status_code == 503
    assert resp.json()["status"] == "unhealthy" and resp.json()["worker"] == {"status": "stopped"}


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
