"""Estimated cost of a session from token usage.

cost_usd = prompt_tokens / 1e6 × prompt_price + completion_tokens / 1e6 × completion_price, with prices per 1M
tokens from `Settings.price_table` = {basemodel: (prompt_usd, completion_usd)}. The basemodel is looked up as
given, then without its vendor prefix ("openai/gpt-5" → "gpt-5"); unknown models cost 0 (an estimate, not a bill).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def prices_for(price_table: Mapping[str, Sequence[float]], basemodel: str | None) -> tuple[float, float] | None:
    if not basemodel:
        return None
    for key in (basemodel, basemodel.rsplit("/", 1)[-1]):
        if key in price_table:
            p, c = price_table[key]
            return float(p), float(c)
    return None


def estimate_cost(
    price_table: Mapping[str, Sequence[float]], basemodel: str | None, prompt_tokens: int, completion_tokens: int
) -> float:
    prices = prices_for(price_table, basemodel)
    if prices is None:
        return 0.0
    return round(prompt_tokens / 1e6 * prices[0] + completion_tokens / 1e6 * prices[1], 6)
