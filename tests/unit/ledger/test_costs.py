"""Trading costs (agent_config commission_bps / commission_min / slippage_bps, the flat fee): each rule with numbers
computed here from README's formulas, the affordability check with costs, their validation and the prompt line."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from ai_trader.agents.base import DayBrief
from ai_trader.agents.prompts import system_prompt
from ai_trader.config import parse_config
from ai_trader.errors import InvalidConfig
from ai_trader.ledger.rules import Book, Costs, TradeRefused, apply_trade

D = Decimal


def cents(x: Decimal) -> float:
    return float(x.quantize(D("0.01"), rounding=ROUND_HALF_EVEN))


def test_a_buy_fills_above_the_open_and_pays_commission_slippage_and_fee():
    costs = Costs(commission_bps=10, commission_min=1, slippage_bps=5)
    book, fill = apply_trade(Book(10_000.0), "buy", "AAPL", 10, 200.0, fee=0.5, costs=costs)
    fill_p = D("200") * (1 + D(5) / 10000)  # 200.1
    slippage = D("200") * 10 * D(5) / 10000  # 1.0
    commission = max(D(1), fill_p * 10 * D(10) / 10000)  # 2.001
    assert fill.fill_price == float(fill_p) == 200.1
    assert (fill.price, fill.total) == (200.0, 2000.0)  # the old fields keep their meaning: the open, amount * open
    assert (fill.slippage, fill.commission, fill.fee) == (float(slippage), float(commission), 0.5)
    assert book.cash == fill.cash_after == cents(D(10_000) - D(2000) - slippage - commission - D("0.5")) == 7996.5
    assert book.positions == {"AAPL": 10}


def test_a_sell_fills_below_the_open_and_the_minimum_commission_applies_to_a_small_trade():
    costs = Costs(commission_bps=10, commission_min=1, slippage_bps=25)
    book, fill = apply_trade(Book(0.0, {"XYZ": 3}), "sell", "XYZ", 2, 41.37, costs=costs)
    fill_p = D("41.37") * (1 - D(25) / 10000)
    assert fill.fill_price == float(fill_p)
    assert fill.commission == 1.0  # 0.1 % of 82.53... is 0.08: the minimum of 1 is charged
    assert fill.slippage == float(D("41.37") * 2 * D(25) / 10000)
    assert book.cash == cents(D("41.37") * 2 - D("41.37") * 2 * D(25) / 10000 - 1) == 81.53
    assert book.positions == {"XYZ": 1}


def test_costs_are_part_of_the_affordability_check():
    frictionless_book, _ = apply_trade(Book(2000.0), "buy", "AAPL", 10, 200.0)
    assert frictionless_book.cash == 0.0  # exactly affordable without costs
    with pytest.raises(TradeRefused, match="insufficient cash") as err:
        apply_trade(Book(2000.0), "buy", "AAPL", 10, 200.0, costs=Costs(slippage_bps=1))
    assert err.value.details["required"] == float(D(2000) + D(2000) * D(1) / 10000)  # 2000.2
    with pytest.raises(TradeRefused, match="costs"):  # a sale whose costs exceed cash + proceeds
        apply_trade(Book(0.0, {"P": 1}), "sell", "P", 1, 0.5, costs=Costs(commission_min=1))


def test_zero_costs_are_the_frictionless_engine():
    plain = apply_trade(Book(1000.0), "buy", "AAPL", 3, 201.07, fee=0.25)
    with_zero = apply_trade(Book(1000.0), "buy", "AAPL", 3, 201.07, fee=0.25, costs=Costs(0, 0, 0))
    assert plain == with_zero
    assert plain[1].fill_price == 201.07 and plain[1].commission == plain[1].slippage == 0.0


def config(**agent):
    return {"date_range": {"init_date": "2025-06-09"}, "models": [{"signature": "m", "provider": "baseline",
            "strategy": "cash"}], "agent_config": agent}  # fmt: skip


def test_costs_are_validated_in_agent_config():
    assert parse_config(config()).agent_config.costs() == Costs()
    c = parse_config(config(commission_bps=2.5, commission_min=1, slippage_bps=5)).agent_config
    assert c.costs() == Costs(2.5, 1.0, 5.0)
    with pytest.raises(InvalidConfig) as err:
        parse_config(config(commission_bps=-1, commission_min="1", slippage_bps=10_001))
    locations = {p["location"] for p in err.value.details["problems"]}
    assert locations == {"agent_config.commission_bps", "agent_config.commission_min", "agent_config.slippage_bps"}


BRIEF = DayBrief("m", "2025-06-10", 100.0, {}, "2025-06-09", {"A": 1.0}, {"A": 1.5}, ("A",))


def test_the_prompt_states_the_costs_and_is_unchanged_without_them():
    plain = system_prompt(BRIEF)
    assert "Trading costs" not in plain
    note = Costs(10, 1, 5).describe(0.5)
    with_costs = system_prompt(dataclasses.replace(BRIEF, costs_note=note))
    assert "- Trading costs: buys fill 5 bps above the open and sells 5 bps below; each trade pays a commission of " \
        "10 bps of its value (at least 1); each trade pays a flat fee of 0.5" in with_costs  # fmt: skip
    assert (
        with_costs.replace("\n- Trading costs: " + note + "; you cannot buy unless cash covers them too.", "") == plain
    )
    assert Costs().describe() == ""


def test_cost_sensitivity_deducts_each_trade_day_cost_and_carries_it_forward():
    from ai_trader.ledger.sensitivity import cost_sensitivity, revalued

    values = [("d1", 10_000.0), ("d2", 10_100.0), ("d3", 10_050.0)]
    notional = {"d1": 8_000.0, "d3": 2_000.0}  # buys and sells of each day, amount * price
    assert revalued(values, notional, 10) == [10_000 - 8.0, 10_100 - 8.0, 10_050 - 8.0 - 2.0]
    out = cost_sensitivity(values, 10_000.0, notional)
    by_bps = {s["bps_per_side"]: s["cumulative_return"] for s in out["cost_sensitivity"]}
    assert by_bps == pytest.approx({0: 0.005, 5: (10_050 - 5.0) / 10_000 - 1, 10: (10_050 - 10.0) / 10_000 - 1,
                                    25: (10_050 - 25.0) / 10_000 - 1})  # fmt: skip
    assert out["turnover"] == pytest.approx(10_000 / ((10_000 + 10_100 + 10_050) / 3))
    assert cost_sensitivity([], 10_000.0, {})["turnover"] == 0.0
