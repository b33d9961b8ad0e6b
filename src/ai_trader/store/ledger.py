"""SQL of the ledger aggregate: model_days, trades, and writing session_records (their reads: `store/records.py`).

Ledger truth is `model_days` (+ `trades`, `session_records`). A model-day in progress lives in the intraday book
(`store/sessions.py`: live_sessions + staged_trades); `commit_model_day` (called inside the executor's commit
transaction) turns it into ledger rows and deletes it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ..redact import redact
from ..timeutil import utcnow_iso
from .db import chunks, in_clause
from .records import JSON_FIELDS, SESSION_DEFAULTS, SESSION_FIELDS
from .sessions import LiveSession, delete_live_session, dumps, staged_trades


@dataclass(frozen=True)
class ModelDayRow:
    id: int
    signature: str
    date: str
    job_id: str | None
    cash: float
    positions: dict[str, int]
    portfolio_value: float
    profit: float
    return_pct: float
    initial_cash: float
    no_trade: bool
    committed_at: str


@dataclass(frozen=True)
class TradeRow:
    id: int
    model_day_id: int
    signature: str
    date: str
    seq: int
    action: str
    symbol: str
    amount: int
    price: float
    total: float
    fee: float
    cash_after: float
    fill_price: float  # the open moved by slippage (a trade from before costs existed: its price)
    commission: float
    slippage: float


@dataclass(frozen=True)
class StartState:
    """Where a model-day starts: the previous committed snapshot, or initial cash."""

    cash: float
    positions: dict[str, int]
    previous_date: str | None  # date of the snapshot it starts from (None: first day)
    previous_value: float  # that snapshot's value, or initial cash
    initial_cash: float


MODEL_DAY_COLUMNS = (
    "id, signature, date, job_id, cash, positions, portfolio_value, profit, return_pct, initial_cash, no_trade,"
    " committed_at"
)


def _dumps(x: Any) -> str:
    return dumps(x)


def _session_value(session: Mapping[str, Any], key: str) -> Any:
    v = session.get(key)
    v = SESSION_DEFAULTS[key] if v is None else v
    if key in JSON_FIELDS:
        return redact(_dumps(v))  # messages and steps quote the endpoint's and the tools' text
    if key == "stop_signal_received":
        return int(bool(v))
    return redact(v) if isinstance(v, str) else v


def _model_day(r: sqlite3.Row) -> ModelDayRow:
    return ModelDayRow(
        r["id"],
        r["signature"],
        r["date"],
        r["job_id"],
        r["cash"],
        json.loads(r["positions"] or "{}"),
        r["portfolio_value"],
        r["profit"],
        r["return_pct"],
        r["initial_cash"],
        bool(r["no_trade"]),
        r["committed_at"],
    )


def _trade(r: sqlite3.Row) -> TradeRow:
    values = {k: r[k] for k in TradeRow.__dataclass_fields__}  # fill_price NULL: a trade from before costs
    return TradeRow(**{**values, "fill_price": r["price"] if r["fill_price"] is None else r["fill_price"]})


def _where(clauses: Iterable[tuple[str, Any]], signatures: Sequence[str] | None) -> tuple[str, list[Any]]:
    """`WHERE 1=1 AND ...` of the clauses whose value is not None, plus `signature IN (...)` when given."""
    sql, args = " WHERE 1=1", []
    for clause, val in clauses:
        if val is not None:
            sql += f" AND {clause}"
            args.append(val)
    if signatures:
        sql += " AND " + in_clause("signature", signatures)
        args.extend(signatures)
    return sql, args


# ---- start state -------------------------------------------------------------------------------------------------


def start_state(conn: sqlite3.Connection, signature: str, date: str, initial_cash: float) -> StartState:
    """The signature's latest committed snapshot before `date` (from any job), else initial cash and no holdings."""
    row = day_before(conn, signature, date)
    if row is None:
        return StartState(float(initial_cash), {}, None, float(initial_cash), float(initial_cash))
    return StartState(row.cash, row.positions, row.date, row.portfolio_value, row.initial_cash)


# ---- commit -------------------------------------------------------------------------------------------------------


def commit_model_day(
    conn: sqlite3.Connection,
    live: LiveSession,
    *,
    portfolio_value: float,
    profit: float,
    return_pct: float,
    initial_cash: float,
    session: Mapping[str, Any],
) -> int:
    """Turn a live session into ledger rows inside the executor's write transaction; returns the new id. Replaces
    the signature's model-day of that date and removes its LATER days too (cascade: trades, session records): they
    started from the snapshot this commit changes (quality.md invariant 3). A replacing chain re-runs them; if it
    stops part-way, the ledger ends at its last day and the next catch-up continues. See `later_dates`."""
    fills = staged_trades(conn, live.token)
    conn.execute("DELETE FROM model_days WHERE signature = ? AND date >= ?", (live.signature, live.date))
    cur = conn.execute(
        "INSERT INTO model_days(signature, date, job_id, cash, positions, portfolio_value, profit, return_pct,"
        " initial_cash, no_trade, committed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            live.signature,
            live.date,
            live.job_id,
            live.cash,
            _dumps(live.positions),
            portfolio_value,
            profit,
            return_pct,
            initial_cash,
            int(not fills),
            utcnow_iso(),
        ),
    )
    md_id = cur.lastrowid
    assert md_id is not None  # always set by an INSERT into a rowid table
    conn.executemany(
        "INSERT INTO trades(model_day_id, signature, date, seq, action, symbol, amount, price, total, fee, cash_after,"
        " fill_price, commission, slippage) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (md_id, live.signature, live.date, i, f.action, f.symbol, f.amount, f.price, f.total, f.fee, f.cash_after)
            + (f.fill_price, f.commission, f.slippage)
            for i, f in enumerate(fills, start=1)
        ],
    )
    values = [_session_value(session, k) for k in SESSION_FIELDS]
    conn.execute(
        f"INSERT INTO session_records(model_day_id, {', '.join(SESSION_FIELDS)})"
        f" VALUES (?{', ?' * len(SESSION_FIELDS)})",
        (md_id, *values),
    )
    delete_live_session(conn, live.token)
    return md_id


