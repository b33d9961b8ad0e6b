"""Workers claim model-days, not jobs: leases on `job_details` rows (migration 0017; `store/leases.py` holds the SQL).

- `claim` takes up to `free` claimable model-days (heads of their chains: pending, the signature's earlier days in
  the job completed) in one claim transaction (`Store.claim`): each goes pending → running with this worker's id
  and a lease of `lease_s` (the guarded transition of `jobs/states.py`). On PostgreSQL, claims of several workers
  run at once and `FOR UPDATE SKIP LOCKED` gives them different days; on SQLite the write lock serializes them.
- Fair share: a worker takes at most ⌈open chains / live workers⌉ days minus those it runs already, so that workers
  started together split a job instead of the first one taking every chain.
- `extend` is the heartbeat of the leases (`Worker`, every few seconds). A lease that ran out, or whose worker
  process is gone (same host), is lost: `jobs/recovery.py` returns the day to pending for the next claim.
- `job_details` stays the one truth of progress: there is no second queue table.
"""

from __future__ import annotations

import math

from ..errors import IllegalTransition
from ..store import Store
from ..store import jobs as job_store
from ..store import leases as lease_store
from ..timeutil import utc_after, utcnow_iso
from . import recovery, states


def claim(
    store: Store, worker_id: str, *, free: int, lease_s: float, running: int = 0, job_id: str | None = None
) -> list[job_store.DetailRow]:
    """Claim up to `free` model-days for `worker_id` (which runs `running` days already); returns them (running)."""
    if free <= 0:
        return []
    at, until = utcnow_iso(), utc_after(lease_s)
    with store.claim() as conn:
        live = max(len(recovery.live_workers(conn, lease_s=lease_s)), 1)
        if live > 1:
            free = min(free, math.ceil(lease_store.open_chains(conn) / live) - running)
            if free <= 0:
                return []
        claimed = []
        for d in lease_store.claimable(conn, free, job_id=job_id, lock=store.claim_lock):
            try:
                states.transition_detail(
                    conn, d.id, states.DetailStatus.RUNNING, owner=worker_id, lease_until=until, at=at
                )
            except IllegalTransition:  # taken by another claim meanwhile
                continue
            claimed.append(job_store.DetailRow(**{**d.__dict__, "status": "running", "worker_id": worker_id}))
        return claimed


def extend(store: Store, worker_id: str, lease_s: float) -> int:
    """Extend the leases of every model-day the worker runs; returns how many."""
    with store.write() as conn:
        return lease_store.extend(conn, worker_id, utc_after(lease_s))
