"""Pure parts of the LLM agent: argument parsing, retries and backoff, costs, summaries, the prompt format."""

from __future__ import annotations

import asyncio

import httpx2
import openai
import pytest

from ai_trader.agents.base import DayBrief
from ai_trader.agents.costs import estimate_cost
from ai_trader.agents.prompts import STOP_SIGNAL, read_system_prompt, system_prompt, user_prompt
from ai_trader.agents.retry import LlmCallFailed, call_with_retries, is_transient
from ai_trader.agents.summary import reasoning_summary
from ai_trader.agents.toolcalls import parse_arguments, parse_tool_calls


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('{"symbol": "AAPL", "amount": 3}', {"symbol": "AAPL", "amount": 3}),
        ('"{\\"symbol\\": \\"AAPL\\"}"', {"symbol": "AAPL"}),  # a JSON string holding the JSON object
        ({"a": 1}, {"a": 1}),  # already decoded (non-standard endpoints)
        ("", {}),
        (None, {}),
        ("  ", {}),
    ],
)
def test_arguments_that_can_be_read(raw, expected):
    assert parse_arguments(raw) == (expected, None)


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("{symbol: AAPL", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('"just text"', "JSON object"),
        ("3", "JSON object"),
        ('"{broken"', "not valid JSON"),
    ],
)
def test_arguments_that_cannot_be_read_give_a_message(raw, problem):
    args, err = parse_arguments(raw)
    assert args is None and problem in err


def test_tool_calls_without_ids_or_names_are_kept_readable():
    [c] = parse_tool_calls([{"type": "function", "function": {"arguments": {"x": 1}}}], step=4)
    assert c.id == "call_4_0" and c.name == "" and c.raw_arguments == '{"x": 1}' and c.arguments == {"x": 1}


def _status_error(code: int) -> openai.APIStatusError:
    req = httpx2.Request("POST", "http://x/v1/chat/completions")
    return openai.APIStatusError("err", response=httpx2.Response(code, request=req), body=None)


@pytest.mark.parametrize(
    "code, transient", [(429, True), (500, True), (503, True), (408, True), (400, False), (401, False), (404, False)]
)
def test_which_status_codes_are_retried(code, transient):
    assert is_transient(_status_error(code)) is transient


def test_connection_errors_are_transient_but_timeouts_are_not_retried():
    req = httpx2.Request("POST", "http://x")
    assert is_transient(openai.APIConnectionError(request=req))
    assert not is_transient(openai.APITimeoutError(request=req))  # the endpoint may still be working on it


def test_retries_back_off_exponentially_then_give_up(monkeypatch):
    delays: list[float] = []
    real_sleep = asyncio.sleep

    async def fake_sleep(d):
        delays.append(d)
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    calls = 0

    async def always_503():
        nonlocal calls
        calls += 1
        raise _status_error(503)

    with pytest.raises(LlmCallFailed, match="after 4 attempts") as info:
        asyncio.run(call_with_retries(always_503, max_retries=3, base_delay=0.5))
    assert calls == 4 and delays == [0.5, 1.0, 2.0] and info.value.transient


def test_success_after_transient_failures_reports_attempts():
    outcomes = [_status_error(429), _status_error(502), "ok"]

    async def flaky():
        o = outcomes.pop(0)
        if isinstance(o, Exception):
            raise o
        return o

    assert asyncio.run(call_with_retries(flaky, max_retries=3, base_delay=0)) == ("ok", 3)


def test_a_bad_request_fails_at_once():
    async def bad():
        raise _status_error(400)

    with pytest.raises(LlmCallFailed) as info:
        asyncio.run(call_with_retries(bad, max_retries=5, base_delay=0))
    assert info.value.attempts == 1 and not info.value.transient


def test_cost_per_million_tokens_with_vendor_prefix_fallback():
    table = {"gpt-5": (1.25, 10.0)}
    assert estimate_cost(table, "openai/gpt-5", 2_000_000, 100_000) == pytest.approx(2.5 + 1.0)
    assert estimate_cost(table, "unknown", 10, 10) == 0.0
    assert estimate_cost(table, None, 10, 10) == 0.0


def test_reasoning_summary_is_short_and_keeps_the_conclusion():
    assert (
        reasoning_summary(["Looking  at\nAAPL.", "", f"Bought AAPL. {STOP_SIGNAL}"])
        == "Looking at AAPL. | Bought AAPL."
    )
    long = reasoning_summary(["x" * 2000, "Final: held cash."], max_chars=200)
    assert len(long) <= 200 and long.endswith("Final: held cash.")


def test_system_prompt_carries_the_day_and_reads_back_exactly():
    brief = DayBrief(
        signature="s",
        date="2025-06-03",
        cash=1234.5,
        positions={"AAPL": 3, "MSFT": 0},
        prev_date="2025-06-02",
        prev_closes={"AAPL": 201.7, "MSFT": 460.36},
        today_opens={"AAPL": 201.35, "MSFT": 461.47},
        tradable=("AAPL", "MSFT"),
    )
    text = system_prompt(brief)
    assert STOP_SIGNAL in text and "2025-06-03" in text
    data = read_system_prompt(text)
    assert data == {
        "date": "2025-06-03",
        "prev_date": "2025-06-02",
        "positions": {"AAPL": 3, "CASH": 1234.5},
        "prev_closes": {"AAPL": 201.7, "MSFT": 460.36},
        "today_opens": {"AAPL": 201.35, "MSFT": 461.47},
    }
    assert user_prompt("2025-06-03") == "Please analyze and update today's (2025-06-03) positions."
    first = DayBrief("s", "2025-06-02", 10_000.0, {}, None, {}, {"AAPL": 1.0}, ("AAPL",))
    assert read_system_prompt(system_prompt(first))["prev_date"] is None


def test_a_cancelled_call_is_neither_retried_nor_wrapped():
    calls = 0

    async def cancelled():
        nonlocal calls
        calls += 1
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(call_with_retries(cancelled, max_retries=3, base_delay=0))
    assert calls == 1


def test_a_non_transient_error_fails_at_once_naming_it():
    calls = 0

    async def bad_request():
        nonlocal calls
        calls += 1
        raise _status_error(400)

    with pytest.raises(LlmCallFailed) as info:
        asyncio.run(call_with_retries(bad_request, max_retries=3, base_delay=0))
    assert calls == 1 and info.value.attempts == 1 and not info.value.transient
    assert "after" not in str(info.value) and "HTTP 400" in str(info.value)
