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
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ..config import CompetitionConfig, resolve_config_path
from ..errors import FixTheRequest, IllegalTransition, InvalidConfigPath, NotFound, WaitForRunningJob
from ..jobs import recovery, states
from ..jobs.planner import Plan, PlanRequest, plan_job
from ..jobs.refresh import planning_prices
from ..market.prices import PriceView
from ..settings import Settings
from ..store import Store, db, ledger
from ..store import failed as failed_store
from ..store import jobs as rows
from ..store import prices as price_store
from ..timeutil import utcnow_iso
from .configs import load_checked

log = logging.getLogger(__name__)

QUEUED = "Simulation job queued successfully"
IN_PROGRESS = "Simulation already in progress"
UP_TO_DATE = "Simulation already up-to-date"
CONFLICT = "Different simulation already running"
MAX_LIST_LIMIT = 200


class JobService:
    """`prices`: a provider of the current price view (the API passes its cached one); by default the service
    keeps its own, reloaded when the price store's fingerprint changes."""

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
        self._prices_provider = prices
        self._prices: tuple[tuple, PriceView] | None = None
        self._lock = threading.Lock()

    def prices(self) -> PriceView:
        if self._prices_provider is not None:
            return self._prices_provider()
        with self.store.read() as conn:
            fingerprint = price_store.fingerprint(conn)
        with self._lock:
            if self._prices is None or self._prices[0] != fingerprint:
                self._prices = (fingerprint, PriceView.load(self.store))
            return self._prices[1]

    # ---- trigger ---------------------------------------------------------------------------------------------
    def trigger(self, request: Mapping[str, Any] | None) -> tuple[int, dict[str, Any]]:
        """POST /simulate/trigger: (202, job) | (200, in progress) | (200, current); raises AppError otherwise."""
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
    ) -> tuple[int, dict[str, Any]]:
        """Trigger with an already loaded config (the CLI loads any file; the API only inside the configs dir)."""
        plan_request = PlanRequest.parse(request)
        prices = planning_prices(self.prices(), self.settings, self._today())  # + sessions to download, if enabled
        signatures = [m.signature for m in config.models]
        self.recover_orphans()
        # The check without the write lock (a read snapshot): "up to date", "already in progress" (its body can be
        # big) and 409 are answered from it; only a new job takes the write lock, re-checks and inserts. So a burst
        # of triggers does not queue behind one another's bodies on the database's single writer.
        with self.store.read() as conn:
            completed = _completed_dates(conn, signatures)
            plan = plan_job(
                config, plan_request, prices, completed, today=self._today(), max_days=self.settings.max_simulation_days
            )
            plan.warnings[:0] = config.key_warnings  # unknown config keys (config_keys.py) first
            if not plan.total:
                return 200, {**_current_body(plan, completed, prices), **_warnings(plan)}
            answer = _in_progress(conn, plan)
            if answer is not None:
                return answer
            _refuse_if_busy(conn, plan, self.settings.max_concurrent_jobs)
        with self.store.write() as conn:
            now = _completed_dates(conn, signatures)
            if now != completed:  # a commit since the read: plan again, under the lock
                plan = plan_job(
                    config, plan_request, prices, now, today=self._today(), max_days=self.settings.max_simulation_days
                )
                plan.warnings[:0] = config.key_warnings
                if not plan.total:
                    return 200, {**_current_body(plan, now, prices), **_warnings(plan)}
            in_progress = _in_progress_job(conn, plan)
            if in_progress is None:
                _refuse_if_busy(conn, plan, self.settings.max_concurrent_jobs)
                job_id, created_at = str(uuid.uuid4()), utcnow_iso()
                request_record = {k: v for k, v in request.items() if k != "openai_api_key"}
                rows.insert_job(
                    conn,
                    job_id=job_id,
                    config_path=config_path,
                    date_range=plan.date_range,
                    models=plan.job_models,
                    created_at=created_at,
                    request={**request_record, "caller": caller},
                    config=config.stored(),  # API keys as `***`: the worker reads them from the file (config.with_keys)
                    warnings=plan.warnings,
                )
                rows.insert_details(conn, job_id, plan.model_days)
                rows.insert_event(
                    conn,
                    job_id=job_id,
                    detail_id=None,
                    from_status=None,
                    to_status="pending",
                    at=created_at,
                    detail=f"created by {caller}: {plan.total} model-day(s)",
                )
        if in_progress is not None:  # created by another trigger between the read and the write lock
            with self.store.read() as conn:
                answer = _in_progress(conn, plan)
            if answer is not None:
                return answer
            return self.trigger_config(config, config_path, request, caller=caller)  # it ended meanwhile
        log.info("job queued", extra={"job_id": job_id, "model_days": plan.total, "caller": caller})
        return 202, {
            "job_id": job_id,
            "status": "accepted",
            "date_range": plan.date_range,
            "models": plan.job_models,
            "created_at": created_at,
            "message": QUEUED,
            "total_model_days": plan.total,
            "warnings": plan.warnings,
        }

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
    def status(self, job_id: str) -> dict[str, Any]:
        with self.store.read() as conn:
            job = rows.job(conn, job_id) if isinstance(job_id, str) else None
            if job is None:
                raise NotFound(f"job {str(job_id)[:100]} not found", {"job_id": str(job_id)[:100]})
            return _job_body(conn, job, details=True)

    def current(self) -> dict[str, Any]:
        with self.store.read() as conn:
            job = rows.latest_job(conn)
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
            data = [_job_body(conn, j, details=False) for j in rows.jobs(conn, limit=limit, status=status)]
        return {"data": data, "count": len(data)}

    def events(self, job_id: str) -> dict[str, Any]:
        """The job's audit trail: every job and model-day status transition, oldest first (the job_events table,
        written in the same transaction as each transition)."""
        with self.store.read() as conn:
            job = rows.job(conn, job_id) if isinstance(job_id, str) else None
            if job is None:
                raise NotFound(f"job {str(job_id)[:100]} not found", {"job_id": str(job_id)[:100]})
            days: dict[int | None, tuple[str | None, str | None]] = {
                d.id: (d.date, d.model) for d in rows.details(conn, job_id)
            }
            events = rows.events(conn, job_id)
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
            kept = failed.get((date, model)) if e.to_status == "failed" and date and model else None
            if kept:  # the n-th failure of a model-day in this job kept the n-th failed session
                out[-1]["failed_session"] = kept.pop(0).reference()
        return {"job_id": job_id, "events": out, "count": len(out)}

    def cancel(self, job_id: str) -> dict[str, Any]:
        """Pending model-days → skipped; running ones → skipped too (their session is aborted by the worker, which
        notices within `chains.CANCEL_POLL_SECONDS`, and their commit can no longer happen: it needs the detail to be
        running); the job ends `cancelled` in this same transaction. Works from any process (the CLI, another API)."""
        with self.store.write() as conn:
            job = rows.job(conn, job_id)
            if job is None:
                raise NotFound(f"job {str(job_id)[:100]} not found", {"job_id": str(job_id)[:100]})
            if job.status not in rows.ACTIVE:
                raise IllegalTransition(
                    f"job {job_id} already ended ({job.status})", {"job_id": job_id, "status": job.status}
                )
            if job.status == states.JobStatus.RUNNING:
                rows.set_job_fields(conn, job_id, phase=states.CANCELLING)
            for d in rows.details(conn, job_id, ("running",)):
                states.transition_detail(
                    conn, d.id, states.DetailStatus.SKIPPED, error=states.CANCELLED_RUNNING_ERROR, cancel=True
                )
            for d in rows.details(conn, job_id, ("pending",)):
                states.transition_detail(conn, d.id, states.DetailStatus.SKIPPED, error=states.CANCELLED_ERROR)
            if job.status == states.JobStatus.PENDING:
                states.transition_job(conn, job_id, states.JobStatus.CANCELLED, note="cancelled")
            else:
                states.settle_job(conn, job_id)
            job = rows.job(conn, job_id)
            assert job is not None  # read at the start of this transaction
            body = _job_body(conn, job, details=True)
        log.info("job cancelled", extra={"job_id": job_id})
        return body


