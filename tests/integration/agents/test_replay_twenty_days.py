"""Replay of a recorded 20-day run gives identical ledgers: a scripted signature's 20 trading days of the packaged
NASDAQ-100 data are recorded by one real job, then a replay signature (provider "replay", replay_of=it) plays the
same days in a second job over the same database. Every day's trades, cash, positions and values must be equal."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.store import ledger as ledger_store
from ai_trader.store import records as record_store
from tests.integration.scripted_runs import AGENT, ledger_of, recorded_tool_results
from tests.support.jobs import trigger

TODAY = dt.date(2025, 11, 3)
N_DAYS = 20


@pytest.fixture
def days(prices) -> list[str]:
    """The data's first trading day (the config's init_date) and the 20 after it (the days played)."""
    return prices.trading_days()[: N_DAYS + 1]


def run_job(service: JobService, store, request: dict) -> dict:
    """Trigger over the config's range (its end_date passed, as `ai-trader run` does) and drain."""
    end = json.loads((service.settings.configs_dir / "replay.json").read_text())["date_range"]["end_date"]
    code, body = trigger(service, {"config_path": "replay.json", "end_date": end, **request})
    assert code == 202, body
    Worker(service.settings, store).drain()
    return service.status(body["job_id"])


@pytest.mark.parametrize("script", ["momentum_lite", "buy_and_hold_top3"])
def test_replay_of_a_recorded_twenty_day_run_gives_identical_ledgers(settings, market_store, days, script):
    init, played = days[0], days[1:]
    (settings.configs_dir / "replay.json").write_text(
        json.dumps(
            {
                "date_range": {"init_date": init, "end_date": played[-1]},
                "models": [
                    {"signature": "orig", "provider": "scripted", "script": script},
                    {"signature": "copy", "provider": "replay", "replay_of": "orig"},
                ],
                "agent_config": AGENT,
            }
        )
    )
    service = JobService(settings, market_store, today=lambda: TODAY)

    recorded = run_job(service, market_store, {"models": ["orig"]})
    assert (recorded["status"], recorded["progress"]["completed"]) == ("completed", N_DAYS)
    replayed = run_job(service, market_store, {"models": ["copy"]})
    assert (replayed["status"], replayed["progress"]["completed"]) == ("completed", N_DAYS)
    assert [d["date"] for d in replayed["progress"]["details"]] == played

    original, copy = ledger_of(market_store, "orig"), ledger_of(market_store, "copy")
    assert [d["date"] for d in original] == played
    assert copy == original  # per day: cash, positions, value, profit, return, no_trade flag, every trade
    trades = sum(len(d["trades"]) for d in original)
    assert trades >= (N_DAYS if script == "momentum_lite" else 3)

    # The replay re-issued the same calls and every result matched the recording.
    assert recorded_tool_results(market_store, "copy") == recorded_tool_results(market_store, "orig")
    with market_store.read() as conn:
        for date in played:
            record = record_store.session_record(conn, ledger_store.model_day(conn, "copy", date).id)
            assert record.provider == "replay"
            assert "every result matched the recording" in record.reasoning_summary, (date, record.reasoning_summary)


def test_a_replay_stops_cleanly_at_the_first_day_without_a_recording(settings, market_store, days):
    """The recording is the database's session records: with the original's last 5 days gone, the replay job
    reproduces the 15 recorded days exactly, fails the 16th with a clear error and skips the rest."""
    init, played = days[0], days[1:]
    (settings.configs_dir / "replay.json").write_text(
        json.dumps(
            {
                "date_range": {"init_date": init, "end_date": played[-1]},
                "models": [
                    {"signature": "orig", "provider": "scripted", "script": "momentum_lite"},
                    {"signature": "copy", "provider": "replay", "replay_of": "orig"},
                ],
                "agent_config": AGENT,
            }
        )
    )
    service = JobService(settings, market_store, today=lambda: TODAY)
    assert run_job(service, market_store, {"models": ["orig"]})["status"] == "completed"
    original = ledger_of(market_store, "orig")

    with market_store.write() as conn:
        conn.execute("DELETE FROM model_days WHERE signature = 'orig' AND date > ?", (played[14],))
    status = run_job(service, market_store, {"models": ["copy"]})
    assert status["status"] == "partial"
    by_status = {}
    for d in status["progress"]["details"]:
        by_status.setdefault(d["status"], []).append(d)
    assert [d["date"] for d in by_status["completed"]] == played[:15]
    assert [d["date"] for d in by_status["failed"]] == [played[15]]
    assert f"no recorded session of 'orig' on {played[15]} to replay" in by_status["failed"][0]["error"]
    assert [(d["date"], d["error"]) for d in by_status["skipped"]] == [
        (date, f"blocked by failure on {played[15]}") for date in played[16:]
    ]
    assert ledger_of(market_store, "copy") == original[:15]
