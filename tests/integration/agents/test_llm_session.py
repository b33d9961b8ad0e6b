"""The LLM session loop against a real HTTP chat-completions server on loopback, driven through the executor with
real SQLite and the packaged NASDAQ-100 data."""

from __future__ import annotations

import asyncio

import pytest

from ai_trader.agents.llm import LlmAgent, LlmEndpoint, LoopLimits
from ai_trader.agents.prompts import STOP_SIGNAL
from ai_trader.errors import ModelDayFailed
from ai_trader.jobs.executor import execute_model_day
from tests.integration.agents.helpers import (
    DAY,
    ledger,
    live_sessions,
    run_day,
    session_of,
    tool_messages,
)
from tests.integration.agents.servers import (
    ScriptedChat,
    reply,
    slow,
    status,
    tool_call,
)

FAST = LoopLimits(max_steps=6, max_retries=2, base_delay=0.001)


def agent(chat: ScriptedChat, limits: LoopLimits = FAST, **kw) -> LlmAgent:
    endpoint = LlmEndpoint(
        basemodel="test-model",
        base_url=chat.base_url,
        api_key="sk-test",
        request_timeout_s=kw.pop("request_timeout_s", 10.0),
    )
    return LlmAgent(endpoint, limits, kw.pop("price_table", None))


def finish(text: str = "All done.") -> dict:
    return reply(f"{text} {STOP_SIGNAL}")


def test_normal_day_trades_and_finishes(env, prices, chat_with):
    open_ = prices.open("AAPL", DAY)
    script = [
        reply(
            None,
            [tool_call("get_price_local", {"symbol": "AAPL", "date": DAY})],
            prompt_tokens=1000,
            completion_tokens=50,
        ),
        reply(
            "Buying five.",
            [tool_call("buy", {"symbol": "AAPL", "amount": 5})],
            prompt_tokens=1200,
            completion_tokens=40,
        ),
        reply(f"Bought 5 AAPL. {STOP_SIGNAL}", prompt_tokens=1300, completion_tokens=10),
    ]
    with chat_with(script) as chat:
        out = run_day(env, agent(chat, price_table={"test-model": (2.0, 8.0)}))
    first = chat.requests[0]
    system, user = first["messages"][0], first["messages"][1]
    assert system["role"] == "system" and DAY in system["content"] and STOP_SIGNAL in system["content"]
    assert f'"AAPL": {prices.close("AAPL", "2025-06-02")}' in system["content"]  # previous close
    assert f'"AAPL": {open_}' in system["content"]  # today's open
    assert user == {"role": "user", "content": f"Please analyze and update today's ({DAY}) positions."}
    assert {t["function"]["name"] for t in first["tools"]} == {
        "add",
        "multiply",
        "get_information",
        "buy",
        "sell",
        "get_price_local",
    }
    # the tool-call message goes back with content "" (the endpoint sent null) and the result as a tool message
    second = chat.requests[1]["messages"]
    assert second[2]["role"] == "assistant" and second[2]["content"] == "" and second[2]["tool_calls"]
    assert second[3]["role"] == "tool" and second[3]["tool_call_id"] == second[2]["tool_calls"][0]["id"]
    bar = tool_messages(chat.requests[1])[0]
    assert bar["open"] == open_ and bar["close"] is None  # today's close withheld

    assert out.trades == 1 and out.positions == {"AAPL": 5}
    assert out.cash == pytest.approx(round(10_000 - 5 * open_, 2))
    [day] = ledger(env, "llm")
    assert day["trades"] == [(1, "buy", "AAPL", 5, open_, out.cash)]
    rec = session_of(env, "llm")
    assert rec.provider == "openai" and rec.basemodel == "test-model"
    assert rec.total_steps == 3 and rec.stop_signal_received
    assert rec.tool_usage == {"buy": 1, "get_price_local": 1}
    assert (rec.prompt_tokens, rec.completion_tokens) == (3500, 100)
    assert rec.cost_usd == pytest.approx(3500 / 1e6 * 2.0 + 100 / 1e6 * 8.0)
    assert "Bought 5 AAPL." in rec.reasoning_summary and STOP_SIGNAL not in rec.reasoning_summary
    assert [s["step"] for s in rec.steps] == [1, 2, 3]
    assert rec.steps[1]["tool_results"][0]["result"]["positions" if False else "AAPL"] == 5
    assert rec.steps[0]["usage"] == {"prompt_tokens": 1000, "completion_tokens": 50}
    assert [m["role"] for m in rec.messages] == [
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "tool",
        "assistant",
    ]


