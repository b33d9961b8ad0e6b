"""Jobs as the API and the CLI see them: trigger, status, current, list, cancel (bodies as spec/api.md).

`trigger` first recovers jobs whose worker is gone (`jobs.recovery`, its own transaction), then plans and creates a
job in ONE write transaction (BEGIN IMMEDIATE): the completed model-days it plans from, the check against
pending/running jobs and the insert are atomic, so two simultaneous triggers (threads or processes) never create two
jobs or plan a model-day twice. The job row keeps the validated config snapshot without its API keys; the worker
re-reads only the keys from the job's config file (`config.with_keys`).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .. import runs
from ..config import CompetitionConfig, resolve_config_path
from ..errors import FixTheRequest, InvalidConfigPath, NotFound, WaitForRunningJob
from ..jobs import recovery, states
from ..jobs.planner import Plan, PlanRequest, plan_job
from ..jobs.refresh import planning_prices
from ..market.prices import PriceView
from ..market.view_cache import PriceViewCache
from ..settings import Settings
from ..store import Store, db
from ..store import cutoffs as cutoff_store
from ..store import failed as failed_store
from ..store import jobs as job_store
from ..store import ledger as ledger_store
from ..timeutil import utcnow_iso
from .configs import load_checked
from .estimate import dry_run_body
from .schemas import AlreadyRunning, DryRun, Queued, TriggerOutcome, UpToDate

log = logging.getLogger(__name__)

QUEUED = "Simulation job queued successfully"
IN_PROGRESS = "Simulation already in progress"
UP_TO_DATE = "Simulation already up-to-date"
CONFLICT = "Different simulation already running"
MAX_LIST_LIMIT = 200


class JobService:
    """`prices`: a provider of the current price view (the API passes its runtime's); by default the service keeps
    its own `PriceViewCache`."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        prices: Callable[[], PriceView] | None = None,
    ):
        self.settings = settings
        self.store = store
        self._today = today
        self.prices = prices or PriceViewCache(store).get

    # ---- trigger ---------------------------------------------------------------------------------------------
    def trigger(self, request: Mapping[str, Any] | None) -> TriggerOutcome:
        """POST /simulate/trigger: Queued (a new job) | AlreadyRunning (that job) | UpToDate; raises AppError
        otherwise (409 `WaitForRunningJob` when another job is in the way)."""
        if request is not None and not isinstance(request, Mapping):
            raise FixTheRequest("the request body must be a JSON object")
        request = dict(request or {})
        raw_path = request.get("config_path")
        if raw_path is not None and not isinstance(raw_path, str):
            raise InvalidConfigPath("config_path must be a string", {"config_path": str(raw_path)[:100]})
        path = resolve_config_path(self.settings.configs_dir, raw_path)
        wanted = request.get("models") if isinstance(request.get("models"), list) else None
        return self.trigger_config(load_checked(self.settings, self.store, path, wanted), str(path), request)

    def trigger_config(
        self, config: CompetitionConfig, config_path: str, request: Mapping[str, Any], *, caller: str = "api"
    ) -> TriggerOutcome:
        """Trigger with an already loaded config (the CLI loads any file; the API only inside the configs dir)."""
        plan_request = PlanRequest.parse(request)
        dry_run = _flag(request, "dry_run")
        _check_budget(request.get("max_cost_usd"))
        prices = planning_prices(self.prices(), self.settings, self._today())  # + sessions to download, if enabled
        signatures = config.run_keys()  # every run's ledger key (run 1 = the signature)
        if plan_request.runs:
            signatures += [k for k in config.run_keys(runs=plan_request.runs) if k not in signatures]
        self.recover_orphans()
        with self.store.write() as conn:
            # each entry's knowledge_cutoff, for results and performance (the latest trigger wins)
            cutoff_store.record_cutoffs(
                conn, [(m.signature, m.knowledge_cutoff, m.cutoff_date) for m in config.models], utcnow_iso()
            )
            completed = _completed_dates(conn, signatures)
            plan = plan_job(
                config, plan_request, prices, completed, today=self._today(), max_days=self.settings.max_simulation_days
            )
            plan.warnings[:0] = config.key_warnings  # unknown config keys (config_keys.py) first
            if dry_run:  # the plan and its estimated cost; nothing queued (service/estimate.py)
                return DryRun(**dry_run_body(conn, plan, config, self.settings))
            if not plan.total:
                return UpToDate(**_current_body(plan, completed, prices), **_warnings(plan))
            wanted = set(plan.model_days)
            # "already in progress" only when every wanted model-day is pending/running in one active job
            for job_id, model_days in job_store.active_model_days(conn).items():
                if wanted <= model_days:
                    job = job_store.job(conn, job_id)
                    assert job is not None  # listed by active_model_days in this transaction
                    body = _job_body(conn, job, details=True)
                    return AlreadyRunning(**body, message=IN_PROGRESS, **_warnings(plan))
            _refuse_if_busy(conn, plan, self.settings.max_concurrent_jobs)
            job_id, created_at = str(uuid.uuid4()), utcnow_iso()
            request_record = {k: v for k, v in request.items() if k != "openai_api_key"}
            states.create_job(
                conn,
                job_id=job_id,
                config_path=config_path,
                date_range=plan.date_range,
                models=plan.job_models,
                model_days=plan.model_days,
                request={**request_record, "caller": caller},
                config=config.stored(),  # API keys as `***`: the worker reads them from the file (config.with_keys)
                warnings=plan.warnings,
                caller=caller,
                at=created_at,
            )
        log.info("job queued", extra={"job_id": job_id, "model_days": plan.total, "caller": caller})
        return Queued(
            job_id=job_id,
            status="accepted",
            date_range=plan.date_range,
            models=plan.job_models,
            created_at=created_at,
            message=QUEUED,
            total_model_days=plan.total,
            warnings=plan.warnings,
        )

    def recover_orphans(self) -> None:
        """A job whose worker is gone never blocks a trigger: resumed (its running days back to pending, for the next
        worker) or ended, by the one rule of `jobs.recovery`. Its own transaction, committed even when the trigger
        then answers 409; a read first, so the write lock is taken only when there is an orphan."""
        with self.store.read() as conn:
            if not recovery.orphans(conn):
                return
        with self.store.write() as conn:
            recovery.recover(conn, None, resume=self.settings.resume_interrupted_jobs)

    # ---- queries ---------------------------------------------------------------------------------------------
    def status(self, job_id: str, run: int | None = None) -> dict[str, Any]:
        """The job's body; `run` keeps only that run's model-days in `progress.details` (default: every run)."""
        with self.store.read() as conn:
            job = job_store.job(conn, job_id) if isinstance(job_id, str) else None
            if job is None:
                raise NotFound(f"job {str(job_id)[:100]} not found", {"job_id": str(job_id)[:100]})
            body = _job_body(conn, job, details=True)
        if run is not None:
            body["progress"]["details"] = [d for d in body["progress"]["details"] if runs.of(d) == run]
        return body

    def current(self) -> dict[str, Any]:
        with self.store.read() as conn:
            job = job_store.latest_job(conn)
            if job is None:
                raise NotFound("No simulation jobs found")
            return _job_body(conn, job, details=False)

    def list_jobs(self, limit: int = 20, status: str | None = None) -> dict[str, Any]:
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise FixTheRequest(f"limit must be an integer from 1 to {MAX_LIST_LIMIT}", {"limit": str(limit)})
        if status is not None and status not in {s.value for s in states.JobStatus}:
            raise FixTheRequest(
                f"unknown status {status!r}",
                {"status": str(status)[:50], "allowed": [s.value for s in states.JobStatus]},
            )
        with self.store.read() as conn:
            data = [_job_body(conn, j, details=False) for j in job_store.jobs(conn, limit=limit, status=status)]
        return {"data": data, "count": len(data)}

    def events(self, job_id: str) -> dict[str, Any]:
        """The job's audit trail: every job and model-day status transition, oldest first (the job_events table,
        written in the same transaction as each transition)."""
        with self.store.read() as conn:
            job = job_store.job(conn, job_id) if isinstance(job_id, str) else None
            if job is None:
                raise NotFound(f"job {str(job_id)[:100]} not found", {"job_id": str(job_id)[:100]})
            days: dict[int | None, tuple[str | None, str | None]] = {
                d.id: (d.date, d.model) for d in job_store.details(conn, job_id)
            }
            events = job_store.events(conn, job_id)
            failed = failed_store.failed_sessions_of_job(conn, job_id)
        out: list[dict[str, Any]] = []
        for e in events:
            date, model = days.get(e.detail_id, (None, None))
            out.append(
                {
                    "at": e.at,
                    "scope": "model-day" if e.detail_id is not None else "job",
                    "date": date,
                    "model": model,
                    "from_status": e.from_status,
                    "to_status": e.to_status,
                    "detail": e.detail,
                }
            )
            kept = failed.get((date, model)) if e.to_status == states.DetailStatus.FAILED and date and model else None
            if kept:  # the n-th failure of a model-day in this job kept the n-th failed session
                out[-1]["failed_session"] = kept.pop(0).reference()
        return {"job_id": job_id, "events": out, "count": len(out)}

    def cancel(self, job_id: str) -> dict[str, Any]:
        """`states.cancel_job` (the job ends `cancelled` in this transaction; works from any process: the CLI,
        another API) and the job's body after it."""
        with self.store.write() as conn:
            states.cancel_job(conn, job_id)
            job = job_store.job(conn, job_id)
            assert job is not None  # cancel_job found it in this transaction
            body = _job_body(conn, job, details=True)
        log.info("job cancelled", extra={"job_id": job_id})
        return body


