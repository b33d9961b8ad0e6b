"""The daily_simulation flow's steps, in order, against the stand-in service and real PostgreSQL:
trigger -> poll loop -> store (or fail) -> read back performance and timeseries."""

from __future__ import annotations

import pytest

from tests.windmill.conftest import load_script
from tests.windmill.flow_walker import FlowFailed, Walker
from tests.windmill.standin_api import make_job


@pytest.fixture
def walker(bun, run_ts, standin, table):
    def build():
        return Walker(
            bun,
            run_ts,
            resources={"f/ai_trader/api": {"base_url": standin.base_url}},
            overrides={"store": {"table": table}},
        )

    return build


def test_new_job_polled_until_completed_then_stored_and_read_back(walker, standin, table):
    standin.state.polls_until_done = 2  # running, running, completed
    walk = walker().walk({"poll_interval_seconds": 120, "max_polls": 10})
    assert walk.results["trigger"]["job_id"] == "job-new"
    assert walk.iterations == 3 and walk.sleeps == [0, 120, 120]
    assert [r["status"] for r in walk.results["wait_for_job"]] == ["running", "running", "completed"]
    assert walk.branch == "Job completed or partial"
    assert walk.results["store"]["rows_written"] == 6
    perf = load_script("get_latest_performance").main(table=table)
    assert {p["model"] for p in perf} == {"gpt-5", "claude-sonnet"} and all(p["date"] == "2025-10-15" for p in perf)
    traces = load_script("get_timeseries").main(table=table)
    assert all(len(t["x"]) == 3 for t in traces)


def test_running_flow_again_stores_no_duplicates(walker, standin, table):
    walker().walk({"poll_interval_seconds": 0, "max_polls": 3})
    standin.state.trigger = "running"  # second run joins the same job
    standin.state.jobs["job-running"] = make_job("job-running", "completed")
    second = walker().walk({"poll_interval_seconds": 0, "max_polls": 3})
    assert second.results["store"]["rows_received"] == 6
    assert len(load_script("get_timeseries").main(table=table)[0]["x"]) == 3


def test_up_to_date_stops_after_trigger(walker, standin, table):
    standin.state.trigger = "current"
    walk = walker().walk({})
    assert walk.stopped_after == "trigger" and walk.results["trigger"]["action"] == "skipped"
    assert "wait_for_job" not in walk.results and "store" not in walk.results
    assert load_script("get_latest_performance").main(table=table) == []


def test_failed_job_fails_the_flow_loudly(walker, standin, table):
    standin.state.jobs["job-new"] = make_job("job-new", "failed")
    with pytest.raises(FlowFailed, match="job-new ended failed .*provider timeout"):
        walker().walk({"poll_interval_seconds": 0})
    assert load_script("get_latest_performance").main(table=table) == []


def test_job_that_never_finishes_stops_at_max_polls_and_fails(walker, standin):
    standin.state.polls_until_done = 100
    w = walker()
    with pytest.raises(FlowFailed, match="still running after 3 polls"):
        w.walk({"poll_interval_seconds": 0, "max_polls": 3})


def test_conflict_fails_at_trigger(walker, standin):
    standin.state.trigger = "conflict"
    with pytest.raises(FlowFailed, match="409 conflict.*job-other"):
        walker().walk({})