def test_no_finish_signal_stops_at_max_steps_and_commits(env, chat_with):
    ask = reply("Looking.", [tool_call("get_price_local", {"symbol": "MSFT", "date": "2025-06-02"})])
    with chat_with([ask]) as chat:
        out = run_day(env, agent(chat, LoopLimits(max_steps=3, max_retries=0, base_delay=0)))
    assert len(chat.requests) == 3
    assert out.session.total_steps == 3 and not out.session.stop_signal_received
    assert session_of(env, "llm").tool_usage == {"get_price_local": 3}


def test_text_only_reply_gets_a_nudge_and_the_session_goes_on(env, chat_with):
    with chat_with([reply("Let me think."), finish()]) as chat:
        out = run_day(env, agent(chat))
    assert out.session.stop_signal_received and out.session.total_steps == 2
    last = chat.requests[1]["messages"][-1]
    assert last["role"] == "user" and STOP_SIGNAL in last["content"]


def test_rate_limited_once_then_succeeds(env, chat_with):
    with chat_with([status(429, "slow down"), finish()]) as chat:
        out = run_day(env, agent(chat))
    assert len(chat.requests) == 2
    assert out.session.stop_signal_received
    assert out.session.steps[0]["attempts"] == 2


def test_session_and_retry_log_lines_carry_job_model_and_date(env, chat_with, caplog):
    """operations.md: every log line about a model-day has job_id, model and date as fields (not only in text)."""
    caplog.set_level("INFO", logger="ai_trader")
    with chat_with([status(429, "slow down"), finish()]) as chat:
        run_day(env, agent(chat))
    lines = [r for r in caplog.records if r.name.startswith("ai_trader.agents")]
    assert any("retrying" in r.getMessage() for r in lines) and any("session ended" in r.getMessage() for r in lines)
    for r in lines:
        assert (r.job_id, r.model, r.date) == ("job-t", "llm", DAY), r.getMessage()


def test_always_500_fails_after_retries_and_commits_nothing(env, chat_with):
    buy = reply(None, [tool_call("buy", {"symbol": "AAPL", "amount": 3})])
    with chat_with([buy, status(500)]) as chat, pytest.raises(ModelDayFailed, match=r"after 3 attempts.*HTTP 500"):
        run_day(env, agent(chat))
    assert len(chat.requests) == 1 + 3  # one good call, then 1 + max_retries attempts
    assert ledger(env, "llm") == [] and live_sessions(env) == 0  # the staged buy is gone


def test_invalid_json_from_the_endpoint_is_retried_then_fails_clearly(env, chat_with):
    with (
        chat_with([{"__raw__": "<html>gateway hiccup"}]) as chat,
        pytest.raises(ModelDayFailed, match="after 3 attempts"),
    ):
        run_day(env, agent(chat))
    assert len(chat.requests) == 3 and ledger(env, "llm") == []


def test_non_transient_error_is_not_retried(env, chat_with):
    with chat_with([status(401, "bad key")]) as chat, pytest.raises(ModelDayFailed, match="HTTP 401"):
        run_day(env, agent(chat))
    assert len(chat.requests) == 1


def test_a_timed_out_request_is_not_retried_against_the_endpoint_still_working_on_it(env, chat_with):
    """The server keeps working on the abandoned request (it sleeps on): a retry would queue behind it."""
    with chat_with([slow(1.5, finish())]) as chat, pytest.raises(ModelDayFailed, match=r"Timeout.*is not retried"):
        run_day(env, agent(chat, LoopLimits(max_steps=3, max_retries=3, base_delay=0), request_timeout_s=0.3))
    assert len(chat.requests) == 1
    assert ledger(env, "llm") == []


def test_model_day_timeout_stops_a_slow_session(env, chat_with):
    with chat_with([slow(1.5, finish())]) as chat, pytest.raises(ModelDayFailed, match="timed out"):
        run_day(env, agent(chat), timeout_s=0.3)
    assert ledger(env, "llm") == [] and live_sessions(env) == 0


def test_missing_api_key_fails_clearly_without_calling(env, chat_with):
    with chat_with([finish()]) as chat:
        endpoint = LlmEndpoint(basemodel="m", base_url=chat.base_url, api_key=None)
        with pytest.raises(ModelDayFailed, match="no API key"):
            run_day(env, LlmAgent(endpoint, FAST))
    assert chat.requests == []


def test_unknown_tool_and_malformed_arguments_become_readable_errors(env, chat_with):
    script = [
        reply(
            "Trying.",
            [
                tool_call("teleport", {"to": "moon"}),
                tool_call("buy", "{symbol: AAPL"),
                tool_call("buy", '{"symbol": "AAPL", "amount": "many"}'),
                tool_call("sell", {"symbol": 42, "amount": 1}),
                tool_call("buy", "[1, 2]"),
            ],
        ),
        finish("Nothing worked."),
    ]
    with chat_with(script) as chat:
        out = run_day(env, agent(chat))
    errors = [r["error"] for r in tool_messages(chat.requests[1])]
    assert "unknown tool 'teleport'" in errors[0]
    assert "not valid JSON" in errors[1]
    assert "whole number" in errors[2]
    assert "symbol" in errors[3]
    assert "JSON object" in errors[4]
    assert out.trades == 0 and out.cash == 10_000.0
    assert ledger(env, "llm")[0]["no_trade"] is True


