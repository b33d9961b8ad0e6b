"""The lifecycle operations of jobs/states.py (create, skip pending, cancel, abort) on a real SQLite file, and the
`cancel_requested` column (migration 0012) that tells a cancelled job from one that failed."""

from __future__ import annotations

import pytest

from ai_trader.errors import IllegalTransition, NotFound
from ai_trader.jobs import states
from ai_trader.jobs.states import DetailStatus as D
from ai_trader.jobs.states import JobStatus as J
from ai_trader.store import Store, db
from ai_trader.store import jobs as job_store

pytestmark = pytest.mark.both_engines

AT = "2025-01-01T00:00:00.000000Z"
DAYS = (("2025-06-10", "a"), ("2025-06-11", "a"), ("2025-06-10", "b"))


def create(store, job_id="job-1", model_days=DAYS):
    with store.write() as conn:
        return states.create_job(
            conn,
            job_id=job_id,
            config_path="c.json",
            date_range=["2025-06-10", "2025-06-11"],
            models=["a", "b"],
            model_days=model_days,
            request={"caller": "test"},
            config={},
            warnings=[],
            caller="test",
            at=AT,
        )


def snapshot(store, job_id="job-1"):
    with store.read() as conn:
        job = job_store.job(conn, job_id)
        return job, [(d.model, d.date, d.status, d.error) for d in job_store.details(conn, job_id)]


def run(store, detail_index, job_id="job-1"):
    with store.write() as conn:
        if job_store.job_status(conn, job_id) == J.PENDING:
            states.transition_job(conn, job_id, J.RUNNING)
        d = job_store.details(conn, job_id)[detail_index]
        states.transition_detail(conn, d.id, D.RUNNING)
        return d.id


def test_create_job_writes_the_job_its_pending_days_and_one_creation_event(store):
    assert create(store) == 3
    job, days = snapshot(store)
    assert job.status == J.PENDING and not job.cancel_requested
    assert [s for *_, s, _ in days] == [D.PENDING] * 3
    with store.read() as conn:
        (event,) = job_store.events(conn, "job-1")
    assert (event.from_status, event.to_status, event.detail) == (None, "pending", "created by test: 3 model-day(s)")


def test_cancelling_a_pending_job_skips_every_day_and_ends_it_cancelled(store):
    create(store)
    with store.write() as conn:
        states.cancel_job(conn, "job-1")
    job, days = snapshot(store)
    assert job.status == J.CANCELLED and job.cancel_requested
    assert {(s, e) for *_, s, e in days} == {(D.SKIPPED, states.CANCELLED_ERROR)}


def test_cancelling_a_running_job_ends_it_cancelled_even_when_a_day_had_failed(store):
    """Without the flag, failed + skipped days would make it `failed`: the column, not an error string, decides."""
    create(store)
    failed = run(store, 0)
    with store.write() as conn:
        states.transition_detail(conn, failed, D.FAILED, error="boom")
    running = run(store, 1)
    with store.write() as conn:
        states.cancel_job(conn, "job-1")
    job, days = snapshot(store)
    assert job.status == J.CANCELLED and job.cancel_requested
    with store.read() as conn:
        assert job_store.detail(conn, running).error == states.CANCELLED_RUNNING_ERROR
    assert sorted(s for *_, s, _ in days) == [D.FAILED, D.SKIPPED, D.SKIPPED]


def test_cancel_refuses_an_ended_or_unknown_job_and_changes_nothing(store):
    create(store)
    with store.write() as conn:
        states.cancel_job(conn, "job-1")
    with pytest.raises(IllegalTransition), store.write() as conn:
        states.cancel_job(conn, "job-1")
    with pytest.raises(NotFound), store.write() as conn:
        states.cancel_job(conn, "nope")


def test_skip_pending_leaves_running_days_alone_and_the_job_settles_with_its_last_day(store):
    create(store)
    running = run(store, 0)
    with store.write() as conn:
        assert states.skip_pending(conn, "job-1", "no prices") == 2
    job, _ = snapshot(store)
    assert job.status == J.RUNNING  # one day still runs
    with store.write() as conn:
        states.transition_detail(conn, running, D.COMPLETED)
    job, days = snapshot(store)
    assert job.status == J.PARTIAL and not job.cancel_requested
    assert sorted(e or "" for *_, e in days) == ["", "no prices", "no prices"]


def test_abort_job_fails_the_running_days_skips_the_rest_and_ends_the_job(store):
    create(store)
    run(store, 0)
    with store.write() as conn:
        states.abort_job(conn, "job-1", "interrupted", fail_running=True)
    job, days = snapshot(store)
    assert job.status == J.FAILED and job.error == "interrupted"
    assert sorted(s for *_, s, _ in days) == [D.FAILED, D.SKIPPED, D.SKIPPED]


def test_migration_0012_flags_jobs_older_versions_cancelled(tmp_path):
    """A database from before 0012: a job cancelled the old way (phase 'cancelling', or a day skipped with the
    error 'cancelled') gets cancel_requested; any other job does not."""
    store = Store(tmp_path / "old.db")
    for job_id in ("old-phase", "old-skip", "plain"):
        create(store, job_id)
    with store.write() as conn:
        conn.execute("UPDATE jobs SET phase = 'cancelling' WHERE job_id = 'old-phase'")
        conn.execute("UPDATE job_details SET status = 'skipped', error = 'cancelled' WHERE job_id = 'old-skip'")
        conn.execute("ALTER TABLE jobs DROP COLUMN cancel_requested")  # as before 0012
        (sql,) = [text for version, text in db._migrations() if version == 12]
        for statement in db._split(sql):
            conn.execute(statement)
    with store.read() as conn:
        flags = {j: job_store.job(conn, j).cancel_requested for j in ("old-phase", "old-skip", "plain")}
    store.close()
    assert flags == {"old-phase": True, "old-skip": True, "plain": False}
