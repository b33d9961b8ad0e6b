"""The continuity rule (quality.md invariant 3) checked on a real database, independently of the executor: a
signature's ledger replays from its initial cash, its trades and each day's opens to exactly its stored snapshots,
day after day, and its committed days leave no trading day out between its first and last one except the
carried-over gaps the caller says the spec allowed. Also: its position.jsonl is what the database says."""

from __future__ import annotations

import json
from collections.abc import Set
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from ai_trader import exports
from ai_trader.market.prices import PriceView
from ai_trader.store import Store, ledger
from ai_trader.store import events as event_store

CENT = Decimal("0.01")


def _cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_EVEN)


def _value(prices: PriceView, date: str, cash: Decimal, positions: dict[str, int]) -> Decimal:
    total = cash
    for symbol, shares in positions.items():
        price = prices.last_close(symbol, date)
        if price is None:
            price = prices.open(symbol, date)
        total += Decimal(str(price)) * shares
    return _cents(total)


def ledger_problems(
    store: Store, prices: PriceView, signature: str, allowed_gaps: Set[tuple[str, str]] = frozenset()
) -> list[str]:
    """Every way the signature's committed ledger breaks the continuity rule (empty: it holds). `allowed_gaps`:
    pairs (last day before, first day after) of carried-over gaps the spec allows."""
    problems: list[str] = []
    with store.read() as conn:
        days = ledger.model_days(conn, signature)
        trades = ledger.trades_for(conn, [d.id for d in days])
        events = event_store.events_for(conn, [d.id for d in days])
    if not days:
        return problems
    cash, held = Decimal(str(days[0].initial_cash)), dict[str, int]()
    prev: ledger.ModelDayRow | None = None
    calendar = prices.trading_days(days[0].date, days[-1].date)
    for day in days:
        where = f"{signature} {day.date}"
        if not prices.is_trading_day(day.date):
            problems.append(f"{where}: not a trading day")
        if prev is not None:
            between = [d for d in calendar if prev.date < d < day.date]
            if between and (prev.date, day.date) not in allowed_gaps:
                problems.append(f"{where}: gap of {len(between)} trading day(s) after {prev.date}")
        for e in events[day.id]:  # splits applied before the session: floor(n x ratio) shares, remainder in cash
            if e.shares_before != held.get(e.symbol) or e.shares_after != int(e.shares_before * Decimal(str(e.ratio))):
                problems.append(f"{where}: split {e} does not follow from holding {held.get(e.symbol)}")
            held = {**held, e.symbol: e.shares_after}
            cash = _cents(cash + Decimal(str(e.cash)))
        for t in trades[day.id]:
            price = Decimal(str(prices.open(t.symbol, day.date)))
            if Decimal(str(t.price)) != price:
                problems.append(f"{where} #{t.seq}: filled {t.symbol} at {t.price}, the open is {price}")
            total = price * t.amount
            fee = Decimal(str(t.fee))
            if t.action == "buy":
                cash = _cents(cash - total - fee)
                held[t.symbol] = held.get(t.symbol, 0) + t.amount
            else:
                cash = _cents(cash + total - fee)
                held[t.symbol] = held.get(t.symbol, 0) - t.amount
            if held[t.symbol] < 0 or cash < 0:
                problems.append(f"{where} #{t.seq}: {t.action} {t.amount} {t.symbol} leaves cash {cash}, {held}")
            if Decimal(str(t.cash_after)) != cash:
                problems.append(f"{where} #{t.seq}: cash after is {t.cash_after}, the replay gives {cash}")
            held = {s: n for s, n in held.items() if n}
        if Decimal(str(day.cash)) != cash or {s: n for s, n in day.positions.items() if n} != held:
            problems.append(f"{where}: snapshot {day.cash} {day.positions}, the replay gives {cash} {held}")
        value = _value(prices, day.date, cash, held)
        if Decimal(str(day.portfolio_value)) != value:
            problems.append(f"{where}: value {day.portfolio_value}, the replay gives {value}")
        before = _previous_value(prices, day, prev)
        if Decimal(str(day.profit)) != value - before:
            problems.append(f"{where}: profit {day.profit}, the replay gives {value - before}")
        # the next day starts from this snapshot: continue the replay from what was stored
        cash, held, prev = Decimal(str(day.cash)), {s: n for s, n in day.positions.items() if n}, day
    return problems


def _previous_value(prices: PriceView, day: ledger.ModelDayRow, prev: ledger.ModelDayRow | None) -> Decimal:
    if prev is None:
        return Decimal(str(day.initial_cash))
    prev_trading_day = prices.previous_trading_day(day.date)
    if prev_trading_day is None or prev.date >= prev_trading_day:
        return Decimal(str(prev.portfolio_value))
    return _value(prices, prev_trading_day, Decimal(str(prev.cash)), dict(prev.positions))


def export_problems(store: Store, agent_data_dir: Path, signature: str) -> list[str]:
    """The exported position.jsonl must be what the database says (the lines `ai-trader export` writes), and no
    log.jsonl may remain for a day that is not committed."""
    problems: list[str] = []
    with store.read() as conn:
        days = ledger.model_days(conn, signature)
        trades = ledger.trades_for(conn, [d.id for d in days])
        events = event_store.events_for(conn, [d.id for d in days])  # splits applied to holdings
    path = exports.position_path(agent_data_dir, signature)
    written = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    if written != exports.position_lines(days, trades, events):
        dates = sorted({x["date"] for x in written})
        problems.append(f"{signature}: position.jsonl ({len(written)} lines, {dates[:1]}..{dates[-1:]}) is stale")
    log_dir = Path(agent_data_dir) / signature / "log"
    logged = {p.parent.name for p in log_dir.glob("*/log.jsonl")} if log_dir.exists() else set()
    stale = sorted(logged - {d.date for d in days})
    if stale:
        problems.append(f"{signature}: log.jsonl of days no longer committed: {', '.join(stale)}")
    return problems
