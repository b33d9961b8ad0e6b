"""The job state machine: the only code that changes a job's or a model-day's status.

Job:    pending → running → completed | partial | failed;  pending | running → cancelled.
Detail: pending → running → completed | failed;  pending → skipped;  running → pending (recovery only);
        running → skipped (a cancel only: the running session is aborted and nothing of the day is committed).

Each change is one guarded UPDATE (`… WHERE id = ? AND status IN (<allowed sources>)`) whose row count is checked,
plus a `job_events` row, both inside the caller's transaction: a lost race raises `IllegalTransition` and the
caller's transaction rolls back, so no event is recorded for a change that did not happen.

A job's final status follows from its details (`final_status`): all completed → completed; none completed and some
failed (or skipped) → failed; otherwise, if any failed or was skipped → partial. A job whose cancel was requested
(`jobs.cancel_requested`, migration 0012) ends `cancelled`. `settle_job` applies it once no detail is pending or
running; every terminal detail transition calls it, so a job ends exactly when its last detail does.

"Detail" in code is a model-day of a job (its `job_details` row; docs/glossary.md). The lifecycle operations every
caller shares (the service, the worker, recovery) are here too: `create_job`, `skip_pending`, `cancel_job`,
`abort_job`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from ..errors import IllegalTransition, NotFound
from ..store import db
from ..store import jobs as job_store
from ..timeutil import utcnow_iso


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"


class DetailStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"


J, D = JobStatus, DetailStatus
JOB_TRANSITIONS: Mapping[JobStatus, frozenset[JobStatus]] = {
    J.PENDING: frozenset({J.RUNNING, J.CANCELLED}),
    J.RUNNING: frozenset({J.COMPLETED, J.PARTIAL, J.FAILED, J.CANCELLED}),
}
DETAIL_TRANSITIONS: Mapping[DetailStatus, frozenset[DetailStatus]] = {
    D.PENDING: frozenset({D.RUNNING, D.SKIPPED}),
    D.RUNNING: frozenset({D.COMPLETED, D.FAILED}),
}
RECOVERY_TRANSITION = (D.RUNNING, D.PENDING)  # allowed only with recovery=True
CANCEL_TRANSITION = (D.RUNNING, D.SKIPPED)  # allowed only with cancel=True
JOB_ACTIVE = (J.PENDING, J.RUNNING)
JOB_TERMINAL = frozenset({J.COMPLETED, J.PARTIAL, J.FAILED, J.CANCELLED})
DETAIL_TERMINAL = frozenset({D.COMPLETED, D.FAILED, D.SKIPPED})
CANCELLED_ERROR = "cancelled"  # error of the pending details a cancel skipped
BUDGET_ERROR = "budget exhausted"  # error of the details a job's max_cost_usd skipped (jobs/budget.py)
CANCELLED_RUNNING_ERROR = "cancelled while running; nothing of the day was committed"


def job_sources(to: JobStatus) -> list[str]:
    return sorted(s.value for s, targets in JOB_TRANSITIONS.items() if to in targets)


def detail_sources(to: DetailStatus, *, recovery: bool = False, cancel: bool = False) -> list[str]:
    found = {s.value for s, targets in DETAIL_TRANSITIONS.items() if to in targets}
    if recovery and to == RECOVERY_TRANSITION[1]:
        found.add(RECOVERY_TRANSITION[0].value)
    if cancel and to == CANCEL_TRANSITION[1]:
        found.add(CANCEL_TRANSITION[0].value)
    return sorted(found)


def _seconds_between(start: str | None, end: str) -> float | None:
    if not start:
        return None
    return round((dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)).total_seconds(), 3)


def transition_job(
    conn: db.Connection,
    job_id: str,
    to: JobStatus | str,
    *,
    error: str | None = None,
    note: str | None = None,
    at: str | None = None,
) -> str:
    """Move a job to `to`; returns the status it came from. IllegalTransition when not allowed (or race lost)."""
    to = JobStatus(to)
    at = at or utcnow_iso()
    current = job_store.job(conn, job_id)
    if current is None:
        raise NotFound(f"job {job_id} not found", {"job_id": job_id})
    sources = job_sources(to)
    if current.status not in sources:
        raise IllegalTransition(
            f"job {job_id}: {current.status} → {to.value} is not allowed",
            {"job_id": job_id, "from": current.status, "to": to.value},
        )
    fields: dict[str, object] = {"updated_at": at}
    if to == J.RUNNING:
        fields["started_at"] = at
    if to in JOB_TERMINAL:
        fields["completed_at"] = at
        fields["total_duration_seconds"] = _seconds_between(current.started_at or current.created_at, at)
    if error is not None:
        fields["error"] = error
    if job_store.guarded_update_job(conn, job_id, sources, to.value, fields) != 1:
        raise IllegalTransition(f"job {job_id}: status changed concurrently", {"job_id": job_id, "to": to.value})
    job_store.insert_event(
        conn, job_id=job_id, detail_id=None, from_status=current.status, to_status=to.value, at=at, detail=note or error
    )
    return current.status


def transition_detail(
    conn: db.Connection,
    detail_id: int,
    to: DetailStatus | str,
    *,
    error: str | None = None,
    note: str | None = None,
    at: str | None = None,
    recovery: bool = False,
    cancel: bool = False,
    owner: str | None = None,
    lease_until: str | None = None,
    attempt: int | None = None,
) -> job_store.DetailRow:
    """Move a model-day detail to `to` (guarded); returns the row as it was before. Terminal transitions settle
    the job when it was the last open detail. `recovery` also allows running → pending, `cancel` running → skipped.

    Leases: to running, `owner` (a worker id) takes the model-day's lease until `lease_until`; from running, `owner`
    guards the change (`… AND worker_id = owner`): a worker whose lease was taken over cannot commit, fail or
    return the day (IllegalTransition, its transaction rolls back)."""
    to = DetailStatus(to)
    at = at or utcnow_iso()
    current = job_store.detail(conn, detail_id)
    if current is None:
        raise NotFound(f"job detail {detail_id} not found", {"detail_id": detail_id})
    sources = detail_sources(to, recovery=recovery, cancel=cancel)
    if current.status not in sources:
        raise IllegalTransition(
            f"model-day {current.model} {current.date}: {current.status} → {to.value} is not allowed",
            {"job_id": current.job_id, "detail_id": detail_id, "from": current.status, "to": to.value},
        )
    if attempt is not None and current.attempts != attempt:  # a later claim of the same day (even by this worker)
        owner = owner or "?"  # the guard below fails: this attempt's lease is over
        current = dataclasses.replace(current, worker_id=None)
    if owner is not None and to != D.RUNNING and current.worker_id != owner:
        raise IllegalTransition(
            f"model-day {current.model} {current.date}: its lease is held by {current.worker_id or 'nobody'}",
            {"job_id": current.job_id, "detail_id": detail_id, "to": to.value, "holder": current.worker_id},
        )
    fields: dict[str, object] = {}
    if to == D.RUNNING:
        fields.update(
            started_at=at, completed_at=None, duration_seconds=None, error=None, attempts=current.attempts + 1
        )
        fields.update(worker_id=owner, lease_until=lease_until)
    elif to == D.PENDING:  # recovery: the interrupted attempt left nothing behind; nobody holds it
        fields.update(started_at=None, completed_at=None, duration_seconds=None, worker_id=None, lease_until=None)
    else:
        fields.update(completed_at=at, duration_seconds=_seconds_between(current.started_at, at), lease_until=None)
    if to in (D.FAILED, D.SKIPPED) or error is not None:
        fields["error"] = error
    guard = owner if to != D.RUNNING else None
    if job_store.guarded_update_detail(conn, detail_id, sources, to.value, fields, owner=guard) != 1:
        raise IllegalTransition(
            f"model-day {current.model} {current.date}: status changed concurrently",
            {"job_id": current.job_id, "detail_id": detail_id, "to": to.value},
        )
    job_store.insert_event(
        conn,
        job_id=current.job_id,
        detail_id=detail_id,
        from_status=current.status,
        to_status=to.value,
        at=at,
        detail=note or error,
    )
    job_store.set_job_fields(conn, current.job_id, updated_at=at)
    if to in DETAIL_TERMINAL:
        settle_job(conn, current.job_id, at=at)
    return current


def final_status(counts: Mapping[str, int], *, cancelling: bool = False) -> JobStatus | None:
    """The job's final status from its detail counts; None while a detail is pending or running."""
    if counts.get(D.PENDING, 0) or counts.get(D.RUNNING, 0):
        return None
    if cancelling:
        return J.CANCELLED
    completed, failed, skipped = counts.get(D.COMPLETED, 0), counts.get(D.FAILED, 0), counts.get(D.SKIPPED, 0)
    if not failed and not skipped:
        return J.COMPLETED
    return J.PARTIAL if completed else J.FAILED


