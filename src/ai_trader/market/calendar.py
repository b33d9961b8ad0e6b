"""Trading calendar: a trading day is an XNYS session (exchange_calendars) for which the store has bars.

"Previous trading day" and "most recent trading day" come from this calendar, never from `date - 1`.
Building the exchange calendar is slow (~0.2 s), so it is built once per process and cached.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import logging
import warnings
from collections.abc import Iterable

import exchange_calendars as xcals

log = logging.getLogger(__name__)

EXCHANGE = "XNYS"
_DEFAULT_FIRST = "1990-01-01"


@functools.lru_cache(maxsize=4)
def _exchange(first: str) -> xcals.ExchangeCalendar:
    with warnings.catch_warnings():  # exchange_calendars 4.13 under pandas 3.1: a deprecation inside the library
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        return xcals.get_calendar(EXCHANGE, start=first)


def exchange_sessions(start: str, end: str) -> list[str]:
    """XNYS sessions between two ISO dates (inclusive), as sorted ISO strings."""
    if start > end:
        return []
    first = min(_DEFAULT_FIRST, start[:4] + "-01-01")
    cal = _exchange(first)
    last = cal.last_session.strftime("%Y-%m-%d")
    if start > last:
        log.warning("dates after %s are beyond the %s calendar; they are not trading days", last, EXCHANGE)
        return []
    if end > last:
        log.warning("dates after %s are beyond the %s calendar; they are not trading days", last, EXCHANGE)
        end = last
    return list(cal.sessions_in_range(start, end).strftime("%Y-%m-%d"))


class TradingCalendar:
    """Sorted trading days (XNYS sessions that have bars); lookups by bisection."""

    def __init__(self, days: Iterable[str]):
        self.days: tuple[str, ...] = tuple(sorted(set(days)))
        self._set = frozenset(self.days)

    @classmethod
    def from_bar_dates(cls, dates: Iterable[str]) -> TradingCalendar:
        """Keep the dates (with bars) that are exchange sessions."""
        dates = set(dates)
        if not dates:
            return cls(())
        sessions = exchange_sessions(min(dates), max(dates))
        return cls(dates.intersection(sessions))

    def trading_days(self, start: str | None = None, end: str | None = None) -> list[str]:
        lo = 0 if start is None else bisect.bisect_left(self.days, start)
        hi = len(self.days) if end is None else bisect.bisect_right(self.days, end)
        return list(self.days[lo:hi])

    def is_trading_day(self, date: str) -> bool:
        return date in self._set

    def previous_trading_day(self, date: str) -> str | None:
        i = bisect.bisect_left(self.days, date)
        return self.days[i - 1] if i > 0 else None

    def next_trading_day(self, date: str) -> str | None:
        i = bisect.bisect_right(self.days, date)
        return self.days[i] if i < len(self.days) else None

    def most_recent_trading_day(self, today: dt.date | str) -> str | None:
        """The last trading day on or before `today`."""
        key = today if isinstance(today, str) else today.isoformat()
        i = bisect.bisect_right(self.days, key)
        return self.days[i - 1] if i > 0 else None


class CalendarQueries:
    """The trading-day questions of a price view, answered by its `calendar`. `most_recent_trading_day` defaults
    to the view's `_today` (its snapshot date), else the wall clock."""

    calendar: TradingCalendar
    _today: dt.date | None = None

    def trading_days(self, start: str | None = None, end: str | None = None) -> list[str]:
        """XNYS sessions that have bars, sorted, inclusive of both ends."""
        return self.calendar.trading_days(start, end)

    def is_trading_day(self, date: str) -> bool:
        return self.calendar.is_trading_day(date)

    def previous_trading_day(self, date: str) -> str | None:
        """The trading day strictly before `date` (which need not be a trading day)."""
        return self.calendar.previous_trading_day(date)

    def next_trading_day(self, date: str) -> str | None:
        """The trading day strictly after `date`."""
        return self.calendar.next_trading_day(date)

    def most_recent_trading_day(self, today: dt.date | None = None) -> str | None:
        """The last trading day on or before `today` (default: the snapshot's today, else the wall clock)."""
        return self.calendar.most_recent_trading_day(today or self._today or dt.date.today())
