"""Property-based fuzz of the OpenAPI (schemathesis, bounded): no 5xx, every response matches its schema."""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from ai_trader.api.app import create_app
from ai_trader.market.prices import PriceView
from ai_trader.settings import Settings
from ai_trader.store import Store

from .conftest import write_config
from .seed import commit_day

MAX_EXAMPLES = 25


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory, priced_template):
    root = tmp_path_factory.mktemp("fuzz")
    (root / "configs").mkdir()
    write_config(root / "configs")
    s = Settings(
        _env_file=None, data_dir=root / "data", configs_dir=root / "configs", log_format="console", mcp_enabled=False
    )
    s.data_dir.mkdir()
    shutil.copy(priced_template, s.db_path)
    store = Store(s.db_path)
    prices = PriceView.load(store)
    for d in ("2025-07-01", "2025-07-02"):
        commit_day(store, prices, "ew", d, [("buy", "AAPL", 1)] if d == "2025-07-01" else [])
    app = create_app(s, store=store, start_worker=False)
    with TestClient(app):  # run the lifespan: runtime and job service in app.state
        yield app
    store.close()


@pytest.fixture(scope="module")
def operations(fuzz_app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    return {r.ok().label: r.ok() for r in schema.get_all_operations()}


def test_operations_are_documented(operations):
    labels = set(operations)
    assert labels >= {
        "POST /simulate/trigger",
        "GET /simulate/status/{job_id}",
        "GET /simulate/current",
        "GET /simulate/jobs",
        "POST /simulate/cancel/{job_id}",
        "GET /results",
        "GET /performance",
        "GET /health",
    }


@pytest.mark.parametrize(
    "label",
    [
        "POST /simulate/trigger",
        "GET /simulate/status/{job_id}",
        "GET /simulate/current",
        "GET /simulate/jobs",
        "POST /simulate/cancel/{job_id}",
        "GET /results",
        "GET /performance",
        "GET /health",
    ],
)
def test_no_server_error_and_responses_match_schema(operations, label):
    op = operations[label]

    # /health answers 503 here on purpose (no worker in this app): check only that it matches its schema
    checks = [response_schema_conformance]
    if label != "GET /health":
        checks.append(not_a_server_error)

    @given(case=op.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case):
        case.call_and_validate(checks=checks)

    run()
