"""Trade rules: pure functions from (book, order, price) to (new book, fill) or a refusal.

Rules (engine.md "Ledger and trade rules"):
- `amount` is a positive whole number of shares. Accepted: an `int` (not `bool`), an integral float (`5.0`, because
  JSON producers sometimes emit it) and a string of decimal digits (`"5"`, because models sometimes quote numbers).
  Refused: `bool`, a float with a fraction, NaN/inf, zero, negatives, any other string, anything else, and amounts
  above `MAX_AMOUNT` (no real order is that large and it keeps the arithmetic exact).
- The symbol must be in the tradable universe (the benchmark QQQ is not); the fill price is the day's open, and a
  symbol without an open that day cannot be traded.
- Buy: `cash >= amount * price + fee` against the running intraday book, so no sequence of buys can take cash
  below zero. Sell: `shares >= amount` (no shorting) and `cash + amount * price - fee >= 0`. Sell proceeds are in
  the book at once, so a later buy the same day can use them.
- Money arithmetic is exact: prices enter as `Decimal(str(price))` (the shortest repr of the float, i.e. the
  decimal the data file gave), and cash is rounded to cents (ROUND_HALF_EVEN) after each trade. The affordability
  check uses the exact cost, before rounding.
- `fee` is a flat amount per trade (default 0, TRADE_FEE), charged on buys and sells.
- Trading costs (`Costs`, from the config's `agent_config`; all 0 by default, which is the frictionless engine):
  with `s = slippage_bps / 10000`, the fill price is `open * (1 + s)` for a buy and `open * (1 - s)` for a sell
  (against the trader); `price` stays the open and `total = amount * open`; `slippage = amount * open * s` (money,
  >= 0); `commission = max(commission_min, amount * fill_price * commission_bps / 10000)` (0 when both are 0).
  A buy needs `cash >= total + slippage + commission + fee` and takes that from cash; a sell adds
  `total - slippage - commission - fee` and is refused if that would leave cash below zero. Slippage and commission
  are recorded exact (not rounded); only the resulting cash is rounded to cents.
A refusal raises `TradeRefused` (message + details); the tool layer turns it into `{"error": ..., ...}`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Literal

from ..store.sessions import StagedTrade

MAX_AMOUNT = 10**9
CENT = Decimal("0.01")
_DIGITS = re.compile(r"^\s*\+?\d+\s*$")

Action = Literal["buy", "sell"]


class TradeRefused(Exception):
    """The order breaks a trade rule; nothing changed."""

    def __init__(self, message: str, **details: Any):
        super().__init__(message)
        self.message = message
        self.details = details

    def to_error(self) -> dict[str, Any]:
        return {"error": self.message, **self.details}


@dataclass(frozen=True)
class Book:
    """An intraday (or end-of-day) position: cash and whole-share holdings (zero holdings omitted)."""

    cash: float
    positions: dict[str, int] = field(default_factory=dict)

    def as_positions(self) -> dict[str, Any]:
        """The tool/export shape: `{SYM: shares, ..., "CASH": x}`."""
        return {**dict(sorted(self.positions.items())), "CASH": self.cash}


@dataclass(frozen=True)
class Costs:
    """Per-trade costs beyond the flat fee (agent_config; see the module docstring). Zero: frictionless."""

    commission_bps: float = 0.0
    commission_min: float = 0.0
    slippage_bps: float = 0.0

    @property
    def zero(self) -> bool:
        return not (self.commission_bps or self.commission_min or self.slippage_bps)

    def describe(self, fee: float = 0.0) -> str:
        """The prompt's words for these costs ('' when there are none)."""
        parts = []
        if self.slippage_bps:
            parts.append(
                f"buys fill {self.slippage_bps:g} bps above the open and sells {self.slippage_bps:g} bps below"
            )
        if self.commission_bps or self.commission_min:
            minimum = f" (at least {self.commission_min:g})" if self.commission_min else ""
            parts.append(f"each trade pays a commission of {self.commission_bps:g} bps of its value{minimum}")
        if fee:
            parts.append(f"each trade pays a flat fee of {fee:g}")
        return "; ".join(parts)


