"""Issue 20 with the real worker in this process: a cancel stops running model-days (a scripted model sleeping 30 s
per step) through the database, and a job whose worker is gone never blocks a trigger (the one recovery rule)."""

from __future__ import annotations

import os
import socket
import subprocess
import threading
import time

import pytest

from ai_trader.errors import WaitForRunningJob
from ai_trader.jobs import states
from ai_trader.jobs.worker import Worker
from ai_trader.service.jobs import JobService
from ai_trader.store import Store
from ai_trader.store import jobs as rows
from ai_trader.timeutil import utcnow_iso
from tests.support.jobs import trigger

from .conftest import TODAY, write_config

SLEEPY = {
    "signature": "sleepy",
    "basemodel": "scripted/momentum_lite",
    "provider": "scripted",
    "script": "momentum_lite",
    "latency_ms": 30_000,
}
DEADLINE_S = 5.0


def _until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout:g} s: {what}")
        time.sleep(0.02)


def _live_sessions(store, job_id: str) -> int:
    with store.read() as conn:
        return conn.execute("SELECT COUNT(*) FROM live_sessions WHERE job_id = ?", (job_id,)).fetchone()[0]


def _committed(store) -> int:
    with store.read() as conn:
        return conn.execute("SELECT COUNT(*) FROM model_days").fetchone()[0]


def _sleepy_service(settings, store) -> JobService:
    write_config(settings, [SLEEPY])
    return JobService(settings, store, today=lambda: TODAY)


def test_a_cancel_aborts_the_running_day_of_the_background_worker(settings, store):
    service = _sleepy_service(settings, store)
    worker = Worker(settings, store)
    worker.start()
    try:
        _, body = trigger(service, {"start_date": "2025-10-28"})
        job_id = body["job_id"]
        _until(lambda: _live_sessions(store, job_id) == 1, 60, "the first model-day's session is open")
        started = time.monotonic()
        assert service.cancel(job_id)["status"] == "cancelled"
        _until(lambda: _live_sessions(store, job_id) == 0, DEADLINE_S, "the worker aborted the session")
        assert time.monotonic() - started < DEADLINE_S
        assert _committed(store) == 0
        assert worker.is_running()
        # the worker is free: the same days (nothing was committed) are planned and run again
        code, again = trigger(service, {"start_date": "2025-10-28"})
        assert code == 202 and again["total_model_days"] == body["total_model_days"]
        _until(lambda: _live_sessions(store, again["job_id"]) == 1, 60, "the new job runs")
        service.cancel(again["job_id"])
    finally:
        worker.stop(0)
    with store.read() as conn:
        details = rows.details(conn, body["job_id"])
        notes = [e.detail for e in rows.events(conn, body["job_id"])]
    assert [d.status for d in details] == ["skipped"] * len(details)
    assert details[0].error == states.CANCELLED_RUNNING_ERROR and details[1].error == states.CANCELLED_ERROR
    assert states.CANCELLED_RUNNING_ERROR in notes


def test_a_cancel_written_by_another_connection_ends_a_drain(settings, store):
    """`ai-trader run` (a drain) cancelled by `ai-trader cancel` in another process: another Store on the file."""
    service = _sleepy_service(settings, store)
    _, body = trigger(service, {"start_date": "2025-10-28"})
    drained = threading.Event()
    thread = threading.Thread(target=lambda: (Worker(settings, store).drain(), drained.set()), daemon=True)
    thread.start()
    _until(lambda: _live_sessions(store, body["job_id"]) == 1, 60, "the drain runs the first model-day")
    other = Store(settings.db_path)
    try:
        assert JobService(settings, other).cancel(body["job_id"])["status"] == "cancelled"
    finally:
        other.close()
    _until(drained.is_set, DEADLINE_S, "the drain returned")
    assert _live_sessions(store, body["job_id"]) == 0 and _committed(store) == 0


def _dead_workers_job(settings, store, owner: str | None = None) -> tuple[JobService, str, str]:
    """A running job whose worker process died (one day completed, one running, the rest pending)."""
    write_config(settings)
    service = JobService(settings, store, today=lambda: TODAY)
    _, body = trigger(service, {"models": ["cash"], "start_date": "2025-10-27"})
    if owner is None:
        gone = subprocess.Popen(["true"])
        gone.wait()
        owner = f"{socket.gethostname()}:{gone.pid}:gone"
    with store.write() as conn:
        states.transition_job(conn, body["job_id"], states.JobStatus.RUNNING)
        rows.set_owner(conn, body["job_id"], owner, utcnow_iso())
        first, second = rows.details(conn, body["job_id"])[:2]
        states.transition_detail(conn, first.id, states.DetailStatus.RUNNING)
        states.transition_detail(conn, first.id, states.DetailStatus.COMPLETED)
        states.transition_detail(conn, second.id, states.DetailStatus.RUNNING)
    return service, body["job_id"], owner


def test_a_trigger_ends_a_dead_workers_job_when_resume_is_off(settings, store):
    settings = settings.model_copy(update={"resume_interrupted_jobs": False})
    service, job_id, _ = _dead_workers_job(settings, store)
    code, body = trigger(service, {"models": ["cash", "momentum"], "start_date": "2025-10-27"})  # no worker ran
    assert code == 202, body
    old = service.status(job_id)
    assert old["status"] == "partial" and old["error"] == "interrupted by restart"


def test_a_trigger_returns_a_dead_workers_days_and_its_409_names_the_job_and_the_gone_owner(settings, store):
    service, job_id, owner = _dead_workers_job(settings, store)
    with pytest.raises(WaitForRunningJob) as err:
        trigger(service, {"models": ["cash", "momentum"], "start_date": "2025-10-27"})
    assert err.value.details["current_job_id"] == job_id
    assert err.value.details["owner"] == owner and err.value.details["owner_alive"] is False
    assert 0 <= err.value.details["heartbeat_silent_seconds"] < 60
    assert f"job {job_id} (running; owner {owner} is gone (last heartbeat" in err.value.message
    assert "the next worker resumes it" in err.value.message
    status = service.status(job_id)
    assert (status["progress"]["running"], status["progress"]["pending"]) == (0, 3)  # returned: they left nothing
    Worker(settings, store).drain()  # the next worker adopts it at once (its owner process is gone)
    assert service.status(job_id)["status"] == "completed"
    code, _ = trigger(service, {"models": ["momentum"], "start_date": "2025-10-27"})  # nothing blocks a new job
    assert code == 202


def test_a_job_of_an_earlier_process_with_the_same_pid_is_recovered_at_once(settings, store):
    """A restarted container keeps its hostname and often its pids: an owner id naming this very process, but not
    created by it, is gone (no 60 s wait for its heartbeat to go stale)."""
    service, job_id, _ = _dead_workers_job(settings, store, owner=f"{socket.gethostname()}:{os.getpid()}:before")
    worker = Worker(settings, store)
    assert worker.recover() == [job_id]
    assert Worker(settings, store).recover() == []  # but a worker of this process is alive (the new owner)
    worker.drain()
    assert service.status(job_id)["status"] == "completed"
