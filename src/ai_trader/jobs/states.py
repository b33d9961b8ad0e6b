"""The job state machine: the only code that changes a job's or a model-day's status.

Job:    pending → running → completed | partial | failed;  pending | running → cancelled.
Detail: pending → running → completed | failed;  pending → skipped;  running → pending (recovery only);
        running → skipped (a cancel only: the running session is aborted and nothing of the day is committed).

Each change is one guarded UPDATE (`… WHERE id = ? AND status IN (<allowed sources>)`) whose row count is checked,
plus a `job_events` row, both inside the caller's transaction: a lost race raises `IllegalTransition` and the
caller's transaction rolls back, so no event is recorded for a change that did not happen.

A job's final status follows from its details (`final_status`): all completed → completed; none completed and some
failed (or skipped) → failed; otherwise, if any failed or was skipped → partial. A job being cancelled ends
`cancelled`. `settle_job` applies it once no detail is pending or running; every terminal detail transition calls
it, so a job ends exactly when its last detail does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum

from ..errors import IllegalTransition, NotFound
from ..store import db
from ..store import jobs as rows
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
JOB_TERMINAL = frozenset({J.COMPLETED, J.PARTIAL, J.FAILED, J.CANCELLED})
DETAIL_TERMINAL = frozenset({D.COMPLETED, D.FAILED, D.SKIPPED})
CANCELLING = "cancelling"  # jobs.phase of a job being cancelled (older versions: while its running days finished)
CANCELLED_ERROR = "cancelled"  # error of the details a cancel skipped (also marks the job as cancelled)
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
    current = rows.job(conn, job_id)
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
    if rows.guarded_update_job(conn, job_id, sources, to.value, fields) != 1:
        raise IllegalTransition(f"job {job_id}: status changed concurrently", {"job_id": job_id, "to": to.value})
    rows.insert_event(
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
) -> rows.DetailRow:
    """Move a model-day detail to `to` (guarded); returns the row as it was before. Terminal transitions settle
    the job when it was the last open detail. `recovery` also allows running → pending, `cancel` running → skipped."""
    to = DetailStatus(to)
    at = at or utcnow_iso()
    current = rows.detail(conn, detail_id)
    if current is None:
        raise NotFound(f"job detail {detail_id} not found", {"detail_id": detail_id})
    sources = detail_sources(to, recovery=recovery, cancel=cancel)
    if current.status not in sources:
        raise IllegalTransition(
            f"model-day {current.model} {current.date}: {current.status} → {to.value} is not allowed",
            {"job_id": current.job_id, "detail_id": detail_id, "from": current.status, "to": to.value},
        )
    fields: dict[str, object] = {}
    if to == D.RUNNING:
        fields.update(
            started_at=at, completed_at=None, duration_seconds=None, error=None, attempts=current.attempts + 1
        )
    elif to == D.PENDING:  # recovery: the interrupted attempt left nothing behind
        fields.update(started_at=None, completed_at=None, duration_seconds=None)
    else:
        fields.update(completed_at=at, duration_seconds=_seconds_between(current.started_at, at))
    if to in (D.FAILED, D.SKIPPED) or error is not None:
        fields["error"] = error
    if rows.guarded_update_detail(conn, detail_id, sources, to.value, fields) != 1:
        raise IllegalTransition(
            f"model-day {current.model} {current.date}: status changed concurrently",
            {"job_id": current.job_id, "detail_id": detail_id, "to": to.value},
        )
    rows.insert_event(
        conn,
        job_id=current.job_id,
        detail_id=detail_id,
        from_status=current.status,
        to_status=to.value,
        at=at,
        detail=note or error,
    )
    rows.set_job_fields(conn, current.job_id, updated_at=at)
    if to in DETAIL_TERMINAL:
        settle_job(conn, current.job_id, at=at)
    return current


def final_status(counts: Mapping[str, int], *, cancelling: bool = False) -> JobStatus | None:
    """The job's final status from its detail counts; None while a detail is pending or running."""
    if counts.get("pending", 0) or counts.get("running", 0):
        return None
    if cancelling:
        return J.CANCELLED
    completed, failed, skipped = counts.get("completed", 0), counts.get("failed", 0), counts.get("skipped", 0)
    if not failed and not skipped:
        return J.COMPLETED
    return J.PARTIAL if completed else J.FAILED


def settle_job(conn: db.Connection, job_id: str, *, at: str | None = None) -> JobStatus | None:
    """If the running job has nothing left to do, give it its final status. Returns it (None: not finished).

    Called on every model-day completion: the cheap "anything pending or running left?" check comes first, so the
    job row and the status counts are only read when the job is finishing."""
    if rows.has_open_detail(conn, job_id):
        return None
    job = rows.job(conn, job_id)
    if job is None or job.status != J.RUNNING:
        return None
    cancelling = job.phase == CANCELLING or rows.has_detail(conn, job_id, D.SKIPPED, CANCELLED_ERROR)
    final = final_status(rows.detail_counts(conn, job_id), cancelling=cancelling)
    if final is None:
        return None
    error = job.error
    if final in (J.PARTIAL, J.FAILED) and error is None:
        failed = rows.details(conn, job_id, ("failed",))
        if failed:
            error = f"{len(failed)} model-day(s) failed; first: {failed[0].model} {failed[0].date}: {failed[0].error}"
        elif rows.has_detail(conn, job_id, D.SKIPPED, BUDGET_ERROR):
            error = BUDGET_ERROR
    transition_job(conn, job_id, final, error=error, at=at)
    return final


def note_job(conn: db.Connection, job_id: str, text: str, *, at: str | None = None) -> None:
    """An audit event without a status change (e.g. a running job resumed after an interruption)."""
    status = rows.job_status(conn, job_id)
    rows.insert_event(
        conn,
        job_id=job_id,
        detail_id=None,
        from_status=status,
        to_status=status or "unknown",
        at=at or utcnow_iso(),
        detail=text,
    )