NO_COSTS = Costs()


Fill = StagedTrade  # a filled order: the row it is staged as in the live session, defined once in store/sessions.py


def money(x: float | Decimal | int) -> Decimal:
    """A float/int as the Decimal it was written as (`0.1` -> Decimal('0.1'), not its binary expansion)."""
    return x if isinstance(x, Decimal) else Decimal(str(x))


def to_cents(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_EVEN)


def parse_amount(value: Any) -> int:
    """A share count from what the model sent, or TradeRefused (see module docstring)."""
    if isinstance(value, bool):
        raise TradeRefused("amount must be a positive whole number of shares, not a boolean", amount=value)
    if isinstance(value, int):
        n = value
    elif isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise TradeRefused("amount must be a whole number of shares (no fractions)", amount=value)
        n = int(value)
    elif isinstance(value, str) and _DIGITS.match(value):
        n = int(value)
    else:
        raise TradeRefused("amount must be a positive whole number of shares", amount=value)
    if n <= 0:
        raise TradeRefused("amount must be a positive whole number of shares (at least 1)", amount=value)
    if n > MAX_AMOUNT:
        raise TradeRefused(f"amount must be at most {MAX_AMOUNT} shares", amount=value)
    return n


def normalize_symbol(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TradeRefused("symbol must be a ticker string such as 'AAPL'", symbol=value)
    return value.strip().upper()


def check_tradable(symbol: str, tradable: tuple[str, ...] | frozenset[str] | set[str]) -> None:
    if symbol not in tradable:
        raise TradeRefused(f"{symbol} is not in the tradable universe", symbol=symbol)


def fill_price(symbol: str, date: str, open_price: float | None) -> float:
    if open_price is None or not (open_price > 0):
        raise TradeRefused(
            f"no opening price for {symbol} on {date}; it cannot be traded today", symbol=symbol, date=date
        )
    return float(open_price)


def apply_trade(
    book: Book, action: Action, symbol: str, amount: int, price: float, fee: float = 0.0, costs: Costs = NO_COSTS
) -> tuple[Book, Fill]:
    """The book after one order at the open `price` (moved by slippage), and the fill; TradeRefused if a rule
    forbids it."""
    if action not in ("buy", "sell"):
        raise TradeRefused(f"unknown action {action!r}", symbol=symbol)
    cash, p = money(book.cash), money(price)
    total = p * amount
    s = money(costs.slippage_bps) / 10000
    fill_p = p * (1 + s) if action == "buy" else p * (1 - s)
    slip = total * s
    commission = max(money(costs.commission_min), fill_p * amount * money(costs.commission_bps) / 10000)
    f = money(fee) + slip + commission  # every cost of this trade
    held = book.positions.get(symbol, 0)
    if action == "buy":
        need = total + f
        if cash < need:
            raise TradeRefused(
                f"insufficient cash: buying {amount} {symbol} at {price} needs {float(need):.2f}, "
                f"cash is {float(cash):.2f}",
                symbol=symbol,
                amount=amount,
                price=price,
                cash=float(cash),
                required=float(need),
            )
        new_cash, new_held = to_cents(cash - need), held + amount
    else:
        if held < amount:
            raise TradeRefused(
                f"insufficient shares: selling {amount} {symbol} but holding {held}",
                symbol=symbol,
                amount=amount,
                held=held,
            )
        if cash + total < f:
            what = "the trade fee" if costs.zero else "the trade's costs (fee, commission, slippage)"
            raise TradeRefused(
                f"{what} exceeds cash plus proceeds", symbol=symbol, amount=amount, fee=fee, costs=float(f)
            )
        new_cash, new_held = to_cents(cash + total - f), held - amount
    positions = dict(book.positions)
    if new_held:
        positions[symbol] = new_held
    else:
        positions.pop(symbol, None)
    fill = Fill(
        action,
        symbol,
        amount,
        float(p),
        float(total),
        float(money(fee)),
        float(new_cash),
        float(fill_p),
        float(commission),
        float(slip),
    )
    return Book(float(new_cash), positions), fill
