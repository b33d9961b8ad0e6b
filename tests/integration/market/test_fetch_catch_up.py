"""Catch-up with fresh prices: `data fetch` then the trigger plans the new days, and the on-demand refresh (
AUTO_DOWNLOAD_PRICE_DATA) that downloads before the model-days run, as the job's visible "fetching_prices" phase.
Real JobService + Worker.drain() with baseline competitors, a real local Alpha Vantage stand-in."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ai_trader.jobs.worker import Worker
from ai_trader.market.fetch import fetch_prices
from ai_trader.service.jobs import JobService
from tests.support.jobs import trigger

from .fetch_support import FakeClock, av_settings, bars, seed

SYMBOLS = ("AAPL", "AMZN", "GOOGL", "META", "MSFT", "NVDA", "TSLA", "AVGO")
NEW_DAYS = ["2025-10-27", "2025-10-28", "2025-10-29", "2025-10-30"]
OLD_DAYS = ["2025-10-20", "2025-10-21", "2025-10-22", "2025-10-23", "2025-10-24"]
MODELS = [
    {"signature": "equal-weight", "provider": "baseline", "strategy": "equal_weight"},
    {"signature": "momentum", "provider": "baseline", "strategy": "momentum"},
    {"signature": "cash", "provider": "baseline", "strategy": "cash"},
]


@pytest.fixture
def seeded(store, settings, nasdaq_csv, tmp_path):
    """Prices of 8 symbols and QQQ through 2025-10-24; a config of three baselines starting 2025-10-20."""
    seed(store, nasdaq_csv, tmp_path, dict.fromkeys((*SYMBOLS, "QQQ"), "2025-10-24"))
    (settings.configs_dir / "default_config.json").write_text(
        json.dumps(
            {
                "date_range": {"init_date": "2025-10-17", "end_date": "2025-10-30"},
                "models": MODELS,
                "agent_config": {"initial_cash": 10000.0},
            }
        )
    )
    return store


def model_days(store, signature):
    return (
        store.conn()
        .execute(
            "SELECT date, cash, positions, portfolio_value FROM model_days WHERE signature = ? ORDER BY date",
            (signature,),
        )
        .fetchall()
    )


def test_after_a_fetch_the_catch_up_trigger_plans_and_runs_the_new_days(seeded, settings, av):
    store = seeded
    service = JobService(settings, store, today=lambda: dt.date(2025, 10, 31))
    code, first = trigger(service, {})
    assert code == 202 and first["date_range"] == OLD_DAYS
    Worker(settings, store).drain()
    assert trigger(service, {})[1]["status"] == "current"

    clock = FakeClock()  # 2025-10-30, after the close
    report = fetch_prices(store, av_settings(settings, av.url), clock=clock, sleep=clock.sleep)
    assert len(report.by_status("fetched")) == 9 and report.complete

    code, second = trigger(service, {})
    assert code == 202 and second["date_range"] == NEW_DAYS and second["total_model_days"] == 12
    Worker(settings, store).drain()
    status = service.status(second["job_id"])
    assert status["status"] == "completed" and status["progress"]["completed"] == 12
    assert status["phase"] is None
    last = model_days(store, "equal-weight")[-1]
    assert last["date"] == "2025-10-30"
    closes = {s: float(av.bars[s]["2025-10-30"]["4. close"]) for s in SYMBOLS}
    held = json.loads(last["positions"])
    assert held and last["portfolio_value"] == pytest.approx(
        last["cash"] + sum(n * closes[s] for s, n in held.items()), abs=0.01
    )


def test_auto_download_fetches_as_a_visible_phase_then_runs_the_new_days(seeded, settings, av):
    store = seeded
    s = av_settings(settings, av.url, auto_download_price_data=True, av_requests_per_minute=600_000)
    service = JobService(s, store, today=lambda: dt.date(2025, 10, 30))
    code, body = trigger(service, {})
    assert code == 202 and body["date_range"] == OLD_DAYS + NEW_DAYS  # planned before the prices are here
    seen: list[tuple[str, str | None]] = []
    av.on_request = lambda sym: seen.append(
        (service.status(body["job_id"])["status"], service.status(body["job_id"])["phase"])
    )
    Worker(s, store).drain()
    assert len(seen) == 9 and set(seen) == {("running", "fetching_prices")}
    status = service.status(body["job_id"])
    assert status["status"] == "completed" and status["phase"] is None and status["error"] is None
    assert status["progress"]["completed"] == 27
    assert [r["date"] for r in model_days(store, "momentum")] == OLD_DAYS + NEW_DAYS
    assert max(bars(store, "QQQ")) == "2025-10-30"
    assert trigger(service, {})[1]["status"] == "current"  # nothing missing: no job, no request
    assert len(av.requests) == 9


def test_auto_download_never_trades_on_partial_data(seeded, settings, av):
    store = seeded
    s = av_settings(settings, av.url, auto_download_price_data=True, av_requests_per_minute=600_000)
    av.behaviour["NVDA"] = "note"
    service = JobService(s, store, today=lambda: dt.date(2025, 10, 30))
    code, body = trigger(service, {})
    assert code == 202
    Worker(s, store).drain()
    status = service.status(body["job_id"])
    assert status["status"] == "partial" and status["phase"] is None
    assert "NVDA" in status["error"] and "2025-10-27" in status["error"] and "2025-10-30" in status["error"]
    assert "Note" in status["error"]
    by_day = {}
    for d in status["progress"]["details"]:
        by_day.setdefault(d["date"], set()).add((d["status"], d.get("error")))
    assert all(by_day[d] == {("completed", None)} for d in OLD_DAYS)
    assert by_day["2025-10-27"] == {("skipped", "price data missing on 2025-10-27: NVDA")}
    assert by_day["2025-10-30"] == {("skipped", "blocked by missing price data on 2025-10-27")}
    assert [r["date"] for r in model_days(store, "cash")] == OLD_DAYS  # nothing ran on the incomplete days
    assert max(bars(store, "NVDA")) == "2025-10-24" and max(bars(store, "AAPL")) == "2025-10-30"

    av.behaviour.clear()  # the next catch-up resumes from the first skipped day once the data comes
    code, again = trigger(service, {})
    assert code == 202 and again["date_range"] == NEW_DAYS
    Worker(s, store).drain()
    assert service.status(again["job_id"])["status"] == "completed"
    assert av.symbols_requested()[-1] == "NVDA" and av.symbols_requested().count("NVDA") == 2


def test_stopping_the_worker_during_the_download_leaves_the_job_to_resume(seeded, settings, av):
    import threading

    from ai_trader.store import jobs as rows

    store = seeded
    s = av_settings(settings, av.url, auto_download_price_data=True, av_requests_per_minute=1)  # 60 s apart
    service = JobService(s, store, today=lambda: dt.date(2025, 10, 30))
    _, body = trigger(service, {})
    first = threading.Event()
    av.on_request = lambda sym: first.set()
    worker = Worker(s, store)
    worker.start()
    try:
        assert first.wait(30), "the download did not start"
    finally:
        worker.stop(grace_s=20)  # the second request is waiting for its slot: stopping interrupts the wait
    assert len(av.requests) == 1
    status = service.status(body["job_id"])
    # the phase stays: no worker claims a day on partial data; the worker that adopts the job fetches again
    assert status["status"] == "running" and status["phase"] == "fetching_prices" and status["error"] is None
    assert status["progress"]["pending"] == 27  # nothing skipped, nothing ran: the next start resumes it
    with store.read() as conn:
        assert rows.job(conn, body["job_id"]).worker_id is None