# ---- helpers -----------------------------------------------------------------------------------------------------


def _flag(request: Mapping[str, Any], name: str) -> bool:
    value = request.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise FixTheRequest(f"{name} must be true or false", {"field": name})
    return value


def _check_budget(cap: Any) -> None:
    """`max_cost_usd`: a number > 0 (or absent/null)."""
    if cap is None:
        return
    if isinstance(cap, bool) or not isinstance(cap, int | float) or not cap > 0 or cap == float("inf"):
        raise FixTheRequest("max_cost_usd must be a number > 0", {"field": "max_cost_usd"})


def _completed_dates(conn: db.Connection, signatures: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for sig in signatures:
        out[sig] = [r.date for r in ledger_store.model_days(conn, signature=sig)]
    return out


def _current_body(plan: Plan, completed: Mapping[str, list[str]], prices: PriceView) -> dict[str, Any]:
    lasts = [completed[s][-1] for s in plan.models if completed.get(s)]
    last = min(lasts) if lasts else None
    return {
        "status": "current",
        "message": UP_TO_DATE,
        "last_simulation_date": last,
        "next_trading_day": prices.next_trading_day(last or plan.end_date),
    }


def _warnings(plan: Plan) -> dict[str, Any]:
    """`warnings` (e.g. the clamped end date) for the 200 answers too, when there are any."""
    return {"warnings": plan.warnings} if plan.warnings else {}


def _refuse_if_busy(conn: db.Connection, plan: Plan, max_jobs: int) -> None:
    """409 when the job limit is reached or a signature of the plan is still in an unfinished job (a signature's
    days must run in order, one chain at a time)."""
    unfinished = job_store.jobs_in(conn, states.JOB_ACTIVE)
    if not unfinished:
        return
    mine = set(plan.job_models)
    blocking = next((j for j in unfinished if mine & set(j.models)), None)
    if blocking is None and len(unfinished) >= max_jobs:
        blocking = unfinished[0]
    if blocking is not None:
        owner = recovery.describe_owner(blocking)
        raise WaitForRunningJob(
            f"{CONFLICT}: job {blocking.job_id} ({blocking.status}; {owner['text']})",
            {
                "current_job_id": blocking.job_id,
                "current_date_range": blocking.date_range,
                "current_status": blocking.status,
                "owner": owner["owner"],
                "owner_alive": owner["owner_alive"],
                "heartbeat_silent_seconds": owner["heartbeat_silent_seconds"],
            },
        )


def _job_body(conn: db.Connection, job: job_store.JobRow, *, details: bool) -> dict[str, Any]:
    if details:  # one pass over the details gives the counts and the earliest running model-day too
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
