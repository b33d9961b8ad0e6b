"""Numbers recomputed from the packaged NASDAQ-100 CSV, for the tests that check the ledger's arithmetic."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_EVEN, Decimal

from ai_trader.market.packaged import packaged_text


def bar(symbol: str, date: str) -> dict[str, Decimal]:
    """`symbol`'s open and close on `date` in the packaged CSV, exact."""
    for row in csv.DictReader(io.StringIO(packaged_text())):
        if row["symbol"] == symbol and row["date"] == date:
            return {k: Decimal(row[k]) for k in ("open", "close")}
    raise AssertionError(f"no {symbol} {date} in the packaged CSV")


def cents(x: Decimal) -> float:
    """`x` rounded to cents as the ledger rounds (half to even)."""
    return float(x.quantize(Decimal("0.01"), ROUND_HALF_EVEN))
