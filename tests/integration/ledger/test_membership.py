"""The point-in-time universe (market/membership.py): with an index membership recorded, the tradable set of a day
is its members that day ∩ the symbols with a bar that day; the prompt and `buy` use it, a holding of a symbol that
left the index can still be sold; without one, the static universe (the packaged data's 101 symbols)."""

from __future__ import annotations

import asyncio
import csv
import io
from decimal import ROUND_HALF_EVEN, Decimal

import index_constitution
import pytest

from ai_trader.agents.prompts import system_prompt
from ai_trader.errors import InvalidData
from ai_trader.jobs.executor import execute_model_day
from ai_trader.market.membership import import_membership
from ai_trader.market.packaged import packaged_text
from ai_trader.market.prices import Bar, PriceView
from ai_trader.store import ledger
from ai_trader.tools.context import ToolEnv

from .fixtures import Scripted

pytestmark = pytest.mark.both_engines

MEMBERSHIP = (
    "symbol,start_date,end_date\n"
    "AAPL,2020-01-01,2025-06-11\n"  # leaves: its last day as a member is 2025-06-10
    "MSFT,2020-01-01,\n"
    "NVDA,2025-06-11,\n"  # joins on 2025-06-11
)


def D(x: float | int) -> Decimal:
    return Decimal(str(x))


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), ROUND_HALF_EVEN)


def opens_of(date: str) -> dict[str, float]:
    return {r["symbol"]: float(r["open"]) for r in csv.DictReader(io.StringIO(packaged_text())) if r["date"] == date}


def with_membership(env: ToolEnv, tmp_path, text: str = MEMBERSHIP) -> ToolEnv:
    path = tmp_path / "members.csv"
    path.write_text(text)
    import_membership(env.store, str(path))
    return ToolEnv(store=env.store, prices=PriceView.load(env.store), news=env.news)


def run_day(env, signature, date, competitor):
    return asyncio.run(
        execute_model_day(
            env, job_id=None, signature=signature, date=date, competitor=competitor, initial_cash=10_000.0, timeout_s=30
        )
    )


def test_the_day_s_members_with_a_bar_are_what_the_prompt_lists_and_buy_accepts(env, tmp_path):
    env = with_membership(env, tmp_path)
    assert env.prices.tradable_on("2025-06-10") == ("AAPL", "MSFT")
    assert env.prices.tradable_on("2025-06-11") == ("MSFT", "NVDA")
    day10 = Scripted([("buy", {"symbol": "AAPL", "amount": 5}), ("buy", {"symbol": "NVDA", "amount": 1})])
    run_day(env, "pit", "2025-06-10", day10)
    assert day10.results[1]["error"].startswith("NVDA cannot be bought on 2025-06-10: not an index member that day")
    brief = day10.briefs[0]
    o10 = opens_of("2025-06-10")
    assert brief.tradable == ("AAPL", "MSFT")
    assert brief.today_opens == {"AAPL": o10["AAPL"], "MSFT": o10["MSFT"]}
    assert set(brief.prev_closes) == {"AAPL", "MSFT"}
    assert '"NVDA"' not in system_prompt(brief) and '"AAPL"' in system_prompt(brief)

    day11 = Scripted(
        [
            ("buy", {"symbol": "AAPL", "amount": 1}),  # left the index: no more buying
            ("sell", {"symbol": "AAPL", "amount": 5}),  # but the holding can be sold
            ("buy", {"symbol": "NVDA", "amount": 2}),
        ]
    )
    run_day(env, "pit", "2025-06-11", day11)
    b11 = day11.briefs[0]
    assert b11.tradable == ("MSFT", "NVDA") and b11.positions == {"AAPL": 5}
    assert set(b11.today_opens) == {"AAPL", "MSFT", "NVDA"}  # the holding's price is shown: it can be sold
    assert "AAPL cannot be bought on 2025-06-11" in day11.results[0]["error"]
    assert "error" not in day11.results[1] and "error" not in day11.results[2]
    o11 = opens_of("2025-06-11")
    with env.store.read() as conn:
        d10, d11 = ledger.model_days(conn, "pit")
    cash10 = cents(D(10_000) - 5 * D(o10["AAPL"]))
    assert (d10.positions, d10.cash) == ({"AAPL": 5}, float(cash10))
    assert d11.positions == {"NVDA": 2}
    assert d11.cash == float(cents(cents(cash10 + 5 * D(o11["AAPL"])) - 2 * D(o11["NVDA"])))  # cents after each trade


def test_a_member_without_a_bar_that_day_is_not_tradable_and_no_membership_means_the_static_universe():
    bars = [Bar("AAA", "2025-06-10", 1.0, 1.0, 1.0, 1.0, 1), Bar("BBB", "2025-06-11", 2.0, 2.0, 2.0, 2.0, 1)]
    bars += [Bar("AAA", "2025-06-11", 1.0, 1.0, 1.0, 1.0, 1)]
    spans = {"AAA": (("2025-01-01", None),), "BBB": (("2025-01-01", None),)}
    view = PriceView(bars, ("AAA", "BBB"), None, membership=spans)
    assert view.tradable_on("2025-06-10") == ("AAA",)  # BBB is a member but has no bar on 06-10
    assert view.tradable_on("2025-06-11") == ("AAA", "BBB")
    static = PriceView(bars, ("AAA", "BBB"), None)
    assert static.tradable_on("2025-06-10") == ("AAA", "BBB") == static.tradable


def test_index_constitution_s_nasdaq_100_history_gives_each_day_its_members(env, prices):
    import_membership(env.store, "index-constitution")
    view = PriceView.load(env.store)
    for date in ("2025-06-10", "2025-10-30"):
        members = set(index_constitution.constituents_at("nasdaq100", date)["symbol"])
        with_bar = set(opens_of(date))
        assert set(view.tradable_on(date)) == members & with_bar & set(prices.tradable)
    assert view.tradable_on("2025-06-10") != view.tradable_on("2025-10-30")  # the index changed in between
    assert prices.tradable_on("2025-06-10") == prices.tradable  # the packaged default: the static 101 symbols
    assert len(prices.tradable) == 101


def test_a_bad_membership_file_is_refused_whole(env, tmp_path):
    for text, says in (
        ("symbol,start_date,end_date\nAAPL,2025-06-11,2025-06-10\n", "members.csv:2: end_date 2025-06-10 is not after"),
        ("symbol,start_date,end_date\nAAPL,2020-01-01,\nAAPL,2024-01-01,\n", "overlaps"),
        ("symbol,from\nAAPL,2020-01-01\n", "unrecognised header"),
    ):
        with pytest.raises(InvalidData, match=says):
            with_membership(env, tmp_path, text)
    assert PriceView.load(env.store).membership is None
