"""SQL of the jobs aggregate: `jobs`, `job_details` (one row per model-day of a job) and `job_events` (audit trail).

Status changes go only through `jobs.states` (which calls the guarded updates here); these functions run inside the
caller's transaction and never commit. Every text written is redacted (`redact.py`): no configured secret is stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..redact import redact
from .db import Connection, Row

ACTIVE = ("pending", "running")


@dataclass(frozen=True)
class JobRow:
    job_id: str
    config_path: str
    status: str
    date_range: list[str]
    models: list[str]
    created_at: str
    started_at: str | None
    updated_at: str | None
    completed_at: str | None
    total_duration_seconds: float | None
    error: str | None
    request: dict[str, Any]
    config: dict[str, Any]
    warnings: list[str]
    phase: str | None
    worker_id: str | None = None
    heartbeat_at: str | None = None
    cancel_requested: bool = False  # migration 0012: a cancel was requested (the job ends `cancelled`)


@dataclass(frozen=True)
class DetailRow:
    id: int
    job_id: str
    date: str
    model: str
    status: str
    started_at: str | None
    completed_at: str | None
    duration_seconds: float | None
    error: str | None
    attempts: int
    worker_id: str | None = None  # migration 0017: the worker holding (or that held) the model-day's lease
    lease_until: str | None = None


@dataclass(frozen=True)
class EventRow:
    id: int
    job_id: str
    detail_id: int | None
    from_status: str | None
    to_status: str
    at: str
    detail: str | None


def _job(r: Row) -> JobRow:
    return JobRow(
        r["job_id"],
        r["config_path"],
        r["status"],
        json.loads(r["date_range"]),
        json.loads(r["models"]),
        r["created_at"],
        r["started_at"],
        r["updated_at"],
        r["completed_at"],
        r["total_duration_seconds"],
        r["error"],
        json.loads(r["request"]),
        json.loads(r["config"]),
        json.loads(r["warnings"]),
        r["phase"],
        r["worker_id"],
        r["heartbeat_at"],
        bool(r["cancel_requested"]),
    )


def detail_row(r: Row) -> DetailRow:
    return DetailRow(*(r[k] for k in DetailRow.__dataclass_fields__))


# ---- writes (inside the caller's transaction) --------------------------------------------------------------------


def insert_job(
    conn: Connection,
    *,
    job_id: str,
    config_path: str,
    date_range: Sequence[str],
    models: Sequence[str],
    created_at: str,
    request: dict[str, Any],
    config: dict[str, Any],
    warnings: Sequence[str],
) -> None:
    conn.execute(
        "INSERT INTO jobs(job_id, config_path, status, date_range, models, created_at, updated_at, request, config,"
        " warnings) VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?)",
        (
            job_id,
            config_path,
            json.dumps(list(date_range)),
            json.dumps(list(models)),
            created_at,
            created_at,
            redact(json.dumps(request)),
            redact(json.dumps(config)),
            json.dumps(list(warnings)),
        ),
    )


def insert_details(conn: Connection, job_id: str, model_days: Iterable[tuple[str, str]]) -> int:
    """Insert `(date, model)` model-days as pending details; returns how many."""
    rows = [(job_id, d, m) for d, m in model_days]
    conn.executemany("INSERT INTO job_details(job_id, date, model, status) VALUES (?, ?, ?, 'pending')", rows)
    return len(rows)


def insert_event(
    conn: Connection,
    *,
    job_id: str,
    detail_id: int | None,
    from_status: str | None,
    to_status: str,
    at: str,
    detail: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO job_events(job_id, detail_id, from_status, to_status, at, detail) VALUES (?, ?, ?, ?, ?, ?)",
        (job_id, detail_id, from_status, to_status, at, redact(detail) if detail else detail),
    )


def guarded_update_job(
    conn: Connection, job_id: str, sources: Sequence[str], to_status: str, fields: dict[str, Any]
) -> int:
    """`UPDATE jobs SET status=to, fields… WHERE job_id=? AND status IN sources`; the row count (0: race lost)."""
    return _guarded(conn, "jobs", "job_id", job_id, sources, to_status, fields)


def guarded_update_detail(
    conn: Connection,
    detail_id: int,
    sources: Sequence[str],
    to_status: str,
    fields: dict[str, Any],
    *,
    owner: str | None = None,
) -> int:
    """`UPDATE job_details SET status=to, fields… WHERE id=? AND status IN sources [AND worker_id=owner]`; the row
    count. With `owner`, only the worker holding the model-day's lease can make the change."""
    return _guarded(conn, "job_details", "id", detail_id, sources, to_status, fields, owner=owner)


