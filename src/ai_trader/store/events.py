"""SQL of the ledger events (corporate actions applied to holdings: `ledger_events`, migrations 0011 and 0014) and of
the splits and dividends a day applies (`corporate_actions`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from .db import Connection
from .sessions import dumps


@dataclass(frozen=True)
class LedgerEvent:
    """One holding adjusted by a corporate action: a ledger event of the day (table ledger_events)."""

    symbol: str
    ratio: float  # split: new shares per old share; dividend: 1
    shares_before: int
    shares_after: int
    cash: float  # split: the fractional remainder paid at the open (0 for a whole ratio); dividend: cash credited
    kind: str = "split"  # 'split' | 'dividend'
    amount: float | None = None  # dividend: cash per share

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if self.kind == "split":
            del d["amount"]  # a split's event reads as before dividends existed
        return d


def splits_on(conn: Connection, date: str, after: str | None = None) -> dict[str, float]:
    """symbol -> ratio of the splits effective on `date`, or, with `after` (the date of the snapshot a day starts
    from), in (after, date]: a split on a day the signature did not run still applies (ratios multiply)."""
    rows = conn.execute(
        "SELECT symbol, ratio FROM corporate_actions WHERE kind = 'split' AND ratio > 0"
        " AND effective_date > ? AND effective_date <= ?",
        (after if after is not None and after < date else _day_before(date), date),
    )
    out: dict[str, float] = {}
    for symbol, ratio in rows:
        out[symbol] = out.get(symbol, 1.0) * ratio
    return out


def actions_by_day(
    conn: Connection, date: str, after: str | None = None
) -> list[tuple[str, dict[str, float], dict[str, float]]]:
    """(effective date, splits symbol -> ratio, dividends symbol -> cash per share) of every day with corporate
    actions in (after, date] (only `date` without `after`), oldest first: the order they are applied in."""
    lo = after if after is not None and after < date else _day_before(date)
    rows = conn.execute(
        "SELECT effective_date, kind, symbol, ratio, amount FROM corporate_actions"
        " WHERE effective_date > ? AND effective_date <= ? ORDER BY effective_date, kind, symbol",
        (lo, date),
    )
    days: dict[str, tuple[dict[str, float], dict[str, float]]] = {}
    for day, kind, symbol, ratio, amount in rows:
        splits, dividends = days.setdefault(day, ({}, {}))
        if kind == "split" and ratio and ratio > 0:
            splits[symbol] = ratio
        elif kind == "dividend" and amount and amount > 0:
            dividends[symbol] = amount
    return [(day, *days[day]) for day in sorted(days)]


def _day_before(date: str) -> str:
    return (dt.date.fromisoformat(date) - dt.timedelta(days=1)).isoformat()


def splits_after(conn: Connection, symbol: str, after: str, until: str) -> list[tuple[str, float]]:
    """(effective_date, ratio) of the symbol's splits effective in (after, until]."""
    rows = conn.execute(
        "SELECT effective_date, ratio FROM corporate_actions WHERE kind = 'split' AND symbol = ? AND ratio > 0"
        " AND effective_date > ? AND effective_date <= ? ORDER BY effective_date",
        (symbol, after, until),
    )
    return [(r[0], r[1]) for r in rows]


def dividends_after(conn: Connection, symbol: str, after: str, until: str) -> list[tuple[str, float]]:
    """(ex_date, cash per share) of the symbol's cash dividends with ex-date in (after, until]."""
    rows = conn.execute(
        "SELECT effective_date, amount FROM corporate_actions WHERE kind = 'dividend' AND symbol = ? AND amount > 0"
        " AND effective_date > ? AND effective_date <= ? ORDER BY effective_date",
        (symbol, after, until),
    )
    return [(r[0], r[1]) for r in rows]


def price_marks(conn: Connection) -> list[tuple[str, str, str, float]]:
    """(kind, symbol, effective date, ratio or cash per share) of every split and dividend that marks a price (the
    conditions of `splits_after` / `dividends_after`), by symbol and date: `tools/actions_view.ActionsView`."""
    rows = conn.execute(
        "SELECT kind, symbol, effective_date, CASE WHEN kind = 'split' THEN ratio ELSE amount END"
        " FROM corporate_actions WHERE (kind = 'split' AND ratio > 0) OR (kind = 'dividend' AND amount > 0)"
        " ORDER BY symbol, effective_date"
    )
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def set_session_events(conn: Connection, token: str, events: list[LedgerEvent]) -> None:
    conn.execute("UPDATE live_sessions SET events = ? WHERE token = ?", (dumps([e.to_dict() for e in events]), token))


def session_events(conn: Connection, token: str) -> list[LedgerEvent]:
    r = conn.execute("SELECT events FROM live_sessions WHERE token = ?", (token,)).fetchone()
    return [LedgerEvent(**e) for e in json.loads(r[0])] if r else []


def record_events(conn: Connection, model_day_id: int, signature: str, date: str, events: list[LedgerEvent]):
    conn.executemany(
        "INSERT INTO ledger_events(model_day_id, signature, date, kind, symbol, ratio, shares_before, shares_after,"
        " cash, amount) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [
            (
                model_day_id,
                signature,
                date,
                e.kind,
                e.symbol,
                e.ratio,
                e.shares_before,
                e.shares_after,
                e.cash,
                e.amount,
            )
            for e in events
        ],
    )


def events_for(conn: Connection, model_day_ids: Iterable[int]) -> dict[int, list[LedgerEvent]]:
    ids = list(model_day_ids)
    out: dict[int, list[LedgerEvent]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            "SELECT model_day_id, symbol, ratio, shares_before, shares_after, cash, kind, amount FROM ledger_events"
            f" WHERE model_day_id IN ({', '.join('?' * len(chunk))}) ORDER BY model_day_id, id",
            chunk,
        )
        for r in rows:
            out[r[0]].append(LedgerEvent(*tuple(r)[1:]))
    return out