def test_arguments_sent_as_a_json_string_inside_a_string_are_understood(env, prices, chat_with):
    double = '"{\\"symbol\\": \\"MSFT\\", \\"amount\\": 2}"'
    with chat_with([reply(None, [tool_call("buy", double)]), finish()]) as chat:
        out = run_day(env, agent(chat))
    assert out.positions == {"MSFT": 2}
    assert ledger(env, "llm")[0]["trades"][0][1:5] == ("buy", "MSFT", 2, prices.open("MSFT", DAY))


@pytest.mark.parametrize("amount", [-5, 0, 1.5, "2.5", 10**12, True, None])
def test_bad_amounts_are_refused_and_change_nothing(env, amount, chat_with):
    with chat_with(
        [
            reply(
                None,
                [
                    tool_call("buy", {"symbol": "AAPL", "amount": amount}),
                    tool_call("sell", {"symbol": "AAPL", "amount": amount}),
                ],
            ),
            finish(),
        ]
    ) as chat:
        out = run_day(env, agent(chat))
    results = tool_messages(chat.requests[1])
    assert all("error" in r for r in results), results
    assert out.trades == 0 and out.cash == 10_000.0 and out.positions == {}


def test_unknown_symbol_tomorrow_and_today_close(env, prices, chat_with):
    calls = [
        tool_call("buy", {"symbol": "ZZZZ", "amount": 1}),
        tool_call("get_price_local", {"symbol": "AAPL", "date": "2025-06-04"}),
        tool_call("get_price_local", {"symbol": "AAPL", "date": DAY}),
        tool_call("get_price_local", {"symbol": "AAPL", "date": "2025-06-02"}),
    ]
    with chat_with([reply(None, calls), finish()]) as chat:
        run_day(env, agent(chat))
    unknown, tomorrow, today, yesterday = tool_messages(chat.requests[1])
    assert "ZZZZ" in unknown["error"]
    assert "error" in tomorrow and "open" not in tomorrow
    assert today["open"] == prices.open("AAPL", DAY) and today["close"] is None and today["high"] is None
    assert yesterday["close"] == prices.close("AAPL", "2025-06-02")


def test_sell_proceeds_fund_a_later_buy_and_cash_never_goes_negative(env, prices, chat_with):
    o = prices.open("AAPL", DAY)
    n = int(10_000 // o)
    calls = [
        tool_call("buy", {"symbol": "AAPL", "amount": n}),
        tool_call("buy", {"symbol": "AAPL", "amount": n}),
        tool_call("sell", {"symbol": "AAPL", "amount": n}),
        tool_call("buy", {"symbol": "AAPL", "amount": n}),
    ]
    with chat_with([reply(None, calls), finish()]) as chat:
        out = run_day(env, agent(chat))
    ok = ["error" not in r for r in tool_messages(chat.requests[1])]
    assert ok == [True, False, True, True]
    assert out.positions == {"AAPL": n} and out.cash >= 0


def test_days_inside_the_agent_scope_share_one_connection_and_each_call_carries_the_key(env, chat_with):
    """A job's chain runs its days inside `async with agent` (jobs/chains.py): one client, one keep-alive connection;
    every request still carries the bearer key and reaches the chat-completions path."""
    days = ("2025-06-03", "2025-06-04", "2025-06-05")
    with chat_with(
        [reply("Holding.", [tool_call("get_price_local", {"symbol": "AAPL", "date": "2025-06-02"})]), finish()]
    ) as chat:
        llm = agent(chat)

        async def chain() -> list:
            async with llm:
                return [
                    await execute_model_day(
                        env,
                        job_id="job-t",
                        signature="llm",
                        date=d,
                        competitor=llm,
                        initial_cash=10_000.0,
                        timeout_s=30,
                    )
                    for d in days
                ]

        outs = asyncio.run(chain())
        assert [o.date for o in outs] == list(days) and all(o.session.stop_signal_received for o in outs)
        assert len(chat.requests) == 2 + 1 + 1  # day 1: tool call + finish; later days: the repeated finish
        assert {h["authorization"] for h in chat.headers} == {"Bearer sk-test"}
        assert len(set(chat.peers)) == 1
        assert [d["date"] for d in ledger(env, "llm")] == list(days)
        # outside the scope each model-day has its own client again (and still works)
        run_day(env, llm, date="2025-06-06")
        assert len(set(chat.peers)) == 2
