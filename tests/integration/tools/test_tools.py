"""The six tools over a real SQLite store and the real NASDAQ-100 data: point in time, trade rules, validation."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from ai_trader.agents.toolbox import InProcessToolbox
from ai_trader.ledger.rules import Book, apply_trade
from ai_trader.store import sessions as session_store
from ai_trader.tools import functions as f
from ai_trader.tools.news_local import LocalNewsProvider
from ai_trader.tools.registry import TOOL_SERVERS, TOOL_SPECS, call_tool
from tests.integration.ledger.fixtures import open_session

DAY = "2025-07-03"  # Thursday before the July 4 holiday


def book(env, token):
    with env.store.read() as conn:
        live = session_store.live_session(conn, token)
        staged = session_store.staged_trades(conn, token)
    return live, staged


# ---- get_price_local: point in time (invariant 4) ------------------------------------------------------------------


def test_earlier_day_gives_the_full_bar(env):
    ctx = open_session(env, "m", DAY)
    bar = call_tool(env, ctx, "get_price_local", {"symbol": "AAPL", "date": "2025-07-02"})
    assert bar == {
        "symbol": "AAPL",
        "date": "2025-07-02",
        "open": 208.91,
        "high": 213.34,
        "low": 208.14,
        "close": 212.44,
        "volume": 67941811,
    }


def test_session_day_gives_the_open_only(env):
    ctx = open_session(env, "m", DAY)
    bar = call_tool(env, ctx, "get_price_local", {"symbol": "aapl", "date": DAY})
    assert bar["open"] == 212.145
    assert bar["high"] is None and bar["low"] is None and bar["close"] is None and bar["volume"] is None
    assert "withheld" in bar["note"]
    assert "213.55" not in json.dumps(bar)  # today's close never leaks


@pytest.mark.parametrize(
    "date,fragment",
    [
        ("2025-07-07", "after the session day"),  # tomorrow's trading day
        ("2025-10-30", "after the session day"),
        ("2025-06-19", "not a trading day"),  # Juneteenth holiday
        ("2025-06-29", "not a trading day"),  # Sunday
        ("2025-13-01", "real calendar date"),
        ("07/01/2025", "YYYY-MM-DD"),
        ("", "YYYY-MM-DD"),
    ],
)
def test_refused_dates(env, date, fragment):
    ctx = open_session(env, "m", DAY)
    out = call_tool(env, ctx, "get_price_local", {"symbol": "AAPL", "date": date})
    assert fragment in out["error"]
    assert "close" not in out


def test_unknown_symbol_and_benchmark(env):
    ctx = open_session(env, "m", DAY)
    assert "unknown symbol" in call_tool(env, ctx, "get_price_local", {"symbol": "ZZZZ", "date": "2025-07-02"})["error"]
    qqq = call_tool(env, ctx, "get_price_local", {"symbol": "QQQ", "date": "2025-07-02"})
    assert qqq["close"] == 550.8  # the benchmark can be read, not traded


# ---- buy / sell ----------------------------------------------------------------------------------------------------


def test_buy_then_sell_returns_positions_and_stages_trades(env):
    ctx = open_session(env, "m", DAY, cash=10000.0)
    got = call_tool(env, ctx, "buy", {"symbol": "AAPL", "amount": 10})
    assert got == {"AAPL": 10, "CASH": 7878.55}  # 10 x 212.145 = 2121.45
    got = call_tool(env, ctx, "sell", {"symbol": "AAPL", "amount": 4})
    assert got == {"AAPL": 6, "CASH": 8727.13}
    live, staged = book(env, ctx.token)
    assert (live.cash, live.positions) == (8727.13, {"AAPL": 6})
    assert [(s.action, s.amount, s.price, s.cash_after) for s in staged] == [
        ("buy", 10, 212.145, 7878.55),
        ("sell", 4, 212.145, 8727.13),
    ]


@pytest.mark.parametrize(
    "args,fragment",
    [
        ({"symbol": "QQQ", "amount": 1}, "not in the tradable universe"),
        ({"symbol": "ZZZZ", "amount": 1}, "not in the tradable universe"),
        ({"symbol": "AAPL", "amount": 0}, "positive whole number"),
        ({"symbol": "AAPL", "amount": -3}, "positive whole number"),
        ({"symbol": "AAPL", "amount": 1.5}, "no fractions"),
        ({"symbol": "AAPL", "amount": True}, "boolean"),
        ({"symbol": "AAPL", "amount": "lots"}, "positive whole number"),
        ({"symbol": "AAPL", "amount": 48}, "insufficient cash"),
    ],
)
def test_refused_buys_change_nothing(env, args, fragment):
    ctx = open_session(env, "m", DAY, cash=10000.0)
    out = call_tool(env, ctx, "buy", args)
    assert fragment in out["error"]
    live, staged = book(env, ctx.token)
    assert (live.cash, live.positions, staged) == (10000.0, {}, [])


def test_sell_more_than_held_is_refused(env):
    ctx = open_session(env, "m", DAY, cash=0.0, positions={"NVDA": 3})
    assert "insufficient shares" in call_tool(env, ctx, "sell", {"symbol": "NVDA", "amount": 4})["error"]
    assert "insufficient shares" in call_tool(env, ctx, "sell", {"symbol": "AAPL", "amount": 1})["error"]
    assert call_tool(env, ctx, "sell", {"symbol": "NVDA", "amount": 3}) == {"CASH": 475.11}


def test_invariant1_buys_affordable_alone_but_not_together(env):
    ctx = open_session(env, "m", DAY, cash=1000.0)
    results = [call_tool(env, ctx, "buy", {"symbol": "AAPL", "amount": 4}) for _ in range(5)]  # 848.58 each
    assert "error" not in results[0]
    assert all("insufficient cash" in r["error"] for r in results[1:])
    for sym in ("NVDA", "MSFT", "AAPL"):  # 158.37, 493.81, 212.145: none fits in the 151.42 left
        assert "insufficient cash" in call_tool(env, ctx, "buy", {"symbol": sym, "amount": 1})["error"]
    live, staged = book(env, ctx.token)
    assert live.cash == 151.42 and len(staged) == 1 and all(s.cash_after >= 0 for s in staged)


def test_invariant1_concurrent_buys_from_threads_never_overdraw(env):
    price = 212.145
    ctx = open_session(env, "m", DAY, cash=round(10 * price, 2))  # exactly 10 shares

    def hammer():
        for _ in range(8):
            call_tool(env, ctx, "buy", {"symbol": "AAPL", "amount": 1})

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    live, staged = book(env, ctx.token)
    expected = Book(round(10 * price, 2))
    for _ in range(10):  # the same ten fills in sequence (cash rounded to cents after each)
        expected, _ = apply_trade(expected, "buy", "AAPL", 1, price)
    assert live.positions == {"AAPL": 10} and len(staged) == 10
    assert live.cash == expected.cash >= 0
    assert "insufficient cash" in call_tool(env, ctx, "buy", {"symbol": "AAPL", "amount": 1})["error"]


def test_invariant2_sell_proceeds_fund_a_later_buy(env):
    ctx = open_session(env, "m", DAY, cash=100.0, positions={"NVDA": 10})
    assert "insufficient cash" in call_tool(env, ctx, "buy", {"symbol": "AAPL", "amount": 5})["error"]
    call_tool(env, ctx, "sell", {"symbol": "NVDA", "amount": 10})  # +1583.70
    # 1683.70 - 1060.725 = 622.975 -> 622.98
    assert call_tool(env, ctx, "buy", {"symbol": "AAPL", "amount": 5}) == {"AAPL": 5, "CASH": 622.98}


def test_trades_need_a_live_session_bound_to_the_context(env):
    ctx = open_session(env, "m", DAY)
    other_day = type(ctx)(signature="m", date="2025-07-02", token=ctx.token)
    assert "does not belong" in call_tool(env, other_day, "buy", {"symbol": "AAPL", "amount": 1})["error"]
    unknown = type(ctx)(signature="m", date=DAY, token="nope")
    assert "not active" in call_tool(env, unknown, "buy", {"symbol": "AAPL", "amount": 1})["error"]


def test_a_symbol_without_an_open_that_day_cannot_be_traded(env):
    ctx = open_session(env, "m", "2025-06-02")  # QQQ has no bar on 2025-06-02; others do
    assert "not in the tradable universe" in call_tool(env, ctx, "buy", {"symbol": "QQQ", "amount": 1})["error"]
    out = f.buy(env, ctx, "AAPL", 1)
    assert out["AAPL"] == 1


# ---- math, validation, specs ---------------------------------------------------------------------------------------


def test_math_tools(env):
    ctx = open_session(env, "m", DAY)
    assert call_tool(env, ctx, "add", {"a": 1.5, "b": 2}) == 3.5
    assert call_tool(env, ctx, "multiply", {"a": 4, "b": 212.145}) == pytest.approx(848.58)
    assert "error" in call_tool(env, ctx, "add", {"a": "1", "b": 2})
    assert "error" in call_tool(env, ctx, "multiply", {"a": True, "b": 2})
    assert "overflow" in call_tool(env, ctx, "multiply", {"a": 1e308, "b": 10})["error"]


@pytest.mark.parametrize(
    "name,args,fragment",
    [
        ("sell_everything", {}, "unknown tool"),
        ("buy", {"symbol": "AAPL"}, "missing argument(s): amount"),
        ("buy", {"symbol": "AAPL", "amount": 1, "signature": "other"}, "unexpected argument(s): signature"),
        ("get_price_local", {"symbol": 5, "date": DAY}, "must be a string"),
        ("get_information", {"query": ["x"]}, "must be a string"),
        ("add", "1,2", "must be a JSON object"),
    ],
)
def test_bad_calls_are_errors_not_exceptions(env, name, args, fragment):
    ctx = open_session(env, "m", DAY)
    assert fragment in call_tool(env, ctx, name, args)["error"]


def test_specs_match_ai_trader_names_and_arguments():
    got = {s["function"]["name"]: s["function"]["parameters"] for s in TOOL_SPECS}
    expected = {
        "add": {"a": "number", "b": "number"},
        "multiply": {"a": "number", "b": "number"},
        "get_information": {"query": "string"},
        "buy": {"symbol": "string", "amount": "integer"},
        "sell": {"symbol": "string", "amount": "integer"},
        "get_price_local": {"symbol": "string", "date": "string"},
    }
    assert {n: {k: v["type"] for k, v in p["properties"].items()} for n, p in got.items()} == expected
    assert all(p["required"] == list(expected[n]) for n, p in got.items())
    assert sorted(sum(TOOL_SERVERS.values(), [])) == sorted(expected)


def test_in_process_toolbox_counts_usage(env):
    ctx = open_session(env, "m", DAY)
    tb = InProcessToolbox(env, ctx)
    assert [s["function"]["name"] for s in tb.specs()] == [s["function"]["name"] for s in TOOL_SPECS]
    out = asyncio.run(tb.call("buy", {"symbol": "AAPL", "amount": 1}))
    assert out["AAPL"] == 1
    asyncio.run(tb.call("nope", {}))
    assert tb.usage == {"buy": 1, "nope": 1}


# ---- news (invariant 4) --------------------------------------------------------------------------------------------


def _feed(tmp_path, stamps):
    feed = [
        {
            "title": f"Apple news {s}",
            "url": f"https://x/{s}",
            "time_published": s,
            "summary": "iPhone sales",
            "source": "Wire",
            "ticker_sentiment": [{"ticker": "AAPL"}],
        }
        for s in stamps
    ]
    p = tmp_path / "news.json"
    p.write_text(json.dumps({"feed": feed}))
    return p


def test_news_strictly_before_0930_new_york(env, tmp_path):
    path = _feed(
        tmp_path, ["20251015T092959", "20251015T093000", "20251015T120000", "20251016T080000", "20251014T160000"]
    )
    env.news = LocalNewsProvider(path)
    ctx = open_session(env, "m", "2025-10-15")
    text = call_tool(env, ctx, "get_information", {"query": "AAPL apple"})
    assert "20251015T092959" in text and "20251014T160000" in text
    for later in ("20251015T093000", "20251015T120000", "20251016T080000"):
        assert later not in text
    assert "Time: 2025-10-15T13:29:59Z" in text  # 09:29:59 EDT
    assert f.news_cutoff_utc("2025-12-15") == "2025-12-15T14:30:00Z"  # EST in winter


def test_news_from_the_sample_respects_the_cutoff(env):
    ctx = open_session(env, "m", "2025-10-14")
    text = call_tool(env, ctx, "get_information", {"query": "bitcoin stablecoin"})
    assert "Winklevoss" in text  # 2025-10-13 13:00
    assert "Brazilian stablecoin" not in text  # 2025-10-14 21:18, after the cut-off


def test_no_provider_means_no_news(env):
    env.news = None
    ctx = open_session(env, "m", DAY)
    assert "No news available" in call_tool(env, ctx, "get_information", {"query": "AAPL"})
