"""The job state machine: every allowed and forbidden transition, guarded updates, events in the same transaction."""

from __future__ import annotations

import itertools
import threading

import pytest

from ai_trader.errors import IllegalTransition
from ai_trader.jobs import states
from ai_trader.jobs.states import DetailStatus as D
from ai_trader.jobs.states import JobStatus as J
from ai_trader.store import jobs as rows

ALLOWED_JOB = {
    (J.PENDING, J.RUNNING),
    (J.PENDING, J.CANCELLED),
    (J.RUNNING, J.COMPLETED),
    (J.RUNNING, J.PARTIAL),
    (J.RUNNING, J.FAILED),
    (J.RUNNING, J.CANCELLED),
}
ALLOWED_DETAIL = {(D.PENDING, D.RUNNING), (D.PENDING, D.SKIPPED), (D.RUNNING, D.COMPLETED), (D.RUNNING, D.FAILED)}


def make_job(store, job_id="job-1", model_days=(("2025-06-10", "a"), ("2025-06-11", "a"))):
    with store.write() as conn:
        rows.insert_job(
            conn,
            job_id=job_id,
            config_path="c.json",
            date_range=sorted({d for d, _ in model_days}),
            models=sorted({m for _, m in model_days}),
            created_at="2025-01-01T00:00:00.000000Z",
            request={},
            config={},
            warnings=[],
        )
        rows.insert_details(conn, job_id, model_days)
    with store.read() as conn:
        return [d.id for d in rows.details(conn, job_id)]


def force(store, table, key, value, status):
    """Test setup only: put a row into a status without the state machine."""
    with store.write() as conn:
        conn.execute(f"UPDATE {table} SET status = ? WHERE {key} = ?", (status, value))


def events(store, job_id="job-1"):
    with store.read() as conn:
        return rows.events(conn, job_id)


@pytest.mark.parametrize("src,dst", list(itertools.product(J, J)))
def test_every_job_transition_is_allowed_or_refused(store, src, dst):
    make_job(store)
    force(store, "jobs", "job_id", "job-1", src.value)
    before = len(events(store))
    if (src, dst) in ALLOWED_JOB:
        with store.write() as conn:
            came_from = states.transition_job(conn, "job-1", dst)
        assert came_from == src.value
        with store.read() as conn:
            job = rows.job(conn, "job-1")
        assert job.status == dst.value
        ev = events(store)[-1]
        assert (ev.from_status, ev.to_status, ev.detail_id) == (src.value, dst.value, None)
        if dst in states.JOB_TERMINAL:
            assert job.completed_at is not None and job.total_duration_seconds is not None
    else:
        with pytest.raises(IllegalTransition), store.write() as conn:
            states.transition_job(conn, "job-1", dst)
        with store.read() as conn:
            assert rows.job(conn, "job-1").status == src.value
        assert len(events(store)) == before


@pytest.mark.parametrize("src,dst", list(itertools.product(D, D)))
def test_every_detail_transition_is_allowed_or_refused(store, src, dst):
    ids = make_job(store)
    force(store, "jobs", "job_id", "job-1", "running")
    force(store, "job_details", "id", ids[0], src.value)
    recovery_case = (src, dst) == (D.RUNNING, D.PENDING)
    cancel_case = (src, dst) == (D.RUNNING, D.SKIPPED)
    if (src, dst) in ALLOWED_DETAIL:
        with store.write() as conn:
            states.transition_detail(conn, ids[0], dst, error="boom" if dst == D.FAILED else None)
        with store.read() as conn:
            d = rows.detail(conn, ids[0])
        assert d.status == dst.value
        ev = [e for e in events(store) if e.detail_id == ids[0]][-1]
        assert (ev.from_status, ev.to_status) == (src.value, dst.value)
    else:
        with pytest.raises(IllegalTransition), store.write() as conn:
            states.transition_detail(conn, ids[0], dst)
        with store.read() as conn:
            assert rows.detail(conn, ids[0]).status == src.value
        assert not [e for e in events(store) if e.detail_id == ids[0]]
    if recovery_case:  # allowed only as a recovery
        with store.write() as conn:
            states.transition_detail(conn, ids[0], D.PENDING, recovery=True)
        with store.read() as conn:
            assert rows.detail(conn, ids[0]).status == "pending"
    if cancel_case:  # allowed only as a cancel
        with store.write() as conn:
            states.transition_detail(conn, ids[0], D.SKIPPED, cancel=True, error=states.CANCELLED_RUNNING_ERROR)
        with store.read() as conn:
            assert rows.detail(conn, ids[0]).status == "skipped"
    if (src, dst) not in ALLOWED_DETAIL and not recovery_case and not cancel_case:  # no flag opens other doors
        with pytest.raises(IllegalTransition), store.write() as conn:
            states.transition_detail(conn, ids[0], dst, recovery=True, cancel=True)


