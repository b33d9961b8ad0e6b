"""The point-in-time universe: which symbols were in the index on a day (README "Trade rules").

Imported with `ai-trader data import --membership SOURCE`, replacing any earlier membership:
- a CSV file with a header naming `symbol`, the first day of membership (`start_date`, `added` or `opt-in`) and
  the first day no longer a member (`end_date`, `removed` or `opt-out`; empty: still a member); other columns
  (`name`) are ignored — index-constitution's own history CSV reads as it is;
- `index-constitution`: the NASDAQ-100 history that the `index-constitution` package ships.
With a membership recorded, the tradable set of day d = the members on d ∩ the symbols with a bar on d
(`PriceView.tradable_on`); without one, the static universe (the packaged data set's 101 symbols).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..errors import InvalidData
from ..store import Store
from ..store.membership import MemberRow, replace_membership
from .formats import _date, check_symbol, csv_records

PACKAGE = "index-constitution"
_START, _END = ("start_date", "added", "opt-in"), ("end_date", "removed", "opt-out")


@dataclass(frozen=True)
class MembershipReport:
    source: str
    symbols: int
    intervals: int

    def to_dict(self) -> dict:
        return {"source": self.source, "format": "membership", "symbols": self.symbols, "intervals": self.intervals}


def parse_membership_csv(text: str, name: str, source: str) -> list[MemberRow]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None) or []
    cols = [c.strip().lower() for c in header]
    start = next((c for c in _START if c in cols), None)
    end = next((c for c in _END if c in cols), None)
    if "symbol" not in cols or start is None or end is None:
        raise InvalidData(
            f"{name}:1: unrecognised header {','.join(header)!r}; expected 'symbol,start_date,end_date' "
            "(or 'symbol,added,removed', or index-constitution's 'symbol,name,opt-in,opt-out')",
            {"where": f"{name}:1"},
        )
    out: list[MemberRow] = []
    for where, rec in csv_records(rows, cols, name):
        first = _date(rec[start], where)
        last = _date(rec[end], where) if rec[end].strip() else None
        if last is not None and last <= first:
            raise InvalidData(f"{where}: {end} {last} is not after {start} {first}", {"where": where})
        out.append(MemberRow(check_symbol(rec["symbol"], where), first, last, source))
    _refuse_overlaps(out, name)
    return out


def from_index_constitution(index: str = "nasdaq100") -> list[MemberRow]:
    """The membership history the index-constitution package ships (its opt-out is the first day out)."""
    try:
        import index_constitution
    except ImportError:  # pragma: no cover - a dependency; only a broken install lacks it
        raise InvalidData(f"the {PACKAGE} package is not installed (pip install {PACKAGE})") from None
    source = f"{PACKAGE}:{index}@{metadata.version(PACKAGE)}"
    history = index_constitution.history(index)
    rows = []
    for r in history.itertuples(index=False):
        symbol, opt_in, opt_out = r[0], r[2], r[3]
        end = None if opt_out != opt_out or opt_out is None else opt_out.date().isoformat()  # NaT != NaT
        rows.append(MemberRow(check_symbol(str(symbol), PACKAGE), opt_in.date().isoformat(), end, source))
    return rows


def import_membership(store: Store, spec: str) -> MembershipReport:
    """Replace the recorded membership by a CSV file's, or (spec `index-constitution`) by that package's NASDAQ-100."""
    if spec == PACKAGE:
        rows = from_index_constitution()
    else:
        path = Path(spec)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidData(f"{path}: cannot read: {exc}", {"where": str(path)}) from None
        rows = parse_membership_csv(text, str(path), f"file:{path.name}")
    if not rows:
        raise InvalidData(f"{spec}: no membership rows", {"where": spec})
    with store.write() as conn:
        replace_membership(conn, rows)
    return MembershipReport(rows[0].source, len({r.symbol for r in rows}), len(rows))


def _refuse_overlaps(rows: list[MemberRow], name: str) -> None:
    by_symbol: dict[str, list[MemberRow]] = {}
    for r in rows:
        by_symbol.setdefault(r.symbol, []).append(r)
    for symbol, spans in by_symbol.items():
        spans.sort(key=lambda r: r.start_date)
        for a, b in zip(spans, spans[1:], strict=False):
            if a.end_date is None or a.end_date > b.start_date:
                raise InvalidData(
                    f"{name}: {symbol}'s membership from {b.start_date} overlaps the one from {a.start_date}",
                    {"where": name, "symbol": symbol},
                )


def is_member(spans: tuple[tuple[str, str | None], ...], date: str) -> bool:
    return any(start <= date and (end is None or date < end) for start, end in spans)
