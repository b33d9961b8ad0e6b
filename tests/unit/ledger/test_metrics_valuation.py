"""Metrics and valuation against hand-computed examples."""

import math

import pytest

from ai_trader.ledger.metrics import compute_metrics, daily_returns, max_drawdown
from ai_trader.ledger.valuation import MissingPrice, daily_values, portfolio_value


def test_portfolio_value_is_cash_plus_shares_at_price():
    closes = {"AAPL": 201.7, "MSFT": 470.38}
    # exact decimals (binary floats would give 1000 + 605.1 + 940.76 = 2545.8599999999997)
    assert portfolio_value(1000.0, {"AAPL": 3, "MSFT": 2}, closes.get) == 2545.86


def test_portfolio_value_never_values_a_holding_at_zero():
    with pytest.raises(MissingPrice):
        portfolio_value(10.0, {"XYZ": 1}, {}.get)
    assert portfolio_value(10.0, {}, {}.get) == 10.0


def test_daily_values_profit_and_return():
    dv = daily_values(10150.5, 10000.0)
    assert (dv.portfolio_value, dv.profit, dv.return_pct) == (10150.5, 150.5, 1.505)
    dv = daily_values(9900.0, 10000.0)
    assert dv.profit == -100.0 and dv.return_pct == -1.0


def test_metrics_hand_computed():
    # initial 100 -> 110 -> 99 -> 108.9 : returns +10%, -10%, +10%
    values = [("d1", 110.0), ("d2", 99.0), ("d3", 108.9)]
    m = compute_metrics(values, 100.0, trades=4, start_date="d0")
    r = [0.10, -0.10, 0.10]
    assert daily_returns(100.0, [110.0, 99.0, 108.9]) == pytest.approx(r)
    assert m.days == 3 and m.trades == 4
    assert m.cumulative_return == pytest.approx(0.089)
    assert m.annualized_return == pytest.approx(1.089 ** (252 / 3) - 1)
    mean = 0.1 / 3
    sd = math.sqrt(sum((x - mean) ** 2 for x in r) / 2)  # sample stdev
    assert m.volatility == pytest.approx(sd * math.sqrt(252))
    assert m.sharpe == pytest.approx(mean / sd * math.sqrt(252))
    dd = math.sqrt(0.01 / 3)  # downside deviation: only the -10% day, over n
    assert m.sortino == pytest.approx(mean / dd * math.sqrt(252))
    assert m.max_drawdown == pytest.approx(-0.10)
    assert (m.max_drawdown_peak_date, m.max_drawdown_trough_date) == ("d1", "d2")
    assert m.calmar == pytest.approx(m.annualized_return / 0.10)
    assert m.win_rate == pytest.approx(2 / 3)


def test_risk_free_rate_lowers_sharpe():
    values = [("d1", 101.0), ("d2", 100.0), ("d3", 102.0)]
    base = compute_metrics(values, 100.0)
    with_rf = compute_metrics(values, 100.0, risk_free_rate=0.05)
    assert with_rf.sharpe < base.sharpe
    r = daily_returns(100.0, [101.0, 100.0, 102.0])
    ex = [x - 0.05 / 252 for x in r]
    mean = sum(ex) / 3
    sd = math.sqrt(sum((x - sum(r) / 3) ** 2 for x in r) / 2)
    assert with_rf.sharpe == pytest.approx(mean / sd * math.sqrt(252))


def test_drawdown_from_the_initial_value_and_no_drawdown():
    dd, peak, trough = max_drawdown(100.0, [("a", 90.0), ("b", 95.0), ("c", 80.0)], "start")
    assert dd == pytest.approx(-0.2) and (peak, trough) == ("start", "c")
    m = compute_metrics([("a", 101.0), ("b", 102.0)], 100.0)
    assert m.max_drawdown == 0 and m.calmar is None and m.sortino is None and m.win_rate == 1.0


def test_flat_and_single_day_series_have_undefined_ratios():
    m = compute_metrics([("a", 100.0)], 100.0)
    assert m.volatility is None and m.sharpe is None and m.cumulative_return == 0
    m = compute_metrics([("a", 100.0), ("b", 100.0)], 100.0)
    assert m.volatility == 0 and m.sharpe is None and m.win_rate == 0
    empty = compute_metrics([], 100.0)
    assert empty.days == 0 and empty.annualized_return is None and empty.to_dict()["end_value"] == 100.0