def test_guarded_update_changes_nothing_when_the_status_moved(store):
    ids = make_job(store)
    force(store, "job_details", "id", ids[0], "running")
    with store.write() as conn:
        assert rows.guarded_update_detail(conn, ids[0], ["pending"], "running", {}) == 0
        assert rows.guarded_update_job(conn, "job-1", ["running"], "completed", {}) == 0


def test_two_threads_racing_for_the_same_model_day_one_wins_cleanly(store):
    ids = make_job(store)
    force(store, "jobs", "job_id", "job-1", "running")
    barrier, outcomes = threading.Barrier(2), []

    def claim():
        barrier.wait()
        try:
            with store.write() as conn:
                states.transition_detail(conn, ids[0], D.RUNNING)
            outcomes.append("won")
        except IllegalTransition:
            outcomes.append("lost")

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["lost", "won"]
    with store.read() as conn:
        d = rows.detail(conn, ids[0])
    assert d.status == "running" and d.attempts == 1
    assert len([e for e in events(store) if e.detail_id == ids[0]]) == 1


def test_event_and_status_roll_back_together(store):
    ids = make_job(store)
    force(store, "jobs", "job_id", "job-1", "running")
    with pytest.raises(RuntimeError), store.write() as conn:
        states.transition_detail(conn, ids[0], D.RUNNING)
        raise RuntimeError("crash before commit")
    with store.read() as conn:
        assert rows.detail(conn, ids[0]).status == "pending"
    assert events(store) == []


@pytest.mark.parametrize(
    "counts,cancelling,expected",
    [
        ({"completed": 3}, False, J.COMPLETED),
        ({"failed": 2}, False, J.FAILED),
        ({"failed": 1, "skipped": 2}, False, J.FAILED),
        ({"completed": 1, "failed": 1, "skipped": 1}, False, J.PARTIAL),
        ({"completed": 2, "skipped": 1}, False, J.PARTIAL),
        ({"completed": 2, "pending": 1}, False, None),
        ({"completed": 2, "running": 1}, True, None),
        ({"completed": 1, "skipped": 2}, True, J.CANCELLED),
    ],
)
def test_final_status_follows_from_details(counts, cancelling, expected):
    assert states.final_status(counts, cancelling=cancelling) == expected


def test_job_settles_when_its_last_detail_ends(store):
    ids = make_job(store)
    with store.write() as conn:
        states.transition_job(conn, "job-1", J.RUNNING)
        states.transition_detail(conn, ids[0], D.RUNNING)
        states.transition_detail(conn, ids[0], D.COMPLETED)
    with store.read() as conn:
        assert rows.job(conn, "job-1").status == "running"  # one day still pending
    with store.write() as conn:
        states.transition_detail(conn, ids[1], D.RUNNING)
        states.transition_detail(conn, ids[1], D.FAILED, error="model said no")
    with store.read() as conn:
        job = rows.job(conn, "job-1")
        d = rows.detail(conn, ids[1])
    assert job.status == "partial"
    assert "model said no" in job.error
    assert d.error == "model said no" and d.duration_seconds is not None and d.completed_at is not None
    assert [(e.from_status, e.to_status) for e in events(store) if e.detail_id is None][-1] == ("running", "partial")