def _guarded(
    conn: Connection,
    table: str,
    key: str,
    value: Any,
    sources: Sequence[str],
    to_status: str,
    fields: dict[str, Any],
    *,
    owner: str | None = None,
) -> int:
    sets = "".join(f", {k} = ?" for k in fields)
    marks = ",".join("?" * len(sources))
    sql = f"UPDATE {table} SET status = ?{sets} WHERE {key} = ? AND status IN ({marks})"
    guard: tuple[Any, ...] = ()
    if owner is not None:
        sql, guard = sql + " AND worker_id = ?", (owner,)
    return conn.execute(sql, (to_status, *map(_text, fields.values()), value, *sources, *guard)).rowcount


def _text(value: Any) -> Any:
    """A column value as written: strings (errors, notes) without any configured secret."""
    return redact(value) if isinstance(value, str) else value


def set_job_fields(conn: Connection, job_id: str, **fields: Any) -> None:
    """Non-status columns (updated_at, phase, error, cancel_requested)."""
    sets = ", ".join(f"{k} = ?" for k in fields)
    conn.execute(f"UPDATE jobs SET {sets} WHERE job_id = ?", (*map(_text, fields.values()), job_id))


def set_detail_phase(
    conn: Connection, job_id: str | None, date: str, model: str, phase: str | None, until: str | None
) -> None:
    """What a running model-day waits for (None clears it); a detail that is not running is left alone."""
    conn.execute(
        "UPDATE job_details SET phase = ?, phase_until = ? WHERE job_id = ? AND date = ? AND model = ?"
        " AND (status = 'running' OR CAST(? AS TEXT) IS NULL)",
        (phase, until, job_id, date, model, phase),
    )


def set_owner(conn: Connection, job_id: str, worker_id: str | None, at: str | None) -> None:
    """Record (or clear, with None) the worker running a job."""
    conn.execute("UPDATE jobs SET worker_id = ?, heartbeat_at = ? WHERE job_id = ?", (worker_id, at, job_id))


def release_owner(conn: Connection, job_id: str) -> None:
    """No owner any more (a worker stopped gracefully); the last heartbeat stays, for the record."""
    conn.execute("UPDATE jobs SET worker_id = NULL WHERE job_id = ?", (job_id,))


def heartbeat(conn: Connection, worker_id: str, at: str) -> int:
    """Refresh the heartbeat of every running job this worker owns."""
    return conn.execute(
        "UPDATE jobs SET heartbeat_at = ? WHERE worker_id = ? AND status = 'running'", (at, worker_id)
    ).rowcount


# ---- reads -------------------------------------------------------------------------------------------------------


