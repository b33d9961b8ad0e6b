"""Trading calendar: XNYS sessions intersected with the dates that have bars."""

import datetime as dt

from ai_trader.market.calendar import TradingCalendar, exchange_sessions
from ai_trader.market.prices import Bar, PriceView


def test_exchange_sessions_skip_weekends_and_holidays():
    days = exchange_sessions("2025-06-30", "2025-07-08")
    assert days == ["2025-06-30", "2025-07-01", "2025-07-02", "2025-07-03", "2025-07-07", "2025-07-08"]
    assert "2025-06-19" not in exchange_sessions("2025-06-16", "2025-06-20")
    assert "2025-09-01" not in exchange_sessions("2025-08-29", "2025-09-02")
    assert exchange_sessions("2025-07-08", "2025-07-01") == []


def test_dates_with_bars_that_are_not_sessions_are_not_trading_days():
    cal = TradingCalendar.from_bar_dates(["2025-07-03", "2025-07-04", "2025-07-05", "2025-07-07"])
    assert cal.days == ("2025-07-03", "2025-07-07")
    assert not cal.is_trading_day("2025-07-04")


def test_sessions_without_bars_are_not_trading_days():
    cal = TradingCalendar.from_bar_dates(["2025-07-01", "2025-07-03"])
    assert cal.trading_days() == ["2025-07-01", "2025-07-03"]
    assert cal.next_trading_day("2025-07-01") == "2025-07-03"


def _view(dates):
    bars = [Bar("AAA", d, 10.0, 11.0, 9.0, 10.5, 100) for d in dates]
    return PriceView(bars, ("AAA",), None)


def test_previous_next_and_most_recent_across_weekend_and_holiday():
    v = _view(["2025-07-02", "2025-07-03", "2025-07-07", "2025-07-08", "2025-08-29", "2025-09-02"])
    # holiday Friday 2025-07-04 + weekend
    assert v.previous_trading_day("2025-07-07") == "2025-07-03"
    assert v.next_trading_day("2025-07-03") == "2025-07-07"
    assert v.previous_trading_day("2025-07-05") == "2025-07-03"  # from a non-trading day
    assert v.next_trading_day("2025-07-04") == "2025-07-07"
    # Labor Day 2025-09-01
    assert v.most_recent_trading_day(dt.date(2025, 9, 1)) == "2025-08-29"
    assert v.most_recent_trading_day(dt.date(2025, 9, 2)) == "2025-09-02"
    assert v.most_recent_trading_day(dt.date(2025, 7, 6)) == "2025-07-03"
    # ends
    assert v.previous_trading_day("2025-07-02") is None
    assert v.next_trading_day("2025-09-02") is None
    assert v.most_recent_trading_day(dt.date(2025, 7, 1)) is None
    assert v.trading_days("2025-07-03", "2025-07-07") == ["2025-07-03", "2025-07-07"]
    assert v.trading_days(end="2025-07-03") == ["2025-07-02", "2025-07-03"]
    assert not v.is_trading_day("2025-07-04")
