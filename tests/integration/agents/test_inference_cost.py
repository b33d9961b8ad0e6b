"""A session's recorded cost and its source, against a real chat-completions server on loopback: the endpoint's
reported `usage.cost`, genai-prices for a known model, PRICE_TABLE overriding both, and unknown for an unknown one."""

from __future__ import annotations

import pytest

from ai_trader.agents.llm import LlmAgent, LlmEndpoint, LoopLimits
from ai_trader.agents.prompts import STOP_SIGNAL
from tests.integration.agents.helpers import run_day, session_of
from tests.integration.agents.servers import reply

FAST = LoopLimits(max_steps=3, max_retries=0, base_delay=0.001)


def _agent(chat, basemodel: str, price_table=None) -> LlmAgent:
    endpoint = LlmEndpoint(basemodel=basemodel, base_url=chat.base_url, api_key="sk-test", request_timeout_s=10.0)
    return LlmAgent(endpoint, FAST, price_table)


def _finish(cost: float | None = None) -> dict:
    body = reply(f"Holding. {STOP_SIGNAL}", prompt_tokens=1_000_000, completion_tokens=100_000)
    if cost is not None:
        body["usage"]["cost"] = cost  # as OpenRouter reports it
    return body


@pytest.mark.parametrize(
    ("basemodel", "price_table", "cost", "want"),
    [
        ("acme/unpriced-model", None, 0.042, (0.042, "endpoint")),
        ("openai/gpt-5", None, None, (1.25 + 1.0, "genai-prices")),  # $1.25 / 1M in, $10 / 1M out
        ("openai/gpt-5", {"gpt-5": (2.0, 20.0)}, 0.042, (2.0 + 2.0, "price_table")),
        ("acme/unpriced-model", None, None, (0.0, None)),
    ],
)
def test_the_cost_and_where_it_came_from_are_recorded(env, chat_with, basemodel, price_table, cost, want):
    with chat_with([_finish(cost)]) as chat:
        run_day(env, _agent(chat, basemodel, price_table))
    record = session_of(env, "llm")
    assert (record.cost_usd, record.cost_source) == (pytest.approx(want[0]), want[1])
