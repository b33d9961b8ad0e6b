"""Run one claimed job: one sequential chain per signature, all chains concurrent, no barrier between dates.

Within a chain the dates run strictly in order (a day starts from the previous day's snapshot). A model-day:
detail pending → running (guarded; a detail skipped meanwhile, e.g. by cancel, is passed over), then
`execute_model_day`, whose commit transaction also moves the detail to completed (`on_commit`). On failure the
detail becomes failed with the error and the chain's later days skipped ("blocked by failure on <date>"); the other
chains go on. At most `max_parallel` model-days run at once (an asyncio semaphore). When the worker stops, no new
model-day starts; a cancelled one goes back to pending so a restart resumes it.

Cancel: `JobService.cancel` (any process) ends the job in the database at once, its running details skipped. A
watcher reads the job's status every `CANCEL_POLL_SECONDS`; once the job is no longer running it cancels the
running model-day tasks (the in-flight LLM request is abandoned, the live session deleted; their commit could not
happen anyway, it needs the detail to be running) and the chains start no further day.
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
from ..tools.context import ToolContext, ToolEnv
from ..tools.news_factory import build_news_provider
from . import states
from .executor import day_timeout, execute_model_day

log = logging.getLogger(__name__)
D = states.DetailStatus
T = TypeVar("T")
BOOKKEEPING_RETRY_S = 600.0  # how long a status write keeps retrying while another writer holds the database
CANCEL_POLL_SECONDS = 1.0  # how often a running job's status is read to notice a cancel (from any process)


async def bookkeeping(store: Store, write: Callable[[Any], T], *, retry_s: float = BOOKKEEPING_RETRY_S) -> T:
    """Run a job-status write in one transaction, retrying (without blocking the loop between tries) while another
    writer holds the database beyond the busy timeout: a status change must not be lost to a lock, or the job would
    stay `running` with nothing left to do."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(db.is_busy),
        stop=stop_after_delay(retry_s),
        wait=wait_exponential(multiplier=0.5, max=15),
        reraise=True,
    ):
        with attempt, store.write() as conn:
            return write(conn)
    raise AssertionError("unreachable")


@dataclass
class JobRun:
    """What every chain of one job shares: built once per job."""

    job_id: str
    config: CompetitionConfig
    env: ToolEnv
    settings: Settings
    toolbox_factory: Callable[[ToolContext], Toolbox] | None
    should_stop: Callable[[], bool]
    semaphore: asyncio.Semaphore
    cancelled: bool = False  # the job ended elsewhere (cancel): stop every chain
    days: set[asyncio.Task] = field(default_factory=set)  # the running model-day tasks

    def stopping(self) -> bool:
        return self.cancelled or self.should_stop()


async def run_job(
    store: Store,
    settings: Settings,
    job_id: str,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    toolbox_factory: Callable[[ToolContext], Toolbox] | None = None,
) -> str | None:
    """Run the job's pending model-days; returns its final status (None when stopped before the end)."""
    with store.read() as conn:
        job = job_store.job(conn, job_id)
        pending = job_store.details(conn, job_id, (states.DetailStatus.PENDING,))
    assert job is not None, job_id  # claimed by this worker; jobs are never deleted
    config = with_keys(parse_config(job.config, f"job {job_id} config"), job.config_path)  # keys: from the file
    env = ToolEnv(store, PriceView.load(store), build_news_provider(settings), settings.trade_fee)
    chains: dict[str, list[job_store.DetailRow]] = {}
    for d in sorted(pending, key=lambda d: d.date):
        chains.setdefault(d.model, []).append(d)
    parallel = settings.max_parallel_models or max(len(chains), 1)
    run = JobRun(job_id, config, env, settings, toolbox_factory, should_stop, asyncio.Semaphore(parallel))
    log.info("job started: %d model-day(s) in %d chain(s)", len(pending), len(chains), extra={"job_id": job_id})
    watcher = asyncio.create_task(_watch_for_cancel(run), name=f"cancel-watch-{job_id}")
    try:
        results = await asyncio.gather(
            *(_chain(run, sig, days) for sig, days in chains.items()), return_exceptions=True
        )
    finally:
        watcher.cancel()
    for sig, result in zip(chains, results, strict=True):
        if isinstance(result, asyncio.CancelledError):
            raise result
        if isinstance(result, BaseException):  # a bug, not a model failure: log it, leave the rest to recovery
            log.error("chain %s crashed: %r", sig, result, extra={"job_id": job_id, "model": sig})
    # settle_job is a no-op unless the job has nothing left and is still running
    final, status = await bookkeeping(
        store, lambda conn: (states.settle_job(conn, job_id), job_store.job_status(conn, job_id))
    )
    if status in {s.value for s in states.JOB_TERMINAL}:
        log.info("job ended: %s", status, extra={"job_id": job_id})
        return status
    return final


