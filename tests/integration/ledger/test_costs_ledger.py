"""Trading costs end to end on the packaged NASDAQ-100 data: bound to the live session when the day opens (so the
in-process tools and the MCP trade server, which both go through tools/book.trade_in_session, charge them),
committed on the trade record, shown in /results detail=full and in position.jsonl, and told in the prompt."""

from __future__ import annotations

import asyncio
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from ai_trader.exports import position_path
from ai_trader.jobs.executor import execute_model_day
from ai_trader.ledger.rules import Costs
from ai_trader.service.results import results_for_date
from ai_trader.store import ledger
from tests.support.exports import read_jsonl
from tests.support.packaged import bar

from .fixtures import Scripted

DAY = "2025-06-10"
COSTS = Costs(commission_bps=10, commission_min=1, slippage_bps=5)


def csv_open(symbol: str, date: str) -> Decimal:
    return bar(symbol, date)["open"].normalize()


def test_a_day_with_costs_records_and_exports_them(env, tmp_path):
    env.trade_fee = 0.5
    competitor = Scripted([("buy", {"symbol": "AAPL", "amount": 10}), ("sell", {"symbol": "AAPL", "amount": 4})])
    asyncio.run(
        execute_model_day(
            env,
            job_id=None,
            signature="costly",
            date=DAY,
            competitor=competitor,
            initial_cash=10_000.0,
            timeout_s=30,
            agent_data_dir=tmp_path,
            costs=COSTS,
        )
    )
    o = csv_open("AAPL", DAY)
    s = Decimal(5) / 10000
    buy_fill, sell_fill = o * (1 + s), o * (1 - s)
    buy_comm = max(Decimal(1), buy_fill * 10 * Decimal(10) / 10000)
    sell_comm = max(Decimal(1), sell_fill * 4 * Decimal(10) / 10000)
    cash1 = (10_000 - o * 10 - o * 10 * s - buy_comm - Decimal("0.5")).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    cash2 = (cash1 + o * 4 - o * 4 * s - sell_comm - Decimal("0.5")).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    assert [r.get("error") for r in competitor.results] == [None, None]
    assert competitor.briefs[0].costs_note == COSTS.describe(0.5)

    with env.store.read() as conn:
        day = ledger.model_days(conn, "costly")[0]
        buy, sell = ledger.trades_for(conn, [day.id])[day.id]
    assert (buy.price, buy.total) == (float(o), float(o * 10))
    assert (buy.fill_price, buy.commission, buy.slippage, buy.fee) == (
        float(buy_fill), float(buy_comm), float(o * 10 * s), 0.5
    )  # fmt: skip
    assert (sell.fill_price, sell.commission, sell.slippage) == (float(sell_fill), float(sell_comm), float(o * 4 * s))
    assert (buy.cash_after, sell.cash_after, day.cash) == (float(cash1), float(cash2), float(cash2))
    assert day.positions == {"AAPL": 6}

    full = results_for_date(env.store, DAY, "costly", "full", agent_data_dir=tmp_path)["results"][0]
    shown = full["trades"][0]
    assert (shown["fill_price"], shown["commission"], shown["slippage"], shown["fee"]) == (
        buy.fill_price, buy.commission, buy.slippage, 0.5
    )  # fmt: skip
    lines = read_jsonl(position_path(tmp_path, "costly"))
    assert lines[1]["this_action"] == {"action": "buy", "symbol": "AAPL", "amount": 10}  # old fields unchanged
    assert lines[1]["positions"] == {"AAPL": 10, "CASH": float(cash1)}
    assert lines[2]["costs"] == {
        "fill_price": float(sell_fill), "commission": float(sell_comm), "slippage": float(o * 4 * s), "fee": 0.5
    }  # fmt: skip


def test_performance_reports_the_return_re_valued_at_costs_and_the_turnover(env, settings):
    from ai_trader.service.performance import performance
    from tests.integration.scripted_runs import run_alone

    dates = ["2025-06-11", "2025-06-12", "2025-06-13", "2025-06-16"]
    run_alone(env, settings, {"signature": "mom", "provider": "scripted", "script": "momentum_lite"}, dates)
    with env.store.read() as conn:
        days = ledger.model_days(conn, "mom")
        trades = ledger.trades_for(conn, [d.id for d in days])
    notional = sum(t.amount * t.price for d in days for t in trades[d.id])
    assert notional > 0
    values = [d.portfolio_value for d in days]

    row = performance(env.store, env.prices)["leaderboard"][0]
    scenarios = {s["bps_per_side"]: s for s in row["cost_sensitivity"]}
    assert sorted(scenarios) == [0, 5, 10, 25]
    assert scenarios[0]["cumulative_return"] == row["metrics"]["cumulative_return"]
    for bps in (5, 10, 25):
        final = values[-1] - notional * bps / 10000  # every trade's cost deducted and carried to the last day
        assert scenarios[bps]["final_value"] == pytest.approx(final, abs=1e-6)
        assert scenarios[bps]["cumulative_return"] == pytest.approx(final / 10_000 - 1, abs=1e-9)
    assert row["turnover"] == pytest.approx(notional / (sum(values) / len(values)))
