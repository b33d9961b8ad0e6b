"""`ai-trader data fetch` and the budget/provisional lines of `data status`, through Typer's runner, against the
local Alpha Vantage stand-in (settings from the environment, as a user runs it)."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from ai_trader.cli import data as data_cli
from ai_trader.store import Store

from .fetch_support import seed


@pytest.fixture
def cli(av, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    app = typer.Typer()
    data_cli.register(app)
    runner = CliRunner()
    env = {
        "ALPHAADVANTAGE_API_KEY": "TESTKEY",
        "ALPHAVANTAGE_BASE_URL": av.url,
        "AV_REQUESTS_PER_MINUTE": "600000",
        "AV_REQUESTS_PER_DAY": "25",
    }
    return lambda *args, env=env: runner.invoke(app, ["data", *map(str, args)], env=env)


def test_fetch_then_status(cli, av, tmp_path, nasdaq_csv):
    data_dir = tmp_path / "d"
    store = Store(data_dir / "jobs.db")
    seed(store, nasdaq_csv, tmp_path, {"AAPL": "2025-10-30", "NVDA": "2025-10-24", "QQQ": "2025-10-30"})
    store.close()
    res = cli("fetch", "--end", "2025-10-30", "--data-dir", data_dir, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["counts"] == {"fetched": 1, "current": 2, "failed": 0, "skipped": 0}
    assert [r["symbol"] for r in av.requests] == ["NVDA"]

    res = cli("fetch", "--symbols", "NVDA,ZZZZ", "--end", "2025-10-30", "--data-dir", data_dir)
    assert res.exit_code == 1  # ZZZZ: unknown to Alpha Vantage
    assert "ZZZZ" in res.stdout and "Error Message" in res.stdout and "current" in res.stdout

    st = json.loads(cli("status", "--data-dir", data_dir, "--json").stdout)
    assert st["provisional_bars"] == 1
    assert st["alphavantage_budget"]["used"] == 2 and st["alphavantage_budget"]["per_day"] == 25
    table = cli("status", "--data-dir", data_dir).stdout
    assert "provisional bars: 1" in table and "2/25 requests used" in table


def test_fetch_refuses_bad_input(cli, tmp_path):
    res = cli("fetch", "--start", "2025-13-01", "--data-dir", tmp_path / "d")
    assert res.exit_code == 2 and "2025-13-01" in res.output
    res = cli("fetch", "--data-dir", tmp_path / "d", env={"ALPHAADVANTAGE_API_KEY": ""})
    assert res.exit_code == 2 and "ALPHAADVANTAGE_API_KEY" in res.output
