"""Engine review findings, each pinned by a test on the real NASDAQ-100 data in a real SQLite store."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from ai_trader.jobs.executor import execute_model_day
from tests.integration.ledger.fixtures import (  # noqa: F401
    Scripted,
    env,
    market_db,
    market_store,
    prices,
)


def run(env, date, competitor, *, signature="sig", job_id="job-1"):  # noqa: F811
    return asyncio.run(
        execute_model_day(
            env,
            job_id=job_id,
            signature=signature,
            date=date,
            competitor=competitor,
            initial_cash=10000.0,
            timeout_s=10.0,
        )
    )


def test_daily_profit_after_a_skipped_trading_day_is_against_the_previous_trading_day(env):  # noqa: F811
    """engine.md: daily profit = value today - value on the previous trading day. A signature that last ran on
    Tuesday 2025-10-14 and runs again on Thursday 2025-10-16 held its portfolio through Wednesday: the profit is
    Thursday's value minus that portfolio at Wednesday's closes, not minus Tuesday's value."""
    first = run(env, "2025-10-14", Scripted([("buy", {"symbol": "NVDA", "amount": 10})]))
    out = run(env, "2025-10-16", Scripted())
    p = env.prices
    wednesday = Decimal(str(first.cash)) + 10 * Decimal(str(p.close("NVDA", "2025-10-15")))
    thursday = Decimal(str(first.cash)) + 10 * Decimal(str(p.close("NVDA", "2025-10-16")))
    assert out.portfolio_value == float(thursday)
    assert out.profit == float(thursday - wednesday)
    assert out.return_pct == float(round((thursday - wednesday) / wednesday * 100, 6))
    # the next consecutive day is measured against the committed snapshot as before
    nxt = run(env, "2025-10-17", Scripted())
    assert nxt.profit == round(nxt.portfolio_value - out.portfolio_value, 2)
