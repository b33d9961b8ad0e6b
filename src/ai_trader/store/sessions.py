"""SQL of the intraday book: a model-day in progress (`live_sessions`: the session token bound to job, signature and
date, with the running cash and positions; `staged_trades`). Never ledger truth: `trade_in_session` changes it in
one short BEGIN IMMEDIATE transaction (safe from any process — the in-process tools and the MCP trade server alike),
and the executor's commit turns it into ledger rows (`store/ledger.commit_model_day`) and deletes it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..ledger.rules import NO_COSTS, Action, Book, Costs, Fill, TradeRefused, apply_trade
from ..timeutil import utcnow_iso
from .db import Connection, Row, Store


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
    costs: Costs = NO_COSTS  # the job's trading costs, bound when the session opened

    @property
    def book(self) -> Book:
        return Book(self.cash, dict(self.positions))


def _live(r: Row) -> LiveSession:
    costs = Costs(r["commission_bps"], r["commission_min"], r["slippage_bps"])
    return LiveSession(
        r["token"],
        r["job_id"],
        r["signature"],
        r["date"],
        r["cash"],
        json.loads(r["positions"]),
        r["created_at"],
        costs,
    )


def open_live_session(
    conn: Connection,
    *,
    token: str,
    job_id: str | None,
    signature: str,
    date: str,
    cash: float,
    positions: Mapping[str, int],
    costs: Costs = NO_COSTS,
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
            float(costs.commission_bps),
            float(costs.commission_min),
            float(costs.slippage_bps),
        ),
    )
    return LiveSession(token, job_id, signature, date, float(cash), dict(positions), created, costs)


def live_session(conn: Connection, token: str) -> LiveSession | None:
    """Resolve a session token (None if unknown or already committed/abandoned)."""
    r = conn.execute("SELECT * FROM live_sessions WHERE token = ?", (token,)).fetchone()
    return _live(r) if r else None


def delete_live_session(conn: Connection, token: str) -> None:
    conn.execute("DELETE FROM live_sessions WHERE token = ?", (token,))


def delete_live_sessions_of_job(conn: Connection, job_id: str) -> int:
    return conn.execute("DELETE FROM live_sessions WHERE job_id = ?", (job_id,)).rowcount


def staged_trades(conn: Connection, token: str) -> list[Fill]:
    rows = conn.execute(
        "SELECT action, symbol, amount, price, total, fee, cash_after, fill_price, commission, slippage"
        " FROM staged_trades WHERE token = ? ORDER BY seq",
        (token,),
    ).fetchall()
    return [Fill(*tuple(r)) for r in rows]


def trade_in_session(
    store: Store,
    token: str,
    action: Action,
    symbol: str,
    amount: int,
    price: float,
    fee: float = 0.0,
    *,
    signature: str | None = None,
    date: str | None = None,
) -> tuple[Book, Fill]:
    """Apply one order to the live session in ONE write transaction: read the book, check the rules, write the new
    book and the staged trade. Raises TradeRefused (nothing written) when a rule or the session forbids it.
    `signature`/`date`, when given, must match the session the token is bound to."""
    with store.write() as conn:
        live = live_session(conn, token)
        if live is None:
            raise TradeRefused("this trading session is not active (finished, timed out or unknown)")
        if (signature is not None and signature != live.signature) or (date is not None and date != live.date):
            raise TradeRefused("the session token does not belong to this signature and date")
        book, fill = apply_trade(live.book, action, symbol, amount, price, fee, live.costs)
        conn.execute(
            "UPDATE live_sessions SET cash = ?, positions = ? WHERE token = ?",
            (book.cash, dumps(book.positions), token),
        )
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM staged_trades WHERE token = ?", (token,)).fetchone()[
            0
        ]
        conn.execute(
            "INSERT INTO staged_trades(token, seq, action, symbol, amount, price, total, fee, cash_after,"
            " fill_price, commission, slippage) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                token,
                seq,
                fill.action,
                fill.symbol,
                fill.amount,
                fill.price,
                fill.total,
                fill.fee,
                fill.cash_after,
                fill.fill_price,
                fill.commission,
                fill.slippage,
            ),
        )
    return book, fill
