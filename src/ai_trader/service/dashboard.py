"""Price data for the dashboard that the REST API's other endpoints do not expose: the benchmark line and closes
for holding weights. Bad input raises `InvalidDate` (400 `invalid_date`, as every endpoint)."""

from __future__ import annotations

from ..errors import InvalidDate
from ..ledger.metrics import benchmark_series
from ..market.prices import PriceView
from ..timeutil import parse_date
from .schemas import BenchmarkLine, Closes, SeriesPoint

MAX_SYMBOLS = 500


def benchmark_line(prices: PriceView, start: str, end: str, initial: float) -> BenchmarkLine:
    """`initial` held in the benchmark from the close before `start`, valued at each trading day's close."""
    parse_date(start, "start_date")
    parse_date(end, "end_date")
    if start > end:
        raise InvalidDate(f"start_date {start} is after end_date {end}", {"field": "start_date"})
    symbol = prices.benchmark or "QQQ"
    got = benchmark_series(prices, symbol, prices.trading_days(start, end), initial)
    series = [SeriesPoint(date=d, value=round(v, 2)) for d, v in got[2]] if got else []
    return BenchmarkLine(symbol=symbol, start_date=start, end_date=end, series=series)


def closes_on(prices: PriceView, date: str, symbols: list[str]) -> Closes:
    """The last close on or before `date` of each symbol (the first MAX_SYMBOLS; symbols without any close are left
    out)."""
    parse_date(date)
    found = {s: c for s in symbols[:MAX_SYMBOLS] if (c := prices.last_close(s, date)) is not None}
    return Closes(date=date, closes=found)
