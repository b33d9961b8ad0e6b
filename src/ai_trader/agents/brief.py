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
    """Starting cash and holdings, the previous trading day's closes and today's opens of the tradable universe."""
    prev = prices.previous_trading_day(date)
    return DayBrief(
        signature=signature,
        date=date,
        cash=float(cash),
        positions={s: int(n) for s, n in sorted(positions.items()) if n},
        prev_date=prev,
        prev_closes=prices.closes(prev) if prev else {},
        today_opens=prices.opens(date),
        tradable=tuple(prices.tradable),
        job_id=job_id,
        costs_note=costs_note,
        splits_note=splits_note,
    )
