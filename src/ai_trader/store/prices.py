"""Price store aggregate: the `symbols` table (the universe is data) and the `prices` table (daily bars).

A bar with `close IS NULL` is incomplete (open only): usable as that day's open, never as a close.
Upserts never downgrade a complete bar to an incomplete one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PriceRow:
    symbol: str
    date: str
    open: float
    high: float | None
    low: float | None
    close: float | None
    volume: int | None
    source: str
    provisional: bool = False

    @property
    def complete(self) -> bool:
        return self.close is not None


@dataclass(frozen=True)
class SymbolRow:
    symbol: str
    tradable: bool
    benchmark: bool
    name: str | None = None


@dataclass(frozen=True)
class UpsertCounts:
    """What an upsert did for one symbol."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class CoverageRow:
    symbol: str
    first_date: str
    last_date: str
    rows: int
    incomplete: int
    provisional: int


_COLS = "symbol, date, open, high, low, close, volume, source, provisional"


def _row(r: sqlite3.Row | tuple) -> PriceRow:
    return PriceRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], bool(r[8]))


def _same_values(a: PriceRow, b: PriceRow) -> bool:
    return (a.open, a.high, a.low, a.close, a.volume, a.provisional) == (
        b.open,
        b.high,
        b.low,
        b.close,
        b.volume,
        b.provisional,
    )


def upsert_bars(conn: sqlite3.Connection, rows: Sequence[PriceRow]) -> dict[str, UpsertCounts]:
    """Insert or update bars by (symbol, date) inside the caller's transaction; count per symbol.

    Identical values count as unchanged (the row is not rewritten). An incomplete bar never
    replaces a complete one (counted unchanged)."""
    symbols = sorted({r.symbol for r in rows})
    existing: dict[tuple[str, str], PriceRow] = {}
    for chunk in _chunks(symbols, 500):
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(f"SELECT {_COLS} FROM prices WHERE symbol IN ({marks})", chunk):
            existing[(r[0], r[1])] = _row(r)
    counts: dict[str, list[int]] = {s: [0, 0, 0] for s in symbols}
    to_write = []
    for r in rows:
        old = existing.get((r.symbol, r.date))
        c = counts[r.symbol]
        if old is None:
            c[0] += 1
        elif _same_values(old, r) or (old.complete and not r.complete):
            c[2] += 1
            continue
        else:
            c[1] += 1
        to_write.append((r.symbol, r.date, r.open, r.high, r.low, r.close, r.volume, r.source, int(r.provisional)))
    conn.executemany(
        f"INSERT INTO prices({_COLS}) VALUES (?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(symbol, date) DO UPDATE SET open=excluded.open, high=excluded.high, low=excluded.low, "
        "close=excluded.close, volume=excluded.volume, source=excluded.source, provisional=excluded.provisional",
        to_write,
    )
    return {s: UpsertCounts(*c) for s, c in counts.items()}


def register_symbols(conn: sqlite3.Connection, symbols: Iterable[str], benchmarks: Collection[str]) -> list[str]:
    """Add unknown symbols to the universe: benchmarks are not tradable, every other symbol is.
    Existing rows are left as they are (the table may have been edited). Returns the symbols added."""
    known = {r[0] for r in conn.execute("SELECT symbol FROM symbols")}
    new = sorted(set(symbols) - known)
    conn.executemany(
        "INSERT INTO symbols(symbol, tradable, benchmark) VALUES (?, ?, ?)",
        [(s, int(s not in benchmarks), int(s in benchmarks)) for s in new],
    )
    return new


def list_symbols(conn: sqlite3.Connection) -> list[SymbolRow]:
    return [
        SymbolRow(r[0], bool(r[1]), bool(r[2]), r[3])
        for r in conn.execute("SELECT symbol, tradable, benchmark, name FROM symbols ORDER BY symbol")
    ]


def all_bars(conn: sqlite3.Connection, *, until: str | None = None) -> list[PriceRow]:
    """Every bar (dated on or before `until` if given), ordered by symbol then date."""
    sql = f"SELECT {_COLS} FROM prices"
    args: tuple = ()
    if until is not None:
        sql += " WHERE date <= ?"
        args = (until,)
    return [_row(r) for r in conn.execute(sql + " ORDER BY symbol, date", args)]


def bars_for(conn: sqlite3.Connection, symbols: Iterable[str]) -> list[PriceRow]:
    """Bars of the given symbols, ordered by symbol then date."""
    out: list[PriceRow] = []
    for chunk in _chunks(sorted(set(symbols)), 500):
        marks = ",".join("?" * len(chunk))
        out += [
            _row(r)
            for r in conn.execute(f"SELECT {_COLS} FROM prices WHERE symbol IN ({marks}) ORDER BY symbol, date", chunk)
        ]
    return out


def count_bars(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM prices").fetchone()[0]


def coverage(conn: sqlite3.Connection) -> list[CoverageRow]:
    """Per-symbol first/last date, rows, incomplete (open-only) and provisional bars."""
    return [
        CoverageRow(*r)
        for r in conn.execute(
            "SELECT symbol, MIN(date), MAX(date), COUNT(*), SUM(close IS NULL), SUM(provisional) "
            "FROM prices GROUP BY symbol ORDER BY symbol"
        )
    ]


def dates_by_symbol(conn: sqlite3.Connection) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for sym, date in conn.execute("SELECT symbol, date FROM prices"):
        out.setdefault(sym, set()).add(date)
    return out


def fingerprint(conn: sqlite3.Connection) -> tuple:
    """A full signature of the price store's contents (one scan): changes when any bar is added or updated."""
    r = conn.execute(
        "SELECT COUNT(*), MAX(date), TOTAL(open), TOTAL(close), (SELECT COUNT(*) FROM symbols) FROM prices"
    ).fetchone()
    return tuple(r) + membership_fingerprint(conn)


def latest_fingerprint(conn: sqlite3.Connection) -> tuple:
    """A cheap signature (index lookups only): the last date, its bars and their closes, the universe size.
    Catches new days, new symbols and a latest open-only bar getting its close; `fingerprint` the rest."""
    r = conn.execute(
        "SELECT p.date, COUNT(*), TOTAL(p.close), (SELECT COUNT(*) FROM symbols) FROM prices p "
        "WHERE p.date = (SELECT MAX(date) FROM prices)"
    ).fetchone()
    return tuple(r) + membership_fingerprint(conn)


def membership_fingerprint(conn: sqlite3.Connection) -> tuple:
    """Changes when an index membership is imported (it is part of the price view: `PriceView.tradable_on`)."""
    r = conn.execute(
        "SELECT COUNT(*), MIN(start_date), MAX(start_date), MAX(end_date), MIN(symbol), MAX(symbol)"
        " FROM index_membership"
    ).fetchone()
    return tuple(r)


def _chunks(items: list[str], n: int) -> Iterable[list[str]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]
