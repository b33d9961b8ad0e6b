"""`ai-trader run`, `worker --drain` and `demo` as a user runs them (typer's runner, real database files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ai_trader.cli import app
from ai_trader.cli.demo import demo_config
from ai_trader.service.jobs import JobService
from ai_trader.store import Store
from tests.support.jobs import trigger

from .conftest import TODAY, write_config

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()


def test_run_simulates_the_range_prints_a_leaderboard_and_is_a_noop_the_second_time(settings, tmp_path):
    config = write_config(settings, name="anywhere.json")
    args = [
        "run",
        str(config),
        "--start",
        "2025-10-28",
        "--models",
        "cash,momentum",
        "--data-dir",
        str(settings.data_dir),
    ]
    first = runner.invoke(app, args, env={"LOG_LEVEL": "WARNING", "COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "Job completed: 6 completed, 0 failed" in first.output
    assert "momentum" in first.output and "Leaderboard" in first.output
    second = runner.invoke(app, args, env={"LOG_LEVEL": "WARNING", "COLUMNS": "200"})
    assert second.exit_code == 0, second.output
    assert "Already up to date" in second.output


def test_run_exits_non_zero_when_a_model_day_fails(settings):
    config = write_config(
        settings,
        models=[
            {
                "signature": "dead-llm",
                "basemodel": "x/y",
                "openai_base_url": "http://127.0.0.1:9/v1",
                "openai_api_key": "sk-test",
            }
        ],
        max_retries=0,
        base_delay=0,
    )
    result = runner.invoke(
        app,
        ["run", str(config), "--start", "2025-10-29", "--data-dir", str(settings.data_dir)],
        env={"LOG_LEVEL": "WARNING", "COLUMNS": "200"},
    )
    assert result.exit_code == 1
    assert "1 failed, 1 skipped" in result.output


def test_run_refuses_a_bad_request_with_exit_2(settings):
    config = write_config(settings)
    result = runner.invoke(app, ["run", str(config), "--models", "nobody", "--data-dir", str(settings.data_dir)])
    assert result.exit_code == 2
    assert "unknown_model" in result.output


def test_worker_drain_runs_what_the_api_queued(settings, store):
    write_config(settings)
    _, body = trigger(
        JobService(settings, store, today=lambda: TODAY), {"models": ["cash"], "start_date": "2025-10-29"}
    )
    result = runner.invoke(
        app, ["worker", "--drain", "--data-dir", str(settings.data_dir)], env={"LOG_LEVEL": "WARNING", "COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert JobService(settings, store).status(body["job_id"])["status"] == "completed"


def test_committed_demo_config_is_what_the_demo_writes():
    committed = json.loads((ROOT / "configs" / "demo_config.json").read_text())
    assert committed == demo_config(committed["date_range"]["init_date"], committed["date_range"]["end_date"])


def test_demo_runs_offline_on_the_packaged_data(tmp_path):
    env = {"LOG_LEVEL": "WARNING", "COLUMNS": "200"}
    args = ["demo", "--data-dir", str(tmp_path / "data"), "--configs-dir", str(tmp_path / "configs")]
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Job completed: 500 completed, 0 failed, 0 skipped" in lines  # the job's final state, not a stale one
    assert any("QQQ buy&hold" in line and "100" in line for line in lines)  # the benchmark line of the leaderboard
    assert "http://localhost:8080/" in result.output
    # scripted-top3 buys on day 1 and then holds by design: not the broken-integration warning (store/tool_use.py)
    assert "never used a tool" not in result.output
    written = json.loads((tmp_path / "configs" / "demo_config.json").read_text())
    assert written == json.loads((ROOT / "configs" / "demo_config.json").read_text())
    s = Store(tmp_path / "data" / "jobs.db")
    try:
        sigs = dict(s.conn().execute("SELECT signature, COUNT(*) FROM model_days GROUP BY signature").fetchall())
        days = [r[0] for r in s.conn().execute("SELECT DISTINCT date FROM model_days ORDER BY date")]
    finally:
        s.close()
    assert sigs == {"cash": 100, "equal-weight": 100, "momentum": 100, "scripted-momentum": 100, "scripted-top3": 100}
    assert (days[0], days[-1]) == ("2025-06-10", "2025-10-30")
    again = runner.invoke(app, args, env=env)
    assert again.exit_code == 0 and "Already up to date" in again.output


def test_run_charges_the_configs_trading_costs_and_prints_the_cost_sensitivity(settings):
    from ai_trader.store import ledger

    config = write_config(settings, name="costly.json", commission_bps=10, commission_min=1, slippage_bps=5)
    args = ["run", str(config), "--start", "2025-10-28", "--models", "momentum", "--data-dir", str(settings.data_dir)]
    result = runner.invoke(app, args, env={"LOG_LEVEL": "WARNING", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Return at trading costs" in result.output and "25 bps" in result.output
    store = Store(settings.store_url)
    try:
        with store.read() as conn:
            days = ledger.model_days(conn, "momentum")
            trades = [t for d in days for t in ledger.trades_for(conn, [d.id])[d.id]]
    finally:
        store.close()
    assert trades
    for t in trades:
        sign = 1 if t.action == "buy" else -1
        assert t.fill_price == pytest.approx(t.price * (1 + sign * 5 / 10000))
        assert t.slippage == pytest.approx(t.amount * t.price * 5 / 10000)
        assert t.commission == pytest.approx(max(1.0, t.amount * t.fill_price * 10 / 10000))
