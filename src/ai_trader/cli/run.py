"""`ai-trader run` (batch mode, like AI-Trader's main.py) and `ai-trader worker`.

`run` is the service's code path: `JobService.trigger_config` plans the job, `Worker.drain()` runs it (in a
thread) while the main thread draws progress from the database, then the leaderboard is printed. Exit status 1
when any model-day failed, 2 for a bad request or a job of a live worker in the way.

Like every entry point, the trigger first recovers jobs whose worker is gone (`jobs.recovery`). An interrupted job
(e.g. `serve` stopped or killed mid-job) that this run's plan conflicts with is resumed first, then the run's own
plan is triggered again; a job of the same plan is simply continued.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..config import CompetitionConfig
from ..errors import AppError, InvalidatesCommittedDays, WaitForRunningJob
from ..jobs.states import DetailStatus
from ..jobs.worker import Worker
from ..market.prices import PriceView
from ..runs import split_key
from ..service.configs import load_checked
from ..service.jobs import JobService
from ..service.performance import performance
from ..service.schemas import AlreadyRunning, DryRun, TriggerOutcome, UpToDate
from ..settings import Settings
from ..store import Store
from .board_stats import print_dry_run
from .common import ensure_data, load_settings, print_error
from .envvars import epilog
from .results import print_leaderboard

_DATA_DIR = typer.Option(None, "--data-dir", help="Directory of the database (env DATA_DIR, default ./data).")


def register(app: typer.Typer) -> None:
    app.command("run", epilog=epilog("run"))(run_cmd)


def run_cmd(
    config: Path = typer.Argument(..., help="Config file (AI-Trader format), any path."),
    start: str | None = typer.Option(None, "--start", help="First day, YYYY-MM-DD (default: resume each model)."),
    end: str | None = typer.Option(
        None, "--end", help="Last day (default: the config's end_date, else the last trading day with data)."
    ),
    models: str | None = typer.Option(None, "--models", help="Comma-separated signatures (default: all enabled)."),
    replace_existing: bool = typer.Option(
        False,
        "--replace-existing",
        help="Re-run completed model-days, and every later completed day of each model (needed to fill a gap or "
        "back-fill before committed days, which is refused without it).",
    ),
    post_cutoff_only: bool = typer.Option(
        False,
        "--post-cutoff-only",
        help="Run only the days after each model's knowledge_cutoff (models without one: every day).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Print the plan and its estimated tokens, USD and wall time; run nothing."
    ),
    max_cost_usd: float | None = typer.Option(
        None, "--max-cost-usd", min=0.000001, help="Inference budget of the job (default: agent_config.max_cost_usd)."
    ),
    runs: int | None = typer.Option(
        None, "--runs", min=1, max=50, help="Repeated runs of every model (default: each entry's runs, else 1)."
    ),
    data_dir: Path | None = _DATA_DIR,
) -> None:
    """Simulate a config's range for its enabled models, with a progress bar and a final leaderboard."""
    settings = load_settings(batch=True, data_dir=data_dir)
    out = Console()
    store = Store(settings.store_url)
    try:
        ensure_data(store, out)
        try:
            wanted = [m.strip() for m in models.split(",") if m.strip()] if models else None
            cfg = load_checked(settings, store, config, wanted)
            request: dict[str, Any] = {
                "start_date": start,
                "end_date": end or cfg.date_range.end_date,
                "models": wanted,
                "replace_existing": replace_existing,
                **({"post_cutoff_only": True} if post_cutoff_only else {}),
            }
            if runs is not None:
                request["runs"] = runs
            if max_cost_usd is not None:
                request["max_cost_usd"] = max_cost_usd
            if dry_run:
                request["dry_run"] = True
                plan = JobService(settings, store).trigger_config(cfg, str(config.resolve()), request, caller="cli")
                print_dry_run(out, plan.wire())
                return
            outcome = trigger_resuming(settings, store, out, cfg, str(config.resolve()), request)
        except AppError as exc:
            print_error(exc)
            if isinstance(exc, InvalidatesCommittedDays):
                Console(stderr=True).print("To re-run those days in the same job, add --replace-existing.")
            raise typer.Exit(2) from None
        failed = execute(settings, store, out, outcome)
        ran = [] if isinstance(outcome, UpToDate) else outcome.models
        print_board(out, store, ran or [m.signature for m in cfg.enabled()], settings)
    finally:
        store.close()
    if failed:
        raise typer.Exit(1)