def job(conn: Connection, job_id: str) -> JobRow | None:
    r = conn.execute("SELECT * FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    return _job(r) if r else None


def job_status(conn: Connection, job_id: str) -> str | None:
    r = conn.execute("SELECT status FROM jobs WHERE job_id = ?", (job_id,)).fetchone()
    return r[0] if r else None


def jobs(conn: Connection, *, limit: int = 20, status: str | None = None) -> list[JobRow]:
    """Newest first."""
    if status is None:
        rows = conn.execute("SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?", (limit,))
    else:
        rows = conn.execute(
            "SELECT * FROM jobs WHERE status = ? ORDER BY created_at DESC, rowid DESC LIMIT ?", (status, limit)
        )
    return [_job(r) for r in rows]


def latest_job(conn: Connection) -> JobRow | None:
    found = jobs(conn, limit=1)
    return found[0] if found else None


def jobs_in(conn: Connection, statuses: Sequence[str]) -> list[JobRow]:
    """Jobs with one of the statuses, oldest first (the queue order)."""
    marks = ",".join("?" * len(statuses))
    rows = conn.execute(f"SELECT * FROM jobs WHERE status IN ({marks}) ORDER BY created_at, rowid", tuple(statuses))
    return [_job(r) for r in rows]


def count_jobs_in(conn: Connection, statuses: Sequence[str]) -> int:
    marks = ",".join("?" * len(statuses))
    return conn.execute(f"SELECT COUNT(*) FROM jobs WHERE status IN ({marks})", tuple(statuses)).fetchone()[0]


def details(conn: Connection, job_id: str, statuses: Sequence[str] | None = None) -> list[DetailRow]:
    """A job's details ordered by date then model (optionally only some statuses)."""
    sql, args = "SELECT * FROM job_details WHERE job_id = ?", [job_id]
    if statuses:
        sql += f" AND status IN ({','.join('?' * len(statuses))})"
        args += list(statuses)
    return [detail_row(r) for r in conn.execute(sql + " ORDER BY date, model", args)]


PROGRESS_COLUMNS = (
    "date",
    "model",
    "status",
    "duration_seconds",
    "error",
    "started_at",
    "completed_at",
    "phase",
    "phase_until",
)


def detail_progress(conn: Connection, job_id: str) -> list[tuple]:
    """A job's details as plain tuples of `PROGRESS_COLUMNS`, ordered by date then model (status pages of big
    jobs: no row objects)."""
    return conn.execute(
        f"SELECT {', '.join(PROGRESS_COLUMNS)} FROM job_details WHERE job_id = ? ORDER BY date, model", (job_id,)
    ).fetchall()


def detail(conn: Connection, detail_id: int) -> DetailRow | None:
    r = conn.execute("SELECT * FROM job_details WHERE id = ?", (detail_id,)).fetchone()
    return detail_row(r) if r else None


def detail_counts(conn: Connection, job_id: str) -> dict[str, int]:
    """{status: count} over every status (zeros included)."""
    counts = dict.fromkeys(("pending", "running", "completed", "failed", "skipped"), 0)
    for status, n in conn.execute(
        "SELECT status, COUNT(*) FROM job_details WHERE job_id = ? GROUP BY status", (job_id,)
    ):
        counts[status] = n
    return counts


def has_open_detail(conn: Connection, job_id: str) -> bool:
    """Whether any detail of the job is still pending or running (an index seek on job_details(job_id, status))."""
    return (
        conn.execute(
            "SELECT 1 FROM job_details WHERE job_id = ? AND status IN ('pending', 'running') LIMIT 1", (job_id,)
        ).fetchone()
        is not None
    )


def earliest_running(conn: Connection, job_id: str) -> tuple[str, str] | None:
    """The running detail first by date then model. `+date, +model`: sort the few running rows found through
    job_details(job_id, status) instead of walking the whole job in (job_id, date, model) order."""
    r = conn.execute(
        "SELECT date, model FROM job_details WHERE job_id = ? AND status = 'running' ORDER BY +date, +model LIMIT 1",
        (job_id,),
    ).fetchone()
    return (r[0], r[1]) if r else None


def active_model_days(conn: Connection) -> dict[str, set[tuple[str, str]]]:
    """Per pending/running job, the set of its `(date, model)` model-days that are still pending or running (a
    failed, skipped or cancelled day will never run in that job, so it is not "in progress")."""
    out: dict[str, set[tuple[str, str]]] = {}
    for job_id, d, m in conn.execute(
        "SELECT d.job_id, d.date, d.model FROM job_details d JOIN jobs j ON j.job_id = d.job_id "
        "WHERE j.status IN ('pending', 'running') AND d.status IN ('pending', 'running')"
    ):
        out.setdefault(job_id, set()).add((d, m))
    return out


def events(conn: Connection, job_id: str) -> list[EventRow]:
    return [
        EventRow(*r)
        for r in conn.execute(
            "SELECT id, job_id, detail_id, from_status, to_status, at, detail FROM job_events WHERE job_id = ? "
            "ORDER BY id",
            (job_id,),
        )
    ]


def has_detail(conn: Connection, job_id: str, status: str, error: str) -> bool:
    """Whether a detail of the job has this status and exactly this error (e.g. skipped / "budget exhausted")."""
    return (
        conn.execute(
            "SELECT 1 FROM job_details WHERE job_id = ? AND status = ? AND error = ? LIMIT 1", (job_id, status, error)
        ).fetchone()
        is not None
    )
