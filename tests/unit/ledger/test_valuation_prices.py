"""Valuation over a real PriceView: the close of the day, else the last earlier close (never 0)."""

import pytest

from ai_trader.agents.brief import build_brief
from ai_trader.ledger.valuation import MissingPrice, value_on
from ai_trader.market.prices import Bar, PriceView


@pytest.fixture
def prices():
    bars = [
        Bar("AAPL", "2025-07-01", 206.665, 210.0, 206.0, 207.82, 1),
        Bar("AAPL", "2025-07-02", 208.91, 213.34, 208.14, 212.44, 1),
        Bar("AAPL", "2025-07-03", 212.145, None, None, None, None),  # open only
        Bar("MSFT", "2025-07-01", 492.0, 495.0, 490.0, 491.09, 1),
        Bar("MSFT", "2025-07-03", 493.81, 500.13, 493.44, 498.84, 1),  # no bar on 07-02
        Bar("NEW", "2025-07-03", 10.0, None, None, None, None),  # listed today, open only
        Bar("QQQ", "2025-07-02", 546.16, 551.0, 546.12, 550.8, 1),
    ]
    return PriceView(bars, ("AAPL", "MSFT", "NEW"), "QQQ")


def test_missing_close_carries_the_last_earlier_close(prices):
    assert value_on(prices, "2025-07-02", 100.0, {"AAPL": 1, "MSFT": 2}) == round(100 + 212.44 + 2 * 491.09, 2)
    assert value_on(prices, "2025-07-03", 0.0, {"AAPL": 1, "MSFT": 1}) == round(212.44 + 498.84, 2)
    assert value_on(prices, "2025-07-03", 0.0, {"NEW": 3}) == 30.0  # no close ever: the fill price, not 0
    with pytest.raises(MissingPrice):
        value_on(prices, "2025-07-01", 0.0, {"NEW": 1})


def test_brief_shows_previous_closes_and_todays_opens(prices):
    b = build_brief(prices, "sig", "2025-07-03", 123.45, {"AAPL": 2, "MSFT": 0}, "job")
    assert b.prev_date == "2025-07-02" and b.positions == {"AAPL": 2}
    assert b.prev_closes == {"AAPL": 212.44}
    assert b.today_opens == {"AAPL": 212.145, "MSFT": 493.81, "NEW": 10.0}
    assert b.tradable == ("AAPL", "MSFT", "NEW") and b.job_id == "job"
    first = build_brief(prices, "sig", "2025-07-01", 1.0, {})
    assert first.prev_date is None and first.prev_closes == {}
