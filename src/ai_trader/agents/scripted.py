"""Deterministic tool-calling strategies for the scripted model: each reads the conversation (system prompt
data, earlier tool calls and their results) and returns the next assistant message. Same conversation → same
reply, so a scripted run reproduces trades and values exactly.

Scripts:
- `momentum_lite`: step 1 looks up yesterday's bar and today's open of the three symbols with the biggest overnight
  gap (open / previous close) plus every holding, and asks for news on the leader; step 2 sells every holding that
  gapped down and buys the best gapper with half the cash (after those sales); step 3 finishes.
- `buy_and_hold_top3`: with no holdings, looks up today's opens of three large caps and buys a third of the cash of
  each; afterwards it holds and finishes at once.
- `garbage`: unknown tool, malformed JSON, wrong types, negative amount, tomorrow's price, unknown symbol; then
  finishes — for failure tests (never trades).
- `never_finish`: asks for a price every step and never sends the finish signal.
- `random_picks`: seeded randomness (the request's `seed`, 0 without one, and the day): sells each holding with
  probability 1/2 and buys a random tradable symbol with 20-60 % of the cash, at today's open from the prompt;
  then finishes. Different seeds give different ledgers — the scripted stand-in for an LLM's repeated runs.
- `fails_wednesdays`: plays `momentum_lite`, except that on a Wednesday session the model answers with an error
  (HTTP 400, not retried), so that model-day fails — a deterministic failure part-way through a chain, for tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .prompts import STOP_SIGNAL, read_system_prompt

LARGE_CAPS = ("NVDA", "MSFT", "AAPL", "AMZN", "GOOGL", "META", "AVGO", "TSLA")


@dataclass(frozen=True)
class Conversation:
    brief: dict[str, Any]  # read_system_prompt(...)
    step: int  # number of assistant replies so far
    results: list[tuple[str, dict[str, Any], Any]]  # (tool name, arguments, decoded result) in order
    seed: int | None = None  # the request's `seed` (random_picks)

    @classmethod
    def read(cls, messages: list[dict[str, Any]]) -> Conversation:
        system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
        calls: dict[str, tuple[str, dict[str, Any]]] = {}
        results = []
        step = 0
        for m in messages:
            if m.get("role") == "assistant":
                step += 1
                for tc in m.get("tool_calls") or []:
                    fn = tc.get("function") or {}
                    try:
                        args = json.loads(fn.get("arguments") or "{}")
                    except (TypeError, json.JSONDecodeError):
                        args = {}
                    calls[str(tc.get("id"))] = (str(fn.get("name")), args if isinstance(args, dict) else {})
            elif m.get("role") == "tool" and m.get("tool_call_id") in calls:
                name, args = calls[m["tool_call_id"]]
                try:
                    value = json.loads(m.get("content") or "null")
                except json.JSONDecodeError:
                    value = m.get("content")
                results.append((name, args, value))
        return cls(read_system_prompt(system), step, results)

    def bars(self) -> dict[tuple[str, str], dict[str, Any]]:
        return {
            (a.get("symbol", ""), a.get("date", "")): r
            for n, a, r in self.results
            if n == "get_price_local" and isinstance(r, dict) and "error" not in r
        }


def call(name: str, **arguments: Any) -> tuple[str, str]:
    return name, json.dumps(arguments, sort_keys=True)


def finish(text: str) -> dict[str, Any]:
    return {"content": f"{text}\n{STOP_SIGNAL}", "calls": []}


def act(text: str, calls: list[tuple[str, str]]) -> dict[str, Any]:
    return {"content": text, "calls": calls}


def _holdings(brief: dict[str, Any]) -> dict[str, int]:
    return {s: int(n) for s, n in sorted(brief["positions"].items()) if s != "CASH" and n}


def momentum_lite(c: Conversation) -> dict[str, Any]:
    b = c.brief
    opens, closes, held = b["today_opens"], b["prev_closes"], _holdings(b)
    gaps = {s: opens[s] / closes[s] - 1 for s in opens if s in closes and closes[s] > 0}
    leaders = sorted(gaps, key=lambda s: (-gaps[s], s))[:3]
    if c.step == 0:
        if not b["prev_date"] or not gaps:
            return finish("No previous closes to compare with: holding.")
        symbols = sorted(set(leaders) | set(held))
        calls = [call("get_price_local", symbol=s, date=b["prev_date"]) for s in symbols]
        calls += [call("get_price_local", symbol=s, date=b["date"]) for s in symbols]
        calls.append(call("get_information", query=f"{leaders[0]} stock news"))
        return act(f"Overnight leaders: {', '.join(leaders)}. Checking bars and news.", calls)
    if c.step == 1:
        bars = c.bars()
        momentum = {}
        for s in sorted(set(leaders) | set(held)):
            prev, today = bars.get((s, b["prev_date"])), bars.get((s, b["date"]))
            if prev and today and prev.get("close"):
                momentum[s] = today["open"] / prev["close"] - 1
        sells = [s for s in held if momentum.get(s, 0.0) < 0]
        cash = float(b["positions"].get("CASH", 0.0)) + sum(held[s] * opens[s] for s in sells)
        best = next(
            (s for s in sorted(momentum, key=lambda s: (-momentum[s], s)) if momentum[s] > 0 and s not in held), None
        )
        amount = math.floor(cash * 0.5 / opens[best]) if best else 0
        calls = [call("sell", symbol=s, amount=held[s]) for s in sells]
        if best and amount >= 1:
            calls.append(call("buy", symbol=best, amount=amount))
            calls.append(call("multiply", a=float(amount), b=float(opens[best])))
        if not calls:
            return finish("No holding gapped down and nothing new gapped up: holding.")
        plan = ", ".join(f"{n} {json.loads(a).get('symbol', '')}" for n, a in calls if n in ("buy", "sell"))
        return act(f"Momentum plan: {plan}.", calls)
    trades = [
        (n, a.get("symbol"), a.get("amount"))
        for n, a, r in c.results
        if n in ("buy", "sell") and isinstance(r, dict) and "error" not in r
    ]
    done = "; ".join(f"{n} {a} {s}" for n, s, a in trades) or "no trades went through"
    return finish(f"Done: {done}.")


def buy_and_hold_top3(c: Conversation) -> dict[str, Any]:
    b = c.brief
    if _holdings(b):
        return finish("Holding my positions.")
    picks = [s for s in LARGE_CAPS if s in b["today_opens"]][:3] or sorted(b["today_opens"])[:3]
    if c.step == 0:
        if not picks:
            return finish("Nothing to buy today.")
        return act(f"Buying {', '.join(picks)}.", [call("get_price_local", symbol=s, date=b["date"]) for s in picks])
    if c.step == 1:
        cash, bars = float(b["positions"].get("CASH", 0.0)), c.bars()
        calls = []
        for s in picks:
            bar = bars.get((s, b["date"]))
            amount = math.floor(cash / len(picks) / bar["open"]) if bar else 0
            if amount >= 1:
                calls.append(call("buy", symbol=s, amount=amount))
        return act("Placing orders.", calls) if calls else finish("Could not afford any pick.")
    return finish("Bought and holding.")


def garbage(c: Conversation) -> dict[str, Any]:
    if c.step > 0:
        return finish("Nothing worked.")
    return act(
        "Trying things.",
        [
            ("teleport", json.dumps({"to": "the moon"})),
            ("buy", "{not json"),
            ("buy", json.dumps({"symbol": "AAPL", "amount": "ten"})),
            ("sell", json.dumps({"symbol": "AAPL", "amount": -5})),
            ("buy", json.dumps({"symbol": "AAPL", "amount": 1.5})),
            ("get_price_local", json.dumps({"symbol": "AAPL", "date": "2999-01-01"})),
            ("buy", json.dumps({"symbol": "ZZZZ", "amount": 1})),
            ("buy", json.dumps("not an object")),
        ],
    )


def never_finish(c: Conversation) -> dict[str, Any]:
    b = c.brief
    symbol = sorted(b["today_opens"])[c.step % max(1, len(b["today_opens"]))] if b["today_opens"] else "AAPL"
    return act("Still thinking.", [call("get_price_local", symbol=symbol, date=b["date"])])


def fails_wednesdays(c: Conversation) -> dict[str, Any]:
    if dt.date.fromisoformat(c.brief["date"]).weekday() == 2:
        raise ValueError(f"the fails_wednesdays script fails every Wednesday ({c.brief['date']})")
    return momentum_lite(c)


def random_picks(c: Conversation) -> dict[str, Any]:
    b = c.brief
    if c.step > 0:
        return finish("Random picks placed.")
    rnd = random.Random(f"{c.seed or 0}|{b['date']}")
    held, opens = _holdings(b), b["today_opens"]
    sells = [s for s in held if s in opens and rnd.random() < 0.5]
    cash = float(b["positions"].get("CASH", 0.0)) + sum(held[s] * opens[s] for s in sells)
    calls = [call("sell", symbol=s, amount=held[s]) for s in sells]
    if opens:
        pick = rnd.choice(sorted(opens))
        amount = math.floor(cash * rnd.uniform(0.2, 0.6) / opens[pick]) if opens[pick] > 0 else 0
        if amount >= 1:
            calls.append(call("buy", symbol=pick, amount=amount))
    return act("Random picks.", calls) if calls else finish("Nothing picked.")


SCRIPTS: dict[str, Callable[[Conversation], dict[str, Any]]] = {
    "momentum_lite": momentum_lite,
    "buy_and_hold_top3": buy_and_hold_top3,
    "garbage": garbage,
    "never_finish": never_finish,
    "fails_wednesdays": fails_wednesdays,
    "random_picks": random_picks,
}


def next_reply(script: str, messages: list[dict[str, Any]], seed: int | None = None) -> dict[str, Any]:
    """The assistant message the script sends next: {"content": str, "calls": [(name, arguments JSON)]}."""
    return SCRIPTS[script](dataclasses.replace(Conversation.read(messages), seed=seed))
