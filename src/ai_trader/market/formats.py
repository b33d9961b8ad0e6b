"""Parsers for the price file formats, auto-detected from content.

- long CSV `date,symbol,open,high,low,close,volume` (any column order; `ticker` accepted for `symbol`,
  extra columns such as `adj close` ignored);
- per-symbol CSV `Date,Open,High,Low,Close[,Adj Close],Volume` (symbol from the option or file name);
- Alpha Vantage `TIME_SERIES_DAILY` (or `_ADJUSTED`) JSON, one object per file or one per line (JSONL), with the
  old AI-Trader aliases `1. buy price` / `4. sell price`; a bar with only an open is an open-only bar. The adjusted
  series' `7. dividend amount` and `8. split coefficient` are read by `alphavantage_actions`.

A malformed file raises `InvalidData` naming the file and line; nothing is parsed partially.
Empty cells (or `null`) are missing values.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InvalidData, InvalidDate
from ..timeutil import parse_date
from .validation import RawBar

LONG_CSV, SYMBOL_CSV, ALPHAVANTAGE = "csv", "symbol-csv", "alphavantage"
_PRICE_COLS = ("open", "high", "low", "close", "volume")
_SYMBOL_RE = re.compile(r"^[A-Z][A-Z0-9.\-]{0,14}$")
_AV_FIELDS = {
    "open": ("1. open", "1. buy price"),
    "high": ("2. high",),
    "low": ("3. low",),
    "close": ("4. close", "4. sell price"),
    "volume": ("5. volume", "6. volume"),  # 6.: TIME_SERIES_DAILY_ADJUSTED
}
AV_DIVIDEND, AV_SPLIT = "7. dividend amount", "8. split coefficient"  # TIME_SERIES_DAILY_ADJUSTED only
_AV_ERRORS = ("Error Message", "Note", "Information")


def parse_text(text: str, name: str, *, symbol: str | None = None) -> tuple[str, list[RawBar]]:
    """Detect the format of `text` (the content of file `name`) and parse it: (format, bars)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.lstrip()[:1] in ("{", "["):
        return ALPHAVANTAGE, _parse_alphavantage(text, name, symbol)
    return _parse_csv(text.splitlines(), name, symbol)


def symbol_from_name(name: str) -> str:
    stem = Path(name).name.upper()
    for suffix in (".GZ", ".CSV", ".JSONL", ".JSON", ".TXT"):
        stem = stem.removesuffix(suffix)
    for prefix in ("DAILY_PRICES_", "DAILY_"):
        stem = stem.removeprefix(prefix)
    return stem


def check_symbol(value: str, where: str) -> str:
    sym = value.strip().upper()
    if not _SYMBOL_RE.match(sym):
        raise InvalidData(f"{where}: invalid symbol {value!r}", {"where": where})
    return sym


