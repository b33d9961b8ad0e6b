"""Import price files into the store: parse (format auto-detected), validate, upsert, report.

One file = one transaction: a malformed file (bad header, non-numeric value, bad date, duplicate
key) raises `InvalidData` naming the file and line and writes nothing. Rows breaking a row rule
are rejected and listed; the others are upserted by (symbol, date), so re-importing is idempotent.
New symbols join the universe (benchmarks, default {"QQQ"}, are not tradable).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InvalidData
from ..store import Store
from ..store import prices as price_store
from ..store import sources as source_store
from ..store.sources import ActionRow, SourceRow
from .actions import from_alphavantage
from .calendar import exchange_sessions
from .formats import ALPHAVANTAGE, alphavantage_actions, parse_text
from .validation import RawBar, Rejection, SplitWarning, check_bar, suspected_splits

log = logging.getLogger(__name__)

DEFAULT_BENCHMARKS: frozenset[str] = frozenset({"QQQ"})
IMPORTABLE_SUFFIXES = (".csv", ".json", ".jsonl", ".csv.gz")


@dataclass(frozen=True)
class SymbolReport:
    symbol: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class ImportReport:
    source: str
    format: str
    symbols: tuple[SymbolReport, ...] = ()
    rejected: tuple[Rejection, ...] = ()
    warnings: tuple[SplitWarning, ...] = ()
    new_symbols: tuple[str, ...] = field(default=())
    actions: int = 0  # corporate actions recorded with the bars (an Alpha Vantage adjusted series)

    def total(self, what: str) -> int:
        """Sum of `added`, `updated`, `unchanged` or `rejected` over symbols."""
        return sum(getattr(s, what) for s in self.symbols)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["totals"] = {k: self.total(k) for k in ("added", "updated", "unchanged", "rejected")}
        d["warnings"] = [dict(asdict(w), move=round(w.move, 4), message=w.message()) for w in self.warnings]
        return json.loads(json.dumps(d))  # plain JSON types (lists, not tuples)


def import_file(
    store: Store, path: Path | str, *, symbol: str | None = None, benchmarks: Collection[str] = DEFAULT_BENCHMARKS
) -> ImportReport:
    """Import one file (long CSV, per-symbol CSV or Alpha Vantage JSON/JSONL)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if path.name.lower().endswith(".gz") else raw).decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InvalidData(f"{path}: cannot read: {exc}", {"where": str(path)}) from None
    fmt, bars = parse_text(text, str(path), symbol=symbol)
    if symbol and not bars and fmt != "symbol-csv":
        raise InvalidData(f"{path}: no rows for symbol {symbol.upper()!r} in this file", {"where": str(path)})
    source = f"{fmt}:{path.name}"
    found = alphavantage_actions(text, str(path), symbol=symbol) if fmt == ALPHAVANTAGE else []
    return import_bars(
        store,
        bars,
        fmt=fmt,
        source=source,
        name=str(path),
        benchmarks=benchmarks,
        dataset=sibling_dataset(path, source, text, len(bars)),
        actions=from_alphavantage(found, source),
    )


def sibling_dataset(path: Path, source: str, text: str, rows: int) -> tuple[SourceRow, list[ActionRow]] | None:
    """A `<name>.meta.json` beside `<name>.csv[.gz]` (the packaged data set's layout) describes the file: its
    source and corporate actions are recorded with the import. None when there is no such file."""
    stem = path.name.removesuffix(".gz").rsplit(".", 1)[0]
    meta_path = path.with_name(f"{stem}.meta.json")
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return describe_dataset(meta, source, rows, hashlib.sha256(text.encode("utf-8")).hexdigest(), path.name)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidData(f"{meta_path}: not a usable meta file: {exc}", {"where": str(meta_path)}) from None


