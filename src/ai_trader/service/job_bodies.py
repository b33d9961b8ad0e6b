"""A job's body as the API and the CLI see it (spec/api.md): the job row, its progress counts, the earliest running
model-day and (with `details`) every model-day's status, with the conversation a failed day kept."""

from __future__ import annotations

from typing import Any

from .. import runs
from ..jobs import states
from ..store import db
from ..store import failed as failed_store
from ..store import jobs as job_store


def job_body(conn: db.Connection, job: job_store.JobRow, *, details: bool, run: int | None = None) -> dict[str, Any]:
    """The job's wire body. `run` (GET /simulate/current?run=k): the progress counts and `current` count only that
    run's model-days (default: every run)."""
    if run is not None:  # one run of repeated runs: count its model-days out of the details
        of_run = [d for d in job_store.detail_progress(conn, job.job_id) if runs.split_key(d[1])[1] == run]
        items, counts, running = _details(of_run)
    elif details:  # one pass over the details gives the counts and the earliest running model-day too
        items, counts, running = _details(job_store.detail_progress(conn, job.job_id))
    else:
        counts = job_store.detail_counts(conn, job.job_id)
        running = job_store.earliest_running(conn, job.job_id)
    progress: dict[str, Any] = {
        "total_model_days": sum(counts.values()),
        "completed": counts["completed"],
        "failed": counts["failed"],
        "skipped": counts["skipped"],
        "pending": counts["pending"],
        "running": counts["running"],
        "current": {"date": running[0], "model": running[1]} if running else None,
    }
    if details:
        progress["details"] = items
        if counts["failed"]:  # the conversation each failed day kept (store/failed.py), its latest attempt
            kept = failed_store.failed_sessions_of_job(conn, job.job_id)
            for item in items:
                if item["status"] == states.DetailStatus.FAILED and (found := kept.get((item["date"], item["model"]))):
                    item["failed_session"] = found[-1].reference()
        for item in items:
            runs.label(item)  # run k >= 2: model = the signature, plus "run"
    if progress["current"]:
        runs.label(progress["current"])
    return {
        "job_id": job.job_id,
        "status": job.status,
        "date_range": job.date_range,
        "models": job.models,
        "progress": progress,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "updated_at": job.updated_at,
        "completed_at": job.completed_at,
        "total_duration_seconds": job.total_duration_seconds,
        "error": job.error,
        # "fetching_prices" while the catch-up download runs; null once the job has ended (the column may still
        # hold the last phase)
        "phase": job.phase if job.status in states.JOB_ACTIVE else None,
    }


def _details(found: list[tuple]) -> tuple[list[dict[str, Any]], dict[str, int], tuple[str, str] | None]:
    """(detail bodies, {status: count}, earliest running (date, model)) of `job_store.detail_progress` tuples."""
    counts: dict[str, int] = dict.fromkeys(states.DetailStatus, 0)
    running = None
    items = []
    for date, model, status, duration, error, started, completed, phase, phase_until in found:
        counts[status] = counts.get(status, 0) + 1
        if status == states.DetailStatus.RUNNING and running is None:
            running = (date, model)
        if error is None:
            items.append(
                {
                    "date": date,
                    "model": model,
                    "status": status,
                    "duration_seconds": duration,
                    "started_at": started,
                    "completed_at": completed,
                }
            )
        else:
            items.append(
                {
                    "date": date,
                    "model": model,
                    "status": status,
                    "duration_seconds": duration,
                    "error": error,
                    "started_at": started,
                    "completed_at": completed,
                }
            )
        if phase and status == states.DetailStatus.RUNNING:  # e.g. "waiting_for_rate_limit" (agents/ratelimit.py)
            items[-1].update(phase=phase, phase_until=phase_until)
    return items, counts, running