def csv_records(rows: Iterable[list[str]], cols: list[str], name: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(`name:line`, {column: field}) of each non-blank data row (line 2 on); a row with another field count is
    refused, naming its line."""
    for n, row in enumerate(rows, start=2):
        if not row or all(not c.strip() for c in row):
            continue
        where = f"{name}:{n}"
        if len(row) != len(cols):
            raise InvalidData(f"{where}: expected {len(cols)} fields, got {len(row)}", {"where": where})
        yield where, dict(zip(cols, row, strict=True))


def _number(value, field: str, where: str) -> float | None:
    if value is None or (isinstance(value, str) and value.strip().lower() in ("", "null", "none")):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InvalidData(f"{where}: {field} is not a number: {value!r}", {"where": where, "field": field}) from None
    if not math.isfinite(x):
        raise InvalidData(f"{where}: {field} is not a finite number: {value!r}", {"where": where, "field": field})
    return x


def _volume(value, where: str) -> int | None:
    x = _number(value, "volume", where)
    if x is None:
        return None
    if x != int(x):
        raise InvalidData(f"{where}: volume is not a whole number: {value!r}", {"where": where, "field": "volume"})
    return int(x)


def _date(value, where: str) -> str:
    try:
        return parse_date(str(value).strip()).isoformat()
    except InvalidDate as exc:
        raise InvalidData(f"{where}: {exc.message}", {"where": where, "field": "date"}) from None


def _bar(symbol: str, date, values: dict, where: str) -> RawBar:
    nums = {f: _number(values.get(f), f, where) for f in ("open", "high", "low", "close")}
    return RawBar(
        symbol,
        _date(date, where),
        nums["open"],
        nums["high"],
        nums["low"],
        nums["close"],
        _volume(values.get("volume"), where),
        where,
    )


def _parse_csv(lines: list[str], name: str, symbol: str | None) -> tuple[str, list[RawBar]]:
    rows = csv.reader(lines)
    header = next(rows, None)
    cols = [c.strip().lower() for c in header or []]
    cols = ["symbol" if c == "ticker" else c for c in cols]
    if not header or not all(c in cols for c in ("date",) + _PRICE_COLS):
        raise InvalidData(
            f"{name}:1: unrecognised header {','.join(header or [])!r}; expected "
            "'date,symbol,open,high,low,close,volume', 'Date,Open,High,Low,Close[,Adj Close],Volume' "
            "or Alpha Vantage JSON",
            {"where": f"{name}:1"},
        )
    dupes = {c for c in cols if cols.count(c) > 1 and c}
    if dupes:
        raise InvalidData(f"{name}:1: duplicate columns {sorted(dupes)}", {"where": f"{name}:1"})
    long = "symbol" in cols
    fixed = (
        None
        if long
        else check_symbol(symbol or symbol_from_name(name), f"{name} (symbol from file name; pass --symbol)")
    )
    want = check_symbol(symbol, "--symbol") if symbol and long else None
    out = []
    for where, rec in csv_records(rows, cols, name):
        sym = check_symbol(rec["symbol"], where) if fixed is None else fixed
        if want and sym != want:
            continue
        out.append(_bar(sym, rec["date"], rec, where))
    return (LONG_CSV if long else SYMBOL_CSV), out


def _no_duplicate_keys(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError(f"duplicate key {k!r}")
        seen[k] = v
    return seen


def _parse_alphavantage(text: str, name: str, symbol: str | None) -> list[RawBar]:
    try:
        docs = [(name, json.loads(text, object_pairs_hook=_no_duplicate_keys))]
    except json.JSONDecodeError as exc:
        if "Extra data" not in exc.msg:
            raise InvalidData(
                f"{name}:{exc.lineno}: invalid JSON: {exc.msg}", {"where": f"{name}:{exc.lineno}"}
            ) from None
        docs = []
        for n, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    docs.append((f"{name}:{n}", json.loads(line, object_pairs_hook=_no_duplicate_keys)))
                except ValueError as exc2:
                    raise InvalidData(f"{name}:{n}: invalid JSON line: {exc2}", {"where": f"{name}:{n}"}) from None
    except ValueError as exc:
        raise InvalidData(f"{name}: invalid JSON: {exc}", {"where": name}) from None
    want = check_symbol(symbol, "--symbol") if symbol else None
    out: list[RawBar] = []
    for where, doc in docs:
        out += _alphavantage_doc(doc, where, name, want, single=len(docs) == 1)
    return out


def _alphavantage_doc(doc, where: str, name: str, want: str | None, single: bool) -> Iterable[RawBar]:
    if not isinstance(doc, dict):
        raise InvalidData(f"{where}: expected a JSON object", {"where": where})
    for key in _AV_ERRORS:
        if key in doc:
            raise InvalidData(f"{where}: Alpha Vantage error response ({key}): {doc[key]}", {"where": where})
    series_key = next((k for k in doc if k.startswith("Time Series")), None)
    if series_key is None or not isinstance(doc[series_key], dict):
        raise InvalidData(
            f"{where}: no 'Time Series (Daily)' object (not Alpha Vantage TIME_SERIES_DAILY)", {"where": where}
        )
    meta = doc.get("Meta Data")
    if not isinstance(meta, dict):
        meta = {}
    raw_sym = meta.get("2. Symbol") or (want if single else None) or (symbol_from_name(name) if single else None)
    if not raw_sym:
        raise InvalidData(f"{where}: 'Meta Data' has no '2. Symbol'", {"where": where})
    sym = check_symbol(str(raw_sym), where)
    if want and sym != want:
        return []
    bars = []
    for date, values in doc[series_key].items():
        at = f"{where} [{date}]"
        if not isinstance(values, dict):
            raise InvalidData(f"{at}: expected an object of prices", {"where": at})
        fields = {f: next((values[k] for k in keys if k in values), None) for f, keys in _AV_FIELDS.items()}
        bars.append(_bar(sym, date, fields, at))
    return bars


def alphavantage_actions(text: str, name: str, *, symbol: str | None = None) -> list[tuple[str, str, str, float]]:
    """(symbol, date, kind, value) of every dividend (`7. dividend amount` > 0: cash per share) and split
    (`8. split coefficient` != 1: the ratio) in an Alpha Vantage TIME_SERIES_DAILY_ADJUSTED text (none in a
    TIME_SERIES_DAILY one). The text must already parse as bars (parse_text)."""
    out: list[tuple[str, str, str, float]] = []
    docs = [json.loads(line) for line in text.splitlines() if line.strip()] if _is_jsonl(text) else [json.loads(text)]
    want = check_symbol(symbol, "--symbol") if symbol else None
    for doc in docs:
        meta = doc.get("Meta Data") if isinstance(doc.get("Meta Data"), dict) else {}
        raw = meta.get("2. Symbol") or want or (symbol_from_name(name) if len(docs) == 1 else None)
        if not raw or (want and str(raw) != want):
            continue
        series: dict[str, Any] = next((v for k, v in doc.items() if k.startswith("Time Series")), {})
        for date, values in series.items():
            at = f"{name} [{date}]"
            dividend = _number(values.get(AV_DIVIDEND), "dividend amount", at)
            split = _number(values.get(AV_SPLIT), "split coefficient", at)
            sym = check_symbol(str(raw), at)
            if dividend is not None and dividend > 0:
                out.append((sym, _date(date, at), "dividend", dividend))
            if split is not None and split > 0 and split != 1:
                out.append((sym, _date(date, at), "split", split))
    return sorted(out)


def _is_jsonl(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False
