"""Cash dividends (ledger/corporate.apply_dividends): recorded from a corporate-actions CSV (`ai-trader data import
--actions`), credited at the start of the ex-date to the shares held at the previous close, as a ledger event in the
day's transaction, visible in /results and position.jsonl and named in the prompt; get_price_local marks
cum-dividend prices. Numbers recomputed here from the packaged CSV."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from ai_trader.agents.prompts import system_prompt
from ai_trader.errors import InvalidData
from ai_trader.exports import position_path
from ai_trader.ledger.corporate import apply_actions, apply_dividends, apply_splits
from ai_trader.ledger.rules import Book
from ai_trader.market.actions import import_actions
from ai_trader.service.results import results_for_date
from ai_trader.store import ledger
from ai_trader.store.sources import list_actions
from ai_trader.tools.actions_view import ActionsView
from tests.integration.jobs.continuity import export_problems, ledger_problems
from tests.support.exports import read_jsonl, run_days
from tests.support.packaged import bar, cents

from .fixtures import Scripted

pytestmark = pytest.mark.both_engines

AMOUNT = Decimal("0.26")  # AAPL's cash dividend per share, ex-date 2025-08-11 here


def record(env, tmp_path, text: str):
    path = tmp_path / "actions.csv"
    path.write_text(text)
    return import_actions(env.store, path)


def test_a_dividend_is_credited_on_the_ex_date_to_the_shares_held_at_the_previous_close(env, tmp_path):
    rep = record(
        env, tmp_path, f"symbol,effective_date,kind,ratio,amount,note\nAAPL,2025-08-11,dividend,,{AMOUNT},q3\n"
    )
    assert (rep.splits, rep.dividends) == (0, 1)
    buy = Scripted([("buy", {"symbol": "AAPL", "amount": 7})])
    ex_day = Scripted()
    run_days(env, "holder", [("2025-08-08", buy), ("2025-08-11", ex_day)], tmp_path)

    b8, b11 = bar("AAPL", "2025-08-08"), bar("AAPL", "2025-08-11")
    cash8 = cents(Decimal(10_000) - 7 * b8["open"])
    credited = cents(7 * AMOUNT)  # 1.82
    cash11 = cents(Decimal(str(cash8)) + Decimal(str(credited)))
    with env.store.read() as conn:
        d8, d11 = ledger.model_days(conn, "holder")
    assert (d8.positions, d8.cash) == ({"AAPL": 7}, cash8)
    assert (d11.positions, d11.cash) == ({"AAPL": 7}, cash11)
    value8 = Decimal(str(cash8)) + 7 * b8["close"]
    value11 = Decimal(str(cash11)) + 7 * b11["close"]
    assert d11.portfolio_value == cents(value11)
    assert d11.profit == cents(value11 - value8)  # = 7 x (close_11 - close_8) + 7 x 0.26

    brief = ex_day.briefs[0]
    assert brief.cash == cash11  # credited before the session
    assert "AAPL paid a cash dividend of 0.26 per share: 1.82 credited for your 7 shares" in brief.splits_note
    assert "- Corporate actions today: AAPL paid a cash dividend" in system_prompt(brief)

    full = results_for_date(env.store, "2025-08-11", "holder", "full", agent_data_dir=tmp_path)["results"][0]
    assert full["corporate_actions"] == [
        {
            "kind": "dividend",
            "symbol": "AAPL",
            "ratio": 1.0,
            "shares_before": 7,
            "shares_after": 7,
            "cash": credited,
            "amount": float(AMOUNT),
        }
    ]
    lines = read_jsonl(position_path(tmp_path, "holder"))
    assert [x["this_action"]["action"] for x in lines[1:]] == ["buy", "dividend", "no_trade"]
    assert lines[2]["this_action"] == {
        "action": "dividend",
        "symbol": "AAPL",
        "amount": 0,
        "shares": 7,
        "per_share": float(AMOUNT),
        "cash": credited,
    }
    assert lines[2]["positions"] == lines[3]["positions"] == {"AAPL": 7, "CASH": cash11}
    assert ledger_problems(env.store, env.prices, "holder") == []  # the continuity checker replays the event
    assert export_problems(env.store, tmp_path, "holder") == []


def test_no_holding_no_dividend_and_a_missed_ex_date_is_credited_on_the_next_day(env, tmp_path):
    record(
        env, tmp_path, f"symbol,date,kind,amount\nAAPL,2025-08-11,dividend,{AMOUNT}\nMSFT,2025-08-11,dividend,0.83\n"
    )
    run_days(
        env, "gap", [("2025-08-08", Scripted([("buy", {"symbol": "AAPL", "amount": 3})])), ("2025-08-12", Scripted())]
    )
    with env.store.read() as conn:
        d8, d12 = ledger.model_days(conn, "gap")
    assert d12.cash == cents(Decimal(str(d8.cash)) + 3 * AMOUNT)  # MSFT was not held: nothing for it
    run_days(env, "cash-only", [("2025-08-11", Scripted())])
    with env.store.read() as conn:
        (only,) = ledger.model_days(conn, "cash-only")
    assert only.cash == 10_000.0


def test_dividend_arithmetic_rounds_to_cents_and_follows_a_same_day_split():
    book, events = apply_dividends(Book(100.0, {"ABC": 3, "XYZ": 5}), {"ABC": 0.125, "QQQ": 1.0})
    assert book == Book(cents(Decimal(100) + Decimal("0.375")), {"ABC": 3, "XYZ": 5})  # 0.375 -> 0.38
    assert [(e.symbol, e.cash, e.amount) for e in events] == [("ABC", 0.38, 0.125)]
    split, _ = apply_splits(Book(0.0, {"ABC": 3}), {"ABC": 2}, {"ABC": 10.0})
    after, (event,) = apply_dividends(split, {"ABC": 0.5})  # per share as traded on the ex-date: 6 x 0.5
    assert (after.cash, event.shares_before) == (3.0, 6)


def test_a_bad_actions_file_records_nothing(env, tmp_path):
    good = "MSFT,2025-08-11,split,2,\n"  # a good line first: the file is refused whole all the same
    for bad, says in (
        ("AAPL,2025-08-11,dividend,,\n", "actions.csv:3: a dividend needs an amount > 0"),
        ("AAPL,2025-08-11,bonus,,1\n", "actions.csv:3: kind must be split or dividend"),
        ("AAPL,2025-13-01,split,2,\n", "actions.csv:3: date is not a real calendar date"),
        ("AAPL,2025-08-11,split,0,\n", "actions.csv:3: a split needs a ratio > 0"),
    ):
        with pytest.raises(InvalidData, match=says):
            record(env, tmp_path, "symbol,effective_date,kind,ratio,amount\n" + good + bad)
    with pytest.raises(InvalidData, match="unrecognised header"):
        record(env, tmp_path, "symbol,when,kind\nAAPL,2025-08-11,split\n")
    with env.store.read() as conn:
        assert [a.symbol for a in list_actions(conn)] == ["ORLY"]  # the packaged split only


def test_actions_missed_between_runs_apply_in_date_order():
    """A dividend before a split (both on days the signature did not run) is paid on the pre-split shares."""
    days = [("2025-07-01", {}, {"ABC": 0.5}), ("2025-07-02", {"ABC": 1.5}, {}), ("2025-07-03", {}, {"ABC": 0.25})]
    book, events = apply_actions(Book(0.0, {"ABC": 3}), days, {"ABC": 40.0})
    # 3 x 0.5 = 1.50; then floor(3 x 1.5) = 4 shares and 0.5 x 40 = 20.00 paid; then 4 x 0.25 = 1.00
    assert book == Book(22.5, {"ABC": 4})
    assert [(e.kind, e.shares_before, e.shares_after, e.cash) for e in events] == [
        ("dividend", 3, 3, 1.5),
        ("split", 3, 4, 20.0),
        ("dividend", 4, 4, 1.0),
    ]


def test_get_price_local_marks_a_cum_dividend_price_with_the_dividend_and_its_ex_date(env, tmp_path):
    record(
        env, tmp_path, f"symbol,date,kind,amount\nAAPL,2025-08-11,dividend,{AMOUNT}\nMSFT,2025-08-11,dividend,0.83\n"
    )
    lookups = [
        [("get_price_local", {"symbol": "AAPL", "date": "2025-08-07"})],
        [("get_price_local", {"symbol": "AAPL", "date": d}) for d in ("2025-08-08", "2025-08-11", "2025-08-12")],
        [("get_price_local", {"symbol": s, "date": "2025-06-09"}) for s in ("ORLY", "MSFT")],  # ORLY: pre-split
    ]
    dates = ("2025-08-08", "2025-08-12", "2025-08-13")
    before, looks_back, older = (Scripted(x) for x in lookups)
    run_days(env, "reader", list(zip(dates, (before, looks_back, older), strict=True)))
    # a job's worker answers from its snapshot of the actions (tools/actions_view.py): exactly the same answers
    snap = [Scripted(x) for x in lookups]
    job_env = dataclasses.replace(env, actions=ActionsView.load(env.store))
    run_days(job_env, "reader-2", list(zip(dates, snap, strict=True)))
    assert [x.results for x in snap] == [before.results, looks_back.results, older.results]
    assert "pre-split price" in older.results[0]["split_note"] and "split_note" not in older.results[1]
    plain = {"symbol", "date", "open", "high", "low", "close", "volume"}
    assert set(before.results[0]) == plain  # the ex-date is after the session day: not revealed
    cum, ex, today = looks_back.results
    b8, b11 = bar("AAPL", "2025-08-08"), bar("AAPL", "2025-08-11")
    assert cum["close"] == float(b8["close"])  # the price itself is unchanged, only marked
    assert cum["dividends"] == [{"ex_date": "2025-08-11", "per_share": float(AMOUNT)}]  # MSFT's is not AAPL's
    assert "cum-dividend price" in cum["dividend_note"] and "ex-date 2025-08-11" in cum["dividend_note"]
    assert f"subtract {float(AMOUNT):g}" in cum["dividend_note"]
    assert set(ex) == plain and ex["open"] == float(b11["open"])  # the ex-date's own prices are ex-dividend
    assert set(today) == plain | {"note"}  # session day: open only, no dividend mark
