"""`ai-trader status`, `ai-trader jobs`, `ai-trader cancel`: the same answers as `GET /simulate/status|current|jobs`
and `POST /simulate/cancel` (the same `JobService`), plus the job's audit trail (`--events`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from ..errors import AppError
from ..jobs.states import DetailStatus
from .common import load_settings, print_error
from .envvars import epilog

_DATA_DIR = typer.Option(None, "--data-dir", help="Directory of the database (env DATA_DIR, default ./data).")
_JSON = typer.Option(False, "--json", help="Print JSON (exactly the API's body) instead of tables.")


def register(app: typer.Typer) -> None:
    app.command("status", epilog=epilog("status"))(status_cmd)
    app.command("jobs", epilog=epilog("jobs"))(jobs_cmd)
    app.command("cancel", epilog=epilog("cancel"))(cancel_cmd)


def _console() -> Console:
    """Wide enough for ids and timestamps when stdout is not a terminal (pipes, logs), where rich assumes 80."""
    return Console() if sys.stdout.isatty() else Console(width=160)


def _service_call(data_dir: Path | None, call) -> Any:
    from ..service.jobs import JobService
    from ..store import Store

    settings = load_settings(data_dir=data_dir)
    store = Store(settings.store_url)
    try:
        return call(JobService(settings, store))
    except AppError as exc:
        print_error(exc)
        raise typer.Exit(1) from None
    finally:
        store.close()


def status_cmd(
    job_id: str | None = typer.Argument(None, help="Job id (default: the most recent job)."),
    events: bool = typer.Option(False, "--events", help="Also print the audit trail of every status transition."),
    run: int | None = typer.Option(
        None,
        "--run",
        min=1,
        max=50,
        help="Only that run's model-days of repeated runs (without JOB_ID: the counts of only that run).",
    ),
    as_json: bool = _JSON,
    data_dir: Path | None = _DATA_DIR,
) -> None:
    """A job's status and progress (as GET /simulate/status; without JOB_ID, as GET /simulate/current)."""

    def call(svc):
        body = svc.status(job_id, run) if job_id else svc.current(run)
        return body, (svc.events(body["job_id"]) if events else None)

    body, trail = _service_call(data_dir, call)
    out = _console()
    if as_json:
        out.print_json(json.dumps({**body, "events": trail["events"]} if trail else body))
        return
    p = body["progress"]
    out.print(
        f"Job {body['job_id']}: [bold]{body['status']}[/bold]"
        + (f" ({body['phase']})" if body.get("phase") else "")
        + f" — {len(body['models'])} model(s), "
        + (f"{body['date_range'][0]} .. {body['date_range'][-1]}" if body["date_range"] else "no days"),
        highlight=False,
    )
    out.print(
        f"{p['completed']} completed, {p['failed']} failed, {p['skipped']} skipped, {p['running']} running, "
        f"{p['pending']} pending of {p['total_model_days']}",
        highlight=False,
    )
    if body.get("error"):
        out.print(f"error: {body['error']}", highlight=False, soft_wrap=True)
    problems = [d for d in p.get("details", []) if d["status"] in (DetailStatus.FAILED, DetailStatus.SKIPPED)]
    if problems:
        table = Table("date", "model", "status", "error", box=box.SIMPLE_HEAD, title="Failed and skipped")
        for d in problems[:50]:
            kept = d.get("failed_session")
            conversation = f" (conversation kept: {kept['file']}, {kept['total_steps']} step(s))" if kept else ""
            table.add_row(d["date"], d["model"], d["status"], (d.get("error") or "") + conversation)
        out.print(table)
    if trail:
        table = Table("at", "date", "model", "transition", "detail", box=box.SIMPLE_HEAD, title="Audit trail")
        for e in trail["events"]:
            table.add_row(
                e["at"],
                e["date"] or "(job)",
                e["model"] or "",
                f"{e['from_status'] or '-'} → {e['to_status']}",
                (e["detail"] or "")
                + (f" (conversation kept: {e['failed_session']['file']})" if e.get("failed_session") else ""),
            )
        out.print(table)


def jobs_cmd(
    limit: int = typer.Option(20, "--limit", help="How many (1-200)."),
    status: str | None = typer.Option(None, "--status", help="Only jobs in this status."),
    as_json: bool = _JSON,
    data_dir: Path | None = _DATA_DIR,
) -> None:
    """Recent jobs, newest first (as GET /simulate/jobs)."""
    body = _service_call(data_dir, lambda svc: svc.list_jobs(limit, status))
    out = _console()
    if as_json:
        out.print_json(json.dumps(body))
        return
    table = Table("job", "status", "created", "days", "models", "done", "failed", box=box.SIMPLE_HEAD)
    for j in body["data"]:
        p = j["progress"]
        table.add_row(
            j["job_id"],
            j["status"],
            j["created_at"],
            str(len(j["date_range"])),
            str(len(j["models"])),
            f"{p['completed']}/{p['total_model_days']}",
            str(p["failed"]),
        )
    out.print(table)


def cancel_cmd(job_id: str = typer.Argument(..., help="Job id."), data_dir: Path | None = _DATA_DIR) -> None:
    """Cancel a job (as POST /simulate/cancel): pending and running model-days are skipped, the job ends cancelled;
    the worker running it (any process) aborts its running model-days within about a second, committing nothing."""
    body = _service_call(data_dir, lambda svc: svc.cancel(job_id))
    Console().print(f"Job {job_id}: {body['status']}", highlight=False)
