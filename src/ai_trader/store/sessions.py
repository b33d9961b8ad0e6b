"""SQL of the intraday book: a model-day in progress (`live_sessions`: the session token bound to job, signature and
date, with the running cash and positions and the job's trading costs; `staged_trades`). Never ledger truth:
`tools/book.trade_in_session` changes it (`set_book` + `stage_trade`) in one short BEGIN IMMEDIATE transaction (safe
from any process — the in-process tools and the MCP trade server alike), and the executor's commit turns it into
ledger rows (`store/ledger.commit_model_day`) and deletes it. Rows only: the trade rules live in `ledger/rules.py`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..timeutil import utcnow_iso


def dumps(x: Any) -> str:
    """Compact, key-sorted JSON (positions and other JSON columns)."""
    return json.dumps(x, sort_keys=True, separators=(",", ":"), default=str)


@dataclass(frozen=True)
class LiveSession:
    token: str
    job_id: str | None
    signature: str
    date: str
    cash: float
    positions: dict[str, int]
    created_at: str
    # the job's trading costs (ledger/rules.Costs), bound when the session opened
    commission_bps: float = 0.0
    commission_min: float = 0.0
    slippage_bps: float = 0.0


@dataclass(frozen=True)
class StagedTrade:
    """A trade of a live session; `ledger/rules.apply_trade` makes them (as `Fill`)."""

    action: str  # "buy" | "sell"
    symbol: str
    amount: int
    price: float  # the day's open
    total: float  # amount * price, exact to the price's decimals
    fee: float
    cash_after: float
    fill_price: float | None = None  # open moved against the trader by slippage (None: the open, rows before costs)
    commission: float = 0.0
    slippage: float = 0.0  # money: amount * |fill_price - open|


def _live(r: sqlite3.Row) -> LiveSession:
    return LiveSession(
        r["token"],
        r["job_id"],
        r["signature"],
        r["date"],
        r["cash"],
        json.loads(r["positions"]),
        r["created_at"],
        r["commission_bps"],
        r["commission_min"],
        r["slippage_bps"],
    )


def open_live_session(
    conn: sqlite3.Connection,
    *,
    token: str,
    job_id: str | None,
    signature: str,
    date: str,
    cash: float,
    positions: Mapping[str, int],
    commission_bps: float = 0.0,
    commission_min: float = 0.0,
    slippage_bps: float = 0.0,
) -> LiveSession:
    """Bind a new session (deleting a stale one of the same signature and date); call inside a write transaction."""
    conn.execute("DELETE FROM live_sessions WHERE signature = ? AND date = ?", (signature, date))
    created = utcnow_iso()
    conn.execute(
        "INSERT INTO live_sessions(token, job_id, signature, date, cash, positions, created_at,"
        " commission_bps, commission_min, slippage_bps) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            token,
            job_id,
            signature,
            date,
            float(cash),
            dumps(dict(positions)),
            created,
            float(commission_bps),
            float(commission_min),
            float(slippage_bps),
        ),
    )
    return LiveSession(
        token,
        job_id,
        signature,
        date,
        float(cash),
        dict(positions),
        created,
        float(commission_bps),
        float(commission_min),
        float(slippage_bps),
    )


def live_session(conn: sqlite3.Connection, token: str) -> LiveSession | None:
    """Resolve a session token (None if unknown or already committed/abandoned)."""
    r = conn.execute("SELECT * FROM live_sessions WHERE token = ?", (token,)).fetchone()
    return _live(r) if r else None


def delete_live_session(conn: sqlite3.Connection, token: str) -> None:
    conn.execute("DELETE FROM live_sessions WHERE token = ?", (token,))


def staged_trades(conn: sqlite3.Connection, token: str) -> list[StagedTrade]:
    rows = conn.execute(
        "SELECT action, symbol, amount, price, total, fee, cash_after, fill_price, commission, slippage"
        " FROM staged_trades WHERE token = ? ORDER BY seq",
        (token,),
    ).fetchall()
    return [StagedTrade(*tuple(r)) for r in rows]


def set_book(conn: sqlite3.Connection, token: str, cash: float, positions: Mapping[str, int]) -> None:
    """The live session's running cash and positions after a trade (inside the trade's write transaction)."""
    conn.execute("UPDATE live_sessions SET cash = ?, positions = ? WHERE token = ?", (cash, dumps(positions), token))


def stage_trade(conn: sqlite3.Connection, token: str, trade: StagedTrade) -> None:
    """Append a trade to the live session (inside the trade's write transaction)."""
    seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM staged_trades WHERE token = ?", (token,)).fetchone()[0]
    conn.execute(
        "INSERT INTO staged_trades(token, seq, action, symbol, amount, price, total, fee, cash_after,"
        " fill_price, commission, slippage) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            token,
            seq,
            trade.action,
            trade.symbol,
            trade.amount,
            trade.price,
            trade.total,
            trade.fee,
            trade.cash_after,
            trade.fill_price,
            trade.commission,
            trade.slippage,
        ),
    )
