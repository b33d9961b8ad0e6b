"""The read side: results for a date / a range and the leaderboard, over ledger rows committed for real."""

from __future__ import annotations

from pathlib import Path

import pytest

from ai_trader.errors import InvalidDate, NoData, NotFound, UnknownModel
from ai_trader.service.performance import performance
from ai_trader.service.results import results_for_date, results_for_range
from ai_trader.store import jobs as job_rows

from .seed import commit_day

pytestmark = pytest.mark.both_engines

DAYS = ["2025-07-01", "2025-07-02", "2025-07-03", "2025-07-07"]


def insert_job(store, job_id, dates, models):
    with store.write() as conn:
        job_rows.insert_job(
            conn,
            job_id=job_id,
            config_path="c.json",
            date_range=dates,
            models=models,
            created_at="2025-07-08T00:00:00.000000Z",
            request={},
            config={},
            warnings=[],
        )


@pytest.fixture
def ledger(priced_store, prices):
    insert_job(priced_store, "j1", DAYS[:2], ["alpha", "cash"])
    insert_job(priced_store, "j2", DAYS[2:], ["alpha", "cash"])
    commit_day(
        priced_store,
        prices,
        "alpha",
        DAYS[0],
        [("buy", "AAPL", 10), ("buy", "MSFT", 5)],
        job_id="j1",
        session={
            "provider": "scripted",
            "total_steps": 4,
            "stop_signal_received": True,
            "reasoning_summary": "Bought AAPL and MSFT.",
            "tool_usage": {"buy": 2},
            "prompt_tokens": 100,
            "completion_tokens": 20,
            "cost_usd": 0.01,
        },
    )
    commit_day(priced_store, prices, "alpha", DAYS[1], [("sell", "AAPL", 10)], job_id="j1")
    commit_day(priced_store, prices, "alpha", DAYS[2], job_id="j2")
    commit_day(priced_store, prices, "alpha", DAYS[3], job_id="j2")
    for d in DAYS:
        commit_day(priced_store, prices, "cash", d, job_id="j1" if d < "2025-07-03" else "j2")
    return priced_store


def test_one_date_minimal_positions_include_cash_and_omit_zero_holdings(ledger, prices):
    body = results_for_date(ledger, DAYS[1])
    assert body["date"] == DAYS[1]
    by = {r["model"]: r for r in body["results"]}
    assert set(by) == {"alpha", "cash"}
    alpha = by["alpha"]
    assert set(alpha) == {"model", "positions", "daily_pnl"}
    assert "AAPL" not in alpha["positions"]  # sold to zero: omitted
    assert alpha["positions"]["MSFT"] == 5
    cash = (
        10_000
        - 10 * prices.open("AAPL", DAYS[0])
        - 5 * prices.open("MSFT", DAYS[0])
        + 10 * prices.open("AAPL", DAYS[1])
    )
    assert alpha["positions"]["CASH"] == pytest.approx(cash, abs=0.01)
    value = alpha["positions"]["CASH"] + 5 * prices.close("MSFT", DAYS[1])
    assert alpha["daily_pnl"]["portfolio_value"] == pytest.approx(value, abs=0.01)
    assert by["cash"]["positions"] == {"CASH": 10_000.0}
    assert by["cash"]["daily_pnl"] == {"profit": 0.0, "return_pct": 0.0, "portfolio_value": 10_000.0}


def test_one_date_full_has_trades_reasoning_usage_and_log_path(ledger, prices):
    body = results_for_date(ledger, DAYS[0], model="alpha", detail="full")
    [r] = body["results"]
    assert [(t["action"], t["symbol"], t["amount"]) for t in r["trades"]] == [("buy", "AAPL", 10), ("buy", "MSFT", 5)]
    t0 = r["trades"][0]
    assert t0["price"] == prices.open("AAPL", DAYS[0])
    assert t0["total"] == pytest.approx(10 * t0["price"], abs=0.01)
    assert r["ai_reasoning"] == {
        "total_steps": 4,
        "stop_signal_received": True,
        "reasoning_summary": "Bought AAPL and MSFT.",
        "tool_usage": {"buy": 2},
        "no_tool_use": None,  # it used the tools
    }
    assert r["usage"] == {"prompt_tokens": 100, "completion_tokens": 20, "cost_usd": 0.01}
    assert r["log_file_path"] == f"data/agent_data/alpha/log/{DAYS[0]}/log.jsonl"  # the default DATA_DIR
    elsewhere = Path("/srv/trader-store/agent_data")
    [r] = results_for_date(ledger, DAYS[0], model="alpha", detail="full", agent_data_dir=elsewhere)["results"]
    assert r["log_file_path"] == f"/srv/trader-store/agent_data/alpha/log/{DAYS[0]}/log.jsonl"


def test_job_filter_and_job_range(ledger):
    assert [r["model"] for r in results_for_date(ledger, DAYS[2], job_id="j2")["results"]] == ["alpha", "cash"]
    with pytest.raises(NoData):
        results_for_date(ledger, DAYS[2], job_id="j1")
    # job_id alone: that job's own date range (jobs table row)
    with pytest.raises(NotFound) as exc:
        results_for_range(ledger, None, None, None, job_id="nope")
    assert exc.value.details == {"job_id": "nope"}


