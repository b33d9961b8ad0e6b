"""Valuation of an end-of-day snapshot.

    value      = cash + sum(shares * close(symbol, day))
    profit     = value - previous value      (previous value = the value on the previous trading day: the
                                              signature's previous committed snapshot's value, or initial_cash on
                                              its first day; when days were skipped since that snapshot, the
                                              snapshot's holdings and cash valued at the previous trading day's
                                              closes — nothing trades on a skipped day)
    return_pct = profit / previous value * 100

`close(symbol, day)` is the day's close, or the symbol's last earlier close when the day has none (never 0).
A symbol with no close at all up to the day (only possible with open-only data) is valued at the day's open,
the price it was bought at. Values and profits are rounded to cents; return_pct to 6 decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .rules import money, to_cents

if TYPE_CHECKING:
    from ..market.prices import PriceView


class MissingPrice(LookupError):
    """No close and no open for a held symbol: the snapshot cannot be valued."""


@dataclass(frozen=True)
class DailyValues:
    portfolio_value: float
    profit: float
    return_pct: float


def portfolio_value(cash: float, positions: Mapping[str, int], price_of: Callable[[str], float | None]) -> float:
    """cash + sum(shares * price_of(symbol)), exact decimal arithmetic, rounded to cents."""
    total = money(cash)
    for symbol, shares in sorted(positions.items()):
        if not shares:
            continue
        price = price_of(symbol)
        if price is None or price <= 0:
            raise MissingPrice(f"no price to value {shares} {symbol}")
        total += money(price) * shares
    return float(to_cents(total))


def valuation_price(prices: PriceView, date: str) -> Callable[[str], float | None]:
    """The valuation price on `date`: close, else last earlier close, else the day's open."""

    def price_of(symbol: str) -> float | None:
        close = prices.last_close(symbol, date)
        return close if close is not None else prices.open(symbol, date)

    return price_of


def value_on(prices: PriceView, date: str, cash: float, positions: Mapping[str, int]) -> float:
    return portfolio_value(cash, positions, valuation_price(prices, date))


def previous_value(
    prices: PriceView,
    date: str,
    snapshot_date: str | None,
    snapshot_value: float,
    cash: float,
    positions: Mapping[str, int],
) -> float:
    """The value on the trading day before `date` that a day's profit is measured against (see module docstring).

    `snapshot_*`/`cash`/`positions` describe the start state (snapshot_date None: first day, value = initial cash).
    """
    prev_day = prices.previous_trading_day(date)
    if snapshot_date is None or prev_day is None or snapshot_date >= prev_day:
        return snapshot_value
    try:
        return value_on(prices, prev_day, cash, positions)
    except MissingPrice:
        return snapshot_value


def daily_values(value: float, previous_value: float) -> DailyValues:
    v, prev = money(value), money(previous_value)
    profit = to_cents(v - prev)
    pct = float(round((v - prev) / prev * 100, 6)) if prev else 0.0
    return DailyValues(float(to_cents(v)), float(profit), pct)