def settle_job(conn: db.Connection, job_id: str, *, at: str | None = None) -> JobStatus | None:
    """If the running job has nothing left to do, give it its final status. Returns it (None: not finished).

    Called on every model-day completion: the cheap "anything pending or running left?" check comes first, so the
    job row and the status counts are only read when the job is finishing."""
    if job_store.has_open_detail(conn, job_id):
        return None
    job = job_store.job(conn, job_id)
    if job is None or job.status != J.RUNNING:
        return None
    final = final_status(job_store.detail_counts(conn, job_id), cancelling=job.cancel_requested)
    if final is None:
        return None
    error = job.error
    if final in (J.PARTIAL, J.FAILED) and error is None:
        failed = job_store.details(conn, job_id, (D.FAILED,))
        if failed:
            error = f"{len(failed)} model-day(s) failed; first: {failed[0].model} {failed[0].date}: {failed[0].error}"
        elif job_store.has_detail(conn, job_id, D.SKIPPED, BUDGET_ERROR):
            error = BUDGET_ERROR
    transition_job(conn, job_id, final, error=error, at=at)
    return final


def note_job(conn: db.Connection, job_id: str, text: str, *, at: str | None = None) -> None:
    """An audit event without a status change (e.g. a running job resumed after an interruption)."""
    status = job_store.job_status(conn, job_id)
    job_store.insert_event(
        conn,
        job_id=job_id,
        detail_id=None,
        from_status=status,
        to_status=status or "unknown",
        at=at or utcnow_iso(),
        detail=text,
    )


