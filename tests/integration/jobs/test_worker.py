"""The worker against a real SQLite file and the real NASDAQ-100 data: chains, failures, restarts, stopping."""

from __future__ import annotations

import socket
import subprocess
import time

import pytest

from ai_trader.errors import IllegalTransition
from ai_trader.jobs import states
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.store import jobs as rows
from tests.support.jobs import trigger

from .conftest import TODAY, write_config

DEAD_OPENAI = {
    "signature": "dead-llm",
    "basemodel": "openai/gpt-5",
    "openai_base_url": "http://127.0.0.1:9/v1",
    "openai_api_key": "sk-test",
}


def snapshot(store):
    with store.read() as conn:
        return conn.execute(
            "SELECT signature, date, cash, positions, portfolio_value, profit, return_pct FROM model_days "
            "ORDER BY signature, date"
        ).fetchall()


def test_baselines_complete_every_day_rerun_is_a_noop_and_a_replayed_day_is_identical(service, store):
    code, body = trigger(service, {})
    assert code == 202
    Worker(service.settings, store).drain()
    status = service.status(body["job_id"])
    assert status["status"] == "completed" and status["completed_at"] is not None
    p = status["progress"]
    assert (p["completed"], p["failed"], p["skipped"], p["pending"], p["running"]) == (300, 0, 0, 0, 0)
    assert all(d["duration_seconds"] is not None for d in p["details"])
    rows_before = [tuple(r) for r in snapshot(store)]
    per_sig = {}
    for r in rows_before:
        per_sig.setdefault(r[0], []).append(r[1])
    assert {s: len(d) for s, d in per_sig.items()} == {"cash": 100, "equal-weight": 100, "momentum": 100}
    assert per_sig["momentum"][0] == "2025-06-10" and per_sig["momentum"][-1] == "2025-10-30"

    # re-running is a no-op
    code, again = trigger(service, {})
    assert (code, again["status"], again["last_simulation_date"]) == (200, "current", "2025-10-30")

    # losing the last day and running again reproduces it exactly
    with store.write() as conn:
        conn.execute("DELETE FROM model_days WHERE date = '2025-10-30'")
    code, body = trigger(service, {})
    assert code == 202 and body["date_range"] == ["2025-10-30"] and body["total_model_days"] == 3
    Worker(service.settings, store).drain()
    assert [tuple(r) for r in snapshot(store)] == rows_before
    assert service.list_jobs(status="completed")["count"] == 2


def test_a_failing_model_makes_the_job_partial_and_only_its_chain_stops(settings, store):
    write_config(
        settings,
        models=[DEAD_OPENAI, {"signature": "cash", "provider": "baseline", "strategy": "cash"}],
        max_retries=0,
        base_delay=0,
    )
    service = JobService(settings, store, today=lambda: TODAY)
    code, body = trigger(service, {"start_date": "2025-10-27"})
    assert code == 202 and body["total_model_days"] == 8
    Worker(settings, store).drain()
    status = service.status(body["job_id"])
    assert status["status"] == "partial"
    by_model = {}
    for d in status["progress"]["details"]:
        by_model.setdefault(d["model"], []).append(d)
    assert [d["status"] for d in by_model["cash"]] == ["completed"] * 4
    dead = by_model["dead-llm"]
    assert dead[0]["status"] == "failed" and dead[0]["error"]
    assert [d["status"] for d in dead[1:]] == ["skipped"] * 3
    assert {d["error"] for d in dead[1:]} == {"blocked by failure on 2025-10-27"}
    assert "dead-llm 2025-10-27" in status["error"]
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM model_days WHERE signature = 'dead-llm'").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM live_sessions").fetchone()[0] == 0
    # the next trigger resumes the failed signature from its failed day
    code, retry = trigger(service, {"start_date": "2025-10-27"})
    assert code == 202 and retry["models"] == ["dead-llm"] and retry["date_range"][0] == "2025-10-27"


