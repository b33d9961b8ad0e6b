"""Context overflow and truncation (issue 19 item 3) against a real chat-completions server on loopback that
counts what it is sent: HTTP 400 context_length_exceeded trims older tool results and retries once, else the day
ends cleanly (committed, with the reason); a reply cut off at max_tokens in the middle of a tool call says so in
the tool error."""

from __future__ import annotations

import json

from ai_trader.agents.llm import LlmAgent, LlmEndpoint, LoopLimits
from ai_trader.agents.overflow import TRIMMED
from ai_trader.agents.prompts import STOP_SIGNAL
from tests.integration.agents.helpers import DAY, ledger, session_of, tool_messages
from tests.integration.agents.helpers import run_day as run
from tests.integration.agents.servers import ScriptedChat, reply, status, tool_call

OVERFLOW = status(400, "This model's maximum context length is 512 tokens (context_length_exceeded)")


def agent(chat: ScriptedChat) -> LlmAgent:
    endpoint = LlmEndpoint(basemodel="test-model", base_url=chat.base_url, api_key="sk-test", request_timeout_s=10)
    return LlmAgent(endpoint, LoopLimits(max_steps=6, max_retries=1, base_delay=0))


def price(symbol: str) -> dict:
    return reply(None, [tool_call("get_price_local", {"symbol": symbol, "date": DAY})])


def small_window(body: dict, n: int) -> dict:
    """A server whose context holds at most two full tool results; three lookups, then the finish."""
    full = [m for m in body["messages"] if m["role"] == "tool" and m["content"] != TRIMMED]
    if len(full) > 2:
        return OVERFLOW
    asked = sum(1 for m in body["messages"] if m["role"] == "assistant")
    return price(["AAPL", "MSFT", "NVDA"][asked]) if asked < 3 else reply(f"Done. {STOP_SIGNAL}")


def test_an_overflow_trims_older_tool_results_and_the_day_goes_on(env, chat_with):
    with chat_with(small_window) as chat:
        out = run(env, agent(chat))
        retried = chat.requests[-1]
    assert out.session.stop_signal_received and out.session.total_steps == 4
    contents = [m["content"] for m in retried["messages"] if m["role"] == "tool"]
    assert contents[:2] == [TRIMMED, TRIMMED] and contents[2] != TRIMMED  # the latest result kept
    assert "NVDA" in json.dumps(tool_messages(retried)[-1])
    assert len(ledger(env, "llm")) == 1


def test_an_overflow_that_trimming_cannot_fix_ends_the_day_cleanly_with_the_reason(env, chat_with):
    with chat_with([OVERFLOW]) as chat:
        out = run(env, agent(chat))
        assert len(chat.requests) == 1  # not retried blindly: nothing could be trimmed
    assert len(ledger(env, "llm")) == 1  # committed, holding what it had
    assert not out.session.stop_signal_received
    record = session_of(env, "llm")
    assert "context window" in record.reasoning_summary and "context_length_exceeded" in record.reasoning_summary
    assert record.steps[-1]["ended"] == "context_length_exceeded"


def test_a_tool_call_cut_off_at_max_tokens_says_so_in_the_tool_error(env, chat_with):
    cut = reply(None, [tool_call("get_price_local", '{"symbol": "AA')])
    cut["choices"][0]["finish_reason"] = "length"
    with chat_with([cut, reply(f"Done. {STOP_SIGNAL}")]) as chat:
        run(env, agent(chat))
        answered = tool_messages(chat.requests[1])
    assert "cut off" in answered[0]["error"] and "finish_reason 'length'" in answered[0]["error"]
