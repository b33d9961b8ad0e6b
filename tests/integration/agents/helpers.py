"""Running model-days in agent tests and reading back what was committed (through store/ledger.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ai_trader.jobs.executor import ModelDayOutcome, execute_model_day
from ai_trader.store import ledger as ledger_store
from ai_trader.store import records as record_store
from ai_trader.tools.context import ToolEnv

DAY = "2025-06-03"  # a trading day with a previous trading day (2025-06-02) in the packaged data


def run_day(
    env: ToolEnv,
    competitor: Any,
    *,
    signature: str = "llm",
    date: str = DAY,
    timeout_s: float = 30,
    toolbox_factory=None,
) -> ModelDayOutcome:
    return asyncio.run(
        execute_model_day(
            env,
            job_id="job-t",
            signature=signature,
            date=date,
            competitor=competitor,
            initial_cash=10_000.0,
            timeout_s=timeout_s,
            toolbox_factory=toolbox_factory,
        )
    )


def ledger(env: ToolEnv, signature: str) -> list[dict[str, Any]]:
    """Every committed day of a signature with its trades: what must match between equivalent runs."""
    with env.store.read() as conn:
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
            "trades": [(t.seq, t.action, t.symbol, t.amount, t.price, t.cash_after) for t in trades[d.id]],
        }
        for d in days
    ]


def session_of(env: ToolEnv, signature: str, date: str = DAY):
    with env.store.read() as conn:
        day = ledger_store.model_day(conn, signature, date)
        return record_store.session_record(conn, day.id) if day else None


def live_sessions(env: ToolEnv) -> int:
    return env.store.conn().execute("SELECT COUNT(*) FROM live_sessions").fetchone()[0]


def tool_results(result) -> list[tuple[str, Any]]:
    return [(r["name"], r["result"]) for s in result.steps for r in s.get("tool_results", [])]


def tool_messages(request_body: dict[str, Any]) -> list[Any]:
    """Decoded contents of the tool messages in a chat request."""
    out = []
    for m in request_body["messages"]:
        if m["role"] == "tool":
            try:
                out.append(json.loads(m["content"]))
            except json.JSONDecodeError:
                out.append(m["content"])
    return out
