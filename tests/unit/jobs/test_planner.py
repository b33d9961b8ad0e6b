"""Which model-days a job contains (spec/jobs.md): resume, init date, explicit ranges, replace cascade, limits."""

from __future__ import annotations

import datetime as dt

import pytest

from ai_trader.config import parse_config
from ai_trader.errors import InvalidatesCommittedDays, InvalidDate, NoData, RangeTooLarge, UnknownModel
from ai_trader.jobs.planner import PlanRequest, plan_job
from ai_trader.market.prices import Bar, PriceView

# bars on every weekday 2025-06-30 .. 2025-07-11, including the 4 July holiday (which is no XNYS session)
BAR_DATES = [
    "2025-06-30",
    "2025-07-01",
    "2025-07-02",
    "2025-07-03",
    "2025-07-04",
    "2025-07-07",
    "2025-07-08",
    "2025-07-09",
    "2025-07-10",
    "2025-07-11",
]
TRADING = [d for d in BAR_DATES if d != "2025-07-04"]
TODAY = dt.date(2025, 7, 20)


@pytest.fixture(scope="module")
def prices() -> PriceView:
    bars = [Bar(s, d, 10.0, 11.0, 9.0, 10.5, 100) for s in ("AAA", "BBB") for d in BAR_DATES]
    return PriceView(bars, ("AAA", "BBB"), None)


@pytest.fixture
def config():
    return parse_config(
        {
            "date_range": {"init_date": "2025-06-30"},
            "models": [
                {"signature": "a", "provider": "baseline", "strategy": "cash"},
                {"signature": "b", "provider": "baseline", "strategy": "cash"},
                {"signature": "off", "provider": "baseline", "strategy": "cash", "enabled": False},
            ],
        }
    )


def plan(config, prices, completed=None, max_days=365, today=TODAY, **request):
    return plan_job(config, PlanRequest.parse(request), prices, completed or {}, today=today, max_days=max_days)


def test_new_signatures_start_the_trading_day_after_init_date(config, prices):
    p = plan(config, prices)
    assert p.days == {"a": TRADING[1:], "b": TRADING[1:]}
    assert "2025-07-04" not in p.date_range  # holiday with bars: never a trading day
    assert p.model_days[:2] == [("2025-07-01", "a"), ("2025-07-01", "b")]
    assert p.total == 16 and p.job_models == ["a", "b"] and p.warnings == []


def test_resume_after_each_signatures_last_completed_day(config, prices):
    p = plan(config, prices, completed={"a": TRADING[1:6], "b": TRADING[1:3]})
    assert p.days["a"] == TRADING[6:]
    assert p.days["b"] == TRADING[3:]


def test_default_end_is_most_recent_trading_day_not_after_today(config, prices):
    p = plan(config, prices, today=dt.date(2025, 7, 6))  # a Sunday after the holiday
    assert p.end_date == "2025-07-03"
    assert p.days["a"][-1] == "2025-07-03"


def test_nothing_to_do_is_an_empty_plan(config, prices):
    done = {"a": TRADING[1:], "b": TRADING[1:]}
    assert plan(config, prices, completed=done).total == 0


def test_explicit_range_runs_days_not_completed(config, prices):
    p = plan(config, prices, completed={"a": ["2025-07-03"]}, start_date="2025-07-03", end_date="2025-07-08")
    assert p.days["a"] == ["2025-07-07", "2025-07-08"]
    assert p.days["b"] == ["2025-07-03", "2025-07-07", "2025-07-08"]


@pytest.mark.parametrize(
    "completed,start,end,invalidated",
    [
        (["2025-07-07"], "2025-07-03", "2025-07-08", ["2025-07-07"]),  # a gap filled inside the range
        (["2025-07-01", "2025-07-08", "2025-07-09"], "2025-07-02", "2025-07-02", ["2025-07-08", "2025-07-09"]),
        (["2025-07-07", "2025-07-08"], "2025-06-30", "2025-07-03", ["2025-07-07", "2025-07-08"]),  # a back-fill
    ],
)
def test_a_day_before_committed_days_is_refused_naming_them(config, prices, completed, start, end, invalidated):
    with pytest.raises(InvalidatesCommittedDays) as err:
        plan(config, prices, completed={"a": completed}, start_date=start, end_date=end)
    assert err.value.status == 400
    assert err.value.details["invalidated"] == {"a": invalidated}
    assert ", ".join(invalidated) in err.value.message and '"replace_existing": true' in err.value.message
    # the same request with replace_existing re-runs them, named in the warnings
    p = plan(config, prices, completed={"a": completed}, start_date=start, end_date=end, replace_existing=True)
    assert set(invalidated) <= set(p.days["a"])
    past_end = [d for d in invalidated if d > end]  # the days re-run beyond the range are named in the warnings
    assert not past_end or any(", ".join(past_end) in w for w in p.warnings)


