"""Jobs as the API and the CLI see them: trigger, status, current, list, cancel (bodies as spec/api.md).

`trigger` first recovers jobs whose worker is gone (`jobs.recovery`, its own transaction), then checks on a read
snapshot: "up to date", "already in progress" and 409 are answered from it without the write lock. Only a new job
takes the write lock (BEGIN IMMEDIATE) and, in that ONE write transaction, re-reads the completed model-days (planning
again when a commit came in between), re-checks pending/running jobs and inserts, so two simultaneous triggers
(threads or processes) never create two jobs or plan a model-day twice. The job row keeps the validated config
snapshot without its API keys; the worker re-reads only the keys from the job's config file (`config.with_keys`).
Bodies are built by `job_bodies.job_body`.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .. import runs
from ..config import CompetitionConfig
from ..config_paths import resolve_config_path
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
from .job_bodies import job_body
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
        # The check without the write lock (a read snapshot): "up to date", "already in progress" (its body can be
        # big) and 409 are answered from it; only a new job (or a changed knowledge cutoff) takes the write lock,
        # re-checks and inserts. So a burst of triggers does not queue behind one another's bodies on the database's
        # single writer.
        with self.store.read() as conn:
            completed = _completed_dates(conn, signatures)
            plan = self._plan(config, plan_request, prices, completed)
            if dry_run:  # the plan and its estimated cost; nothing queued (service/estimate.py)
                return DryRun(**dry_run_body(conn, plan, config, self.settings))
            recorded = _cutoffs_recorded(conn, config)
            answer: UpToDate | AlreadyRunning | None
            if not plan.total:
                answer = UpToDate(**_current_body(plan, completed, prices), **_warnings(plan))
            else:
                answer = _in_progress(conn, plan)
                if answer is None:
                    _refuse_if_busy(conn, plan, self.settings.max_concurrent_jobs)
        if answer is not None:
            if not recorded:
                with self.store.write() as conn:
                    _record_cutoffs(conn, config)
            return answer
        with self.store.write() as conn:
            _record_cutoffs(conn, config)  # each entry's knowledge_cutoff, for results and performance
            now = _completed_dates(conn, signatures)
            if now != completed:  # a commit since the read: plan again, under the lock
                plan = self._plan(config, plan_request, prices, now)
                if not plan.total:
                    return UpToDate(**_current_body(plan, now, prices), **_warnings(plan))
            in_progress = _in_progress_job(conn, plan)
            if in_progress is None:
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
        if in_progress is not None:  # created by another trigger between the read and the write lock
            with self.store.read() as conn:
                running = _in_progress(conn, plan)
            if running is not None:
                return running
            return self.trigger_config(config, config_path, request, caller=caller)  # it ended meanwhile
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

    def _plan(
        self, config: CompetitionConfig, request: PlanRequest, prices: PriceView, completed: dict[str, list[str]]
    ) -> Plan:
        plan = plan_job(
            config, request, prices, completed, today=self._today(), max_days=self.settings.max_simulation_days
        )
        plan.warnings[:0] = config.key_warnings  # unknown config keys (config_keys.py) first
        return plan

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
            body = job_body(conn, job, details=True)
        if run is not None:
            body["progress"]["details"] = [d for d in body["progress"]["details"] if runs.of(d) == run]
        return body

    def current(self, run: int | None = None) -> dict[str, Any]:
        """The most recent job's body without details; `run` counts only that run's model-days in `progress`."""
        with self.store.read() as conn:
            job = job_store.latest_job(conn)
            if job is None:
                raise NotFound("No simulation jobs found")
            return job_body(conn, job, details=False, run=run)

    def list_jobs(self, limit: int = 20, status: str | None = None) -> dict[str, Any]:
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIST_LIMIT:
            raise FixTheRequest(f"limit must be an integer from 1 to {MAX_LIST_LIMIT}", {"limit": str(limit)})
        if status is not None and status not in {s.value for s in states.JobStatus}:
            raise FixTheRequest(
                f"unknown status {status!r}",
                {"status": str(status)[:50], "allowed": [s.value for s in states.JobStatus]},
            )
        with self.store.read() as conn:
            data = [job_body(conn, j, details=False) for j in job_store.jobs(conn, limit=limit, status=status)]
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
            body = job_body(conn, job, details=True)
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


def _cutoff_entries(config: CompetitionConfig) -> list[tuple[str, str | None, str | None]]:
    return [(m.signature, m.knowledge_cutoff, m.cutoff_date) for m in config.models]


def _cutoffs_recorded(conn: db.Connection, config: CompetitionConfig) -> bool:
    """Whether `model_cutoffs` already holds exactly the config's knowledge cutoffs (so no write is needed)."""
    stored = cutoff_store.cutoffs(conn)
    for signature, cutoff, last_day in _cutoff_entries(config):
        found = stored.get(signature)
        if cutoff is None or last_day is None:
            if found is not None:
                return False
        elif found is None or (found.knowledge_cutoff, found.cutoff_date) != (cutoff, last_day):
            return False
    return True


def _record_cutoffs(conn: db.Connection, config: CompetitionConfig) -> None:
    """Each entry's knowledge_cutoff, for results and performance (the latest trigger wins)."""
    cutoff_store.record_cutoffs(conn, _cutoff_entries(config), utcnow_iso())


def _in_progress_job(conn: db.Connection, plan: Plan) -> str | None:
    """The active job in which every model-day of the plan is pending or running, if any."""
    wanted = set(plan.model_days)
    return next((j for j, model_days in job_store.active_model_days(conn).items() if wanted <= model_days), None)


def _in_progress(conn: db.Connection, plan: Plan) -> AlreadyRunning | None:
    """ "Already in progress" (that job's body) when every wanted model-day is pending/running in one active job."""
    job_id = _in_progress_job(conn, plan)
    job = job_store.job(conn, job_id) if job_id is not None else None
    if job is None:
        return None
    return AlreadyRunning(**job_body(conn, job, details=True), message=IN_PROGRESS, **_warnings(plan))


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
