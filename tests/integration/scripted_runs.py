"""Helpers for the multi-day scripted-run tests: build scripted/replay competitors from config entries, run one
signature's days in-process (the reference a job's result must equal) and read back a signature's committed
ledger and recorded tool results through store/ledger.py."""

from __future__ import annotations

import asyncio
from typing import Any

from ai_trader.agents.factory import build_competitor
from ai_trader.config import AgentConfig, ModelConfig
from ai_trader.jobs.executor import execute_model_day
from ai_trader.settings import Settings
from ai_trader.store import Store
from ai_trader.store import ledger as ledger_store
from ai_trader.store import records as record_store
from ai_trader.tools.context import ToolEnv

AGENT = {"max_steps": 6, "max_retries": 0, "base_delay": 0.001, "initial_cash": 10_000.0}


def ledger_of(store: Store, signature: str) -> list[dict[str, Any]]:
    """Every committed day of a signature: snapshot, daily values and trades (what equivalent runs must share)."""
    with store.read() as conn:
        days = ledger_store.model_days(conn, signature)
        trades = ledger_store.trades_for(conn, [d.id for d in days])
    return [
        {
            "date": d.date,
            "cash": d.cash,
            "positions": d.positions,
            "value": d.portfolio_value,
            "profit": d.profit,
            "return_pct": d.return_pct,
            "no_trade": d.no_trade,
            "trades": [
                (t.seq, t.action, t.symbol, t.amount, t.price, t.total, t.fee, t.cash_after) for t in trades[d.id]
            ],
        }
        for d in days
    ]


def recorded_tool_results(store: Store, signature: str) -> dict[str, list[tuple[str, Any, Any]]]:
    """date → the (tool, arguments, result) triples of the recorded session, in call order."""
    out = {}
    with store.read() as conn:
        for d in ledger_store.model_days(conn, signature):
            record = record_store.session_record(conn, d.id)
            out[d.date] = [
                (r["name"], r["arguments"], r["result"]) for s in record.steps for r in s.get("tool_results", [])
            ]
    return out


def run_alone(env: ToolEnv, settings: Settings, entry: dict[str, Any], dates: list[str]) -> None:
    """One signature's days, one after another, with the in-process toolbox (no job, no other session)."""
    model, agent = ModelConfig(**entry), AgentConfig(**AGENT)

    async def days() -> None:
        competitor = build_competitor(model, agent, settings, env.store)
        for date in dates:
            await execute_model_day(
                env,
                job_id=None,
                signature=model.signature,
                date=date,
                competitor=competitor,
                initial_cash=agent.initial_cash,
                timeout_s=60,
            )

    asyncio.run(days())
