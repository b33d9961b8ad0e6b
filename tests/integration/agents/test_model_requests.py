"""Model entry settings against a real chat-completions server on loopback, agents built by the factory from config
entries: with no settings every request is byte for byte the one sent before settings existed; settings are sent
exactly as given and recorded with the session; replies from local and reasoning servers (tool calls written as
text, reasoning fields, <think> blocks) drive the same loop."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest
from openai import AsyncOpenAI

from ai_trader.agents.factory import build_competitor
from ai_trader.agents.prompts import STOP_SIGNAL
from ai_trader.config import AgentConfig, ModelConfig
from tests.integration.agents.helpers import ledger, run_day, session_of
from tests.integration.agents.servers import ScriptedChat, reply, tool_call

AGENT = AgentConfig(max_steps=4, max_retries=1, base_delay=0.001)
BUY = {"symbol": "AAPL", "amount": 2}


def llm(chat: ScriptedChat, settings, store, **entry):
    model = ModelConfig(
        signature="m", basemodel="test-model", openai_base_url=chat.base_url, openai_api_key="sk-test", **entry
    )
    return build_competitor(model, AGENT, settings, store)


def finish(text: str = "Done.") -> dict:
    return reply(f"{text} {STOP_SIGNAL}")


def _reference_request(chat: ScriptedChat, body: dict) -> None:
    """What the session sent before model settings existed: the SDK's post of {model, messages, tools}."""

    async def go() -> None:
        client = AsyncOpenAI(api_key="sk-test", base_url=chat.base_url, max_retries=0, timeout=10)
        try:
            await client.post(
                "/chat/completions",
                cast_to=httpx2.Response,
                options={"security": {"bearer_auth": True}},
                body={"model": body["model"], "messages": body["messages"], "tools": body["tools"]},
            )
        finally:
            await client.close()

    asyncio.run(go())


def test_a_model_without_settings_sends_byte_for_byte_the_request_of_before(env, settings, chat_with):
    with chat_with([reply("Checking.", [tool_call("buy", BUY)]), finish()]) as chat:
        run_day(env, llm(chat, settings, env.store))
        sent, sent_headers = list(chat.raw), list(chat.headers)
        for body in list(chat.requests):
            _reference_request(chat, body)
        reference, reference_headers = chat.raw[len(sent) :], chat.headers[len(sent) :]
    assert len(sent) == 2 and sent == reference
    assert [list(json.loads(r)) for r in sent] == [["model", "messages", "tools"]] * 2
    assert [sorted(h) for h in sent_headers] == [sorted(h) for h in reference_headers]
    assert all("settings" not in s["request"] for s in session_of(env, "llm").steps)


def test_request_settings_are_sent_exactly_as_given_and_recorded_with_the_session(env, settings, chat_with):
    entry = {
        "temperature": 0.2,
        "top_p": 0.9,
        "seed": 7,
        "max_tokens": 256,
        "tool_choice": "required_first",
        "parallel_tool_calls": False,
        "reasoning_effort": "low",
        "extra_body": {"provider": {"order": ["deepinfra"], "allow_fallbacks": False}, "top_k": 20},
        "extra_headers": {"HTTP-Referer": "https://example.org/arena", "X-Title": "AI-Trader", "X-Api-Key": "s3"},
    }
    with chat_with([reply("Buying.", [tool_call("buy", BUY)]), finish()]) as chat:
        out = run_day(env, llm(chat, settings, env.store, **entry))
    first, second = chat.requests
    expected = {k: entry[k] for k in ("temperature", "top_p", "seed", "max_tokens", "parallel_tool_calls")}
    assert {k: first[k] for k in expected} == expected
    assert list(first)[3:] == [
        "temperature",
        "top_p",
        "seed",
        "max_tokens",
        "tool_choice",
        "parallel_tool_calls",
        "reasoning_effort",
        "provider",
        "top_k",
    ]
    assert (first["tool_choice"], second["tool_choice"]) == ("required", "auto")  # required_first
    assert first["reasoning_effort"] == "low" and first["provider"] == entry["extra_body"]["provider"]
    for headers in chat.headers:
        assert headers["http-referer"] == "https://example.org/arena" and headers["x-title"] == "AI-Trader"
        assert headers["x-api-key"] == "s3" and headers["authorization"] == "Bearer sk-test"
    assert out.positions == {"AAPL": 2}
    steps = session_of(env, "llm").steps
    recorded = steps[0]["request"]["settings"]
    assert recorded["tool_choice"] == "required" and steps[1]["request"]["settings"]["tool_choice"] == "auto"
    assert recorded["extra_headers"] == {
        "HTTP-Referer": "https://example.org/arena",
        "X-Title": "AI-Trader",
        "X-Api-Key": "***",
    }
    assert recorded["provider"] == entry["extra_body"]["provider"] and recorded["seed"] == 7


@pytest.mark.parametrize("choice", ["auto", "none", "required"])
def test_a_tool_choice_is_sent_on_every_step(env, settings, chat_with, choice):
    with chat_with(
        [reply("Looking.", [tool_call("get_price_local", {"symbol": "AAPL", "date": "2025-06-02"})]), finish()]
    ) as chat:
        run_day(env, llm(chat, settings, env.store, tool_choice=choice))
    assert [r["tool_choice"] for r in chat.requests] == [choice, choice]


TEXT_CALLS = {
    "hermes": "Buying two.\n<tool_call>\n" + json.dumps({"name": "buy", "arguments": BUY}) + "\n</tool_call>",
    "json": json.dumps({"name": "buy", "arguments": BUY}),
    "mistral": "[TOOL_CALLS]" + json.dumps([{"name": "buy", "arguments": BUY}]),
    "functions": "functions.buy:\n" + json.dumps(BUY),
}


