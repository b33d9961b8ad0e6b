"""The cost of a session's inference, and where it comes from (`cost_source`).

In order, the first that applies:
1. `price_table` — a `PRICE_TABLE` entry (Settings.price_table = {basemodel: (prompt_usd, completion_usd)} per 1M
   tokens; the basemodel as given, then without its vendor prefix, "openai/gpt-5" → "gpt-5"):
   cost_usd = prompt_tokens / 1e6 × prompt_price + completion_tokens / 1e6 × completion_price;
2. `endpoint` — the cost the endpoint reported in every reply's `usage.cost` (OpenRouter does), summed;
3. `local` — the scripted model (in-process or `ai-trader scripted-llm`): no paid inference, 0;
4. `genai-prices` — the maintained price database of the `genai-prices` package (bundled data, no network), for
   the basemodel as given, then as `<provider>/<model>` → model `<model>` of provider `<provider>`, then `<model>`;
5. otherwise **unknown**: cost_usd 0 with cost_source None, shown as "unknown", never as a free session.
Rounded to 1e-6 USD. Baselines have no model: their sessions record cost_source `none`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

PRICE_TABLE, ENDPOINT, LOCAL, GENAI, NONE = "price_table", "endpoint", "local", "genai-prices", "none"


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
    """The PRICE_TABLE cost (0 when the table has no entry)."""
    prices = prices_for(price_table, basemodel)
    if prices is None:
        return 0.0
    return round(prompt_tokens / 1e6 * prices[0] + completion_tokens / 1e6 * prices[1], 6)


def genai_price(basemodel: str | None, prompt_tokens: int, completion_tokens: int) -> float | None:
    """The cost from `genai-prices`' bundled database, None when it does not know the model."""
    if not basemodel:
        return None
    from genai_prices import Usage, calc_price

    vendor, _, name = basemodel.rpartition("/")
    tries: list[tuple[str, str | None]] = [(basemodel, None)]
    if vendor:
        tries += [(name, vendor.rsplit("/", 1)[-1]), (name, None)]
    usage = Usage(input_tokens=prompt_tokens, output_tokens=completion_tokens)
    for model, provider in tries:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. a note that the bundled prices are some weeks old
                got = calc_price(usage, model, provider_id=provider)
        except LookupError:
            continue
        return round(float(got.total_price), 6)
    return None


def session_cost(
    price_table: Mapping[str, Sequence[float]],
    basemodel: str | None,
    prompt_tokens: int,
    completion_tokens: int,
    *,
    reported: float | None = None,
    provider: str = "openai",
) -> tuple[float, str | None]:
    """(cost_usd, cost_source); cost_source None = unknown (see the module docstring)."""
    if prices_for(price_table, basemodel) is not None:
        return estimate_cost(price_table, basemodel, prompt_tokens, completion_tokens), PRICE_TABLE
    if reported is not None:
        return round(reported, 6), ENDPOINT
    if provider == "scripted":
        return 0.0, LOCAL
    got = genai_price(basemodel, prompt_tokens, completion_tokens)
    return (got, GENAI) if got is not None else (0.0, None)
