"""Workers claim model-days, not jobs: leases on `job_details` rows (migration 0017; `store/leases.py` holds the SQL).

- `claim` takes up to `free` claimable model-days (heads of their chains: pending, the signature's earlier days in
  the job completed) in one claim transaction (`Store.claim`): each goes pending → running with this worker's id
  and a lease of `lease_s` (the guarded transition of `jobs/states.py`). On PostgreSQL, claims of several workers
  run at once and `FOR UPDATE SKIP LOCKED` gives them different days; on SQLite the write lock serializes them.
- Fair share: a worker takes at most ⌈open chains / live workers⌉ days minus those it runs already, so that workers
  started together split a job instead of the first one taking every chain.
- Hand-off: the commit of a day may take the chain's next day in the same transaction (`take_next`), so a worker
  runs its chains on without a claim per day; it does so while it runs no more than its fair share (recomputed at
  each heartbeat, `fair_share`), so a worker that joins gets the chains the others let go at their next commit.
- `extend` is the heartbeat of the leases (`Worker`, every few seconds). A lease that ran out, or whose worker
  process is gone (same host), is lost: `jobs/recovery.py` returns the day to pending for the next claim.
- `job_details` stays the one truth of progress: there is no second queue table.
"""

from __future__ import annotations

import dataclasses
import math

from ..errors import IllegalTransition
from ..store import Store, db
from ..store import jobs as job_store
from ..store import leases as lease_store
from ..timeutil import utc_after, utcnow_iso
from . import recovery, states

HANDED_ON = "handed on by the commit of"  # the note of a claim made by the previous day's commit (`take_next`)


def fair_share(conn: db.Connection, lease_s: float) -> int | None:
    """⌈open chains / live workers⌉, or None (no limit) while one worker is live."""
    live = len(recovery.live_workers(conn, lease_s=lease_s))
    return math.ceil(lease_store.open_chains(conn) / live) if live > 1 else None


def claim(
    store: Store, worker_id: str, *, free: int, lease_s: float, running: int = 0, job_id: str | None = None
) -> list[job_store.DetailRow]:
    """Claim up to `free` model-days for `worker_id` (which runs `running` days already); returns them (running)."""
    if free <= 0:
        return []
    at, until = utcnow_iso(), utc_after(lease_s)
    with store.claim() as conn:
        share = fair_share(conn, lease_s)
        if share is not None:
            free = min(free, share - running)
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
            claimed.append(_running(d, worker_id))
        return claimed


def take_next(
    conn: db.Connection, done: job_store.DetailRow, worker_id: str, lease_s: float
) -> job_store.DetailRow | None:
    """Inside the commit transaction of `done` (completed by it): the chain's next day, pending → running for
    `worker_id`; None when the chain has none pending (or its job is no longer running)."""
    nxt = lease_store.next_in_chain(conn, done.job_id, done.model, done.date)
    if nxt is None:
        return None
    states.transition_detail(
        conn, nxt.id, states.DetailStatus.RUNNING, owner=worker_id, lease_until=utc_after(lease_s),
        note=f"{HANDED_ON} {done.date}",
    )  # fmt: skip
    return _running(nxt, worker_id)


def _running(d: job_store.DetailRow, worker_id: str) -> job_store.DetailRow:
    """The claimed row as the caller runs it (`attempts` as before the claim: the attempt is `attempts + 1`)."""
    return dataclasses.replace(d, status="running", worker_id=worker_id)


def extend(store: Store, worker_id: str, lease_s: float) -> int:
    """Extend the leases of every model-day the worker runs; returns how many."""
    with store.write() as conn:
        return lease_store.extend(conn, worker_id, utc_after(lease_s))
