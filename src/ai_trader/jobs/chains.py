"""Run one claimed model-day (a head of its signature's chain, leased by this worker: `jobs/leases.py`).

Within a chain the dates run strictly in order (a day is claimable only when the signature's previous day in the
job is committed), but different days of one job may run on different workers. A claimed model-day is running and
holds this worker's lease; `run_day` executes it (`execute_model_day`), and the commit transaction also moves it to
completed, guarded by the lease (`owner`): a worker whose lease was taken over cannot commit its stale day. On
failure the day becomes failed with the error and the chain's later days skipped ("blocked by failure on <date>");
the other chains go on. When the worker stops, a cancelled day goes back to pending so another worker resumes it.

`JobRun` is what a worker builds once per job it runs days of: the parsed config, the tool environment (prices,
news), and one competitor per signature (an LLM client; never used by two days at once, since a chain's days never
overlap). Cancel: `JobService.cancel` (any process) ends the job in the database at once, its running details
skipped; the worker sees the job is no longer running (`Worker`'s tick) and cancels its day tasks (`JobRun.cancel`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential

from ..agents.base import Competitor, Toolbox
from ..agents.factory import build_competitor
from ..config import CompetitionConfig, parse_config, with_keys
from ..errors import IllegalTransition
from ..logs import model_day_logger
from ..market.prices import PriceView
from ..settings import Settings
from ..store import Store, db
from ..store import jobs as job_store
from ..tools.actions_view import ActionsView
from ..tools.context import ToolContext, ToolEnv
from ..tools.news_factory import build_news_provider
from . import budget, leases, states
from .executor import day_timeout, execute_model_day

log = logging.getLogger(__name__)
D = states.DetailStatus
T = TypeVar("T")
BOOKKEEPING_RETRY_S = 600.0  # how long a status write keeps retrying while another writer holds the database


async def bookkeeping(store: Store, write: Callable[[Any], T], *, retry_s: float = BOOKKEEPING_RETRY_S) -> T:
    """Run a job-status write in one transaction, retrying (without blocking the loop between tries) while another
    writer holds the database beyond the busy timeout or the connection is lost (a PostgreSQL restart): a status
    change must not be lost, or the job would stay `running` with nothing left to do."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(db.is_transient),
        stop=stop_after_delay(retry_s),
        wait=wait_exponential(multiplier=0.5, max=15),
        reraise=True,
    ):
        with attempt, store.write() as conn:
            return write(conn)
    raise AssertionError("unreachable")


@dataclass
class JobRun:
    """What every model-day of one job shares in one worker: built once per job."""

    job_id: str
    config: CompetitionConfig
    env: ToolEnv
    settings: Settings
    toolbox_factory: Callable[[ToolContext], Toolbox] | None
    max_cost_usd: float | None = None  # the job's inference budget (jobs/budget.py)
    cancelled: bool = False  # the job ended elsewhere (cancel): its running days are cancelled
    days: set[asyncio.Task] = field(default_factory=set)  # this worker's running model-day tasks of the job
    competitors: dict[str, Competitor] = field(default_factory=dict)
    scope: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    @classmethod
    def load(
        cls, store: Store, settings: Settings, job_id: str, toolbox_factory: Callable[[ToolContext], Toolbox] | None
    ) -> JobRun:
        with store.read() as conn:
            job = job_store.job(conn, job_id)
        assert job is not None, job_id  # jobs are never deleted
        config = with_keys(parse_config(job.config, f"job {job_id} config"), job.config_path)  # keys: from the file
        prices, actions = PriceView.load(store), ActionsView.load(store)
        env = ToolEnv(store, prices, build_news_provider(settings), settings.trade_fee, actions=actions)
        run = cls(job_id, config, env, settings, toolbox_factory)
        run.max_cost_usd = budget.job_budget(job.request, config)
        return run

    async def competitor(self, signature: str) -> Competitor:
        """The signature's competitor, built on its first day here (an LLM agent: one client, closed by `close`)."""
        found = self.competitors.get(signature)
        if found is None:
            model = self.config.model(signature)
            if model is None:
                raise ValueError(f"signature {signature!r} is not in the job's config")
            found = build_competitor(model, self.config.agent_config, self.settings, self.env.store)
            if isinstance(found, contextlib.AbstractAsyncContextManager):
                found = cast(Competitor, await self.scope.enter_async_context(found))
            self.competitors[signature] = found
        return found

    def cancel(self) -> None:
        """The job ended elsewhere: abandon its running days (their commit could not happen any more)."""
        self.cancelled = True
        for task in list(self.days):
            task.cancel()

    async def close(self) -> None:
        await self.scope.aclose()
        self.competitors.clear()


async def run_day(
    run: JobRun, d: job_store.DetailRow, worker_id: str, *, keep_chain: Callable[[], bool] = lambda: False
) -> tuple[str, job_store.DetailRow | None]:
    """Run the claimed model-day `d` (running, leased by `worker_id`); returns its outcome (completed, failed,
    skipped (budget), cancelled, lost: the lease was taken over), or raises CancelledError on shutdown (the day back
    to pending). When `keep_chain()` says so at the commit, the commit also claims the chain's next day for this
    worker (`leases.take_next`), returned second for the caller to run next; else None."""
    handoff: list[job_store.DetailRow] = []

    def commit(conn: db.Connection) -> None:
        _owned(d, worker_id)(conn, to=D.COMPLETED)
        if keep_chain() and not run.cancelled:
            nxt = leases.take_next(conn, d, worker_id, run.settings.worker_lease_seconds)
            handoff.extend([nxt] if nxt is not None else [])

    outcome = await _run_day(run, d, worker_id, commit)
    return outcome, (handoff[0] if outcome == "completed" and handoff else None)