def trigger_resuming(
    settings: Settings, store: Store, out: Console, cfg: CompetitionConfig, path: str, request: dict[str, Any]
) -> TriggerOutcome:
    """Trigger; when an interrupted job (its worker gone) is in the way, resume it to its end, then trigger again."""
    service = JobService(settings, store)
    try:
        return service.trigger_config(cfg, path, request, caller="cli")
    except WaitForRunningJob as exc:
        if exc.details.get("owner_alive") is not False:  # a live worker's job, or a queued one: wait for it
            raise
        job_id = exc.details["current_job_id"]
        out.print(f"Job {job_id} was interrupted (its worker is gone); resuming it first.", highlight=False)
        status = drain_with_progress(settings, store, job_id, out)
        out.print(f"Job {job_id}: {status['status']}", highlight=False)
    return service.trigger_config(cfg, path, request, caller="cli")


def execute(settings: Settings, store: Store, out: Console, outcome: TriggerOutcome) -> int:
    """Drain the triggered job with a progress bar; returns how many model-days failed."""
    if isinstance(outcome, DryRun):  # run_cmd prints a dry run itself; nothing to drain
        return 0
    if isinstance(outcome, UpToDate):
        out.print(f"Already up to date (last simulated day: {outcome.last_simulation_date or 'none'}).")
        return 0
    for w in outcome.warnings or []:
        out.print(f"[yellow]warning[/yellow]: {w}", highlight=False, soft_wrap=True)
    job_id, dates = outcome.job_id, outcome.date_range
    if isinstance(outcome, AlreadyRunning):
        out.print(f"Job {job_id} is already queued or running; continuing it.")
    else:
        out.print(
            f"Job {job_id}: {outcome.total_model_days} model-day(s), {len(outcome.models)} model(s), "
            f"{dates[0]} .. {dates[-1]}"
            if dates
            else f"Job {job_id}"
        )
    status = drain_with_progress(settings, store, job_id, out)
    p = status["progress"]
    out.print(
        f"Job {status['status']}: {p['completed']} completed, {p['failed']} failed, {p['skipped']} skipped"
        + (f", {p['pending']} pending" if p["pending"] else "")
    )
    for d in p["details"]:
        if d["status"] == DetailStatus.FAILED:
            out.print(f"[red]failed[/red] {d['model']} {d['date']}: {d.get('error')}", highlight=False)
    return p["failed"]


def drain_with_progress(settings: Settings, store: Store, job_id: str, out: Console) -> dict[str, Any]:
    service = JobService(settings, store)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            Worker(settings, store).drain()
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    thread = threading.Thread(target=work, name="ai-trader-run", daemon=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=out,
        transient=False,
    ) as bar:
        status = service.status(job_id)
        task = bar.add_task("starting", total=status["progress"]["total_model_days"])
        thread.start()
        while True:
            thread.join(0.25)
            status = service.status(job_id)
            p = status["progress"]
            cur = p["current"]
            bar.update(
                task,
                completed=p["completed"] + p["failed"] + p["skipped"],
                description=f"{cur['model']} {cur['date']}" if cur else status["status"],
            )
            if not thread.is_alive():
                break
    if errors:
        raise errors[0]
    return service.status(job_id)  # read after the worker stopped: the job's final state, never a stale one


def print_board(out: Console, store: Store, models: list[str], settings: Settings) -> None:
    signatures = list(dict.fromkeys(split_key(m)[0] for m in models))  # a job lists every run's ledger key
    body = performance(store, PriceView.load(store), models=signatures or None, risk_free_rate=settings.risk_free_rate)
    if body["leaderboard"]:
        print_leaderboard(out, body)
