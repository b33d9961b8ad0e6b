"""Baseline competitors: fixed strategies that trade through the same Toolbox an LLM gets (no LLM, no network).

- `equal_weight` — buy and hold. On a day that starts with no holdings it spends the cash equally over the tradable
  symbols that have an open today: for each symbol in sorted order `floor(cash / N / open)` shares, with `cash` the
  start-of-day cash and N the number of such symbols (exact decimal arithmetic). Afterwards it holds.
- `momentum` — weekly rotation. On the first trading day of each ISO week (and on any day it holds nothing) it
  ranks the universe by trailing return `close(t-1) / close(t-1-lookback) - 1`, computed only from
  `get_price_local` bars of earlier trading days (at least `min_history` days of history, else it waits), keeps the
  `top_k` best (ties by symbol), sells everything else, trims overweight targets, then buys each target up to
  `floor(value / top_k / open)` shares, value = cash + holdings at today's opens.
- `cash` — never trades.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from decimal import Decimal
from typing import Any

from .base import DayBrief, SessionResult, Toolbox

STRATEGIES = ("equal_weight", "momentum", "cash")  # the names a config's baseline entry may give


class _Counting:
    """Counts tool calls for the session record's tool_usage."""

    def __init__(self, tools: Toolbox):
        self.tools = tools
        self.usage: Counter[str] = Counter()
        self.trades: list[str] = []

    async def call(self, name: str, **arguments: Any) -> Any:
        self.usage[name] += 1
        result = await self.tools.call(name, arguments)
        if name in ("buy", "sell") and isinstance(result, dict) and "error" not in result:
            self.trades.append(f"{name} {arguments['amount']} {arguments['symbol']}")
        return result

    async def open_price(self, symbol: str, date: str) -> float | None:
        bar = await self.call("get_price_local", symbol=symbol, date=date)
        return bar.get("open") if isinstance(bar, dict) and "error" not in bar else None

    async def close_price(self, symbol: str, date: str) -> float | None:
        bar = await self.call("get_price_local", symbol=symbol, date=date)
        return bar.get("close") if isinstance(bar, dict) and "error" not in bar else None


def _result(strategy: str, c: _Counting, summary: str) -> SessionResult:
    if c.trades:
        summary += " Trades: " + ", ".join(c.trades) + "."
    return SessionResult(
        provider="baseline",
        basemodel=f"baseline/{strategy}",
        cost_source="none",  # no model, no inference
        total_steps=0,
        stop_signal_received=True,
        reasoning_summary=summary,
        tool_usage=dict(c.usage),
        messages=[{"role": "assistant", "content": summary + " <FINISH_SIGNAL>"}],
    )


def _shares(budget: Decimal, price: float) -> int:
    return max(0, math.floor(budget / Decimal(str(price))))


def _cash_after(result: Any, cash: Decimal) -> Decimal:
    ok = isinstance(result, dict) and "error" not in result and "CASH" in result
    return Decimal(str(result["CASH"])) if ok else cash


class EqualWeight:
    provider = "baseline"
    strategy = "equal_weight"

    async def run_day(self, brief: DayBrief, tools: Toolbox) -> SessionResult:
        c = _Counting(tools)
        if brief.positions:
            return _result(self.strategy, c, "Equal-weight buy-and-hold: holding.")
        opens = {s: p for s in brief.tradable if (p := await c.open_price(s, brief.date))}
        if not opens:
            return _result(self.strategy, c, "Equal-weight: no opening prices today; staying in cash.")
        budget = Decimal(str(brief.cash)) / len(opens)
        for sym in sorted(opens):
            n = _shares(budget, opens[sym])
            if n > 0:
                await c.call("buy", symbol=sym, amount=n)
        return _result(self.strategy, c, f"Equal-weight: spread the cash over {len(opens)} symbols.")


class Momentum:
    provider = "baseline"
    strategy = "momentum"

    def __init__(self, top_k: int = 5, lookback: int = 20, min_history: int = 5):
        if top_k < 1 or lookback < 1 or not 1 <= min_history <= lookback:
            raise ValueError("momentum needs top_k >= 1 and 1 <= min_history <= lookback")
        self.top_k, self.lookback, self.min_history = top_k, lookback, min_history

    async def _history(self, c: _Counting, probe: str, prev_date: str) -> list[str]:
        """Up to lookback+1 trading days up to `prev_date`, newest first, found by probing `probe`'s prices."""
        days: list[str] = []
        gap = 0
        d = dt.date.fromisoformat(prev_date)
        while len(days) <= self.lookback and gap < 10:
            if await c.close_price(probe, d.isoformat()) is not None:
                days.append(d.isoformat())
                gap = 0
            else:
                gap += 1
            d -= dt.timedelta(days=1)
        return days

    async def run_day(self, brief: DayBrief, tools: Toolbox) -> SessionResult:
        c = _Counting(tools)
        if not brief.tradable or brief.prev_date is None:
            return _result(self.strategy, c, "Momentum: no history yet; waiting.")
        weekly = (
            dt.date.fromisoformat(brief.prev_date).isocalendar()[:2]
            != dt.date.fromisoformat(brief.date).isocalendar()[:2]
        )
        if brief.positions and not weekly:
            return _result(self.strategy, c, "Momentum: not a rebalance day; holding.")
        days = await self._history(c, brief.tradable[0], brief.prev_date)
        if len(days) - 1 < self.min_history:
            return _result(self.strategy, c, f"Momentum: only {len(days)} days of history; waiting.")
        scores = {}
        for s in brief.tradable:
            last, first = await c.close_price(s, days[0]), await c.close_price(s, days[-1])
            if last and first:
                scores[s] = last / first - 1
        target = sorted(scores, key=lambda s: (-scores[s], s))[: self.top_k]
        if not target:
            return _result(self.strategy, c, "Momentum: no symbol has prices to rank; holding.")
        opens = {s: p for s in sorted(set(target) | set(brief.positions)) if (p := await c.open_price(s, brief.date))}
        value = Decimal(str(brief.cash)) + sum(
            Decimal(str(opens[s])) * n for s, n in brief.positions.items() if s in opens
        )
        want = {s: _shares(value / len(target), opens[s]) for s in target if s in opens}
        cash = Decimal(str(brief.cash))
        for s, held in sorted(brief.positions.items()):
            extra = held - want.get(s, 0) if s in opens else 0
            if extra > 0:
                cash = _cash_after(await c.call("sell", symbol=s, amount=extra), cash)
        for s in target:
            need = min(want.get(s, 0) - brief.positions.get(s, 0), _shares(cash, opens[s]) if s in opens else 0)
            if need > 0:
                cash = _cash_after(await c.call("buy", symbol=s, amount=need), cash)
        days_used = len(days) - 1
        return _result(
            self.strategy,
            c,
            f"Momentum: holding the top {len(target)} by {days_used}-day return ({', '.join(target)}).",
        )


class AllCash:
    provider = "baseline"
    strategy = "cash"

    async def run_day(self, brief: DayBrief, tools: Toolbox) -> SessionResult:
        return _result(self.strategy, _Counting(tools), "All cash: no trades.")


def build_baseline(strategy: str, **params: Any):
    """The baseline competitor named `strategy`; ValueError for an unknown one."""
    kinds = dict(zip(STRATEGIES, (EqualWeight, Momentum, AllCash), strict=True))
    if strategy not in kinds:
        raise ValueError(f"unknown baseline strategy {strategy!r} (known: {', '.join(kinds)})")
    return kinds[strategy](**params)
