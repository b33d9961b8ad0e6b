"""The scripted model: deterministic strategies over the conversation, served as an OpenAI-shaped endpoint."""

from __future__ import annotations

import asyncio
import json

import httpx2

from ai_trader.agents.base import DayBrief
from ai_trader.agents.prompts import STOP_SIGNAL, system_prompt, user_prompt
from ai_trader.agents.scripted import next_reply
from ai_trader.agents.scripted_server import create_app

BRIEF = DayBrief(
    signature="s",
    date="2025-06-03",
    cash=10_000.0,
    positions={"ZZ": 10},
    prev_date="2025-06-02",
    prev_closes={"AA": 100.0, "BB": 50.0, "CC": 20.0, "ZZ": 10.0},
    today_opens={"AA": 110.0, "BB": 51.0, "CC": 19.0, "ZZ": 9.0},
    tradable=("AA", "BB", "CC", "ZZ"),
)


def start() -> list[dict]:
    return [{"role": "system", "content": system_prompt(BRIEF)}, {"role": "user", "content": user_prompt(BRIEF.date)}]


def answer(messages: list[dict], reply: dict, results: list) -> list[dict]:
    calls = [
        {"id": f"c{i}", "type": "function", "function": {"name": n, "arguments": a}}
        for i, (n, a) in enumerate(reply["calls"])
    ]
    out = [*messages, {"role": "assistant", "content": reply["content"], "tool_calls": calls}]
    return out + [{"role": "tool", "tool_call_id": f"c{i}", "content": json.dumps(r)} for i, r in enumerate(results)]


def bar(symbol: str, date: str) -> dict:
    if date == BRIEF.date:
        return {"symbol": symbol, "date": date, "open": BRIEF.today_opens[symbol], "close": None}
    return {"symbol": symbol, "date": date, "open": 1.0, "close": BRIEF.prev_closes[symbol]}


def test_momentum_lite_reads_the_tools_and_trades_deterministically():
    msgs = start()
    first = next_reply("momentum_lite", msgs)
    names = [n for n, _ in first["calls"]]
    assert names.count("get_price_local") == 2 * 4 and names[-1] == "get_information"  # 3 leaders + holding ZZ
    results = [bar(**json.loads(a)) if n == "get_price_local" else "no news" for n, a in first["calls"]]
    msgs = answer(msgs, first, results)
    second = next_reply("momentum_lite", msgs)
    assert second == next_reply("momentum_lite", msgs)  # same conversation, same reply
    trades = [(n, json.loads(a)) for n, a in second["calls"] if n in ("buy", "sell")]
    # ZZ gapped down: sold; AA gapped up most: bought with half of cash + proceeds (10_000 + 90) / 2 / 110 = 45
    assert trades == [("sell", {"symbol": "ZZ", "amount": 10}), ("buy", {"symbol": "AA", "amount": 45})]
    third = next_reply("momentum_lite", answer(msgs, second, [{"CASH": 1}] * len(second["calls"])))
    assert STOP_SIGNAL in third["content"] and not third["calls"]


def test_garbage_script_sends_bad_calls_then_finishes():
    first = next_reply("garbage", start())
    assert {n for n, _ in first["calls"]} >= {"teleport", "buy", "sell", "get_price_local"}
    assert STOP_SIGNAL in next_reply("garbage", answer(start(), first, []))["content"]


def _post(app, body) -> httpx2.Response:
    async def go():
        async with httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://t") as c:
            return await c.post("/v1/chat/completions", json=body)

    return asyncio.run(go())


def test_server_answers_like_openai_with_tool_calls_and_usage():
    r = _post(create_app(), {"model": "scripted/momentum_lite", "messages": start()})
    assert r.status_code == 200
    data = r.json()
    msg = data["choices"][0]["message"]
    assert data["object"] == "chat.completion" and data["choices"][0]["finish_reason"] == "tool_calls"
    assert msg["tool_calls"][0]["type"] == "function" and msg["tool_calls"][0]["id"] == "call_1_0"
    assert json.loads(msg["tool_calls"][0]["function"]["arguments"])["date"] == BRIEF.prev_date
    assert data["usage"]["total_tokens"] == data["usage"]["prompt_tokens"] + data["usage"]["completion_tokens"] > 0


def test_server_refuses_bad_requests_with_openai_errors():
    app = create_app()
    assert _post(app, {"model": "momentum_lite", "messages": []}).status_code == 400
    r = _post(app, {"model": "gpt-9", "messages": start()})
    assert r.status_code == 404 and "not a script" in r.json()["error"]["message"]
    assert _post(create_app("garbage"), {"model": "gpt-9", "messages": start()}).status_code == 200  # default
    bad = [{"role": "system", "content": "no data here"}, {"role": "user", "content": "hi"}]
    assert _post(app, {"model": "momentum_lite", "messages": bad}).status_code == 400
