"""Splits applied to holdings (ledger/corporate.py) on the packaged data's ORLY 15-for-1 split effective 2025-06-10:
a signature holding ORLY from 2025-06-09 holds 15x the shares on 2025-06-10 and its value moves only with the market
(recomputed here from the packaged CSV); the adjustment is a ledger event in /results and position.jsonl, the prompt
says so and get_price_local marks the pre-split prices."""

from __future__ import annotations

from decimal import Decimal

from ai_trader.agents.prompts import system_prompt
from ai_trader.exports import position_path
from ai_trader.ledger.corporate import apply_splits
from ai_trader.ledger.rules import Book
from ai_trader.service.results import results_for_date
from ai_trader.store import ledger
from tests.support.exports import read_jsonl, run_days
from tests.support.packaged import bar, cents

from .fixtures import Scripted


def test_holding_orly_through_its_split_keeps_the_value_moving_only_with_the_market(env, tmp_path):
    day1 = Scripted([("buy", {"symbol": "ORLY", "amount": 3})])
    day2 = Scripted([("get_price_local", {"symbol": "ORLY", "date": "2025-06-09"})])

    run_days(env, "holder", [("2025-06-09", day1), ("2025-06-10", day2)], tmp_path)
    b9, b10 = bar("ORLY", "2025-06-09"), bar("ORLY", "2025-06-10")
    cash = cents(Decimal(10_000) - 3 * b9["open"])
    with env.store.read() as conn:
        d9, d10 = ledger.model_days(conn, "holder")
    assert (d9.positions, d9.cash) == ({"ORLY": 3}, cash)
    assert (d10.positions, d10.cash) == ({"ORLY": 45}, cash)  # 3 x 15, no remainder, cash unchanged
    value9 = Decimal(str(cash)) + 3 * b9["close"]
    value10 = Decimal(str(cash)) + 45 * b10["close"]
    assert d9.portfolio_value == cents(value9)
    assert d10.portfolio_value == cents(value10)
    assert d10.profit == cents(value10 - value9)  # = 3 x (15 x close_10 - close_9): the market, not the split
    assert abs(d10.return_pct) < 5  # the apparent -93 % price move is gone

    brief = day2.briefs[0]
    assert brief.positions == {"ORLY": 45}
    assert "ORLY split 15-for-1 effective today (2025-06-10)" in brief.splits_note
    assert "your 3 shares became 45" in brief.splits_note
    assert "- Corporate actions today: ORLY split 15-for-1" in system_prompt(brief)
    pre = day2.results[0]
    assert pre["close"] == float(b9["close"]) and pre["split_factor"] == 15
    assert "pre-split price" in pre["split_note"]

    full = results_for_date(env.store, "2025-06-10", "holder", "full", agent_data_dir=tmp_path)["results"][0]
    assert full["corporate_actions"] == [
        {"kind": "split", "symbol": "ORLY", "ratio": 15.0, "shares_before": 3, "shares_after": 45, "cash": 0.0}
    ]
    lines = read_jsonl(position_path(tmp_path, "holder"))
    assert [x["this_action"]["action"] for x in lines[1:]] == ["buy", "split", "no_trade"]
    assert lines[2]["this_action"] == {"action": "split", "symbol": "ORLY", "amount": 42, "ratio": 15.0}
    assert lines[2]["positions"] == lines[3]["positions"] == {"ORLY": 45, "CASH": cash}
    assert [x["id"] for x in lines] == [0, 1, 2, 3]


def test_a_fractional_remainder_is_paid_in_cash_at_the_open():
    book, events = apply_splits(Book(100.0, {"ABC": 3, "XYZ": 5}), {"ABC": 1.5}, {"ABC": 40.25})
    assert book.positions == {"ABC": 4, "XYZ": 5}  # floor(3 x 1.5) = 4
    assert book.cash == cents(Decimal(100) + Decimal("0.5") * Decimal("40.25")) == 120.12  # 20.125 -> 20.12
    assert [(e.shares_before, e.shares_after, e.cash) for e in events] == [(3, 4, 20.12)]
    assert apply_splits(Book(1.0, {"XYZ": 5}), {"ABC": 2}, {}) == (Book(1.0, {"XYZ": 5}), [])


def test_a_split_on_a_day_the_signature_did_not_run_still_applies(env, tmp_path):
    run_days(
        env, "gap", [("2025-06-09", Scripted([("buy", {"symbol": "ORLY", "amount": 2})])), ("2025-06-11", Scripted())]
    )
    with env.store.read() as conn:
        d9, d11 = ledger.model_days(conn, "gap")
    assert (d9.positions, d11.positions, d11.cash) == ({"ORLY": 2}, {"ORLY": 30}, d9.cash)
