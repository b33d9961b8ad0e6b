"""Ledger continuity across jobs (quality.md invariant 3; issue 12 items 1-3): no plan leaves a committed day
computed from a start that no longer exists; a replacing chain that fails part-way leaves a consistent ledger that
the next catch-up continues; only pending/running model-days of an active job count as "in progress"."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ai_trader.api.app import create_app
from ai_trader.cli import app as cli_app
from ai_trader.errors import InvalidatesCommittedDays, WaitForRunningJob
from ai_trader.jobs import states
from ai_trader.jobs.worker import Worker
from ai_trader.market.prices import PriceView
from ai_trader.service.jobs import JobService
from ai_trader.store import jobs as rows
from ai_trader.store import ledger
from tests.support.jobs import trigger

from .conftest import TODAY
from .continuity import export_problems, ledger_problems

SCRIPTED = {"signature": "scripted", "provider": "scripted", "script": "momentum_lite"}
MOMENTUM = {"signature": "momentum", "provider": "baseline", "strategy": "momentum"}
runner = CliRunner()
END = "2025-06-20"  # the test configs' end_date; a catch-up runs to the data's last day unless asked


def config(settings, models, name="default_config.json", end_date="2025-06-20"):
    path = settings.configs_dir / name
    path.write_text(
        json.dumps(
            {
                "date_range": {"init_date": "2025-06-09", "end_date": end_date},
                "models": models,
                "agent_config": {"initial_cash": 10000.0, "max_steps": 5, "max_retries": 0, "base_delay": 0},
            }
        )
    )
    return path


def dates(store, signature):
    with store.read() as conn:
        return [d.date for d in ledger.model_days(conn, signature)]


def run(service, request):
    code, body = trigger(service, request)
    assert code == 202, body
    Worker(service.settings, service.store).drain()
    return service.status(body["job_id"])


def consistent(store, settings, *signatures, allowed_gaps=frozenset()):
    prices = PriceView.load(store)
    problems = []
    for sig in signatures:
        problems += ledger_problems(store, prices, sig, set(allowed_gaps))
        problems += export_problems(store, settings.agent_data_dir, sig)
    return problems


# ---- item 1: a day inserted before committed days ----------------------------------------------------------------


def test_filling_a_gap_before_committed_days_is_refused_and_replace_existing_reruns_the_later_days(settings, store):
    config(settings, [SCRIPTED, MOMENTUM])
    service = JobService(settings, store, today=lambda: TODAY)
    run(service, {"start_date": "2025-06-10", "end_date": "2025-06-10"})
    run(service, {"start_date": "2025-06-12", "end_date": "2025-06-13"})  # 06-11 carried over (allowed)
    assert consistent(store, settings, "scripted", "momentum", allowed_gaps={("2025-06-10", "2025-06-12")}) == []

    with pytest.raises(InvalidatesCommittedDays) as err:
        trigger(service, {"start_date": "2025-06-11", "end_date": "2025-06-11"})
    assert err.value.status == 400 and err.value.code == "invalidates_committed_days"
    assert err.value.details["invalidated"] == {
        "scripted": ["2025-06-12", "2025-06-13"],
        "momentum": ["2025-06-12", "2025-06-13"],
    }
    assert "replace_existing" in err.value.message and "2025-06-12, 2025-06-13" in err.value.message
    with store.read() as conn:
        assert len(rows.jobs(conn)) == 2  # nothing queued

    code, body = trigger(service, {"start_date": "2025-06-11", "end_date": "2025-06-11", "replace_existing": True})
    assert code == 202 and body["date_range"] == ["2025-06-11", "2025-06-12", "2025-06-13"]
    assert any("scripted" in w and "2025-06-12, 2025-06-13" in w for w in body["warnings"])
    Worker(settings, store).drain()
    assert service.status(body["job_id"])["status"] == "completed"
    assert dates(store, "scripted") == ["2025-06-10", "2025-06-11", "2025-06-12", "2025-06-13"]
    assert consistent(store, settings, "scripted", "momentum") == []


def test_a_back_fill_before_the_first_committed_day_is_refused_through_the_api(settings, store):
    config(settings, [SCRIPTED, MOMENTUM])
    api_settings = settings.model_copy(update={"mcp_enabled": False})
    with TestClient(create_app(api_settings, store=store, start_worker=False), raise_server_exceptions=False) as c:
        assert c.post("/simulate/trigger", json={"end_date": END}).status_code == 202  # 06-10 .. 06-20
        Worker(api_settings, store).drain()
        later = dates(store, "scripted")
        assert (later[0], later[-1], len(later)) == ("2025-06-10", "2025-06-20", 8)

        resp = c.post("/simulate/trigger", json={"start_date": "2025-06-02", "end_date": "2025-06-09"})
        assert resp.status_code == 400, resp.text
        out = resp.json()
        assert out["error"] == "invalidates_committed_days"
        assert out["details"]["invalidated"] == {"scripted": later, "momentum": later}
        assert "replace_existing" in out["message"]
        assert c.get("/simulate/jobs").json()["count"] == 1

        resp = c.post(
            "/simulate/trigger", json={"start_date": "2025-06-02", "end_date": "2025-06-09", "replace_existing": True}
        )
        assert resp.status_code == 202, resp.text
        out = resp.json()
        assert out["total_model_days"] == 2 * (6 + 8) and out["date_range"][0] == "2025-06-02"
        assert any("2025-06-10" in w and "2025-06-20" in w for w in out["warnings"])
        Worker(api_settings, store).drain()
        assert c.get(f"/simulate/status/{out['job_id']}").json()["status"] == "completed"
    assert dates(store, "scripted")[0] == "2025-06-02" and len(dates(store, "scripted")) == 14
    assert consistent(store, settings, "scripted", "momentum") == []


def test_ai_trader_run_refuses_a_gap_fill_and_reruns_the_later_days_with_replace_existing(settings, store):
    path = config(settings, [SCRIPTED], name="anywhere.json")

    def cli(*args):
        return runner.invoke(
            cli_app,
            ["run", str(path), *args, "--data-dir", str(settings.data_dir)],
            env={"LOG_LEVEL": "WARNING", "COLUMNS": "200"},
        )

    assert cli("--start", "2025-06-10", "--end", "2025-06-10").exit_code == 0
    assert cli("--start", "2025-06-12", "--end", "2025-06-13").exit_code == 0
    refused = cli("--start", "2025-06-11", "--end", "2025-06-11")
    assert refused.exit_code == 2, refused.output
    assert "invalidates_committed_days" in refused.output and "2025-06-12, 2025-06-13" in refused.output
    assert "--replace-existing" in refused.output
    assert dates(store, "scripted") == ["2025-06-10", "2025-06-12", "2025-06-13"]

    rerun = cli("--start", "2025-06-11", "--end", "2025-06-11", "--replace-existing")
    assert rerun.exit_code == 0, rerun.output
    assert "warning" in rerun.output and "2025-06-12, 2025-06-13" in rerun.output
    assert "Job completed: 3 completed, 0 failed" in rerun.output
    assert dates(store, "scripted") == ["2025-06-10", "2025-06-11", "2025-06-12", "2025-06-13"]
    assert consistent(store, settings, "scripted") == []


# ---- item 2: a replacing chain that fails part-way ---------------------------------------------------------------


def test_a_replacing_chain_that_fails_part_way_truncates_the_ledger_and_the_catch_up_continues_it(settings, store):
    config(settings, [{"signature": "flaky", "provider": "scripted", "script": "buy_and_hold_top3"}])
    config(settings, [{"signature": "flaky", "provider": "scripted", "script": "fails_wednesdays"}], "failing.json")
    service = JobService(settings, store, today=lambda: TODAY)
    run(service, {"end_date": END})
    assert len(dates(store, "flaky")) == 8 and consistent(store, settings, "flaky") == []

    # replace from Tuesday 06-10 with a model that trades differently and fails on Wednesday 06-11
    status = run(
        service, {"config_path": "failing.json", "start_date": "2025-06-10", "end_date": END, "replace_existing": True}
    )
    assert status["status"] == "partial"
    assert [d["status"] for d in status["progress"]["details"][:3]] == ["completed", "failed", "skipped"]
    # the old later days were computed from the replaced 06-10: they went with its commit
    assert dates(store, "flaky") == ["2025-06-10"]
    assert consistent(store, settings, "flaky") == []

    code, body = trigger(service, {"end_date": END})
    assert code == 202, body
    assert body["date_range"][0] == "2025-06-11" and body["date_range"][-1] == "2025-06-20"
    Worker(settings, store).drain()
    assert len(dates(store, "flaky")) == 8 and consistent(store, settings, "flaky") == []


def test_a_replacing_chain_whose_first_day_fails_leaves_the_old_ledger_as_it_was(settings, store):
    config(settings, [{"signature": "flaky", "provider": "scripted", "script": "buy_and_hold_top3"}])
    config(settings, [{"signature": "flaky", "provider": "scripted", "script": "fails_wednesdays"}], "failing.json")
    service = JobService(settings, store, today=lambda: TODAY)
    run(service, {"end_date": END})
    with store.read() as conn:
        before = [(d.date, d.cash, d.positions, d.committed_at) for d in ledger.model_days(conn, "flaky")]
    status = run(
        service, {"config_path": "failing.json", "start_date": "2025-06-11", "end_date": END, "replace_existing": True}
    )
    assert status["status"] == "failed"
    with store.read() as conn:
        assert [(d.date, d.cash, d.positions, d.committed_at) for d in ledger.model_days(conn, "flaky")] == before
    assert consistent(store, settings, "flaky") == []
    assert trigger(service, {"end_date": END})[1]["status"] == "current"


# ---- item 3: only pending/running model-days are "in progress" ----------------------------------------------------


def _claimed(service, request):
    code, body = trigger(service, request)
    assert code == 202
    assert Worker(service.settings, service.store).claim() == [body["job_id"]]
    return body["job_id"]


def test_failed_and_skipped_days_of_an_active_job_are_not_in_progress(settings, store):
    config(settings, [SCRIPTED, MOMENTUM], end_date="2025-10-30")
    service = JobService(settings, store, today=lambda: TODAY)
    job_id = _claimed(service, {"start_date": "2025-10-27"})
    with store.write() as conn:  # scripted's chain failed on its first day; momentum's is still to run
        first, *later = [d for d in rows.details(conn, job_id) if d.model == "scripted"]
        states.transition_detail(conn, first.id, states.DetailStatus.RUNNING)
        states.transition_detail(conn, first.id, states.DetailStatus.FAILED, error="boom")
        for d in later:
            states.transition_detail(conn, d.id, states.DetailStatus.SKIPPED, error="blocked by failure on 2025-10-27")
    # momentum's days are pending: the same request for them is the job in progress
    code, body = trigger(service, {"models": ["momentum"], "start_date": "2025-10-27"})
    assert (code, body["job_id"], body["message"]) == (200, job_id, "Simulation already in progress")
    # scripted's days will never run in this job: not "in progress", and its chain must wait for the job to end
    with pytest.raises(WaitForRunningJob) as err:
        trigger(service, {"models": ["scripted"], "start_date": "2025-10-27"})
    assert err.value.details["current_job_id"] == job_id


def test_cancelled_days_of_a_cancelled_job_are_not_in_progress(settings, store):
    """A cancel skips the pending days and stops the running one (issue 20): none of them is in progress, so the
    same request right after the cancel plans a new job."""
    config(settings, [SCRIPTED, MOMENTUM], end_date="2025-10-30")
    service = JobService(settings, store, today=lambda: TODAY)
    job_id = _claimed(service, {"start_date": "2025-10-27"})
    with store.write() as conn:
        first = rows.details(conn, job_id)[0]
        states.transition_detail(conn, first.id, states.DetailStatus.RUNNING)
    assert service.cancel(job_id)["status"] == "cancelled"
    code, body = trigger(service, {"models": ["momentum"], "start_date": "2025-10-28"})
    assert code == 202 and body["job_id"] != job_id
