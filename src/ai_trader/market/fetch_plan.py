"""Which symbols the downloader fetches, with which `outputsize`, and the catch-up planning calendar.

Needed days. The downloader only stores bars of sessions that have closed: `needed_through(today, now)` is the
last XNYS session on or before `today`, excluding `today` itself before 16:00 America/New_York (early-close days
wait until 16:00 too). For a symbol S and the range [lo, hi] (hi = `end` clamped to that session; lo = `start`,
else S's first stored day, else the store's first trading day, else hi) the needed days are the XNYS sessions in
[lo, hi], except sessions strictly inside the store's own range on which no symbol has a bar (the store says the
exchange had no usable day there). Weekends and holidays are never needed: they are not sessions. A day is present
when S has a complete bar (open-only bars do not count; provisional bars do).

Outputsize: `compact` (the latest 100 bars) when the earliest missing day is among the latest 99 sessions up to
`today`, `full` otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from .alphavantage import COMPACT, FULL
from .calendar import CalendarQueries, TradingCalendar, exchange_sessions

NEW_YORK = ZoneInfo("America/New_York")
CLOSE = dt.time(16, 0)
COMPACT_BARS = 100


def market_today(now: dt.datetime) -> dt.date:
    return now.astimezone(NEW_YORK).date()


def needed_through(today: dt.date, now: dt.datetime) -> str | None:
    """The last XNYS session on or before `today` that has closed at `now` (aware datetime)."""
    sessions = exchange_sessions((today - dt.timedelta(days=14)).isoformat(), today.isoformat())
    if sessions and sessions[-1] == today.isoformat() and now < dt.datetime.combine(today, CLOSE, NEW_YORK):
        sessions.pop()
    return sessions[-1] if sessions else None


@dataclass(frozen=True)
class SymbolNeed:
    symbol: str
    missing: tuple[str, ...]  # needed trading days without a complete bar, sorted
    outputsize: str | None  # None: nothing to fetch

    @property
    def wanted(self) -> bool:
        return bool(self.missing)


def plan_fetch(
    symbols: Iterable[str],
    have: Mapping[str, set[str]],
    store_days: Iterable[str],
    *,
    start: str | None,
    end: str | None,
    through: str | None,
    today: dt.date,
) -> list[SymbolNeed]:
    """`have`: symbol → dates of its complete bars; `store_days`: every date with a bar (any symbol)."""
    calendar = TradingCalendar.from_bar_dates(store_days)
    first, last = (calendar.days[0], calendar.days[-1]) if calendar.days else (None, None)
    hi = min(end, through) if end and through else through
    out = []
    for sym in sorted(set(symbols)):
        dates = have.get(sym, set())
        lo = start or (min(dates) if dates else None) or first or hi
        missing: tuple[str, ...] = ()
        if hi is not None and lo is not None and lo <= hi:
            needed = [
                d
                for d in exchange_sessions(lo, hi)
                if first is None or last is None or not first < d < last or calendar.is_trading_day(d)
            ]
            missing = tuple(d for d in needed if d not in dates)
        out.append(SymbolNeed(sym, missing, outputsize(missing[0], today) if missing else None))
    return out


def outputsize(earliest_missing: str, today: dt.date) -> str:
    span = len(exchange_sessions(earliest_missing, today.isoformat()))
    return COMPACT if span < COMPACT_BARS else FULL


class CatchUpCalendarView(CalendarQueries):
    """A price view whose calendar also holds the XNYS sessions after its last trading day up to `through`, for
    planning a catch-up job before its prices are downloaded (the worker fetches them first). Everything else is
    the wrapped view's (the calendar questions come from `CalendarQueries`; `most_recent_trading_day` defaults to
    the wall clock)."""

    def __init__(self, prices, through: str | None):
        self._prices = prices
        days = list(prices.calendar.days)
        last = days[-1] if days else None
        if through and last is not None and through > last:  # an empty store is not extended: import first
            days += [d for d in exchange_sessions(last, through) if d > last]
        self.calendar = TradingCalendar(days)

    def __getattr__(self, name):
        return getattr(self._prices, name)
