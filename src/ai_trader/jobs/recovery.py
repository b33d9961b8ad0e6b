"""Jobs whose worker is gone, and what a starting worker does with them (spec/jobs.md "Restarts").

A running job is owned by one worker (`jobs.worker_id` = `host:pid:nonce`, refreshed `heartbeat_at`). It is
orphaned when it has no owner (released on a graceful stop), when its owner was a process on this host that no
longer exists, or when the owner's heartbeat is older than `LEASE_SECONDS` (a worker on another host died).

Pending jobs are queued work, not interrupted work: they are left for the normal claim either way.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sqlite3
import uuid

from ..store import jobs as rows
from ..timeutil import utcnow_iso
from . import states

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
HEARTBEAT_SECONDS = 5.0
INTERRUPTED = "interrupted by restart"


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def is_orphaned(job: rows.JobRow, *, now: dt.datetime | None = None) -> bool:
    """True when nobody is running this running job any more."""
    if job.worker_id is None:
        return True
    host, _, rest = job.worker_id.partition(":")
    pid_text = rest.partition(":")[0]
    if host == socket.gethostname() and pid_text.isdigit() and not _process_alive(int(pid_text)):
        return True
    if job.heartbeat_at is None:
        return True
    now = now or dt.datetime.now(dt.UTC)
    return (now - dt.datetime.fromisoformat(job.heartbeat_at)).total_seconds() > LEASE_SECONDS


def recover(conn: sqlite3.Connection, worker_id: str, *, resume: bool) -> list[str]:
    """Handle orphaned running jobs inside the caller's write transaction; returns the ids of the jobs this
    worker now owns and must continue (resume=True) — with resume=False they end failed/partial instead."""
    adopted: list[str] = []
    at = utcnow_iso()
    for job in rows.jobs_in(conn, ("running",)):
        if job.worker_id == worker_id or not is_orphaned(job):
            continue
        running = rows.details(conn, job.job_id, ("running",))
        if resume:
            for d in running:
                states.transition_detail(
                    conn,
                    d.id,
                    states.DetailStatus.PENDING,
                    recovery=True,
                    at=at,
                    note=f"{INTERRUPTED}: returned to pending",
                )
            rows.set_owner(conn, job.job_id, worker_id, at)
            states.note_job(
                conn,
                job.job_id,
                f"resumed by {worker_id} after interruption "
                f"(previous worker {job.worker_id or 'released'}; "
                f"{len(running)} running model-day(s) returned to pending)",
                at=at,
            )
            if job.phase == states.CANCELLING:
                for d in rows.details(conn, job.job_id, ("pending",)):
                    states.transition_detail(
                        conn, d.id, states.DetailStatus.SKIPPED, error=states.CANCELLED_ERROR, at=at
                    )
            states.settle_job(conn, job.job_id, at=at)  # nothing left (e.g. cancelled): ends now
            if rows.job_status(conn, job.job_id) == "running":
                adopted.append(job.job_id)
            log.warning("resuming interrupted job", extra={"job_id": job.job_id, "returned": len(running)})
        else:
            rows.set_job_fields(conn, job.job_id, error=INTERRUPTED)
            rows.set_owner(conn, job.job_id, None, None)
            for d in running:
                states.transition_detail(conn, d.id, states.DetailStatus.FAILED, error=INTERRUPTED, at=at)
            for d in rows.details(conn, job.job_id, ("pending",)):
                states.transition_detail(conn, d.id, states.DetailStatus.SKIPPED, error=INTERRUPTED, at=at)
            states.settle_job(conn, job.job_id, at=at)
            log.warning("ended interrupted job", extra={"job_id": job.job_id})
    return adopted
