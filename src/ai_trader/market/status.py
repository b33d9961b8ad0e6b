"""Coverage of the price store: per symbol first/last date, rows, incomplete and provisional bars,
gaps against the trading calendar, the trading-day count and suspected splits.

A gap is a run of consecutive trading days, within the store's overall trading-day range, on which a
symbol has no bar (trading day = XNYS session with at least one bar of any symbol).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from ..settings import Settings
from ..store import Store
from ..store import budget as budget_store
from ..store import membership as membership_store
from ..store import prices as price_store
from ..store import sources as source_store
from ..store.sources import ActionRow, SourceRow
from .calendar import TradingCalendar
from .fetch_plan import market_today
from .membership import is_member
from .validation import SplitWarning, suspected_splits


@dataclass(frozen=True)
class Gap:
    start: str
    end: str
    days: int


@dataclass(frozen=True)
class SymbolStatus:
    symbol: str
    tradable: bool
    benchmark: bool
    first_date: str | None
    last_date: str | None
    rows: int
    incomplete: int
    provisional: int
    missing_days: int
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class DataStatus:
    symbols: tuple[SymbolStatus, ...]
    total_bars: int
    trading_days: int
    first_trading_day: str | None
    last_trading_day: str | None
    splits: tuple[SplitWarning, ...]
    sources: tuple[SourceRow, ...] = ()
    corporate_actions: tuple[ActionRow, ...] = ()
    # the imported index membership (market/membership.py): source, symbols, spans and the tradable set of the
    # last trading day (members with a bar that day); None: the static universe every day
    membership: dict | None = None

    def recorded(self, warning: SplitWarning) -> ActionRow | None:
        """The recorded corporate action that explains a suspected split, if any."""
        return next(
            (a for a in self.corporate_actions if a.symbol == warning.symbol and a.effective_date == warning.date), None
        )

    @property
    def provisional(self) -> int:
        """Bars marked provisional (a download's newest bar, replaced by the next download)."""
        return sum(s.provisional for s in self.symbols)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["provisional_bars"] = self.provisional
        d["splits"] = [
            dict(
                asdict(w),
                move=round(w.move, 4),
                message=w.message(),
                recorded_action=asdict(a) if (a := self.recorded(w)) else None,
            )
            for w in self.splits
        ]
        return json.loads(json.dumps(d))  # plain JSON types (lists, not tuples)


def data_status(store: Store) -> DataStatus:
    with store.read() as conn:
        universe = {s.symbol: s for s in price_store.list_symbols(conn)}
        cover = {c.symbol: c for c in price_store.coverage(conn)}
        dates = price_store.dates_by_symbol(conn)
        bars = [(r.symbol, r.date, r.open, r.close) for r in price_store.all_bars(conn)]
        total = price_store.count_bars(conn)
        sources = tuple(source_store.list_sources(conn))
        actions = tuple(source_store.list_actions(conn))
        members = membership_store.list_membership(conn)
    calendar = TradingCalendar.from_bar_dates(d for ds in dates.values() for d in ds)
    days = calendar.days
    out = []
    for sym in sorted(set(universe) | set(cover)):
        u, c = universe.get(sym), cover.get(sym)
        gaps = _gaps(days, dates.get(sym, set()))
        out.append(
            SymbolStatus(
                sym,
                bool(u and u.tradable),
                bool(u and u.benchmark),
                c.first_date if c else None,
                c.last_date if c else None,
                c.rows if c else 0,
                c.incomplete if c else 0,
                c.provisional if c else 0,
                sum(g.days for g in gaps),
                tuple(gaps),
            )
        )
    return DataStatus(
        tuple(out),
        total,
        len(days),
        days[0] if days else None,
        days[-1] if days else None,
        tuple(suspected_splits(bars)),
        sources,
        actions,
        _membership(members, universe, dates, days[-1] if days else None),
    )


def _membership(
    members: list[membership_store.MemberRow], universe: dict, dates: dict[str, set[str]], last: str | None
) -> dict | None:
    if not members:
        return None
    spans: dict[str, tuple[tuple[str, str | None], ...]] = {}
    for m in members:
        spans[m.symbol] = (*spans.get(m.symbol, ()), (m.start_date, m.end_date))
    tradable = sorted(
        s
        for s, sp in spans.items()
        if last and is_member(sp, last) and s in universe and universe[s].tradable and last in dates.get(s, ())
    )
    return {
        "source": members[0].source,
        "symbols": len(spans),
        "spans": len(members),
        "last_trading_day": last,
        "tradable_on_last_day": tradable,
    }


def _gaps(days: tuple[str, ...], have: set[str]) -> list[Gap]:
    gaps: list[Gap] = []
    start = None
    for i, d in enumerate(days):
        if d not in have:
            if start is None:
                start = i
        elif start is not None:
            gaps.append(Gap(days[start], days[i - 1], i - start))
            start = None
    if start is not None:
        gaps.append(Gap(days[start], days[-1], len(days) - start))
    return gaps


@dataclass(frozen=True)
class BudgetStatus:
    """Alpha Vantage requests used on the budget day (America/New_York date) against the configured limits."""

    day: str
    used: int
    per_day: int
    per_minute: int
    key_configured: bool
    auto_download: bool

    def to_dict(self) -> dict:
        return asdict(self)


def budget_status(store: Store, settings: Settings, *, now: dt.datetime | None = None) -> BudgetStatus:
    day = market_today(now or dt.datetime.now(dt.UTC)).isoformat()
    with store.read() as conn:
        used = budget_store.used_on(conn, day)
    return BudgetStatus(
        day,
        used,
        settings.av_requests_per_day,
        settings.av_requests_per_minute,
        bool(settings.alphaadvantage_api_key),
        settings.auto_download_price_data,
    )
