"""The six tools as plain functions over an explicit `ToolEnv` + `ToolContext`.

The context (signature, date, session token) is bound by the service; the model only supplies the arguments.
Every refusal is returned as `{"error": "...", ...}` for the model to read — a tool never raises for bad input.

Point in time (enforced here, not in the prompt):
- `get_price_local` gives the full bar for a trading day before the session day, only the open for the session day
  (high/low/close/volume withheld, with a note), and refuses later dates.
- `get_information` only returns articles published strictly before 09:30 America/New_York on the session day.
- `buy`/`sell` fill at the session day's open.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from typing import Any
from zoneinfo import ZoneInfo

from ..errors import InvalidDate
from ..ledger import rules
from ..store import db
from ..store import events as event_store
from ..timeutil import parse_date
from .book import trade_in_session
from .context import ToolContext, ToolEnv

log = logging.getLogger(__name__)


def _context(ctx: ToolContext) -> dict[str, Any]:
    """job_id/model/date fields for a log line about this session's model-day."""
    return {"job_id": ctx.job_id, "model": ctx.signature, "date": ctx.date}


NEW_YORK = ZoneInfo("America/New_York")
MARKET_OPEN = dt.time(9, 30)
WITHHELD_NOTE = (
    "Only the opening price is known during the session day; high, low, close and volume are withheld "
    "until the day is over."
)


def news_cutoff_utc(date: str) -> str:
    """09:30 America/New_York on `date`, as ISO 8601 UTC with Z (DST-aware)."""
    local = dt.datetime.combine(dt.date.fromisoformat(date), MARKET_OPEN, tzinfo=NEW_YORK)
    return local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def get_price_local(env: ToolEnv, ctx: ToolContext, symbol: Any, date: Any) -> dict[str, Any]:
    prices = env.prices
    if not isinstance(symbol, str) or not symbol.strip():
        return {"error": "symbol must be a ticker string such as 'AAPL'", "symbol": symbol}
    sym = symbol.strip().upper()
    try:
        parse_date(date)
    except InvalidDate as exc:
        return {"error": exc.message, "symbol": sym, "date": date}
    if date > ctx.date:
        return {
            "error": f"{date} is after the session day {ctx.date}; future prices are not available",
            "symbol": sym,
            "date": date,
        }
    if sym not in prices.tradable and sym != prices.benchmark:
        return {"error": f"unknown symbol {sym}", "symbol": sym, "date": date}
    if not prices.is_trading_day(date):
        prev = prices.previous_trading_day(date)
        return {
            "error": f"{date} is not a trading day" + (f"; the previous trading day is {prev}" if prev else ""),
            "symbol": sym,
            "date": date,
        }
    bar = prices.bar(sym, date)
    if bar is None:
        return {"error": f"no price for {sym} on {date}", "symbol": sym, "date": date}
    out: dict[str, Any] = {
        "symbol": sym,
        "date": date,
        "open": bar.open,
        "high": bar.high,
        "low": bar.low,
        "close": bar.close,
        "volume": bar.volume,
    }
    if date == ctx.date:
        out.update(high=None, low=None, close=None, volume=None, note=WITHHELD_NOTE)
    elif bar.close is None:
        out["note"] = "incomplete bar: only the open is recorded for this day"
    if env.actions is not None:
        splits = env.actions.after("split", sym, date, ctx.date)
        dividends = env.actions.after("dividend", sym, date, ctx.date)
    else:
        with env.store.read() as conn:
            splits = event_store.splits_after(conn, sym, date, ctx.date)
            dividends = event_store.dividends_after(conn, sym, date, ctx.date)
    if splits:  # a pre-split price: say so, or the model sees an apparent crash
        factor = math.prod(r for _, r in splits)
        said = ", ".join(f"{r:g}-for-1 effective {d}" for d, r in splits)
        out["split_factor"] = factor
        out["split_note"] = (
            f"pre-split price: {sym} split {said}; divide this day's prices by {factor:g} (and multiply its volume)"
            " to compare them with prices from the split on"
        )
    if dividends:  # a cum-dividend price: the price drops by about the dividend at the ex-date, the cash makes up
        total = sum(a for _, a in dividends)
        said = ", ".join(f"{a:g} per share with ex-date {d}" for d, a in dividends)
        out["dividends"] = [{"ex_date": d, "per_share": a} for d, a in dividends]
        out["dividend_note"] = (
            f"cum-dividend price: {sym} paid a cash dividend of {said}; its price drops by about that amount at the"
            f" ex-date (holders are credited the cash), so subtract {total:g} from this day's prices to compare them"
            " with prices from the ex-date on"
        )
    return out


