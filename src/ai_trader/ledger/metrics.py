"""Performance metrics of a daily value series (pure functions).

Input: `initial` (the value before the first day: initial cash, or the previous committed value when the range starts
later) and `values` = [(date, end-of-day value)] for n trading days, oldest first. Daily returns
r_i = v_i / v_{i-1} - 1 with v_0 = initial.

- cumulative_return   R = v_n / initial - 1
- annualized_return   (1 + R) ** (252 / n) - 1
- volatility          sample stdev(r) * sqrt(252)                          (None when n < 2)
- sharpe              mean(r - rf_d) / sample stdev(r) * sqrt(252),  rf_d = risk_free_rate / 252
                                                                           (None when n < 2 or stdev = 0)
- sortino             mean(r - rf_d) / DD * sqrt(252),  DD = sqrt(sum(min(0, r_i - rf_d)^2) / n)
                                                                           (None when DD = 0)
- max_drawdown        min over t of (v_t / max_{s<=t} v_s - 1), a fraction <= 0 (the initial value counts as a
                      peak, dated `start_date`); with `peak_date` and `trough_date` (None when there is no drawdown)
- calmar              annualized_return / |max_drawdown|                   (None when max_drawdown = 0)
- win_rate            (number of days with r_i > 0) / n
- trades              number of trades in the range (given)
All returns are fractions (0.05 = 5%), not percentages.

Benchmark (`benchmark_series`): buy-and-hold of one symbol (QQQ) over the same days, close to close: it is bought at
the close of the trading day before the first day (so the first day's return is close/previous close - 1 like the
signatures' first-day mark to market) and valued at each day's close (last earlier close when a day has none).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..market.prices import PriceView

TRADING_DAYS = 252


@dataclass(frozen=True)
class Metrics:
    days: int
    start_value: float
    end_value: float
    cumulative_return: float
    annualized_return: float | None
    volatility: float | None
    sharpe: float | None
    sortino: float | None
    max_drawdown: float
    max_drawdown_peak_date: str | None
    max_drawdown_trough_date: str | None
    calmar: float | None
    win_rate: float | None
    trades: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def daily_returns(initial: float, values: Sequence[float]) -> list[float]:
    out, prev = [], initial
    for v in values:
        out.append(v / prev - 1 if prev else 0.0)
        prev = v
    return out


def max_drawdown(initial: float, values: Sequence[tuple[str, float]], start_date: str | None = None):
    """(drawdown <= 0, peak_date, trough_date)."""
    peak, peak_date = initial, start_date
    worst, worst_peak, worst_trough = 0.0, None, None
    for date, v in values:
        if v > peak:
            peak, peak_date = v, date
        dd = v / peak - 1 if peak else 0.0
        if dd < worst:
            worst, worst_peak, worst_trough = dd, peak_date, date
    return worst, worst_peak, worst_trough


def compute_metrics(
    values: Sequence[tuple[str, float]],
    initial: float,
    *,
    trades: int = 0,
    risk_free_rate: float = 0.0,
    start_date: str | None = None,
) -> Metrics:
    n = len(values)
    series = [v for _, v in values]
    end = series[-1] if series else initial
    cum = end / initial - 1 if initial else 0.0
    r = daily_returns(initial, series)
    ann = (1 + cum) ** (TRADING_DAYS / n) - 1 if n and cum > -1 else None
    rf_d = risk_free_rate / TRADING_DAYS
    excess = [x - rf_d for x in r]
    sd = statistics.stdev(r) if n >= 2 else None
    vol = sd * math.sqrt(TRADING_DAYS) if sd is not None else None
    sharpe = statistics.fmean(excess) / sd * math.sqrt(TRADING_DAYS) if sd else None
    down = math.sqrt(sum(min(0.0, x) ** 2 for x in excess) / n) if n else 0.0
    sortino = statistics.fmean(excess) / down * math.sqrt(TRADING_DAYS) if down else None
    dd, peak_d, trough_d = max_drawdown(initial, values, start_date)
    calmar = ann / abs(dd) if dd and ann is not None else None
    win = sum(1 for x in r if x > 0) / n if n else None
    return Metrics(
        days=n,
        start_value=initial,
        end_value=end,
        cumulative_return=cum,
        annualized_return=ann,
        volatility=vol,
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown=dd,
        max_drawdown_peak_date=peak_d,
        max_drawdown_trough_date=trough_d,
        calmar=calmar,
        win_rate=win,
        trades=trades,
    )


def benchmark_series(prices: PriceView, symbol: str, days: Sequence[str], initial: float):
    """(start_date, start_value, [(day, value)]) of `initial` held in `symbol` from the close before days[0].

    Fractional holding (value = initial * close_t / close_0): the benchmark is an index line, not a portfolio.
    Falls back to the first day's open as the entry price when there is no earlier close, and, when the symbol
    has no bar at all on the first days (QQQ lacks 2025-06-02 in the shared file), to its first close inside the
    range: the line stays flat at `initial` until then. None if the symbol is unpriced over the whole range.
    """
    if not days:
        return None
    prev = prices.previous_trading_day(days[0])
    entry = prices.last_close(symbol, prev) if prev else None
    if entry is None:
        prev, entry = None, prices.open(symbol, days[0])
    if not entry:
        entry = next((c for c in (prices.close(symbol, d) for d in days) if c), None)
    if not entry:
        return None
    out: list[tuple[str, float]] = []
    for d in days:
        c = prices.last_close(symbol, d)
        out.append((d, initial * (c / entry) if c is not None else (out[-1][1] if out else initial)))
    return prev, initial, out


def benchmark_buy_and_hold(
    prices: PriceView, symbol: str, days: Sequence[str], initial: float, *, risk_free_rate: float = 0.0
) -> Metrics | None:
    """Metrics of `benchmark_series` (trades = 1: the single buy)."""
    got = benchmark_series(prices, symbol, days, initial)
    if got is None:
        return None
    start, init, series = got
    return compute_metrics(series, init, trades=1, risk_free_rate=risk_free_rate, start_date=start)
