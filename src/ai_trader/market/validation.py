"""Row rules for imported bars and the suspected-split check.

Row rules (a violating row is rejected and listed; the rest of the file is imported):
prices > 0; high >= max(open, close); low <= min(open, close); volume >= 0; the date is an XNYS
session; a bar is either complete (open, high, low, close) or open-only (no high/low/close/volume).

Suspected split: an overnight move |next_open / prev_close - 1| > 40%, or a close-to-close move
|close / prev_close - 1| > 40%, between consecutive bars of one symbol. A warning, never a rejection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SPLIT_THRESHOLD = 0.40


@dataclass(frozen=True)
class RawBar:
    """A parsed bar before validation; `where` names its origin (file:line) for messages."""

    symbol: str
    date: str
    open: float | None
    high: float | None
    low: float | None
    close: float | None
    volume: int | None
    where: str


@dataclass(frozen=True)
class Rejection:
    where: str
    symbol: str
    date: str
    reason: str


@dataclass(frozen=True)
class SplitWarning:
    symbol: str
    date: str
    previous_date: str
    previous_close: float
    price: float
    kind: str  # "open" (close -> next open) or "close" (close -> close)

    @property
    def move(self) -> float:
        return self.price / self.previous_close - 1.0

    def message(self) -> str:
        return (
            f"{self.symbol} {self.date}: {self.kind} {self.price:g} vs previous close {self.previous_close:g} "
            f"on {self.previous_date} ({self.move:+.1%}) - possible split"
        )


def check_bar(bar: RawBar, sessions: frozenset[str]) -> str | None:
    """The reason `bar` must be rejected, or None when it is acceptable."""
    if bar.open is None:
        return "no open price"
    if bar.date not in sessions:
        return f"{bar.date} is not an XNYS trading session"
    if bar.close is None:
        if bar.high is not None or bar.low is not None or bar.volume is not None:
            return "close missing: an open-only bar must have no high, low or volume"
        return "open must be > 0" if bar.open <= 0 else None
    if bar.high is None or bar.low is None:
        return "high and low are required when close is given"
    for name in ("open", "high", "low", "close"):
        if getattr(bar, name) <= 0:
            return f"{name} must be > 0"
    if bar.high < max(bar.open, bar.close):
        return f"high {bar.high:g} is below max(open, close) {max(bar.open, bar.close):g}"
    if bar.low > min(bar.open, bar.close):
        return f"low {bar.low:g} is above min(open, close) {min(bar.open, bar.close):g}"
    if bar.volume is not None and bar.volume < 0:
        return "volume must be >= 0"
    return None


def suspected_splits(
    bars: Iterable[tuple[str, str, float, float | None]], threshold: float = SPLIT_THRESHOLD
) -> list[SplitWarning]:
    """Scan (symbol, date, open, close) ordered by symbol then date; one warning per symbol-day
    (the larger of the two moves)."""
    out: list[SplitWarning] = []
    prev: tuple[str, str, float | None] | None = None  # symbol, date, close
    for symbol, date, open_, close in bars:
        if prev is not None and prev[0] == symbol and prev[2]:
            pdate, pclose = prev[1], prev[2]
            found = [
                SplitWarning(symbol, date, pdate, pclose, p, kind)
                for p, kind in ((open_, "open"), (close, "close"))
                if p is not None and abs(p / pclose - 1.0) > threshold
            ]
            if found:
                out.append(max(found, key=lambda w: abs(w.move)))
        if prev is None or prev[0] != symbol or close is not None:
            prev = (symbol, date, close)
    return out
