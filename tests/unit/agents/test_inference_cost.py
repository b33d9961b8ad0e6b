"""Where a session's cost comes from: PRICE_TABLE overrides, then the endpoint's reported cost, then genai-prices;
an unknown model is unknown (None), never a silent 0."""

from __future__ import annotations

import pytest

from ai_trader.agents.costs import genai_price, session_cost

TABLE = {"gpt-5": (1.25, 10.0)}


def test_a_price_table_entry_overrides_everything():
    assert session_cost(TABLE, "openai/gpt-5", 2_000_000, 100_000, reported=99.0) == (pytest.approx(3.5), "price_table")


def test_the_endpoints_reported_cost_comes_next():
    assert session_cost({}, "some/unpriced-model", 10, 10, reported=0.0123) == (0.0123, "endpoint")


def test_genai_prices_knows_gpt_5_as_openai_prices_it():
    # OpenAI's list price of gpt-5: $1.25 per 1M input tokens, $10 per 1M output tokens
    assert genai_price("gpt-5", 1_000_000, 0) == pytest.approx(1.25)
    assert genai_price("openai/gpt-5", 0, 1_000_000) == pytest.approx(10.0)
    assert session_cost({}, "openai/gpt-5", 1_000_000, 1_000_000) == (pytest.approx(11.25), "genai-prices")


def test_an_unknown_model_is_unknown_and_the_scripted_model_is_local():
    assert session_cost({}, "acme/not-a-real-model-xyz", 1000, 1000) == (0.0, None)
    assert session_cost({}, None, 1000, 1000) == (0.0, None)
    assert session_cost({}, "scripted/momentum_lite", 1000, 1000, provider="scripted") == (0.0, "local")