async def _watch_for_cancel(run: JobRun, poll_s: float = CANCEL_POLL_SECONDS) -> None:
    """Once the job is no longer running in the database (cancelled, or ended by another process), cancel the
    running model-days of this job."""
    while True:
        await asyncio.sleep(poll_s)
        try:
            with run.env.store.read() as conn:
                status = job_store.job_status(conn, run.job_id)
        except db.DatabaseError as exc:  # a busy database: look again at the next tick
            log.debug("cancel watch: %s", exc, extra={"job_id": run.job_id})
            continue
        if status != states.JobStatus.RUNNING:
            run.cancelled = True
            log.warning("job is %s: stopping its running model-days", status, extra={"job_id": run.job_id})
            for task in list(run.days):
                task.cancel()
            return


def _being_cancelled() -> bool:
    """Whether the current task itself is being cancelled (a worker shutdown), not only a task it awaits."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


async def _chain(run: JobRun, signature: str, days: list[job_store.DetailRow]) -> None:
    async with contextlib.AsyncExitStack() as scope:  # closes the competitor's connections when the chain ends
        await _chain_days(run, signature, days, scope)


async def _chain_days(
    run: JobRun, signature: str, days: list[job_store.DetailRow], scope: contextlib.AsyncExitStack
) -> None:
    store = run.env.store
    model = run.config.model(signature)
    competitor: Competitor | None = None
    for i, d in enumerate(days):
        if run.stopping():
            return
        async with run.semaphore:
            if run.stopping():
                return
            try:
                await bookkeeping(store, functools.partial(states.transition_detail, detail_id=d.id, to=D.RUNNING))
            except IllegalTransition:  # skipped meanwhile (cancel): nothing to run
                continue
            mlog = model_day_logger(__name__, run.job_id, signature, d.date)
            mlog.info("model-day started")
            day: asyncio.Task | None = None
            try:
                if model is None:
                    raise ValueError(f"signature {signature!r} is not in the job's config")
                if competitor is None:
                    competitor = build_competitor(model, run.config.agent_config, run.settings, store)
                    if isinstance(competitor, contextlib.AbstractAsyncContextManager):  # an LLM agent: one client
                        competitor = cast(Competitor, await scope.enter_async_context(competitor))
                if run.cancelled:  # cancelled while the competitor was built (the watcher has already looked)
                    mlog.warning("model-day not started: the job was cancelled")
                    return
                day = asyncio.create_task(
                    execute_model_day(
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
                        on_commit=functools.partial(states.transition_detail, detail_id=d.id, to=D.COMPLETED),
                    ),
                    name=f"model-day-{signature}-{d.date}",
                )
                run.days.add(day)
                await day
            except asyncio.CancelledError:
                if run.cancelled and not _being_cancelled():  # the job was cancelled: the cancel skipped this day
                    mlog.warning("model-day aborted by the job's cancel; nothing of it was committed")
                    return
                try:
                    with store.write() as conn:  # no retry loop here: we are being cancelled (shutdown)
                        states.transition_detail(conn, d.id, D.PENDING, recovery=True, note="worker stopped")
                    mlog.warning("model-day interrupted by shutdown; returned to pending")
                except IllegalTransition:  # cancelled meanwhile: nothing to return
                    mlog.warning("model-day interrupted by shutdown after its job was cancelled")
                raise
            except Exception as exc:  # ModelDayFailed, or a competitor that cannot be built
                try:
                    await bookkeeping(
                        store,
                        functools.partial(
                            _fail_chain, failed=d, later=days[i + 1 :], error=str(exc) or type(exc).__name__
                        ),
                    )
                except IllegalTransition as lost:  # cancelled, or another worker took the job over meanwhile
                    mlog.warning("model-day ended uncommitted; its status changed elsewhere: %s", lost.message)
                    return
                mlog.warning("model-day failed: %s; %d later day(s) skipped", exc, len(days) - i - 1)
                return
            finally:
                if day is not None:
                    run.days.discard(day)
            mlog.info("model-day completed")


def _fail_chain(conn, failed: job_store.DetailRow, later: list[job_store.DetailRow], error: str) -> None:
    """The failed day and the skips of the chain's later days (inside one transaction)."""
    states.transition_detail(conn, failed.id, D.FAILED, error=error)
    for d in later:
        try:
            states.transition_detail(conn, d.id, D.SKIPPED, error=f"blocked by failure on {failed.date}")
        except IllegalTransition:  # already skipped (cancelled)
            pass