def test_starting_after_the_last_committed_day_carries_the_gap_over(config, prices):
    p = plan(config, prices, completed={"a": ["2025-07-01"]}, start_date="2025-07-08", end_date="2025-07-09")
    assert p.days["a"] == ["2025-07-08", "2025-07-09"]


def test_replace_existing_reruns_range_and_every_later_completed_day(config, prices):
    done = {"a": TRADING[1:]}
    p = plan(config, prices, completed=done, start_date="2025-07-07", end_date="2025-07-08", replace_existing=True)
    assert p.days["a"] == ["2025-07-07", "2025-07-08", "2025-07-09", "2025-07-10", "2025-07-11"]
    assert p.days["b"] == ["2025-07-07", "2025-07-08"]
    assert any("2025-07-09, 2025-07-10, 2025-07-11" in w for w in p.warnings)


def test_end_after_last_data_is_clamped_with_a_warning(config, prices):
    p = plan(config, prices, start_date="2025-07-10", end_date="2025-12-31")
    assert p.end_date == "2025-07-11"
    assert p.days["a"] == ["2025-07-10", "2025-07-11"]
    assert any("clamped to 2025-07-11" in w for w in p.warnings)


def test_model_subsets(config, prices):
    assert plan(config, prices, models=["b"]).job_models == ["b"]
    assert plan(config, prices, models=["off"]).job_models == ["off"]  # disabled but named: allowed
    assert plan(config, prices, models=[]).job_models == ["a", "b"]
    assert plan(config, prices, models=None).job_models == ["a", "b"]
    with pytest.raises(UnknownModel) as err:
        plan(config, prices, models=["a", "nope"])
    assert err.value.details["unknown"] == ["nope"]
    with pytest.raises(UnknownModel):
        plan(config, prices, models="a")


def test_range_too_large(config, prices):
    with pytest.raises(RangeTooLarge) as err:
        plan(config, prices, max_days=5)
    assert err.value.details == {"trading_days": 8, "max_simulation_days": 5}
    assert plan(config, prices, max_days=8).total == 16


@pytest.mark.parametrize(
    "request_",
    [
        {"start_date": "2025-07-08", "end_date": "2025-07-07"},
        {"start_date": "2025-7-8"},
        {"end_date": "2025-02-30"},
        {"start_date": "2025-08-01"},  # after the last trading day with data
    ],
)
def test_bad_dates(config, prices, request_):
    with pytest.raises(InvalidDate):
        plan(config, prices, **request_)


def test_no_price_data_is_a_clear_error(config):
    with pytest.raises(NoData):
        plan(config, PriceView([], (), None))


def test_a_catch_up_runs_past_the_configs_end_date_which_bounds_only_runs_that_pass_it():
    bounded = parse_config(
        {
            "date_range": {"init_date": "2025-06-30", "end_date": "2025-07-08"},
            "models": [{"signature": "a", "provider": "baseline", "strategy": "cash"}],
        }
    )
    bars = [Bar("AAA", d, 10.0, 11.0, 9.0, 10.5, 100) for d in BAR_DATES]
    pv = PriceView(bars, ("AAA",), None)
    p = plan(bounded, pv)  # the daily catch-up: through the most recent trading day with data
    assert p.days["a"][-1] == "2025-07-11" and p.warnings == []
    p = plan(bounded, pv, end_date=bounded.date_range.end_date)  # as `ai-trader run` asks by default
    assert p.days["a"][-1] == "2025-07-08" and p.warnings == []
    beyond = parse_config(
        {
            "date_range": {"init_date": "2025-06-30", "end_date": "2025-12-31"},
            "models": [{"signature": "a", "provider": "baseline", "strategy": "cash"}],
        }
    )
    p = plan(beyond, pv)
    assert p.days["a"][-1] == "2025-07-11" and p.warnings == []
    p = plan(beyond, pv, end_date="2025-12-31")  # asked explicitly: the clamp is reported
    assert p.days["a"][-1] == "2025-07-11" and any("clamped" in w for w in p.warnings)
