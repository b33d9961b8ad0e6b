"""Splits applied to holdings at the start of their effective day, before the session (README "Trade rules").

For a split of ratio `r` (new shares per old share: 15 = 15-for-1) effective on day d, a holding of `n` shares at
the start of d becomes `floor(n * r)` shares; the fractional remainder `n * r - floor(n * r)` (only for a ratio
that is not whole, e.g. 3-for-2) is paid in cash at d's open: `cash += remainder * open_d`, rounded to cents
(half-even). A symbol without an open on d pays its remainder at 0 (recorded). Cash and other holdings are
unchanged, so the value moves only with the market: before the split `n * close_{d-1}` (pre-split prices), after it
`floor(n * r) * close_d + cash` (post-split prices).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

from ..store.events import SplitEvent  # the row of `ledger_events`, defined once in its aggregate's module
from .rules import Book, money, to_cents


def apply_splits(book: Book, splits: Mapping[str, float], opens: Mapping[str, float]) -> tuple[Book, list[SplitEvent]]:
    """The start-of-day book after the day's splits of held symbols, and one event per adjusted holding."""
    cash, positions, events = money(book.cash), dict(book.positions), []
    for symbol in sorted(splits):
        held = positions.get(symbol, 0)
        if not held:
            continue
        exact = Decimal(held) * money(splits[symbol])
        whole = math.floor(exact)
        open_price = opens.get(symbol)
        paid = to_cents((exact - whole) * money(open_price)) if open_price else Decimal(0)
        cash += paid
        positions[symbol] = whole
        if not whole:
            del positions[symbol]
        events.append(SplitEvent(symbol, float(splits[symbol]), held, whole, float(paid)))
    return Book(float(to_cents(cash)), positions), events


def describe_splits(splits: Mapping[str, float], events: list[SplitEvent], date: str) -> str:
    """The prompt's words for today's splits of listed or held symbols ('' when there are none)."""
    adjusted = {e.symbol: e for e in events}
    parts = []
    for symbol in sorted(splits):
        r = splits[symbol]
        text = f"{symbol} split {r:g}-for-1 effective today ({date}): its prices before today are pre-split"
        text += f" (divide them by {r:g} to compare)"
        if symbol in adjusted:
            e = adjusted[symbol]
            text += f"; your {e.shares_before} shares became {e.shares_after}"
            if e.cash:
                text += f" and the fractional share was paid as {e.cash:.2f} cash"
        parts.append(text)
    return "; ".join(parts)
