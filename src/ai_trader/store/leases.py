"""SQL of model-day leases (migration 0017): which model-days a worker may claim, and who holds which.

A model-day is claimable when its job is running (and not fetching prices) and it is the head of its signature's
chain in that job: pending, every earlier day of that signature in the job completed. The claim query reads one head
per chain (the earliest open day of each `(job, model)`), oldest job first; on PostgreSQL it locks the heads it
returns with `FOR UPDATE SKIP LOCKED` (`lock` from `Engine.claim_lock`), so workers claiming at the same time take
different heads. Inside the caller's transaction; status changes go through `jobs.states`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .db import Connection
from .jobs import DetailRow, detail_row

_HEADS = """
WITH heads AS (
  SELECT d.job_id, d.model, MIN(d.date) AS date FROM job_details d JOIN jobs j ON j.job_id = d.job_id
  WHERE j.status = 'running' AND (j.phase IS NULL OR j.phase <> 'fetching_prices')
    AND d.status IN ('pending', 'running') {job}
  GROUP BY d.job_id, d.model)
SELECT d.* FROM heads h
JOIN job_details d ON d.job_id = h.job_id AND d.model = h.model AND d.date = h.date
JOIN jobs j ON j.job_id = d.job_id
WHERE d.status = 'pending'
  AND NOT EXISTS (SELECT 1 FROM job_details p WHERE p.job_id = d.job_id AND p.model = d.model AND p.date < d.date
                  AND p.status <> 'completed')
ORDER BY j.created_at, d.date, d.model LIMIT ? {lock}
"""


def claimable(conn: Connection, limit: int, *, job_id: str | None = None, lock: str = "") -> list[DetailRow]:
    """Up to `limit` claimable model-days (heads of their chains), oldest job first, then by date."""
    sql = _HEADS.format(job="AND d.job_id = ?" if job_id else "", lock=lock)
    args = (job_id, limit) if job_id else (limit,)
    return [detail_row(r) for r in conn.execute(sql, args)]


def next_in_chain(conn: Connection, job_id: str, model: str, date: str) -> DetailRow | None:
    """The chain's next day after `date` (just committed) when it is pending and its job running (not fetching)."""
    row = conn.execute(
        "SELECT d.* FROM job_details d JOIN jobs j ON j.job_id = d.job_id WHERE d.job_id = ? AND d.model = ?"
        " AND d.date > ? AND j.status = 'running' AND (j.phase IS NULL OR j.phase <> 'fetching_prices')"
        " ORDER BY d.date LIMIT 1",
        (job_id, model, date),
    ).fetchone()
    return detail_row(row) if row is not None and row["status"] == "pending" else None


def open_chains(conn: Connection) -> int:
    """How many `(job, signature)` chains of running jobs still have a pending or running day."""
    return conn.execute(
        "SELECT COUNT(*) FROM (SELECT DISTINCT d.job_id, d.model FROM job_details d JOIN jobs j"
        " ON j.job_id = d.job_id WHERE j.status = 'running' AND d.status IN ('pending', 'running')) c"
    ).fetchone()[0]


def extend(conn: Connection, worker_id: str, until: str) -> int:
    """The worker's heartbeat: every running model-day it holds gets its lease extended to `until`."""
    return conn.execute(
        "UPDATE job_details SET lease_until = ? WHERE worker_id = ? AND status = 'running'", (until, worker_id)
    ).rowcount


def holders(conn: Connection) -> list[tuple[str | None, str | None]]:
    """Per worker holding running model-days: `(worker_id, earliest lease_until)` (None: a day without lease)."""
    return [
        (r[0], r[1])
        for r in conn.execute(
            "SELECT worker_id, MIN(COALESCE(lease_until, '')) FROM job_details WHERE status = 'running'"
            " GROUP BY worker_id"
        )
    ]


def holders_count(conn: Connection) -> dict[str | None, int]:
    """How many running model-days each worker holds."""
    return {
        r[0]: r[1]
        for r in conn.execute("SELECT worker_id, COUNT(*) FROM job_details WHERE status = 'running' GROUP BY worker_id")
    }


def running(conn: Connection) -> list[DetailRow]:
    """Every running model-day, oldest job first (recovery decides which leases are lost)."""
    return [
        detail_row(r)
        for r in conn.execute(
            "SELECT d.* FROM job_details d JOIN jobs j ON j.job_id = d.job_id WHERE d.status = 'running'"
            " ORDER BY j.created_at, d.date, d.model"
        )
    ]


@dataclass(frozen=True)
class Lease:
    worker_id: str | None
    job_id: str
    model: str
    date: str
    started_at: str | None
    lease_until: str | None


def leases(conn: Connection) -> list[Lease]:
    """The running model-days and who holds them (GET /simulate/workers)."""
    return [
        Lease(*r)
        for r in conn.execute(
            "SELECT worker_id, job_id, model, date, started_at, lease_until FROM job_details WHERE status = 'running'"
            " ORDER BY worker_id, job_id, date, model"
        )
    ]
