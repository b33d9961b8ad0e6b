"""Jobs whose worker is gone, and what a starting worker does with them (spec/jobs.md "Restarts").

A running job is owned by one worker (`jobs.worker_id` = `host:pid:nonce`, refreshed `heartbeat_at`). It is
orphaned when it has no owner (released on a graceful stop), when its owner was a process on this host that no
longer exists, or when the owner's heartbeat is older than `LEASE_SECONDS` (a worker on another host died).

Pending jobs are queued work, not interrupted work: they are left for the normal claim either way.

This is the one rule, applied by every entry point that plans or claims work, before it does: the trigger (API and
`ai-trader run`, `JobService.recover_orphans`, its own transaction before the planning one, as a non-worker:
`worker_id=None`) and every worker (`serve`'s in-process worker at start and on every poll tick, `ai-trader worker`,
`run`'s drain). `live_workers` applies the same rule to the `workers` heartbeat rows (for /health). With `resume`
the job goes on: a worker adopts it at once; a non-worker returns its running model-days to pending and leaves it to
the next worker (keeping the dead owner's id, which the 409 answer names). Without `resume`
(RESUME_INTERRUPTED_JOBS=false) it ends failed/partial ("interrupted by restart"). Never left blocking.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid

from ..store import db
from ..store import jobs as job_store
from ..store import workers as worker_store
from ..timeutil import utcnow_iso
from . import states

log = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
HEARTBEAT_SECONDS = 5.0
INTERRUPTED = "interrupted by restart"


_THIS_PROCESS: set[str] = set()  # the worker ids created in this process


def new_worker_id() -> str:
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    _THIS_PROCESS.add(worker_id)
    return worker_id


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def owner_process_gone(worker_id: str) -> bool:
    """True when the worker id names a process on this host that no longer exists — or names this very process
    but was not created by it (a restarted container reuses its hostname and, often, the same pid)."""
    host, _, rest = worker_id.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    if int(pid_text) == os.getpid():
        return worker_id not in _THIS_PROCESS
    return not _process_alive(int(pid_text))


def heartbeat_silence(job: job_store.JobRow, *, now: dt.datetime | None = None) -> float | None:
    """Seconds since the owner's last heartbeat (None: never beat)."""
    return heartbeat_silence_of(job.heartbeat_at, now=now)


def heartbeat_silence_of(heartbeat_at: str | None, *, now: dt.datetime | None = None) -> float | None:
    if heartbeat_at is None:
        return None
    now = now or dt.datetime.now(dt.UTC)
    return round(max(0.0, (now - dt.datetime.fromisoformat(heartbeat_at)).total_seconds()), 1)


def is_orphaned(job: job_store.JobRow, *, now: dt.datetime | None = None) -> bool:
    """True when nobody is running this running job any more."""
    if job.worker_id is None or owner_process_gone(job.worker_id):
        return True
    silence = heartbeat_silence(job, now=now)
    return silence is None or silence > LEASE_SECONDS


def live_workers(conn: db.Connection, *, now: dt.datetime | None = None) -> list[worker_store.WorkerRow]:
    """Workers alive by the same rule as a job's owner: not stopped, heartbeat within LEASE_SECONDS, and (on this
    host) the process still exists."""
    now = now or dt.datetime.now(dt.UTC)
    since = (now - dt.timedelta(seconds=LEASE_SECONDS)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [w for w in worker_store.running(conn, since=since) if not owner_process_gone(w.worker_id)]


def describe_owner(job: job_store.JobRow, *, now: dt.datetime | None = None) -> dict[str, object]:
    """Who holds a pending/running job and whether it is alive, for the 409 answer and the CLI:
    {owner, owner_alive, heartbeat_silent_seconds, text}."""
    silence = heartbeat_silence(job, now=now)
    silent = "never" if silence is None else f"{silence:.0f} s ago"
    if job.status == states.JobStatus.PENDING:
        alive, text = None, "queued, not yet claimed by a worker"
    elif job.worker_id is None:
        alive, text = (
            False,
            f"no owner (released by a stopped worker; last heartbeat {silent}); the next worker resumes it",
        )
    elif is_orphaned(job, now=now):
        alive = False
        text = f"owner {job.worker_id} is gone (last heartbeat {silent}); the next worker resumes it"
    else:
        alive, text = True, f"owner {job.worker_id}, last heartbeat {silent}"
    return {
        "owner": job.worker_id,
        "owner_alive": alive,
        "heartbeat_silent_seconds": None if silence is None else round(silence, 1),
        "text": text,
    }


def orphans(conn: db.Connection, worker_id: str | None = None) -> list[job_store.JobRow]:
    """Running jobs nobody runs any more (not counting this worker's own); a read, cheap enough for every tick."""
    running = job_store.jobs_in(conn, (states.JobStatus.RUNNING,))
    return [j for j in running if (worker_id is None or j.worker_id != worker_id) and is_orphaned(j)]


def recover(conn: db.Connection, worker_id: str | None, *, resume: bool) -> list[str]:
    """Handle orphaned running jobs inside the caller's write transaction. A worker (`worker_id`) with resume=True
    adopts them and returns their ids (it must continue them); a non-worker (`worker_id=None`, the trigger) only
    returns their running model-days to pending, for the next worker. With resume=False they end failed/partial."""
    adopted: list[str] = []
    at = utcnow_iso()
    for job in orphans(conn, worker_id):
        running = job_store.details(conn, job.job_id, (states.DetailStatus.RUNNING,))
        if resume and worker_id is None:
            if running:
                _return_to_pending(conn, running, at)
                states.note_job(
                    conn,
                    job.job_id,
                    f"interrupted (worker {job.worker_id or 'released'} gone); {len(running)} running model-day(s) "
                    "returned to pending for the next worker",
                    at=at,
                )
                log.warning("released interrupted job", extra={"job_id": job.job_id, "returned": len(running)})
        elif resume:
            _return_to_pending(conn, running, at)
            job_store.set_owner(conn, job.job_id, worker_id, at)
            states.note_job(
                conn,
                job.job_id,
                f"resumed by {worker_id} after interruption "
                f"(previous worker {job.worker_id or 'released'}; "
                f"{len(running)} running model-day(s) returned to pending)",
                at=at,
            )
            if job.cancel_requested:  # cancelled by an older version while its days ran
                states.skip_pending(conn, job.job_id, states.CANCELLED_ERROR, at=at)
            states.settle_job(conn, job.job_id, at=at)  # nothing left (e.g. cancelled): ends now
            if job_store.job_status(conn, job.job_id) == states.JobStatus.RUNNING:
                adopted.append(job.job_id)
            log.warning("resuming interrupted job", extra={"job_id": job.job_id, "returned": len(running)})
        else:
            job_store.set_owner(conn, job.job_id, None, None)
            states.abort_job(conn, job.job_id, INTERRUPTED, fail_running=True, at=at)
            log.warning("ended interrupted job", extra={"job_id": job.job_id})
    return adopted


def _return_to_pending(conn: db.Connection, running: list[job_store.DetailRow], at: str) -> None:
    for d in running:
        states.transition_detail(
            conn, d.id, states.DetailStatus.PENDING, recovery=True, at=at, note=f"{INTERRUPTED}: returned to pending"
        )
