"""A worker's presence in the store: its `workers` row (what /health and GET /simulate/workers read), the
heartbeat of its jobs and leases, and what it gives back when it stops. Each step is one write transaction."""

from __future__ import annotations

import datetime as dt
import os
import socket

from ..store import Store
from ..store import jobs as job_store
from ..store import leases as lease_store
from ..store import workers as worker_store
from ..timeutil import utc_after, utcnow_iso
from . import leases, states

FORGET_WORKERS_AFTER = dt.timedelta(days=7)  # rows of workers silent longer than this are pruned at a worker's start
J = states.JobStatus


def forget_old_workers(store: Store) -> None:
    with store.write() as conn:
        old = dt.datetime.now(dt.UTC) - FORGET_WORKERS_AFTER
        worker_store.prune(conn, before=old.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))


def heartbeat(store: Store, worker_id: str, mode: str, lease_s: float) -> int | None:
    """The worker's row, the heartbeat of the jobs it stewards and the leases of its days; returns its fair share
    of chains now (`leases.fair_share`)."""
    at = utcnow_iso()
    with store.write() as conn:
        worker_store.beat(conn, worker_id, host=socket.gethostname(), pid=os.getpid(), mode=mode, at=at)
        job_store.heartbeat(conn, worker_id, at)
        lease_store.extend(conn, worker_id, utc_after(lease_s))
        return leases.fair_share(conn, lease_s)


def give_back(store: Store, worker_id: str) -> None:
    """At a stop: its running days (cancelled before they began: nobody else would return them) back to pending,
    its jobs released for the next worker to adopt at once, its row marked stopped."""
    with store.write() as conn:
        for d in lease_store.running(conn):
            if d.worker_id == worker_id:
                states.transition_detail(
                    conn, d.id, states.DetailStatus.PENDING, recovery=True, owner=worker_id, note="worker stopped"
                )
        for job in job_store.jobs_in(conn, (J.RUNNING,)):
            if job.worker_id == worker_id:
                job_store.release_owner(conn, job.job_id)
                states.note_job(conn, job.job_id, f"released by worker {worker_id} (stopped)")
        worker_store.stopped(conn, worker_id, utcnow_iso())
