"""`fetch_prices` against a real local HTTP server serving Alpha Vantage responses built from the packaged data."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from ai_trader.market.fetch import FetchOptions, fetch_prices
from ai_trader.market.status import budget_status, data_status
from ai_trader.store import Store
from ai_trader.store.sources import list_actions

from .fetch_support import FakeClock, av_settings, bars, seed

FULL = "2025-10-30"


@pytest.fixture
def clock():
    return FakeClock()


def run(store, settings, clock, **kw):
    return fetch_prices(store, settings, clock=clock, sleep=clock.sleep, **kw)


def test_only_symbols_missing_trading_days_are_fetched_compact(store, settings, av, clock, nasdaq_csv, tmp_path):
    seed(store, nasdaq_csv, tmp_path, {"AAPL": FULL, "MSFT": FULL, "QQQ": FULL, "NVDA": "2025-10-24"})
    report = run(store, av_settings(settings, av.url), clock)
    assert av.requests == [
        {
            "function": "TIME_SERIES_DAILY",
            "symbol": "NVDA",
            "outputsize": "compact",
            "datatype": "json",
            "apikey": "TESTKEY",
        }
    ]
    outcome = {o.symbol: o for o in report.outcomes}
    assert {s: o.status for s, o in outcome.items()} == {
        "AAPL": "current",
        "MSFT": "current",
        "NVDA": "fetched",
        "QQQ": "current",
    }
    assert outcome["NVDA"].added == 4 and outcome["NVDA"].missing == () and report.complete
    nvda = bars(store, "NVDA")
    src = av.bars["NVDA"]["2025-10-29"]
    assert nvda["2025-10-29"][:5] == (
        float(src["1. open"]),
        float(src["2. high"]),
        float(src["3. low"]),
        float(src["4. close"]),
        int(src["5. volume"]),
    )
    assert [d for d, b in nvda.items() if b[5]] == ["2025-10-30"]  # only the newest bar is provisional
    assert report.requests_today == 1 and report.budget_day == "2025-10-30"


def test_long_gap_or_new_symbol_uses_full_output(store, settings, av, clock, nasdaq_csv, tmp_path):
    seed(store, nasdaq_csv, tmp_path, {"AAPL": FULL, "QQQ": FULL, "NVDA": "2025-06-03"})
    report = run(store, av_settings(settings, av.url), clock, symbols=["NVDA", "AMD"])
    assert sorted((r["symbol"], r["outputsize"]) for r in av.requests) == [("AMD", "full"), ("NVDA", "full")]
    assert len(bars(store, "NVDA")) == len(av.bars["NVDA"]) and len(bars(store, "AMD")) == len(av.bars["AMD"])
    assert report.complete


def test_range_with_weekend_and_holiday_triggers_no_request(store, settings, av, clock, nasdaq_csv, tmp_path):
    seed(store, nasdaq_csv, tmp_path, {"AAPL": FULL, "MSFT": FULL, "QQQ": FULL})
    s = av_settings(settings, av.url)
    # 2025-07-03 .. 07-07: a holiday (07-04, Independence Day) and a weekend; the sessions 07-03 and 07-07 are stored
    report = run(store, s, clock, start="2025-07-03", end="2025-07-07")
    report2 = run(store, s, clock, start="2025-08-29", end="2025-09-02")  # weekend + Labor Day 09-01
    assert av.requests == []
    assert {o.status for o in report.outcomes + report2.outcomes} == {"current"}
    assert run(store, s, clock).by_status("current") and av.requests == []  # default range: nothing either


def test_error_bodies_and_http_errors_fail_only_their_symbol(store, settings, av, clock, nasdaq_csv, tmp_path):
    cut = "2025-10-24"
    seed(store, nasdaq_csv, tmp_path, dict.fromkeys(("AAPL", "MSFT", "NVDA", "AMZN", "QQQ"), cut))
    av.behaviour.update({"AAPL": "note", "MSFT": "information", "NVDA": "500", "AMZN": "500-once"})
    s = av_settings(settings, av.url, av_requests_per_minute=600_000)  # pacing waits well under a second
    report = run(store, s, clock, symbols=["AAPL", "MSFT", "NVDA", "AMZN", "QQQ", "ZZZZ"])
    o = {x.symbol: x for x in report.outcomes}
    assert o["AAPL"].status == "failed" and "Note" in o["AAPL"].message and o["AAPL"].requests == 1
    assert o["MSFT"].status == "failed" and "Information" in o["MSFT"].message
    assert "TESTKEY" not in o["MSFT"].message and "detected your API key as ***" in o["MSFT"].message
    assert o["ZZZZ"].status == "failed" and "Error Message" in o["ZZZZ"].message
    assert o["NVDA"].status == "failed" and "HTTP 500" in o["NVDA"].message and o["NVDA"].requests == 3
    assert o["AMZN"].status == "fetched" and o["AMZN"].requests == 2  # one 500, retried
    assert o["QQQ"].status == "fetched" and not o["QQQ"].missing
    for sym in ("AAPL", "MSFT", "NVDA"):  # nothing written for a failed symbol
        assert max(bars(store, sym)) == cut and not any(b[5] for b in bars(store, sym).values())
        assert o[sym].missing == ("2025-10-27", "2025-10-28", "2025-10-29", "2025-10-30")
    assert bars(store, "ZZZZ") == {}
    assert not report.complete
    assert report.requests_today == 1 + 1 + 1 + 3 + 2 + 1  # every attempt counts against the budget
    backoffs = [x for x in clock.sleeps if x >= 1]
    assert backoffs == [2, 2, 4]  # AMZN once, NVDA twice: exponential backoff, through the injected sleep


def test_slow_response_beyond_the_timeout_is_a_failure(store, settings, av, clock, nasdaq_csv, tmp_path):
    seed(store, nasdaq_csv, tmp_path, {"NVDA": "2025-10-24", "QQQ": FULL})
    av.behaviour["NVDA"], av.slow_s = "slow", 1.0
    report = run(store, av_settings(settings, av.url), clock, options=FetchOptions(timeout_s=0.2, attempts=2))
    o = {x.symbol: x for x in report.outcomes}["NVDA"]
    assert o.status == "failed" and "did not answer in time" in o.message and o.requests == 2
    assert max(bars(store, "NVDA")) == "2025-10-24"


def test_pacing_five_per_minute_and_daily_cap(store, settings, av, clock, nasdaq_csv, tmp_path, shared_bars):
    symbols = sorted(s for s in shared_bars if s != "QQQ")[:30]
    seed(store, nasdaq_csv, tmp_path, {**dict.fromkeys(symbols, "2025-10-28"), "QQQ": FULL})
    at: list[float] = []
    av.on_request = lambda sym: at.append(clock())
    report = run(store, av_settings(settings, av.url, av_requests_per_minute=5, av_requests_per_day=25), clock)
    assert len(av.requests) == 25 and len(report.by_status("fetched")) == 25
    skipped = report.by_status("skipped")
    assert len(skipped) == 5 and all("budget of 25 requests is used up" in o.message for o in skipped)
    gaps = [b - a for a, b in itertools.pairwise(at)]
    assert min(gaps) >= 12.0 - 1e-6  # 60 s / 5
    assert all(sum(1 for t in at if a <= t < a + 60) <= 5 for a in at)  # any 60 s window: at most 5
    assert at[-1] - at[0] == pytest.approx(24 * 12.0)
    now = dt.datetime.fromtimestamp(clock(), dt.UTC)
    assert budget_status(store, av_settings(settings, av.url), now=now).used == 25


def test_budget_survives_a_restart(settings, av, clock, nasdaq_csv, tmp_path):
    s = av_settings(settings, av.url, av_requests_per_day=3)
    first = Store(s.db_path)
    seed(first, nasdaq_csv, tmp_path, {**dict.fromkeys(("AAPL", "AMZN", "MSFT", "NVDA"), "2025-10-28"), "QQQ": FULL})
    assert len(run(first, s, clock).by_status("fetched")) == 3
    first.close()
    second = Store(s.db_path)  # a new process on the same file, same day
    try:
        report = run(second, s, clock)
        assert len(av.requests) == 3 and [o.symbol for o in report.by_status("skipped")] == ["NVDA"]
        assert report.requests_today == 3
        clock.t += 24 * 3600  # the next day in New York: a fresh budget
        nxt = run(second, s, clock, symbols=["NVDA"])
        assert [o.status for o in nxt.outcomes] == ["fetched"] and nxt.requests_today == 1
    finally:
        second.close()


def test_provisional_newest_bar_is_overwritten_by_the_next_fetch(store, settings, av, clock, nasdaq_csv, tmp_path):
    seed(store, nasdaq_csv, tmp_path, {"NVDA": "2025-10-24", "QQQ": FULL})
    s = av_settings(settings, av.url)
    clock.t -= 24 * 3600  # 2025-10-29 after the close: the 29th is the last closed session
    av.last_date = "2025-10-29"
    run(store, s, clock)
    assert bars(store, "NVDA")["2025-10-29"][5] == 1
    assert data_status(store).provisional == 1
    old = av.bars["NVDA"]["2025-10-29"]
    revised = dict(old, **{"4. close": old["3. low"], "2. high": "999"})  # still a valid bar
    av.overrides[("NVDA", "2025-10-29")] = revised
    clock.t += 24 * 3600
    av.last_date = "2025-10-30"
    report = run(store, s, clock)
    assert {o.symbol: o.updated for o in report.outcomes}["NVDA"] == 1
    nvda = bars(store, "NVDA")
    assert nvda["2025-10-29"][1:4] == (999.0, float(old["3. low"]), float(old["3. low"]))
    assert nvda["2025-10-29"][5] == 0  # revised value, final now
    assert nvda["2025-10-30"][5] == 1
    assert data_status(store).provisional == 1


def test_bars_of_a_session_not_yet_closed_are_not_stored(store, settings, av, nasdaq_csv, tmp_path):
    seed(store, nasdaq_csv, tmp_path, {"NVDA": "2025-10-24", "QQQ": FULL})
    clock = FakeClock(dt.datetime(2025, 10, 30, 19, 0, tzinfo=dt.UTC).timestamp())  # 15:00 New York
    report = run(store, av_settings(settings, av.url), clock)
    assert report.through == "2025-10-29"
    nvda = bars(store, "NVDA")
    assert max(nvda) == "2025-10-29" and nvda["2025-10-29"][5] == 1


def test_without_a_key_it_refuses_clearly(store, settings):
    from ai_trader.errors import FixTheRequest

    with pytest.raises(FixTheRequest, match="ALPHAADVANTAGE_API_KEY"):
        fetch_prices(store, settings)


def test_the_adjusted_endpoint_records_its_dividends_and_splits(store, settings, av, clock, nasdaq_csv, tmp_path):
    """ALPHAVANTAGE_DAILY_FUNCTION=TIME_SERIES_DAILY_ADJUSTED: the same bars, plus its dividend amounts and split
    coefficients on the stored days as corporate actions (the plain endpoint has neither field)."""
    seed(store, nasdaq_csv, tmp_path, {"AAPL": FULL, "MSFT": FULL, "QQQ": FULL, "NVDA": "2025-10-24"})
    av.dividends[("NVDA", "2025-10-28")] = "0.0100"
    av.dividends[("NVDA", "2025-06-05")] = "0.0100"  # before the days fetched (compact, from 10-27): not recorded
    av.split_coefficients[("NVDA", "2025-10-29")] = "2.0"
    adjusted = av_settings(settings, av.url, alphavantage_daily_function="TIME_SERIES_DAILY_ADJUSTED")
    report = run(store, adjusted, clock, start="2025-10-27")
    assert av.requests[0]["function"] == "TIME_SERIES_DAILY_ADJUSTED"
    nvda = bars(store, "NVDA")
    src = av.bars["NVDA"]["2025-10-29"]
    assert nvda["2025-10-29"][:5] == (
        float(src["1. open"]),
        float(src["2. high"]),
        float(src["3. low"]),
        float(src["4. close"]),
        int(src["5. volume"]),  # served as "6. volume" by the adjusted endpoint
    )
    assert report.complete
    with store.read() as conn:
        actions = [a for a in list_actions(conn) if a.symbol == "NVDA"]
    assert [(a.effective_date, a.kind, a.ratio, a.amount, a.source) for a in actions] == [
        ("2025-10-28", "dividend", None, 0.01, "alphavantage"),
        ("2025-10-29", "split", 2.0, None, "alphavantage"),
    ]
