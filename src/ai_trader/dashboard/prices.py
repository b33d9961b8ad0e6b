"""Price data for the dashboard that the REST API does not expose: the benchmark line and closes for weights.

Prices come from the service runtime (`app.state.runtime.prices()`, reloaded when the price store changes); an app
without a runtime (a stand-in) gives `app.state.store` or `app.state.settings`, and its snapshot is reloaded at most
every `RELOAD_SECONDS`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ..errors import InvalidDate
from ..ledger.metrics import benchmark_series
from ..market.prices import PriceView
from ..store import Store
from ..timeutil import parse_date

RELOAD_SECONDS = 10.0
_lock = threading.Lock()


def _store(state: Any) -> Store:
    store = getattr(state, "store", None)
    if isinstance(store, Store):
        return store
    own = getattr(state, "dashboard_store", None)
    if own is None:
        settings = getattr(state, "settings", None)
        if settings is None:
            raise RuntimeError("dashboard needs app.state.store or app.state.settings")
        own = state.dashboard_store = Store(settings.store_url)
    return own


def view(app: Any) -> PriceView:
    """The service runtime's price view when there is one, else a snapshot cached for RELOAD_SECONDS."""
    state = app.state
    runtime = getattr(state, "runtime", None)
    if runtime is not None and callable(getattr(runtime, "prices", None)):
        return runtime.prices()
    with _lock:
        cached = getattr(state, "dashboard_prices", None)
        if cached is None or time.monotonic() - cached[1] > RELOAD_SECONDS:
            cached = state.dashboard_prices = (PriceView.load(_store(state)), time.monotonic())
    return cached[0]


def _check_dates(**dates: str) -> None:
    for field, value in dates.items():
        try:
            parse_date(value, field)
        except InvalidDate as e:
            raise ValueError(str(e)) from None


def benchmark_line(prices: PriceView, start: str, end: str, initial: float) -> dict[str, Any]:
    """{"symbol", "start_date", "end_date", "series": [{"date", "value"}]} — `initial` held in the benchmark."""
    _check_dates(start_date=start, end_date=end)
    if start > end:
        raise ValueError(f"start_date {start} is after end_date {end}")
    symbol = prices.benchmark or "QQQ"
    got = benchmark_series(prices, symbol, prices.trading_days(start, end), initial)
    series = [{"date": d, "value": round(v, 2)} for d, v in got[2]] if got else []
    return {"symbol": symbol, "start_date": start, "end_date": end, "series": series}


def closes_on(prices: PriceView, date: str, symbols: list[str]) -> dict[str, Any]:
    """{"date", "closes": {symbol: last close on or before date}} (symbols without any close are left out)."""
    _check_dates(date=date)
    out = {}
    for s in symbols[:500]:
        c = prices.last_close(s, date)
        if c is not None:
            out[s] = c
    return {"date": date, "closes": out}
