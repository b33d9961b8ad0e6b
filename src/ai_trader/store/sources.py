"""Data-source aggregate: `data_sources` (which data set was imported, from where, its checksum) and
`corporate_actions` (splits and dividends a data set, an actions file or an adjusted download declares). Both are
applied to holdings at the start of their effective day (ledger/corporate.py, store/events.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class SourceRow:
    name: str
    description: str
    first_date: str | None
    last_date: str | None
    rows: int
    sha256: str | None
    imported_at: str = ""


@dataclass(frozen=True)
class ActionRow:
    symbol: str
    effective_date: str
    kind: str  # 'split' | 'dividend'
    ratio: float | None
    amount: float | None
    source: str
    note: str | None = None


def record_source(conn: sqlite3.Connection, row: SourceRow) -> None:
    conn.execute(
        "INSERT INTO data_sources(name, description, first_date, last_date, rows, sha256, imported_at) "
        "VALUES (?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
        "ON CONFLICT(name) DO UPDATE SET description=excluded.description, first_date=excluded.first_date, "
        "last_date=excluded.last_date, rows=excluded.rows, sha256=excluded.sha256, imported_at=excluded.imported_at",
        (row.name, row.description, row.first_date, row.last_date, row.rows, row.sha256),
    )


def record_actions(conn: sqlite3.Connection, rows: Iterable[ActionRow]) -> None:
    conn.executemany(
        "INSERT INTO corporate_actions(symbol, effective_date, kind, ratio, amount, source, note) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(symbol, effective_date, kind) DO UPDATE SET "
        "ratio=excluded.ratio, amount=excluded.amount, source=excluded.source, note=excluded.note",
        [(r.symbol, r.effective_date, r.kind, r.ratio, r.amount, r.source, r.note) for r in rows],
    )


def list_sources(conn: sqlite3.Connection) -> list[SourceRow]:
    rows = conn.execute(
        "SELECT name, description, first_date, last_date, rows, sha256, imported_at FROM data_sources ORDER BY name"
    ).fetchall()
    return [SourceRow(*r) for r in rows]


def list_actions(conn: sqlite3.Connection) -> list[ActionRow]:
    rows = conn.execute(
        "SELECT symbol, effective_date, kind, ratio, amount, source, note FROM corporate_actions "
        "ORDER BY effective_date, symbol, kind"
    ).fetchall()
    return [ActionRow(*r) for r in rows]