def _trade(env: ToolEnv, ctx: ToolContext, action: rules.Action, symbol: Any, amount: Any) -> dict[str, Any]:
    try:
        sym = rules.normalize_symbol(symbol)
        n = rules.parse_amount(amount)
        # buy: that day's tradable set (point-in-time index membership); sell: any symbol, so a holding of a symbol
        # that left the index can still be sold
        rules.check_tradable(sym, env.prices.tradable)
        if action == "buy" and sym not in env.prices.tradable_on(ctx.date):
            raise rules.TradeRefused(
                f"{sym} cannot be bought on {ctx.date}: not an index member that day (point-in-time membership)"
                " or no price that day",
                symbol=sym,
            )
        price = rules.fill_price(sym, ctx.date, env.prices.open(sym, ctx.date))
        book, _ = trade_in_session(
            env.store, ctx.token, action, sym, n, price, env.trade_fee, signature=ctx.signature, date=ctx.date
        )
    except rules.TradeRefused as exc:
        return exc.to_error()
    except db.OperationalError as exc:  # e.g. the database stayed locked past the busy timeout
        log.warning("trade could not be written: %s", exc, extra=_context(ctx))
        return {"error": "the ledger is busy right now; try the trade again", "symbol": symbol}
    return book.as_positions()


def buy(env: ToolEnv, ctx: ToolContext, symbol: Any, amount: Any) -> dict[str, Any]:
    return _trade(env, ctx, "buy", symbol, amount)


def sell(env: ToolEnv, ctx: ToolContext, symbol: Any, amount: Any) -> dict[str, Any]:
    return _trade(env, ctx, "sell", symbol, amount)


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _arith(a: Any, b: Any, op: str) -> Any:
    if not (_number(a) and _number(b)):
        return {"error": f"{op} needs two finite numbers, got a={a!r}, b={b!r}"}
    result = a + b if op == "add" else a * b
    if isinstance(result, float) and not math.isfinite(result):
        return {"error": f"{op} overflowed"}
    return result


def add(a: Any, b: Any) -> Any:
    return _arith(a, b, "add")


def multiply(a: Any, b: Any) -> Any:
    return _arith(a, b, "multiply")


def get_information(env: ToolEnv, ctx: ToolContext, query: Any, limit: int = 5) -> str | dict[str, Any]:
    if not isinstance(query, str):
        return {"error": "query must be a string"}
    if env.news is None:
        return "No news available: no news provider is configured."
    cutoff = news_cutoff_utc(ctx.date)
    try:
        articles = env.news.search(query, cutoff, limit)
    except Exception as exc:  # a provider's failure is the model's "no news", not a crash
        log.warning("news search failed: %s", exc, extra=_context(ctx))
        return {"error": f"news search failed: {exc}"}
    if not articles:
        return f"No news found for {query!r} published before {cutoff}."
    blocks = [
        f"Title: {a.get('title', '')}\nTime: {a.get('time_published', '')}\nSource: {a.get('source', '')}\n"
        f"Summary: {a.get('summary', '')}\nURL: {a.get('url', '')}"
        for a in articles
    ]
    return "\n\n".join(blocks)
