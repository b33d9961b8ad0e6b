"""Work whose worker is gone, and what the next worker (or trigger) does with it (spec/jobs.md "Restarts").

Model-days: a running model-day is leased by the worker running it (`job_details.worker_id`, `lease_until`,
`jobs/leases.py`). Its lease is lost when it has no holder, when the lease ran out (the holder stopped
heartbeating: a process on another host died, or one that hangs), or when the holder was a process on this host that
no longer exists (no waiting for the lease). With `resume` a lost day goes back to pending, for the next claim of
any worker (it left nothing behind: its commit needs the lease); without (RESUME_INTERRUPTED_JOBS=false) it fails
and its job ends failed/partial ("interrupted by restart").

Jobs: a running job has a steward (`jobs.worker_id`, refreshed `heartbeat_at`): the worker that started it, which
ran its price fetch and which the 409 answer names. The steward is gone by the same rules (no steward: released on a
graceful stop). A worker adopts a job whose steward is gone (and fetches its prices again if that was interrupted);
without `resume` such a job ends "interrupted by restart". Pending jobs are queued work: left for the normal claim.

This is the one rule, applied by every entry point before it plans or claims work: the trigger (API and `ai-trader
run`, `JobService.recover_orphans`, its own transaction, as a non-worker: `worker_id=None`) and every worker on
every tick. `live_workers` applies it to the `workers` heartbeat rows (for /health and the fair share of claims).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid

from ..store import db
from ..store import jobs as job_store
from ..store import leases as lease_store
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


def live_workers(
    conn: db.Connection, *, now: dt.datetime | None = None, lease_s: float = LEASE_SECONDS
) -> list[worker_store.WorkerRow]:
    """Workers alive by the same rule as a lease: not stopped, heartbeat within the lease, and (on this host) the
    process still exists."""
    now = now or dt.datetime.now(dt.UTC)
    since = (now - dt.timedelta(seconds=lease_s)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return [w for w in worker_store.running(conn, since=since) if not owner_process_gone(w.worker_id)]


def _lease_lost(worker_id: str | None, lease_until: str | None, now_iso: str) -> bool:
    return worker_id is None or not lease_until or lease_until < now_iso or owner_process_gone(worker_id)


def has_lost_days(conn: db.Connection) -> bool:
    """Whether a running model-day's lease is lost (a cheap read: one row per worker holding days)."""
    now_iso = utcnow_iso()
    return any(_lease_lost(w, until, now_iso) for w, until in lease_store.holders(conn))


def lost_days(conn: db.Connection) -> list[job_store.DetailRow]:
    """Running model-days nobody runs any more: no lease holder, a lease that ran out, or a holder process gone."""
    now_iso = utcnow_iso()
    return [d for d in lease_store.running(conn) if _lease_lost(d.worker_id, d.lease_until, now_iso)]


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
    """Running jobs whose steward (the worker that started them) is gone, not counting this worker's own; a read,
    cheap enough for every tick."""
    running = job_store.jobs_in(conn, (states.JobStatus.RUNNING,))
    return [j for j in running if (worker_id is None or j.worker_id != worker_id) and is_orphaned(j)]


def needs_recovery(conn: db.Connection, worker_id: str | None = None) -> bool:
    return has_lost_days(conn) or bool(orphans(conn, worker_id))


def recover(conn: db.Connection, worker_id: str | None, *, resume: bool) -> list[str]:
    """Inside the caller's write transaction: (1) lost model-days go back to pending (with `resume`), for the next
    claim of any worker; without `resume` (RESUME_INTERRUPTED_JOBS=false) they fail and their job ends
    failed/partial ("interrupted by restart"); (2) a worker (`worker_id`) becomes the steward of running jobs whose
    steward is gone (and re-runs a price fetch that was interrupted). Returns the ids of the jobs it touched."""
    at = utcnow_iso()
    touched: list[str] = []
    lost: dict[str, list[job_store.DetailRow]] = {}
    for d in lost_days(conn):
        lost.setdefault(d.job_id, []).append(d)
    for job_id, days in lost.items():
        holders = ", ".join(sorted({d.worker_id or "nobody" for d in days}))
        if resume:
            _return_to_pending(conn, days, at)
            note = f"interrupted (worker {holders} gone); {len(days)} running model-day(s) returned to pending"
            states.note_job(conn, job_id, note, at=at)
            log.warning("returned interrupted model-days", extra={"job_id": job_id, "returned": len(days)})
        else:
            for d in days:
                states.transition_detail(conn, d.id, states.DetailStatus.FAILED, error=INTERRUPTED, at=at)
            if job_store.job_status(conn, job_id) == states.JobStatus.RUNNING:
                states.abort_job(conn, job_id, INTERRUPTED, at=at)
            log.warning("ended interrupted job", extra={"job_id": job_id})
        touched.append(job_id)
    for job in orphans(conn, worker_id):
        if not resume:
            job_store.set_owner(conn, job.job_id, None, None)
            states.abort_job(conn, job.job_id, INTERRUPTED, at=at)
            touched.append(job.job_id)
            continue
        if worker_id is None:
            continue  # the trigger leaves the steward's id (its 409 answer names it); the next worker adopts
        job_store.set_owner(conn, job.job_id, worker_id, at)
        previous = job.worker_id or "released"
        states.note_job(
            conn, job.job_id, f"resumed by {worker_id} after interruption (previous worker {previous})", at=at
        )
        if job.cancel_requested:  # cancelled by an older version while its days ran
            states.skip_pending(conn, job.job_id, states.CANCELLED_ERROR, at=at)
        states.settle_job(conn, job.job_id, at=at)  # nothing left (e.g. cancelled): ends now
        touched.append(job.job_id)
        log.warning("resuming interrupted job", extra={"job_id": job.job_id})
    return sorted(set(touched))


def _return_to_pending(conn: db.Connection, running: list[job_store.DetailRow], at: str) -> None:
    for d in running:
        states.transition_detail(
            conn, d.id, states.DetailStatus.PENDING, recovery=True, at=at, note=f"{INTERRUPTED}: returned to pending"
        )
