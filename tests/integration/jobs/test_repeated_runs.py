"""Repeated runs (issue 18 §1): `runs: K` gives K independent ledgers of one signature; run 1 is the signature's
own ledger; statistics on /performance match a computation from the stored daily values."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from ai_trader.cli import app
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.service.performance import performance
from ai_trader.service.results import results_for_date, results_for_range
from ai_trader.store import ledger as ledger_store
from tests.support.jobs import trigger

from .conftest import TODAY, write_config

pytestmark = pytest.mark.both_engines

RANDOM = {"signature": "rnd", "provider": "scripted", "script": "random_picks", "seed": 11, "runs": 5}
DAYS = {"start_date": "2025-06-10", "end_date": "2025-07-09"}  # 20 trading days (07-04 is a holiday)


def _values(store, key):
    """(value before the first day, [(date, portfolio_value)]) of a ledger, read from the stored model-days."""
    with store.read() as conn:
        days = ledger_store.model_days(conn, key, None, None)
        prev = ledger_store.day_before(conn, key, days[0].date)
    return (prev.portfolio_value if prev else days[0].initial_cash), [(d.date, d.portfolio_value) for d in days]


@pytest.fixture
def ran(settings, store):
    write_config(settings, [RANDOM, {"signature": "cash", "provider": "baseline", "strategy": "cash"}])
    svc = JobService(settings, store, today=lambda: TODAY)
    code, body = trigger(svc, DAYS)
    assert code == 202
    assert body["models"] == ["rnd", "rnd@2", "rnd@3", "rnd@4", "rnd@5", "cash"]
    Worker(settings, store).drain()
    return svc, body["job_id"]


def test_five_runs_are_five_different_ledgers_and_the_statistics_follow_from_them(ran, store, settings):
    svc, job_id = ran
    status = svc.status(job_id)
    assert status["status"] == "completed" and status["progress"]["completed"] == 6 * 20
    assert {(d["model"], d.get("run", 1)) for d in status["progress"]["details"]} == {
        *(("rnd", k) for k in range(1, 6)),
        ("cash", 1),
    }
    only3 = svc.status(job_id, run=3)["progress"]["details"]
    assert len(only3) == 20 and all(d["run"] == 3 and d["model"] == "rnd" for d in only3)
    series = [_values(store, key) for key in ("rnd", "rnd@2", "rnd@3", "rnd@4", "rnd@5")]
    finals = [v[-1][1] for _, v in series]
    assert len(set(finals)) == 5  # five different ledgers
    assert all(len(v) == 20 for _, v in series)

    board = performance(store, svc.prices())
    row = next(r for r in board["leaderboard"] if r["model"] == "rnd")
    assert "run" not in row and row["final_value"] == finals[0]  # the row is run 1
    st = row["statistics"]
    assert st["runs"] == 5 and st["days"] == 20 and st["interval_method"] == "runs"
    cums = np.array([v[-1][1] / initial - 1 for initial, v in series])
    cum = st["metrics"]["cumulative_return"]
    assert cum["per_run"] == pytest.approx(list(cums), rel=1e-12)
    half = stats.t.ppf(0.975, 4) * cums.std(ddof=1) / np.sqrt(5)
    assert (cum["mean"], cum["ci_low"], cum["ci_high"]) == pytest.approx(
        (cums.mean(), cums.mean() - half, cums.mean() + half), rel=1e-12
    )
    sharpes = []
    for initial, v in series:
        vals = np.array([initial] + [x for _, x in v])
        r = vals[1:] / vals[:-1] - 1
        sharpes.append(r.mean() / r.std(ddof=1) * np.sqrt(252))
    assert st["metrics"]["sharpe"]["per_run"] == pytest.approx(sharpes, rel=1e-9)
    assert board["statistics"]["trials"] == 6
    cash_row = next(r for r in board["leaderboard"] if r["model"] == "cash")
    assert cash_row["statistics"]["interval_method"] == "days" and "note" in cash_row["statistics"]

    one = performance(store, svc.prices(), run=4)
    row4 = next(r for r in one["leaderboard"] if r["model"] == "rnd")
    assert row4["run"] == 4 and row4["final_value"] == finals[3] and row4["statistics"]["runs"] == 1


def test_results_select_a_run_and_exports_put_later_runs_in_a_sub_folder(ran, store, settings):
    svc, _ = ran
    day = results_for_date(store, "2025-06-10", "rnd")
    assert [r["model"] for r in day["results"]] == ["rnd"] and "run" not in day["results"][0]
    everyone = results_for_date(store, "2025-06-10")
    assert sorted(r["model"] for r in everyone["results"]) == ["cash", "rnd"]  # run 1 of each by default
    second = results_for_range(store, svc.prices(), "2025-06-10", "2025-06-12", "rnd", run=2)
    assert second["results"][0]["run"] == 2 and second["results"][0]["model"] == "rnd"
    assert (
        second["results"][0]["days"][-1]["daily_pnl"]["portfolio_value"]
        == dict(_values(store, "rnd@2")[1])["2025-06-12"]
    )
    agent_data = settings.agent_data_dir
    assert (agent_data / "rnd" / "position" / "position.jsonl").is_file()
    for k in range(2, 6):
        pos = agent_data / "rnd" / "runs" / str(k) / "position" / "position.jsonl"
        log = agent_data / "rnd" / "runs" / str(k) / "log" / "2025-06-10" / "log.jsonl"
        assert pos.is_file() and log.is_file()
        assert json.loads(log.read_text().splitlines()[0])["signature"] == "rnd"
    assert not (agent_data / "rnd@2").exists()


def test_the_seed_of_run_k_is_the_entrys_plus_k_minus_1_and_is_recorded(ran, store):
    from ai_trader.store import records

    with store.read() as conn:
        for key, seed in (("rnd", 11), ("rnd@3", 13)):
            day = ledger_store.model_day(conn, key, "2025-06-10")
            rec = records.session_record(conn, day.id)
            assert rec.steps[0]["request"]["settings"]["seed"] == seed


def test_a_trigger_overrides_runs_and_a_bad_value_is_refused(settings, store):
    from ai_trader.errors import AppError

    write_config(settings, [{**RANDOM, "runs": 1}])
    svc = JobService(settings, store, today=lambda: TODAY)
    code, body = trigger(svc, {**DAYS, "runs": 2})
    assert code == 202 and body["models"] == ["rnd", "rnd@2"]
    # `ai-trader status --run k` without a job id (GET /simulate/current?run=k): the counts of run k only
    for args, total in (([], 40), (["--run", "2"], 20), (["--run", "3"], 0)):
        out = CliRunner().invoke(
            app,
            ["status", "--json", *args, "--data-dir", str(settings.data_dir)],
            env={"LOG_LEVEL": "WARNING", "DATABASE_URL": settings.database_url or ""},  # the test's store
        )
        assert out.exit_code == 0, out.output
        progress = json.loads(out.output)["progress"]
        assert (progress["total_model_days"], progress["pending"]) == (total, total)
        assert progress == svc.current(int(args[1]) if args else None)["progress"]
    with pytest.raises(AppError) as err:
        svc.trigger({**DAYS, "runs": 0})
    assert err.value.status == 400 and err.value.details == {"field": "runs"}