# ---- helpers -----------------------------------------------------------------------------------------------------


def _completed_dates(conn: db.Connection, signatures: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for sig in signatures:
        out[sig] = [r.date for r in ledger.model_days(conn, signature=sig)]
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


def _in_progress_job(conn: db.Connection, plan: Plan) -> str | None:
    """The active job in which every model-day of the plan is pending or running, if any."""
    wanted = set(plan.model_days)
    return next((j for j, model_days in rows.active_model_days(conn).items() if wanted <= model_days), None)


def _in_progress(conn: db.Connection, plan: Plan) -> tuple[int, dict[str, Any]] | None:
    """(200, "already in progress" body) when every wanted model-day is pending/running in one active job."""
    job_id = _in_progress_job(conn, plan)
    job = rows.job(conn, job_id) if job_id is not None else None
    if job is None:
        return None
    return 200, {**_job_body(conn, job, details=True), "message": IN_PROGRESS, **_warnings(plan)}


def _warnings(plan: Plan) -> dict[str, Any]:
    """`warnings` (e.g. the clamped end date) for the 200 answers too, when there are any."""
    return {"warnings": plan.warnings} if plan.warnings else {}


def _refuse_if_busy(conn: db.Connection, plan: Plan, max_jobs: int) -> None:
    """409 when the job limit is reached or a signature of the plan is still in an unfinished job (a signature's
    days must run in order, one chain at a time)."""
    unfinished = rows.jobs_in(conn, rows.ACTIVE)
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


def _job_body(conn: db.Connection, job: rows.JobRow, *, details: bool) -> dict[str, Any]:
    if details:  # one pass over the details gives the counts and the earliest running model-day too
        items, counts, running = _details(rows.detail_progress(conn, job.job_id))
    else:
        counts = rows.detail_counts(conn, job.job_id)
        running = rows.earliest_running(conn, job.job_id)
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
                if item["status"] == "failed" and (found := kept.get((item["date"], item["model"]))):
                    item["failed_session"] = found[-1].reference()
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
        # "fetching_prices" while the catch-up download runs, "cancelling" while a cancelled job's days finish;
        # null once the job has ended (the column may still hold the last phase)
        "phase": job.phase if job.status in rows.ACTIVE else None,
    }


def _details(found: list[tuple]) -> tuple[list[dict[str, Any]], dict[str, int], tuple[str, str] | None]:
    """(detail bodies, {status: count}, earliest running (date, model)) of `rows.detail_progress` tuples."""
    counts = dict.fromkeys(("pending", "running", "completed", "failed", "skipped"), 0)
    running = None
    items = []
    for date, model, status, duration, error, started, completed, phase, phase_until in found:
        counts[status] = counts.get(status, 0) + 1
        if status == "running" and running is None:
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
        if phase and status == "running":  # e.g. "waiting_for_rate_limit" (agents/ratelimit.py)
            items[-1].update(phase=phase, phase_until=phase_until)
    return items, counts, running