def test_an_unknown_job_id_is_not_found_with_dates_too_and_a_job_without_days_is_no_data(ledger, prices):
    for call in (
        lambda: results_for_date(ledger, DAYS[2], job_id="nope"),
        lambda: results_for_range(ledger, prices, DAYS[0], DAYS[3], job_id="nope"),
    ):
        with pytest.raises(NotFound) as exc:
            call()
        assert exc.value.code == "not_found" and exc.value.details == {"job_id": "nope"}
    insert_job(ledger, "j-empty", ["2025-07-08"], ["alpha"])  # queued, nothing committed yet
    for call in (
        lambda: results_for_range(ledger, prices, None, None, job_id="j-empty"),
        lambda: results_for_range(ledger, prices, DAYS[0], DAYS[3], job_id="j-empty"),
        lambda: results_for_date(ledger, DAYS[0], job_id="j-empty"),
    ):
        with pytest.raises(NoData) as exc:
            call()
        assert exc.value.code == "no_data"
    insert_job(ledger, "j-none", [], ["alpha"])  # a job that planned no days at all
    with pytest.raises(NoData):
        results_for_range(ledger, prices, None, None, job_id="j-none")


def test_drawdown_from_the_starting_value_is_dated_the_day_before_the_range(ledger, prices):
    # alpha's first day loses money: the peak is the starting cash, v0, dated the trading day before 07-01
    body = results_for_range(ledger, prices, DAYS[0], DAYS[3], model="alpha")
    m = body["results"][0]["metrics"]
    assert m["start_value"] == 10_000.0
    assert body["results"][0]["days"][0]["daily_pnl"]["portfolio_value"] < 10_000.0
    assert m["max_drawdown"] < 0
    assert m["max_drawdown_peak_date"] == prices.previous_trading_day(DAYS[0]) == "2025-06-30"
    board = {r["model"]: r for r in performance(ledger, prices)["leaderboard"]}
    assert board["alpha"]["metrics"]["max_drawdown_peak_date"] == "2025-06-30"


def test_range_days_and_metrics_carry_over_between_jobs(ledger, prices):
    body = results_for_range(ledger, prices, DAYS[1], DAYS[3], model="alpha")
    assert (body["start_date"], body["end_date"]) == (DAYS[1], DAYS[3])
    [r] = body["results"]
    assert [d["date"] for d in r["days"]] == DAYS[1:]
    m = r["metrics"]
    first_value = results_for_date(ledger, DAYS[0], model="alpha")["results"][0]["daily_pnl"]["portfolio_value"]
    assert m["start_value"] == first_value  # the range starts from the previous committed value
    assert m["end_value"] == r["days"][-1]["daily_pnl"]["portfolio_value"]
    assert m["cumulative_return"] == pytest.approx(m["end_value"] / first_value - 1)
    assert m["trades"] == 1
    assert m["benchmark"]["symbol"] == "QQQ"
    qqq = m["benchmark"]["cumulative_return"]
    assert qqq == pytest.approx(prices.close("QQQ", DAYS[3]) / prices.close("QQQ", DAYS[0]) - 1)


def test_bad_and_empty_queries(ledger, prices):
    for bad in ("2025-7-01", "2025-02-30", "", "yesterday"):
        with pytest.raises(InvalidDate):
            results_for_date(ledger, bad)
    with pytest.raises(InvalidDate):
        results_for_range(ledger, prices, DAYS[3], DAYS[0])
    with pytest.raises(InvalidDate):
        results_for_range(ledger, prices, None, None)
    with pytest.raises(InvalidDate):
        results_for_range(ledger, prices, DAYS[0], None)
    with pytest.raises(NoData) as exc:
        results_for_date(ledger, "2025-07-04", model="alpha")  # a holiday: well-formed, nothing there
    assert "2025-07-04" in exc.value.message and "alpha" in exc.value.message
    with pytest.raises(NoData):
        results_for_range(ledger, prices, "2025-08-01", "2025-08-05")
    with pytest.raises(UnknownModel):
        results_for_date(ledger, DAYS[0], model="../etc")


def test_leaderboard_sorted_with_benchmark(ledger, prices):
    body = performance(ledger, prices)
    board = body["leaderboard"]
    assert [r["rank"] for r in board] == [1, 2]
    rets = [r["metrics"]["cumulative_return"] for r in board]
    assert rets == sorted(rets, reverse=True)
    cash = next(r for r in board if r["model"] == "cash")
    assert cash["metrics"]["cumulative_return"] == 0.0 and cash["days"] == 4
    assert (body["start_date"], body["end_date"]) == (DAYS[0], DAYS[-1])
    assert body["benchmark"]["symbol"] == "QQQ" and body["benchmark"]["days"] == 4
    only = performance(ledger, prices, models=["cash"])
    assert [r["model"] for r in only["leaderboard"]] == ["cash"]
    assert performance(ledger, prices, start="2025-09-01")["leaderboard"] == []
