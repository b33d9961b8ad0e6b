"""The Python scripts against the real PostgreSQL, with the db resource from WM_MOCKED_API_FILE."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from tests.windmill.conftest import load_script
from tests.windmill.standin_api import DATES, day_results, make_job

store = load_script("store_simulation_results")
latest = load_script("get_latest_performance")
timeseries = load_script("get_timeseries")


def finished_job(job_id="job-1", status="completed", completed_at="2025-10-16T10:00:00Z", steps=None):
    steps = steps or {"gpt-5": 1.0, "claude-sonnet": -0.5}
    job = make_job(job_id, status, models=list(steps), completed_at=completed_at)
    job["terminal"] = True
    job["results"] = {
        "start_date": DATES[0],
        "end_date": DATES[-1],
        "results": [{"model": m, "days": day_results(m, DATES, step=s)} for m, s in steps.items()],
    }
    return job


def rows(postgres, table):
    with psycopg.connect(**{k: v for k, v in postgres.items() if v != ""}) as conn:
        return conn.execute(
            f"SELECT trade_date::text, model, job_id, cash, portfolio_value, daily_profit, "
            f'daily_return_pct, positions FROM "{table}" ORDER BY model, trade_date'
        ).fetchall()


def test_store_creates_table_and_writes_one_row_per_model_day(table, postgres):
    out = store.main(finished_job(), table=table)
    assert out == {"job_id": "job-1", "table": table, "rows_received": 6, "rows_written": 6}
    stored = rows(postgres, table)
    assert len(stored) == 6
    first = next(r for r in stored if r[1] == "gpt-5" and r[0] == "2025-10-13")
    assert first[2] == "job-1" and first[4] == 10100.0 and first[5] == 100.0 and first[6] == 1.0
    assert first[3] == 5100.0 and first[7] == {"AAPL": 10, "MSFT": 5, "CASH": 5100.0}


def test_storing_twice_writes_no_duplicates(table, postgres):
    store.main(finished_job(), table=table)
    again = store.main(finished_job(), table=table)
    assert again["rows_written"] == 6
    assert len(rows(postgres, table)) == 6


def test_newer_job_replaces_older_and_older_never_replaces_newer(table, postgres):
    store.main(finished_job("job-old", completed_at="2025-10-16T10:00:00Z"), table=table)
    newer = finished_job("job-new", completed_at="2025-10-17T10:00:00Z", steps={"gpt-5": 2.0, "claude-sonnet": 0.0})
    assert store.main(newer, table=table)["rows_written"] == 6
    late_old = store.main(finished_job("job-old", completed_at="2025-10-16T10:00:00Z"), table=table)
    assert late_old["rows_written"] == 0
    assert {r[2] for r in rows(postgres, table)} == {"job-new"}


@pytest.mark.parametrize("status", ["failed", "running", "not_found"])
def test_store_refuses_unfinished_or_failed_jobs(table, postgres, status):
    job = finished_job(status=status)
    with pytest.raises(ValueError, match="only completed or partial"):
        store.main(job, table=table)


def test_bad_row_writes_nothing(table, postgres):
    job = finished_job()
    job["results"]["results"][1]["days"][2]["daily_pnl"].pop("portfolio_value")
    with pytest.raises(ValueError, match="portfolio_value missing"):
        store.main(job, table=table)
    with psycopg.connect(**{k: v for k, v in postgres.items() if v != ""}) as conn:
        assert conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None


def test_latest_performance_per_model_best_first(table, postgres):
    assert latest.main(table=table) == []  # no table yet: empty, not an error
    store.main(finished_job(), table=table)
    perf = latest.main(table=table)
    assert [p["model"] for p in perf] == ["gpt-5", "claude-sonnet"]
    gpt = perf[0]
    assert gpt["date"] == "2025-10-15" and gpt["days"] == 3 and gpt["daily_return_pct"] == 1.0
    # 3 days of +1%: 10000 -> 10303.01; total return measured from the first day's starting value
    assert gpt["portfolio_value"] == 10303.01 and gpt["total_return_pct"] == pytest.approx(3.0301, abs=1e-3)
    assert perf[1]["total_return_pct"] < 0


def test_timeseries_traces_per_model_with_filters(table, postgres):
    store.main(finished_job(), table=table)
    traces = timeseries.main(table=table)
    assert [t["name"] for t in traces] == ["claude-sonnet", "gpt-5"]
    gpt = traces[1]
    assert gpt["type"] == "scatter" and gpt["x"] == DATES and gpt["y"] == [10100.0, 10201.0, 10303.01]
    only = timeseries.main(table=table, models=["gpt-5"], start_date="2025-10-14", end_date="2025-10-14")
    assert only == [{"type": "scatter", "mode": "lines", "name": "gpt-5", "x": ["2025-10-14"], "y": [10201.0]}]
    with pytest.raises(ValueError, match="after end_date"):
        timeseries.main(table=table, start_date="2025-10-15", end_date="2025-10-14")


def test_unknown_resource_path_is_an_error(table):
    # not in the mocked API: the wmill client falls back to the Windmill API, whose HTTP error propagates
    with pytest.raises(httpx.HTTPError):
        latest.main(db_resource="f/ai_trader/missing", table=table)