@pytest.mark.parametrize("fmt", list(TEXT_CALLS))
def test_tool_calls_written_as_text_are_parsed_run_and_marked(env, settings, chat_with, prices, fmt):
    with chat_with([reply(TEXT_CALLS[fmt]), finish("Bought.")]) as chat:
        out = run_day(env, llm(chat, settings, env.store, tool_call_format="content"))
    assert out.positions == {"AAPL": 2} and ledger(env, "llm")[0]["trades"][0][1:4] == ("buy", "AAPL", 2)
    # the call goes back as a standard tool call with its result, the markup cut from the content
    assistant, tool = chat.requests[1]["messages"][2:4]
    assert assistant["tool_calls"][0]["function"]["name"] == "buy" and "{" not in assistant["content"]
    assert tool["role"] == "tool" and tool["tool_call_id"] == assistant["tool_calls"][0]["id"]
    rec = session_of(env, "llm")
    [parsed] = rec.steps[0]["response"]["tool_calls"]
    assert parsed["parsed_from_text"] is True and parsed["format"] == fmt and parsed["name"] == "buy"
    assert rec.steps[0]["response"]["content"] == TEXT_CALLS[fmt]  # the reply as received
    assert "{" not in rec.reasoning_summary and "functions." not in rec.reasoning_summary
    assert rec.reasoning_summary.endswith("Bought.")


def test_native_format_leaves_text_calls_alone_and_keeps_markup_out_of_the_summary(env, settings, chat_with):
    with chat_with([reply("functions.get_price_local:"), finish("Holding.")]) as chat:
        out = run_day(env, llm(chat, settings, env.store))
    assert out.trades == 0 and chat.requests[1]["messages"][2]["content"] == "functions.get_price_local:"
    assert chat.requests[1]["messages"][3]["role"] == "user"  # the nudge, as for any text-only reply
    assert session_of(env, "llm").reasoning_summary == "Holding."


def test_auto_format_prefers_native_calls_and_parses_text_otherwise(env, settings, chat_with):
    native = reply(TEXT_CALLS["json"], [tool_call("get_price_local", {"symbol": "MSFT", "date": "2025-06-02"})])
    with chat_with([native, reply(TEXT_CALLS["hermes"]), finish()]) as chat:
        out = run_day(env, llm(chat, settings, env.store, tool_call_format="auto"))
    steps = session_of(env, "llm").steps
    assert [c["name"] for c in steps[0]["response"]["tool_calls"]] == ["get_price_local"]
    assert "parsed_from_text" not in steps[0]["response"]["tool_calls"][0]
    assert steps[1]["response"]["tool_calls"][0]["parsed_from_text"] is True
    assert out.positions == {"AAPL": 2}
    assert len(chat.requests) == 3


def _reasoning_script() -> list[dict]:
    first = reply(
        f"<think>NVDA gapped up; I could output {STOP_SIGNAL} but not yet.</think>Buying AAPL.", [tool_call("buy", BUY)]
    )
    first["choices"][0]["message"]["reasoning_content"] = "Field reasoning: check cash first."
    last = reply(f"Bought. {STOP_SIGNAL}")
    last["choices"][0]["message"]["reasoning"] = "Nothing else to do."
    return [first, last]


def test_reasoning_is_recorded_kept_out_of_the_next_request_and_out_of_the_summary(env, settings, chat_with):
    with chat_with(_reasoning_script()) as chat:
        out = run_day(env, llm(chat, settings, env.store))
    assistant = chat.requests[1]["messages"][2]
    assert assistant["content"] == "Buying AAPL." and "reasoning_content" not in assistant
    rec = session_of(env, "llm")
    assert rec.total_steps == 2 and out.positions == {"AAPL": 2}  # the finish signal inside <think> did not stop it
    assert rec.steps[0]["response"]["reasoning"].startswith("Field reasoning: check cash first.\n\nNVDA gapped up")
    assert rec.steps[1]["response"]["reasoning"] == "Nothing else to do."
    assert rec.reasoning_summary == "Buying AAPL. | Bought."


def test_reasoning_goes_back_when_the_provider_needs_it(env, settings, chat_with):
    with chat_with(_reasoning_script()) as chat:
        run_day(env, llm(chat, settings, env.store, send_reasoning_back=True))
    assistant = chat.requests[1]["messages"][2]
    assert assistant["reasoning_content"] == "Field reasoning: check cash first."
    assert assistant["content"].startswith("<think>NVDA gapped up")


def test_the_compact_prompt_gives_the_scripted_model_the_same_facts_and_the_same_trades(env, settings):
    """momentum_lite reads the prices from the system prompt: over five days both formats trade identically, and
    the compact system prompt is at most 75% of the standard one (28% smaller on this day)."""
    days = ["2025-06-03", "2025-06-04", "2025-06-05", "2025-06-06", "2025-06-09"]
    for signature, fmt in (("standard", None), ("compact", "compact")):
        model = ModelConfig(signature=signature, provider="scripted", script="momentum_lite", prompt_format=fmt)
        competitor = build_competitor(model, AGENT, settings, env.store)
        for d in days:
            run_day(env, competitor, signature=signature, date=d)
    standard, compact = ledger(env, "standard"), ledger(env, "compact")
    assert standard == compact and sum(len(d["trades"]) for d in standard) >= 2
    sizes = {s: len(session_of(env, s, days[0]).messages[0]["content"]) for s in ("standard", "compact")}
    assert sizes["compact"] <= 0.75 * sizes["standard"], sizes
