"""The day brief: what a competitor is told at the start of a model-day (the system prompt's facts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .base import DayBrief

if TYPE_CHECKING:
    from ..market.prices import PriceView


def build_brief(
    prices: PriceView,
    signature: str,
    date: str,
    cash: float,
    positions: Mapping[str, int],
    job_id: str | None = None,
    costs_note: str = "",
    splits_note: str = "",
) -> DayBrief:
    """Starting cash and holdings, the previous trading day's closes and today's opens of the day's tradable set
    (`PriceView.tradable_on`: the static universe, or the index members of that day with a bar) and of the holdings
    (a symbol that left the index can still be sold)."""
    prev = prices.previous_trading_day(date)
    tradable = prices.tradable_on(date)
    closes, opens = prices.closes(prev) if prev else {}, prices.opens(date)
    if tradable is not prices.tradable:  # a point-in-time universe: that day's members, and what is held (sellable)
        shown = set(tradable) | {s for s, n in positions.items() if n}
        closes = {s: p for s, p in closes.items() if s in shown}
        opens = {s: p for s, p in opens.items() if s in shown}
    return DayBrief(
        signature=signature,
        date=date,
        cash=float(cash),
        positions={s: int(n) for s, n in sorted(positions.items()) if n},
        prev_date=prev,
        prev_closes=closes,
        today_opens=opens,
        tradable=tuple(tradable),
        job_id=job_id,
        costs_note=costs_note,
        splits_note=splits_note,
    )