def describe_dataset(
    meta: dict[str, Any], source: str, rows: int, sha256: str, fallback: str
) -> tuple[SourceRow, list[ActionRow]]:
    """A data set's meta (`source`, `first_date`, `last_date`, `corporate_actions`: `symbol`, `type` split with
    `ratio` or dividend with `amount`, `effective`, `note`) as the rows recorded with its import."""
    actions = [
        ActionRow(a["symbol"], a["effective"], a["type"], a.get("ratio"), a.get("amount"), source, a.get("note"))
        for a in meta.get("corporate_actions", [])
    ]
    row = SourceRow(
        source, str(meta.get("source") or fallback), meta.get("first_date"), meta.get("last_date"), rows, sha256
    )
    return row, actions


def import_bars(
    store: Store,
    bars: list[RawBar],
    *,
    fmt: str,
    source: str,
    name: str,
    benchmarks: Collection[str] = DEFAULT_BENCHMARKS,
    provisional: Collection[tuple[str, str]] = frozenset(),
    dataset: tuple[SourceRow, Sequence[ActionRow]] | None = None,
    actions: Sequence[ActionRow] = (),
) -> ImportReport:
    """Validate parsed bars and upsert the valid ones in one transaction. `provisional`: the (symbol, date) keys
    to store as provisional (the downloader's newest bar); every other bar is stored as final. `dataset`: the
    data set's source and its corporate actions, recorded in the same transaction; `actions`: corporate actions
    found in the bars' own file (Alpha Vantage adjusted: splits and dividends), recorded there too."""
    _refuse_duplicates(bars, name)
    dates = [b.date for b in bars]
    sessions = frozenset(exchange_sessions(min(dates), max(dates))) if dates else frozenset()
    good: list[price_store.PriceRow] = []
    rejected: list[Rejection] = []
    for b in bars:
        reason = check_bar(b, sessions)
        if reason or b.open is None:  # check_bar already rejects a bar without an open
            rejected.append(Rejection(b.where, b.symbol, b.date, reason or "no open price"))
        else:
            good.append(
                price_store.PriceRow(
                    b.symbol,
                    b.date,
                    b.open,
                    b.high,
                    b.low,
                    b.close,
                    b.volume,
                    source,
                    (b.symbol, b.date) in provisional,
                )
            )
    with store.write() as conn:
        counts = price_store.upsert_bars(conn, good)
        new = price_store.register_symbols(conn, counts, benchmarks)
        stored = price_store.bars_for(conn, counts)
        if dataset is not None:
            source_store.record_source(conn, dataset[0])
            source_store.record_actions(conn, dataset[1])
        source_store.record_actions(conn, actions)
    warnings = suspected_splits((r.symbol, r.date, r.open, r.close) for r in stored)
    n_rejected: dict[str, int] = {}
    for r in rejected:
        n_rejected[r.symbol] = n_rejected.get(r.symbol, 0) + 1
    reports = tuple(
        SymbolReport(s, c.added, c.updated, c.unchanged, n_rejected.get(s, 0)) for s, c in sorted(counts.items())
    ) + tuple(SymbolReport(s, rejected=n) for s, n in sorted(n_rejected.items()) if s not in counts)
    report = ImportReport(
        source,
        fmt,
        tuple(sorted(reports, key=lambda r: r.symbol)),
        tuple(rejected),
        tuple(warnings),
        tuple(new),
        len(actions),
    )
    log.debug(
        "imported %s (%s): %d added, %d updated, %d unchanged, %d rejected, %d split warnings",
        name,
        fmt,
        report.total("added"),
        report.total("updated"),
        report.total("unchanged"),
        len(rejected),
        len(warnings),
    )
    return report


def expand_paths(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given; a directory stands for its importable files (sorted, not recursive)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.iterdir() if f.is_file() and f.name.lower().endswith(IMPORTABLE_SUFFIXES))
        else:
            out.append(p)
    return out


def _refuse_duplicates(bars: list[RawBar], name: str) -> None:
    seen: dict[tuple[str, str], str] = {}
    for b in bars:
        key = (b.symbol, b.date)
        if key in seen:
            raise InvalidData(
                f"{b.where}: duplicate bar for {b.symbol} on {b.date} (first at {seen[key]})",
                {"where": b.where, "symbol": b.symbol, "date": b.date},
            )
        seen[key] = b.where
