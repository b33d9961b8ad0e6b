"""SQL of the ledger events (corporate actions applied to holdings: `ledger_events`, migration 0009) and of the
splits a day applies (`corporate_actions`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from ..ledger.corporate import SplitEvent
from .db import Connection
from .sessions import dumps


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


def set_session_events(conn: Connection, token: str, events: list[SplitEvent]) -> None:
    conn.execute("UPDATE live_sessions SET events = ? WHERE token = ?", (dumps([e.to_dict() for e in events]), token))


def session_events(conn: Connection, token: str) -> list[SplitEvent]:
    r = conn.execute("SELECT events FROM live_sessions WHERE token = ?", (token,)).fetchone()
    return [SplitEvent(**e) for e in json.loads(r[0])] if r else []


def record_events(conn: Connection, model_day_id: int, signature: str, date: str, events: list[SplitEvent]):
    conn.executemany(
        "INSERT INTO ledger_events(model_day_id, signature, date, kind, symbol, ratio, shares_before, shares_after,"
        " cash) VALUES (?,?,?,?,?,?,?,?,?)",
        [
            (model_day_id, signature, date, e.kind, e.symbol, e.ratio, e.shares_before, e.shares_after, e.cash)
            for e in events
        ],
    )


def events_for(conn: Connection, model_day_ids: Iterable[int]) -> dict[int, list[SplitEvent]]:
    ids = list(model_day_ids)
    out: dict[int, list[SplitEvent]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            "SELECT model_day_id, symbol, ratio, shares_before, shares_after, cash, kind FROM ledger_events"
            f" WHERE model_day_id IN ({', '.join('?' * len(chunk))}) ORDER BY model_day_id, id",
            chunk,
        )
        for r in rows:
            out[r[0]].append(SplitEvent(*tuple(r)[1:]))
    return out
