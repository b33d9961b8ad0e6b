"""The point-in-time read interface over the price store: an immutable in-memory snapshot.

`PriceView.load(store)` reads the universe and every bar once; afterwards every lookup is a dict
access or a bisection. Reload to see new imports. An incomplete (open-only) bar gives an open and
never a close; `last_close` carries the latest close forward for valuation.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..store import Store
from ..store import membership as membership_store
from ..store import prices as price_store
from .calendar import CalendarQueries, TradingCalendar
from .membership import is_member


@dataclass(frozen=True)
class Bar:
    symbol: str
    date: str
    open: float
    high: float | None
    low: float | None
    close: float | None
    volume: int | None

    @property
    def complete(self) -> bool:
        return self.close is not None


class PriceView(CalendarQueries):
    """Immutable snapshot of the price store (universe, bars, trading calendar)."""

    def __init__(
        self,
        bars: list[Bar],
        tradable: tuple[str, ...],
        benchmark: str | None,
        *,
        today: dt.date | None = None,
        membership: Mapping[str, tuple[tuple[str, str | None], ...]] | None = None,
    ):
        self.tradable: tuple[str, ...] = tuple(sorted(tradable))  # every symbol ever tradable (sells, valuation)
        self.benchmark: str | None = benchmark
        # symbol -> (start, end) spans of index membership (market/membership.py); None: the static universe
        self.membership = MappingProxyType(dict(membership)) if membership else None
        self._tradable_on: dict[str, tuple[str, ...]] = {}
        self._today = today
        by_date: dict[str, dict[str, Bar]] = {}
        close_dates: dict[str, list[str]] = {}
        close_values: dict[str, list[float]] = {}
        for b in sorted(bars, key=lambda b: (b.symbol, b.date)):
            by_date.setdefault(b.date, {})[b.symbol] = b
            if b.close is not None:
                close_dates.setdefault(b.symbol, []).append(b.date)
                close_values.setdefault(b.symbol, []).append(b.close)
        self._by_date = MappingProxyType({d: MappingProxyType(m) for d, m in by_date.items()})
        self._close_dates = {s: tuple(v) for s, v in close_dates.items()}
        self._close_values = {s: tuple(v) for s, v in close_values.items()}
        self.calendar = TradingCalendar.from_bar_dates(by_date)
        self._opens: dict[str, dict[str, float]] = {}  # memo of opens()/closes() per date (every model-day's brief)
        self._closes: dict[str, dict[str, float]] = {}

    @classmethod
    def load(cls, store: Store, *, today: dt.date | None = None) -> PriceView:
        """Snapshot the store. With `today`, bars dated after it are left out (nothing from the future)."""
        with store.read() as conn:
            symbols = price_store.list_symbols(conn)
            rows = price_store.all_bars(conn, until=today.isoformat() if today else None)
            members = membership_store.list_membership(conn)
        bars = [Bar(r.symbol, r.date, r.open, r.high, r.low, r.close, r.volume) for r in rows]
        tradable = tuple(s.symbol for s in symbols if s.tradable)
        benchmarks = sorted(s.symbol for s in symbols if s.benchmark)
        spans: dict[str, tuple[tuple[str, str | None], ...]] = {}
        for m in members:
            spans[m.symbol] = (*spans.get(m.symbol, ()), (m.start_date, m.end_date))
        return cls(bars, tradable, benchmarks[0] if benchmarks else None, today=today, membership=spans or None)

    def tradable_on(self, date: str) -> tuple[str, ...]:
        """The tradable set of `date`: with a recorded index membership, its members that day that have a bar that
        day; without one, the static universe (`tradable`)."""
        if self.membership is None:
            return self.tradable
        found = self._tradable_on.get(date)
        if found is None:
            day: Mapping[str, Bar] = self._by_date.get(date, {})
            found = self._tradable_on[date] = tuple(
                s for s in self.tradable if s in day and is_member(self.membership.get(s, ()), date)
            )
        return found

    # prices
    def bar(self, symbol: str, date: str) -> Bar | None:
        day = self._by_date.get(date)
        return day.get(symbol) if day is not None else None

    def open(self, symbol: str, date: str) -> float | None:
        b = self.bar(symbol, date)
        return b.open if b is not None else None

    def close(self, symbol: str, date: str) -> float | None:
        """That day's close; None when there is no bar or it is incomplete (open only)."""
        b = self.bar(symbol, date)
        return b.close if b is not None else None

    def last_close(self, symbol: str, date: str) -> float | None:
        """The latest close on or before `date` (carried forward over gaps, for valuation)."""
        dates = self._close_dates.get(symbol)
        if not dates:
            return None
        i = bisect.bisect_right(dates, date)
        return self._close_values[symbol][i - 1] if i > 0 else None

    def opens(self, date: str) -> dict[str, float]:
        """Opens of the tradable universe on `date` (symbols without a bar are absent)."""
        found = self._opens.get(date)
        if found is None:
            day: Mapping[str, Bar] = self._by_date.get(date, {})
            found = self._opens[date] = {s: day[s].open for s in self.tradable if s in day}
        return dict(found)  # a copy: the caller may change it

    def closes(self, date: str) -> dict[str, float]:
        """Closes of the tradable universe on `date` (no bar or open-only bar: absent)."""
        found = self._closes.get(date)
        if found is None:
            day: Mapping[str, Bar] = self._by_date.get(date, {})
            found = self._closes[date] = {
                s: close for s in self.tradable if s in day and (close := day[s].close) is not None
            }
        return dict(found)  # a copy: the caller may change it

    @property
    def dates(self) -> tuple[str, ...]:
        """Every date that has at least one bar (including non-sessions), sorted."""
        return tuple(sorted(self._by_date))
