"""Corporate actions imported from a file (`ai-trader data import --actions FILE`) or found in an Alpha Vantage
TIME_SERIES_DAILY_ADJUSTED series, recorded in `corporate_actions` (store/sources.py).

The CSV: a header with `symbol`, `effective_date` (or `date`: the split's effective day, the dividend's ex-date),
`kind` (`split` or `dividend`; `type` accepted), `ratio` (a split's new shares per old share: 15 = 15-for-1, 1.5 =
3-for-2), `amount` (a dividend's cash per share) and an optional `note`. One file = one transaction: any bad line
(unknown kind, a split without a ratio > 0, a dividend without an amount > 0, a bad date or symbol) refuses the
whole file, naming the line. A row for a (symbol, date, kind) already recorded replaces it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidData
from ..store import Store
from ..store.sources import ActionRow, record_actions
from .formats import _date, _number, check_symbol, csv_records

KINDS = ("split", "dividend")


@dataclass(frozen=True)
class ActionsReport:
    source: str
    splits: int
    dividends: int

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "format": "corporate-actions",
            "splits": self.splits,
            "dividends": self.dividends,
        }


def parse_actions_csv(text: str, name: str, source: str) -> list[ActionRow]:
    rows = csv.reader(io.StringIO(text))
    header = next(rows, None) or []
    cols = [{"date": "effective_date", "type": "kind"}.get(c.strip().lower(), c.strip().lower()) for c in header]
    if not {"symbol", "effective_date", "kind"} <= set(cols) or not {"ratio", "amount"} & set(cols):
        raise InvalidData(
            f"{name}:1: unrecognised header {','.join(header)!r}; expected 'symbol,effective_date,kind,ratio,amount"
            "[,note]'",
            {"where": f"{name}:1"},
        )
    out: list[ActionRow] = []
    for where, rec in csv_records(rows, cols, name):
        kind = rec["kind"].strip().lower()
        if kind not in KINDS:
            raise InvalidData(f"{where}: kind must be split or dividend, got {rec['kind']!r}", {"where": where})
        field = "ratio" if kind == "split" else "amount"
        value = _number(rec.get(field), field, where)
        if value is None or value <= 0:
            raise InvalidData(
                f"{where}: a {kind} needs {'a ratio' if kind == 'split' else 'an amount'} > 0",
                {"where": where, "field": field},
            )
        out.append(
            ActionRow(
                check_symbol(rec["symbol"], where),
                _date(rec["effective_date"], where),
                kind,
                value if kind == "split" else None,
                value if kind == "dividend" else None,
                source,
                (rec.get("note") or "").strip() or None,
            )
        )
    return out


def from_alphavantage(found: Iterable[tuple[str, str, str, float]], source: str) -> list[ActionRow]:
    """ActionRows of what formats.alphavantage_actions found in an adjusted series."""
    return [
        ActionRow(
            s, d, k, v if k == "split" else None, v if k == "dividend" else None, source, "Alpha Vantage adjusted"
        )
        for s, d, k, v in found
    ]


def import_actions(store: Store, path: Path) -> ActionsReport:
    """Record the corporate actions of a CSV file (all or nothing)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidData(f"{path}: cannot read: {exc}", {"where": str(path)}) from None
    source = f"file:{path.name}"
    rows = parse_actions_csv(text, str(path), source)
    with store.write() as conn:
        record_actions(conn, rows)
    return ActionsReport(source, sum(r.kind == "split" for r in rows), sum(r.kind == "dividend" for r in rows))