def _interrupted_job(settings, store):
    """A job a previous process was running when it died: one day completed, one running, the rest pending."""
    write_config(settings)
    service = JobService(settings, store, today=lambda: TODAY)
    _, body = trigger(service, {"models": ["cash"], "start_date": "2025-10-27"})
    job_id = body["job_id"]
    gone = subprocess.Popen(["true"])
    gone.wait()
    with store.write() as conn:
        states.transition_job(conn, job_id, states.JobStatus.RUNNING)
        rows.set_owner(conn, job_id, f"{socket.gethostname()}:{gone.pid}:gone", None)
        first, second = rows.details(conn, job_id)[:2]
        states.transition_detail(conn, first.id, states.DetailStatus.RUNNING)
        states.transition_detail(conn, first.id, states.DetailStatus.COMPLETED)
        states.transition_detail(conn, second.id, states.DetailStatus.RUNNING)
    return service, job_id


def test_restart_resumes_an_interrupted_job(settings, store):
    service, job_id = _interrupted_job(settings, store)
    worker = Worker(settings, store)
    assert worker.recover() == [job_id]
    status = service.status(job_id)
    assert status["status"] == "running" and status["progress"]["running"] == 0
    assert status["progress"]["pending"] == 3
    with store.read() as conn:
        notes = [e.detail for e in rows.events(conn, job_id)]
    assert any("interrupted by restart" in (n or "") for n in notes)
    assert any("resumed by" in (n or "") for n in notes)
    worker.drain()
    status = service.status(job_id)
    assert status["status"] == "completed" and status["progress"]["completed"] == 4


def test_restart_without_resume_ends_the_job(settings, store):
    settings = settings.model_copy(update={"resume_interrupted_jobs": False})
    service, job_id = _interrupted_job(settings, store)
    Worker(settings, store).recover()
    status = service.status(job_id)
    assert status["status"] == "partial" and status["error"] == "interrupted by restart"
    assert [d["status"] for d in status["progress"]["details"]] == ["completed", "failed", "skipped", "skipped"]
    assert status["progress"]["details"][1]["error"] == "interrupted by restart"
    code, _ = trigger(service, {"models": ["momentum"]})  # nothing blocks new jobs
    assert code == 202


def test_a_live_workers_job_is_not_taken_over(settings, store):
    write_config(settings)
    service = JobService(settings, store, today=lambda: TODAY)
    _, body = trigger(service, {"models": ["cash"], "start_date": "2025-10-27"})
    owner = Worker(settings, store)
    assert owner.claim() == [body["job_id"]]
    assert Worker(settings, store).recover() == []  # same host, live process, fresh heartbeat
    assert service.status(body["job_id"])["status"] == "running"


def _wait_for(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("condition not reached")
        time.sleep(0.05)


@pytest.mark.parametrize("grace", [5.0, 0.0])
def test_background_worker_runs_queued_jobs_and_stops_cleanly(service, store, grace):
    worker = Worker(service.settings, store)
    worker.start()
    try:
        assert worker.is_running()
        _, body = trigger(service, {"models": ["cash", "momentum"], "start_date": "2025-09-02"})
        _wait_for(lambda: service.status(body["job_id"])["progress"]["completed"] >= 3)
    finally:
        worker.stop(grace)
    assert not worker.is_running()
    status = service.status(body["job_id"])
    assert status["progress"]["running"] == 0  # finished (grace) or returned to pending (cancelled)
    if status["status"] == "running":
        with store.read() as conn:
            assert rows.job(conn, body["job_id"]).worker_id is None  # released for the next start
    Worker(service.settings, store).drain()
    status = service.status(body["job_id"])
    assert status["status"] == "completed" and status["progress"]["completed"] == body["total_model_days"]
    with store.read() as conn:
        assert conn.execute("SELECT COUNT(*) FROM model_days").fetchone()[0] == body["total_model_days"]


def test_cancelling_a_running_job_skips_its_running_day_and_ends_it(service, store):
    _, body = trigger(service, {"models": ["cash"]})
    worker = Worker(service.settings, store)
    worker.claim()
    with store.write() as conn:
        first = rows.details(conn, body["job_id"])[0]
        states.transition_detail(conn, first.id, states.DetailStatus.RUNNING)
    cancelled = service.cancel(body["job_id"])
    assert cancelled["status"] == "cancelled" and cancelled["progress"]["skipped"] == 100
    assert cancelled["progress"]["details"][0]["error"] == states.CANCELLED_RUNNING_ERROR
    with pytest.raises(IllegalTransition), store.write() as conn:  # the running day can no longer commit
        states.transition_detail(conn, first.id, states.DetailStatus.COMPLETED)
    assert service.status(body["job_id"])["status"] == "cancelled"
