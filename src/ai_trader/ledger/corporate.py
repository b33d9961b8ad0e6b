"""Corporate actions applied to holdings at the start of their effective day, before the session (README "Trade
rules"): splits, then cash dividends.

For a split of ratio `r` (new shares per old share: 15 = 15-for-1) effective on day d, a holding of `n` shares at
the start of d becomes `floor(n * r)` shares; the fractional remainder `n * r - floor(n * r)` (only for a ratio
that is not whole, e.g. 3-for-2) is paid in cash at d's open: `cash += remainder * open_d`, rounded to cents
(half-even). A symbol without an open on d pays its remainder at 0 (recorded). Cash and other holdings are
unchanged, so the value moves only with the market: before the split `n * close_{d-1}` (pre-split prices), after it
`floor(n * r) * close_d + cash` (post-split prices).

A cash dividend of `a` per share with ex-date d is credited at the start of d (our pay date: the ex-date's open, not
the company's later payment date) to the shares held at the previous close, after d's splits (the amount is per
share as traded on d): `cash += n * a`, rounded to cents (half-even). Shares are unchanged; the price drops by about
`a` on d, and the cash makes up for it.

Actions effective on days the signature did not run apply at the start of its next day, in date order
(`apply_actions`: each date's splits, then its dividends), so a dividend is paid on the shares held on its ex-date.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal

from ..store.events import LedgerEvent  # the row of `ledger_events`, defined once in its aggregate's module
from .rules import Book, money, to_cents


def apply_dividends(book: Book, dividends: Mapping[str, float]) -> tuple[Book, list[LedgerEvent]]:
    """The book after crediting the dividends (symbol -> cash per share) of held symbols, one event per holding."""
    cash, events = money(book.cash), []
    for symbol in sorted(dividends):
        held = book.positions.get(symbol, 0)
        if not held or not dividends[symbol]:
            continue
        paid = to_cents(Decimal(held) * money(dividends[symbol]))
        cash += paid
        events.append(LedgerEvent(symbol, 1.0, held, held, float(paid), "dividend", float(dividends[symbol])))
    return Book(float(to_cents(cash)), dict(book.positions)), events


def apply_splits(book: Book, splits: Mapping[str, float], opens: Mapping[str, float]) -> tuple[Book, list[LedgerEvent]]:
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
        events.append(LedgerEvent(symbol, float(splits[symbol]), held, whole, float(paid)))
    return Book(float(to_cents(cash)), positions), events


def describe_splits(splits: Mapping[str, float], events: list[LedgerEvent], date: str) -> str:
    """The prompt's words for today's splits of listed or held symbols ('' when there are none)."""
    adjusted: dict[str, LedgerEvent] = {}
    for e in (e for e in events if e.kind == "split"):  # two splits of a symbol since the last run: one sentence
        first = adjusted.get(e.symbol, e)
        adjusted[e.symbol] = LedgerEvent(e.symbol, e.ratio, first.shares_before, e.shares_after, first.cash + e.cash)
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


def describe_dividends(events: list[LedgerEvent]) -> str:
    """The prompt's words for the dividends credited today ('' when there are none)."""
    return "; ".join(
        f"{e.symbol} paid a cash dividend of {e.amount:g} per share: {e.cash:.2f} credited for your {e.shares_after}"
        " shares (its price is ex-dividend from today)"
        for e in events
        if e.kind == "dividend"
    )


def apply_actions(
    book: Book, days: Sequence[tuple[str, Mapping[str, float], Mapping[str, float]]], opens: Mapping[str, float]
) -> tuple[Book, list[LedgerEvent]]:
    """The start-of-day book after every day's corporate actions since the snapshot it starts from, oldest day first
    (on each: its splits, then its dividends); a split's remainder is paid at `opens` (the session day's)."""
    events: list[LedgerEvent] = []
    for _, splits, dividends in days:
        book, done = apply_splits(book, splits, opens)
        events += done
        book, paid = apply_dividends(book, dividends)
        events += paid
    return book, events