# ---- queries ------------------------------------------------------------------------------------------------------


def model_days(
    conn: sqlite3.Connection,
    signature: str | None = None,
    start: str | None = None,
    end: str | None = None,
    *,
    signatures: Sequence[str] | None = None,
    job_id: str | None = None,
) -> list[ModelDayRow]:
    """Committed model-days in [start, end], by signature then date; every filter optional (`signatures`: any of
    them; `job_id`: committed by that job)."""
    where, args = _where(
        (("signature = ?", signature), ("date >= ?", start), ("date <= ?", end), ("job_id = ?", job_id)), signatures
    )
    sql = f"SELECT {MODEL_DAY_COLUMNS} FROM model_days{where} ORDER BY signature, date"
    return [_model_day(r) for r in conn.execute(sql, args)]


class DayValue(NamedTuple):
    """A committed model-day's value only (what metrics need): a plain tuple, no positions decoded."""

    signature: str
    date: str
    portfolio_value: float
    initial_cash: float


def day_values(
    conn: sqlite3.Connection,
    start: str | None = None,
    end: str | None = None,
    signatures: Sequence[str] | None = None,
) -> list[DayValue]:
    """`model_days` without positions, trades or sessions (the leaderboard over every stored day)."""
    where, args = _where((("date >= ?", start), ("date <= ?", end)), signatures)
    sql = f"SELECT signature, date, portfolio_value, initial_cash FROM model_days{where} ORDER BY signature, date"
    return [DayValue(*r) for r in conn.execute(sql, args)]


def model_day(conn: sqlite3.Connection, signature: str, date: str) -> ModelDayRow | None:
    found = model_days(conn, signature, date, date)
    return found[0] if found else None


def day_before(conn: sqlite3.Connection, signature: str, date: str) -> ModelDayRow | None:
    """The signature's latest committed model-day strictly before `date` (any job)."""
    r = conn.execute(
        f"SELECT {MODEL_DAY_COLUMNS} FROM model_days WHERE signature = ? AND date < ? ORDER BY date DESC LIMIT 1",
        (signature, date),
    ).fetchone()
    return _model_day(r) if r else None


def later_dates(conn: sqlite3.Connection, signature: str, date: str) -> list[str]:
    """The signature's committed dates strictly after `date`, in order (what committing `date` removes)."""
    sql = "SELECT date FROM model_days WHERE signature = ? AND date > ? ORDER BY date"
    return [r[0] for r in conn.execute(sql, (signature, date))]


def action_count(conn: sqlite3.Connection, signature: str, before: str) -> int:
    """Actions of the signature's committed days before `before`: one per trade, one per day without trades (the
    lines those days take in AI-Trader's position.jsonl after its registration line)."""
    return conn.execute(
        "SELECT (SELECT COUNT(*) FROM trades WHERE signature = ? AND date < ?)"
        " + (SELECT COUNT(*) FROM model_days m WHERE m.signature = ? AND m.date < ?"
        "    AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.model_day_id = m.id))",
        (signature, before, signature, before),
    ).fetchone()[0]


def trades_for(conn: sqlite3.Connection, model_day_ids: Iterable[int]) -> dict[int, list[TradeRow]]:
    """Trades of the given model-days, in execution order, keyed by model-day id."""
    ids = list(model_day_ids)
    out: dict[int, list[TradeRow]] = {i: [] for i in ids}
    for chunk in chunks(ids):
        rows = conn.execute(
            f"SELECT * FROM trades WHERE {in_clause('model_day_id', chunk)} ORDER BY model_day_id, seq", chunk
        )
        for r in rows:
            out[r["model_day_id"]].append(_trade(r))
    return out


def trade_counts(
    conn: sqlite3.Connection,
    start: str | None = None,
    end: str | None = None,
    signatures: Sequence[str] | None = None,
) -> dict[str, int]:
    """Number of trades (buys and sells) per signature with dates in [start, end] (either bound optional)."""
    where, args = _where((("date >= ?", start), ("date <= ?", end)), signatures)
    return {r[0]: r[1] for r in conn.execute(f"SELECT signature, COUNT(*) FROM trades{where} GROUP BY signature", args)}


def latest_date(conn: sqlite3.Connection, signature: str) -> str | None:
    return conn.execute("SELECT MAX(date) FROM model_days WHERE signature = ?", (signature,)).fetchone()[0]


def signatures(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT signature FROM model_days ORDER BY signature")]
