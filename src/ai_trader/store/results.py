"""Read queries for results and performance over the committed ledger (model_days, trades, session_records).

Read-only: nothing here writes. Rows become frozen dataclasses; JSON columns are decoded here.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class DayRow:
    """One committed model-day: end-of-day snapshot and daily values."""

    id: int
    signature: str
    date: str
    job_id: str | None
    cash: float
    positions: dict[str, float] = field(hash=False)
    portfolio_value: float
    profit: float
    return_pct: float
    initial_cash: float
    no_trade: bool


@dataclass(frozen=True)
class TradeRow:
    id: int
    model_day_id: int
    seq: int
    action: str
    symbol: str
    amount: int
    price: float
    total: float
    fee: float


@dataclass(frozen=True)
class SessionRow:
    model_day_id: int
    provider: str
    basemodel: str | None
    total_steps: int
    stop_signal_received: bool
    reasoning_summary: str
    tool_usage: dict[str, int] = field(hash=False)
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


_DAY_COLS = "id, signature, date, job_id, cash, positions, portfolio_value, profit, return_pct, initial_cash, no_trade"


def _day(r: sqlite3.Row) -> DayRow:
    return DayRow(
        id=r[0], signature=r[1], date=r[2], job_id=r[3], cash=r[4], positions=json.loads(r[5] or "{}"),
        portfolio_value=r[6], profit=r[7], return_pct=r[8], initial_cash=r[9], no_trade=bool(r[10]),
    )


def _in(column: str, values: Sequence[Any] | None, where: list[str], args: list[Any]) -> None:
    if values:
        where.append(f"{column} IN ({','.join('?' * len(values))})")
        args.extend(values)


def days(
    conn: sqlite3.Connection,
    start: str | None = None,
    end: str | None = None,
    signatures: Sequence[str] | None = None,
    job_id: str | None = None,
) -> list[DayRow]:
    """Committed model-days in [start, end] (either bound optional), ordered by signature then date."""
    where: list[str] = []
    args: list[Any] = []
    if start is not None:
        where.append("date >= ?")
        args.append(start)
    if end is not None:
        where.append("date <= ?")
        args.append(end)
    _in("signature", list(signatures) if signatures else None, where, args)
    if job_id is not None:
        where.append("job_id = ?")
        args.append(job_id)
    sql = f"SELECT {_DAY_COLS} FROM model_days"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [_day(r) for r in conn.execute(sql + " ORDER BY signature, date", args)]


def day_before(conn: sqlite3.Connection, signature: str, date: str) -> DayRow | None:
    """The signature's latest committed model-day strictly before `date` (any job)."""
    r = conn.execute(
        f"SELECT {_DAY_COLS} FROM model_days WHERE signature = ? AND date < ? ORDER BY date DESC LIMIT 1",
        (signature, date),
    ).fetchone()
    return _day(r) if r else None


def trades_for(conn: sqlite3.Connection, model_day_ids: Iterable[int]) -> dict[int, list[TradeRow]]:
    """Trades of the given model-days, in execution order, keyed by model-day id."""
    ids = list(model_day_ids)
    out: dict[int, list[TradeRow]] = {i: [] for i in ids}
    for chunk in _chunks(ids):
        q = (
            "SELECT id, model_day_id, seq, action, symbol, amount, price, total, fee FROM trades "
            f"WHERE model_day_id IN ({','.join('?' * len(chunk))}) ORDER BY model_day_id, seq"
        )
        for r in conn.execute(q, chunk):
            out[r[1]].append(TradeRow(*r))
    return out


def sessions_for(conn: sqlite3.Connection, model_day_ids: Iterable[int]) -> dict[int, SessionRow]:
    ids = list(model_day_ids)
    out: dict[int, SessionRow] = {}
    for chunk in _chunks(ids):
        q = (
            "SELECT model_day_id, provider, basemodel, total_steps, stop_signal_received, reasoning_summary, "
            "tool_usage, prompt_tokens, completion_tokens, cost_usd FROM session_records "
            f"WHERE model_day_id IN ({','.join('?' * len(chunk))})"
        )
        for r in conn.execute(q, chunk):
            out[r[0]] = SessionRow(
                model_day_id=r[0], provider=r[1], basemodel=r[2], total_steps=r[3],
                stop_signal_received=bool(r[4]), reasoning_summary=r[5], tool_usage=json.loads(r[6] or "{}"),
                prompt_tokens=r[7], completion_tokens=r[8], cost_usd=r[9],
            )
    return out


def trade_counts(
    conn: sqlite3.Connection, start: str | None, end: str | None, signatures: Sequence[str] | None = None
) -> dict[str, int]:
    """Number of trades (buys and sells) per signature with dates in [start, end]."""
    where: list[str] = []
    args: list[Any] = []
    if start is not None:
        where.append("date >= ?")
        args.append(start)
    if end is not None:
        where.append("date <= ?")
        args.append(end)
    _in("signature", list(signatures) if signatures else None, where, args)
    sql = "SELECT signature, COUNT(*) FROM trades"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return {r[0]: r[1] for r in conn.execute(sql + " GROUP BY signature", args)}


def job_date_range(conn: sqlite3.Connection, job_id: str) -> list[str] | None:
    """The job's trading days (its `date_range`), or None when there is no such job."""
    r = conn.execute("SELECT date_range FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    if r is None:
        return None
    return sorted(json.loads(r[0] or "[]"))


def _chunks(ids: list[int], n: int = 500) -> Iterable[list[int]]:
    for i in range(0, len(ids), n):
        yield ids[i : i + n]


def prices_fingerprint(conn: sqlite3.Connection) -> tuple:
    """A full signature of the price store's contents (one scan): changes when any bar is added or updated."""
    r = conn.execute(
        "SELECT COUNT(*), MAX(date), TOTAL(open), TOTAL(close), (SELECT COUNT(*) FROM symbols) FROM prices"
    ).fetchone()
    return tuple(r)


def prices_latest_fingerprint(conn: sqlite3.Connection) -> tuple:
    """A cheap signature (index lookups only): the last date, its bars and their closes, the universe size.
    Catches new days, new symbols and a latest open-only bar getting its close; `prices_fingerprint` the rest."""
    r = conn.execute(
        "SELECT p.date, COUNT(*), TOTAL(p.close), (SELECT COUNT(*) FROM symbols) FROM prices p "
        "WHERE p.date = (SELECT MAX(date) FROM prices)"
    ).fetchone()
    return tuple(r)
