"""Which sessions can be flagged "never used a tool": model integrations only, never a deterministic competitor."""

from __future__ import annotations

import pytest

from ai_trader.store.tool_use import FINISHED_ON_STEP_1, NO_TOOL_CALLS, no_tool_use_reason


@pytest.mark.parametrize("provider", ["baseline", "scripted", "replay"])
def test_baselines_scripted_models_and_replays_are_never_flagged(provider):
    assert no_tool_use_reason(provider, 1, True, {}) is None  # e.g. a scripted hold strategy after its first day


def test_a_model_integration_that_never_used_a_tool_is_flagged():
    assert no_tool_use_reason("openai", 1, True, {}) == NO_TOOL_CALLS
    assert no_tool_use_reason("openai", 1, True, {"get_price_local": 1}) == FINISHED_ON_STEP_1
    assert no_tool_use_reason("openai", 2, True, {"get_price_local": 1}) is None
