"""Index membership over time (`index_membership`, migration 0014): a symbol is a member on the days
`start_date <= d < end_date` (end_date NULL: still a member). An import replaces the whole history. No rows: the
static universe (`symbols.tradable`) is the tradable set of every day."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class MemberRow:
    symbol: str
    start_date: str
    end_date: str | None
    source: str


def replace_membership(conn: sqlite3.Connection, rows: Iterable[MemberRow]) -> None:
    conn.execute("DELETE FROM index_membership")
    conn.executemany(
        "INSERT INTO index_membership(symbol, start_date, end_date, source) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (symbol, start_date) DO UPDATE SET end_date = excluded.end_date, source = excluded.source",
        [(r.symbol, r.start_date, r.end_date, r.source) for r in rows],
    )


def list_membership(conn: sqlite3.Connection) -> list[MemberRow]:
    rows = conn.execute(
        "SELECT symbol, start_date, end_date, source FROM index_membership ORDER BY symbol, start_date"
    ).fetchall()
    return [MemberRow(*r) for r in rows]
