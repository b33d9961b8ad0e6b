"""Fixtures for the API and read-side tests: a database with the packaged NASDAQ-100 prices (imported once per
session into a template file, copied per test) and a PriceView over it."""

from __future__ import annotations

import pytest

from ai_trader.market.prices import PriceView


@pytest.fixture(scope="session")
def priced_template(nasdaq_db_template):
    return nasdaq_db_template


@pytest.fixture
def prices(priced_store):
    return PriceView.load(priced_store)


import json  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402

from ai_trader.api.app import create_app  # noqa: E402

BASELINES = [
    {"signature": "ew", "provider": "baseline", "strategy": "equal_weight"},
    {"signature": "mom", "provider": "baseline", "strategy": "momentum"},
    {"signature": "idle", "provider": "baseline", "strategy": "cash"},
]


def write_config(configs_dir, name="default_config.json", models=None, init_date="2025-06-02", end_date=None):
    cfg = {
        "agent_type": "BaseAgent",
        "date_range": {"init_date": init_date, "end_date": end_date},
        "models": models or BASELINES,
        "agent_config": {"max_steps": 5, "max_retries": 0, "initial_cash": 10000.0},
    }
    path = configs_dir / name
    path.write_text(json.dumps(cfg), encoding="utf-8")
    return path


@pytest.fixture
def api_settings(settings):
    """Settings for an API under test: no MCP servers; a job queue nobody drains (worker not started)."""
    write_config(settings.configs_dir)
    return settings.model_copy(update={"mcp_enabled": False})


@pytest.fixture
def client(api_settings, priced_store):
    app = create_app(api_settings, store=priced_store, start_worker=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
