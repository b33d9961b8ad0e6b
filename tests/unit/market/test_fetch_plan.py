"""Fetch planning rules (exchange calendar, outputsize, catch-up calendar), response classification, the
persisted budget rule and the pacer with an injected clock (nothing really sleeps)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from ai_trader.market.alphavantage import COMPACT, FULL, SymbolFailure, TransientError, classify
from ai_trader.market.fetch_plan import CatchUpCalendarView, needed_through, outputsize, plan_fetch
from ai_trader.market.pacing import BudgetExhausted, Pacer
from ai_trader.market.prices import Bar, PriceView
from ai_trader.store import Store

NY = dt.timezone(dt.timedelta(hours=-4))  # New York in October (EDT)


def at(y, m, d, hh, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=NY)


@pytest.mark.parametrize(
    "today,now,expected",
    [
        ("2025-10-30", at(2025, 10, 30, 16, 0), "2025-10-30"),  # closed at 16:00
        ("2025-10-30", at(2025, 10, 30, 15, 59), "2025-10-29"),  # still open: yesterday
        ("2025-11-01", at(2025, 11, 1, 12), "2025-10-31"),  # Saturday: Friday
        ("2025-07-04", at(2025, 7, 4, 18), "2025-07-03"),  # Independence Day: the day before
        ("2025-09-02", at(2025, 9, 2, 9), "2025-08-29"),  # before the open on the day after Labor Day
        ("2025-10-30", at(2026, 1, 1, 0), "2025-10-30"),  # a past 'today' is closed
    ],
)
def test_needed_through_is_the_last_closed_session(today, now, expected):
    assert needed_through(dt.date.fromisoformat(today), now) == expected


WEEK = {"2025-06-30", "2025-07-01", "2025-07-02", "2025-07-03", "2025-07-07", "2025-07-08"}


def test_weekend_and_holiday_are_never_needed():
    needs = plan_fetch(
        ["AAA", "BBB"],
        {"AAA": WEEK, "BBB": WEEK - {"2025-07-07"}},
        WEEK,
        start="2025-07-03",
        end="2025-07-08",
        through="2025-07-08",
        today=dt.date(2025, 7, 8),
    )
    assert [(n.symbol, n.missing, n.outputsize) for n in needs] == [
        ("AAA", (), None),
        ("BBB", ("2025-07-07",), COMPACT),
    ]


def test_after_the_store_the_exchange_calendar_decides_and_inside_it_the_store_does():
    have = {"AAA": {"2025-06-30", "2025-07-01", "2025-07-03"}}
    # 07-02 has no bar of any symbol (inside the store's range): not needed; 07-07/07-08 (after it) are sessions
    needs = plan_fetch(
        ["AAA"], have, have["AAA"], start=None, end=None, through="2025-07-08", today=dt.date(2025, 7, 8)
    )
    assert needs[0].missing == ("2025-07-07", "2025-07-08")
    # a symbol without bars: the store's range; an empty store: just the last closed session
    assert plan_fetch(
        ["NEW"], have, have["AAA"], start=None, end=None, through="2025-07-03", today=dt.date(2025, 7, 8)
    )[0].missing == ("2025-06-30", "2025-07-01", "2025-07-03")
    assert plan_fetch(["NEW"], {}, (), start=None, end=None, through="2025-07-03", today=dt.date(2025, 7, 8))[
        0
    ].missing == ("2025-07-03",)


def test_outputsize_compact_under_100_trading_days():
    today = dt.date(2025, 10, 30)
    assert outputsize("2025-06-11", today) == COMPACT  # 99 sessions up to today
    assert outputsize("2025-06-10", today) == FULL  # 100 sessions: the oldest might fall off a compact answer


def test_catch_up_calendar_adds_the_sessions_after_the_store():
    view = PriceView([Bar("AAA", d, 1.0, 1.0, 1.0, 1.0, 1) for d in ("2025-06-30", "2025-07-01")], ("AAA",), None)
    cv = CatchUpCalendarView(view, "2025-07-08")
    assert cv.trading_days("2025-07-01") == ["2025-07-01", "2025-07-02", "2025-07-03", "2025-07-07", "2025-07-08"]
    assert cv.most_recent_trading_day(dt.date(2025, 7, 5)) == "2025-07-03"
    assert cv.next_trading_day("2025-07-03") == "2025-07-07"
    assert cv.tradable == ("AAA",) and cv.open("AAA", "2025-07-01") == 1.0  # everything else: the wrapped view
    assert CatchUpCalendarView(PriceView([], (), None), "2025-07-08").trading_days() == []


@pytest.mark.parametrize(
    "status,body,error,kind",
    [
        (200, '{"Note": "Thank you for using Alpha Vantage! ... 5 calls per minute"}', SymbolFailure, "note"),
        (200, '{"Information": "rate limit is 25 requests per day"}', SymbolFailure, "information"),
        (200, '{"Error Message": "Invalid API call."}', SymbolFailure, "error_message"),
        (200, "<html>maintenance</html>", SymbolFailure, "http"),
        (404, "not found", SymbolFailure, "http"),
        (500, "oops", TransientError, "transient"),
        (503, "", TransientError, "transient"),
        (429, "", TransientError, "transient"),
    ],
)
def test_classify(status, body, error, kind):
    with pytest.raises(error) as exc:
        classify(status, body)
    assert exc.value.kind == kind


def test_classify_passes_a_series_through():
    body = '{"Meta Data": {"2. Symbol": "AAA"}, "Time Series (Daily)": {}}'
    assert classify(200, body) == body


class Clock:
    def __init__(self, t):
        self.t, self.sleeps = t, []

    def __call__(self):
        return self.t

    def sleep(self, s):
        self.sleeps.append(s)
        self.t += s


def test_pacer_spaces_requests_and_caps_the_day(tmp_path):
    clock = Clock(at(2025, 10, 30, 10).timestamp())
    store = Store(tmp_path / "db.sqlite")
    pacer = Pacer(store, per_minute=5, per_day=7, clock=clock, sleep=clock.sleep)
    times = []
    for i in range(7):
        pacer.acquire(f"S{i}")
        times.append(clock.t)
    assert [round(b - a, 6) for a, b in itertools.pairwise(times)] == [12.0] * 6
    with pytest.raises(BudgetExhausted, match="budget of 7 requests"):
        pacer.acquire("S7")
    assert pacer.used_today() == 7
    store.close()
    again = Store(tmp_path / "db.sqlite")  # a restart: the day's usage and the last request time survive
    p2 = Pacer(again, per_minute=5, per_day=8, clock=clock, sleep=clock.sleep)
    clock.sleeps.clear()
    p2.acquire("S8")
    assert clock.sleeps == [pytest.approx(12.0)] and p2.used_today() == 8
    clock.t = at(2025, 10, 31, 0, 1).timestamp()  # a new day in New York
    p2.acquire("S9")
    assert p2.used_today() == 1
    again.close()
