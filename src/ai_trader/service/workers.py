"""`GET /simulate/workers`: the live workers (the rule of `jobs/recovery.live_workers`) and their model-day leases
(`jobs/leases.py`)."""

from __future__ import annotations

from ..jobs import recovery
from ..store import Store
from ..store import leases as lease_store
from .schemas import Schema


class Lease(Schema):
    """A running model-day and the lease its worker holds on it."""

    job_id: str
    model: str
    date: str
    started_at: str | None
    lease_until: str | None


class LiveWorker(Schema):
    worker_id: str
    host: str
    pid: int
    mode: str
    started_at: str
    heartbeat_silent_seconds: float | None
    leases: list[Lease]


class Workers(Schema):
    """`GET /simulate/workers`: the live workers and their leases; `unheld`: running model-days whose worker is not
    live (their lease is lost: the next worker's tick returns them to pending)."""

    workers: list[LiveWorker]
    unheld: list[Lease]


def workers(store: Store) -> Workers:
    """The live workers (the rule of `recovery.live_workers`) and the model-days each holds a lease on."""
    with store.read() as conn:
        live = recovery.live_workers(conn)
        held = lease_store.leases(conn)
    by_worker: dict[str | None, list[Lease]] = {}
    for x in held:
        lease = Lease(job_id=x.job_id, model=x.model, date=x.date, started_at=x.started_at, lease_until=x.lease_until)
        by_worker.setdefault(x.worker_id, []).append(lease)
    ids = {w.worker_id for w in live}
    return Workers(
        workers=[
            LiveWorker(
                worker_id=w.worker_id,
                host=w.host,
                pid=w.pid,
                mode=w.mode,
                started_at=w.started_at,
                heartbeat_silent_seconds=recovery.heartbeat_silence_of(w.heartbeat_at),
                leases=by_worker.get(w.worker_id, []),
            )
            for w in live
        ],
        unheld=[lease for holder, found in by_worker.items() if holder not in ids for lease in found],
    )