# ---- the lifecycle operations (inside the caller's write transaction) ----------------------------------------------


def create_job(
    conn: db.Connection,
    *,
    job_id: str,
    config_path: str,
    date_range: Sequence[str],
    models: Sequence[str],
    model_days: Iterable[tuple[str, str]],
    request: dict[str, Any],
    config: dict[str, Any],
    warnings: Sequence[str],
    caller: str,
    at: str,
) -> int:
    """A new pending job, its `(date, model)` model-days pending, and the creation event; returns how many days."""
    job_store.insert_job(
        conn,
        job_id=job_id,
        config_path=config_path,
        date_range=date_range,
        models=models,
        created_at=at,
        request=request,
        config=config,
        warnings=warnings,
    )
    n = job_store.insert_details(conn, job_id, model_days)
    job_store.insert_event(
        conn,
        job_id=job_id,
        detail_id=None,
        from_status=None,
        to_status=J.PENDING,
        at=at,
        detail=f"created by {caller}: {n} model-day(s)",
    )
    return n


def skip_pending(conn: db.Connection, job_id: str, error: str, *, at: str | None = None) -> int:
    """Every pending model-day of the job → skipped with `error`; returns how many. A running job settles with the
    last of them when nothing is running."""
    pending = job_store.details(conn, job_id, (D.PENDING,))
    for d in pending:
        transition_detail(conn, d.id, D.SKIPPED, error=error, at=at)
    return len(pending)


def cancel_job(conn: db.Connection, job_id: str, *, at: str | None = None) -> None:
    """Cancel a pending or running job, from any process (the API, the CLI): `cancel_requested` set, its running
    model-days → skipped (their sessions are aborted by the worker's cancel watcher, `jobs/chains.py`, and their
    commit can no longer happen: it needs the detail to be running), its pending ones → skipped; the job ends
    `cancelled` in this transaction. NotFound / IllegalTransition (already ended) otherwise."""
    job = job_store.job(conn, job_id)
    if job is None:
        raise NotFound(f"job {str(job_id)[:100]} not found", {"job_id": str(job_id)[:100]})
    if job.status not in JOB_ACTIVE:
        raise IllegalTransition(f"job {job_id} already ended ({job.status})", {"job_id": job_id, "status": job.status})
    job_store.set_job_fields(conn, job_id, cancel_requested=1)
    for d in job_store.details(conn, job_id, (D.RUNNING,)):
        transition_detail(conn, d.id, D.SKIPPED, error=CANCELLED_RUNNING_ERROR, cancel=True, at=at)
    skip_pending(conn, job_id, CANCELLED_ERROR, at=at)
    if job.status == J.PENDING:
        transition_job(conn, job_id, J.CANCELLED, note="cancelled", at=at)
    else:  # its last running or pending day settled it already; a job with none left settles now
        settle_job(conn, job_id, at=at)


def abort_job(conn: db.Connection, job_id: str, error: str, *, fail_running: bool = False, at: str | None = None):
    """End a job that cannot go on: its error set, its pending model-days skipped with that error (with
    `fail_running`, its running ones failed first: their worker is gone); the job settles (failed or partial)."""
    job_store.set_job_fields(conn, job_id, error=error)
    if fail_running:
        for d in job_store.details(conn, job_id, (D.RUNNING,)):
            transition_detail(conn, d.id, D.FAILED, error=error, at=at)
    skip_pending(conn, job_id, error, at=at)
    settle_job(conn, job_id, at=at)


def check_lease(conn: db.Connection, detail_id: int, owner: str, attempt: int) -> None:
    """IllegalTransition unless the model-day is running under this attempt's lease (`owner`, `attempt`)."""
    current = job_store.detail(conn, detail_id)
    if current is None or current.status != D.RUNNING or current.worker_id != owner or current.attempts != attempt:
        raise IllegalTransition(
            f"model-day {detail_id}: the lease of attempt {attempt} by {owner} is over",
            {"detail_id": detail_id, "holder": current.worker_id if current else None},
        )