async def _run_day(run: JobRun, d: job_store.DetailRow, worker_id: str, commit: Callable[[db.Connection], None]) -> str:
    store, signature = run.env.store, d.model
    mlog = model_day_logger(__name__, run.job_id, signature, d.date)
    owned = _owned(d, worker_id)
    if run.max_cost_usd is not None and await _budget_spent(run, d, owned):
        return "skipped"
    mlog.info("model-day started")
    try:
        competitor = await run.competitor(signature)
        if run.cancelled:  # cancelled while the competitor was built
            mlog.warning("model-day not started: the job was cancelled")
            return "cancelled"
        model = run.config.model(signature)
        await execute_model_day(
            run.env,
            job_id=run.job_id,
            signature=signature,
            date=d.date,
            competitor=competitor,
            initial_cash=run.config.agent_config.initial_cash,
            costs=run.config.agent_config.costs(),
            **day_timeout(model, run.settings),
            agent_data_dir=run.settings.agent_data_dir,
            toolbox_factory=run.toolbox_factory,
            on_commit=commit,
            on_open=functools.partial(states.check_lease, detail_id=d.id, owner=worker_id, attempt=d.attempts + 1),
        )
    except asyncio.CancelledError:
        if run.cancelled:  # the job was cancelled (JobRun.cancel cancelled this task): the cancel skipped this day
            mlog.warning("model-day aborted by the job's cancel; nothing of it was committed")
            return "cancelled"
        try:
            with store.write() as conn:  # no retry loop here: we are being cancelled (shutdown)
                owned(conn, to=D.PENDING, recovery=True, note="worker stopped")
            mlog.warning("model-day interrupted by shutdown; returned to pending")
        except IllegalTransition:  # cancelled or taken over meanwhile: nothing to return
            mlog.warning("model-day interrupted by shutdown after its status changed elsewhere")
        raise
    except Exception as exc:  # ModelDayFailed, or a competitor that cannot be built
        if db.is_disconnect(exc):  # the store went away (a restart): nothing was committed, the day runs again
            return await _retry_later(run, d, owned, mlog, exc)
        error = str(exc) or type(exc).__name__
        try:
            later = await bookkeeping(store, functools.partial(_fail_chain, failed=d, owner=worker_id, error=error))
        except IllegalTransition as lost:  # cancelled, or another worker took the day over meanwhile
            mlog.warning("model-day ended uncommitted; its status changed elsewhere: %s", lost.message)
            return "lost"
        mlog.warning("model-day failed: %s; %d later day(s) skipped", exc, later)
        return "failed"
    mlog.info("model-day completed")
    return "completed"


def _owned(d: job_store.DetailRow, worker_id: str) -> Callable[..., Any]:
    """A status change of `d` guarded by this attempt's lease: a later claim of the day (by another worker, or this
    one again) voids it."""
    return functools.partial(states.transition_detail, detail_id=d.id, owner=worker_id, attempt=d.attempts + 1)


async def _retry_later(run: JobRun, d: job_store.DetailRow, owned: Callable[..., Any], mlog, exc: Exception) -> str:
    note = f"database connection lost ({type(exc).__name__}); returned to pending"
    try:
        await bookkeeping(run.env.store, functools.partial(owned, to=D.PENDING, recovery=True, note=note))
    except IllegalTransition:  # cancelled or taken over meanwhile
        return "lost"
    mlog.warning("model-day interrupted: %s", note)
    return "retry"


def _later(conn: db.Connection, d: job_store.DetailRow) -> list[job_store.DetailRow]:
    """The pending days of `d`'s chain after it."""
    return [x for x in job_store.details(conn, d.job_id, (D.PENDING,)) if x.model == d.model and x.date > d.date]


async def _budget_spent(run: JobRun, d: job_store.DetailRow, owned: Callable[..., Any]) -> bool:
    """Whether the job's budget is spent; then this day and the chain's later days are skipped ("budget
    exhausted") instead of starting."""
    cap = run.max_cost_usd
    assert cap is not None

    def check(conn) -> int | None:
        if not budget.exhausted(conn, run.job_id, cap):
            return None
        rest = _later(conn, d)
        owned(conn, to=D.SKIPPED, cancel=True, error=states.BUDGET_ERROR)
        budget.skip_rest(conn, rest)
        return len(rest) + 1

    try:
        skipped = await bookkeeping(run.env.store, check)
    except IllegalTransition:  # cancelled or taken over meanwhile
        return True
    if skipped is None:
        return False
    log.warning(
        "budget of $%g exhausted: %d model-day(s) of %s skipped", cap, skipped, d.model, extra={"job_id": run.job_id}
    )
    return True


def _fail_chain(conn, failed: job_store.DetailRow, owner: str, error: str) -> int:
    """The failed day and the skips of the chain's later days (inside one transaction); returns how many skipped."""
    later = _later(conn, failed)
    states.transition_detail(conn, failed.id, D.FAILED, error=error, owner=owner, attempt=failed.attempts + 1)
    for d in later:
        try:
            states.transition_detail(conn, d.id, D.SKIPPED, error=f"blocked by failure on {failed.date}")
        except IllegalTransition:  # already skipped (cancelled)
            pass
    return len(later)
