"""Run one claimed job: one sequential chain per signature, all chains concurrent, no barrier between dates.

Within a chain the dates run strictly in order (a day starts from the previous day's snapshot). A model-day:
detail pending → running (guarded; a detail skipped meanwhile, e.g. by cancel, is passed over), then
`execute_model_day`, whose commit transaction also moves the detail to completed (`on_commit`). On failure the
detail becomes failed with the error and the chain's later days skipped ("blocked by failure on <date>"); the other
chains go on. At most `max_parallel` model-days run at once (an asyncio semaphore). When the worker stops, no new
model-day starts; a cancelled one goes back to pending so a restart resumes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import AsyncRetrying, retry_if_exception, stop_after_delay, wait_exponential

from ..agents.base import Competitor, Toolbox
from ..agents.factory import build_competitor
from ..config import CompetitionConfig, parse_config, with_keys
from ..errors import IllegalTransition
from ..logs import model_day_logger
from ..market.prices import PriceView
from ..settings import Settings
from ..store import Store
from ..store import jobs as rows
from ..tools.context import ToolContext, ToolEnv
from . import states
from .executor import execute_model_day

log = logging.getLogger(__name__)
D = states.DetailStatus
T = TypeVar("T")
BOOKKEEPING_RETRY_S = 600.0  # how long a status write keeps retrying while another writer holds the database


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and any(w in str(exc) for w in ("locked", "busy"))


async def bookkeeping(store: Store, write: Callable[[Any], T], *, retry_s: float = BOOKKEEPING_RETRY_S) -> T:
    """Run a job-status write in one transaction, retrying (without blocking the loop between tries) while another
    writer holds the database beyond the busy timeout: a status change must not be lost to a lock, or the job would
    stay `running` with nothing left to do."""
    async for attempt in AsyncRetrying(
        retry=retry_if_exception(_locked),
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


def news_provider(settings: Settings):
    """The configured news provider, or None when that module is not available."""
    try:
        from ..tools.news_factory import build_news_provider
    except ModuleNotFoundError as exc:
        log.warning("news provider unavailable (%s); get_information will have no news", exc)
        return None
    return build_news_provider(settings)


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
        job = rows.job(conn, job_id)
        pending = rows.details(conn, job_id, ("pending",))
    config = with_keys(parse_config(job.config, f"job {job_id} config"), job.config_path)  # keys: from the file
    env = ToolEnv(store, PriceView.load(store), news_provider(settings), settings.trade_fee)
    chains: dict[str, list[rows.DetailRow]] = {}
    for d in sorted(pending, key=lambda d: d.date):
        chains.setdefault(d.model, []).append(d)
    parallel = settings.max_parallel_models or max(len(chains), 1)
    run = JobRun(job_id, config, env, settings, toolbox_factory, should_stop, asyncio.Semaphore(parallel))
    log.info("job started: %d model-day(s) in %d chain(s)", len(pending), len(chains), extra={"job_id": job_id})
    results = await asyncio.gather(*(_chain(run, sig, days) for sig, days in chains.items()), return_exceptions=True)
    for sig, result in zip(chains, results, strict=True):
        if isinstance(result, asyncio.CancelledError):
            raise result
        if isinstance(result, BaseException):  # a bug, not a model failure: log it, leave the rest to recovery
            log.error("chain %s crashed: %r", sig, result, extra={"job_id": job_id, "model": sig})
    # settle_job is a no-op unless the job has nothing left and is still running
    final, status = await bookkeeping(
        store, lambda conn: (states.settle_job(conn, job_id), rows.job_status(conn, job_id))
    )
    if status in {s.value for s in states.JOB_TERMINAL}:
        log.info("job ended: %s", status, extra={"job_id": job_id})
        return status
    return final


async def _chain(run: JobRun, signature: str, days: list[rows.DetailRow]) -> None:
    async with contextlib.AsyncExitStack() as scope:  # closes the competitor's connections when the chain ends
        await _chain_days(run, signature, days, scope)


async def _chain_days(
    run: JobRun, signature: str, days: list[rows.DetailRow], scope: contextlib.AsyncExitStack
) -> None:
    store = run.env.store
    model = run.config.model(signature)
    competitor: Competitor | None = None
    for i, d in enumerate(days):
        if run.should_stop():
            return
        async with run.semaphore:
            if run.should_stop():
                return
            try:
                await bookkeeping(store, lambda conn, did=d.id: states.transition_detail(conn, did, D.RUNNING))
            except IllegalTransition:  # skipped meanwhile (cancel): nothing to run
                continue
            mlog = model_day_logger(__name__, run.job_id, signature, d.date)
            mlog.info("model-day started")
            try:
                if model is None:
                    raise ValueError(f"signature {signature!r} is not in the job's config")
                if competitor is None:
                    competitor = build_competitor(model, run.config.agent_config, run.settings, store)
                    if isinstance(competitor, contextlib.AbstractAsyncContextManager):  # an LLM agent: one client
                        competitor = await scope.enter_async_context(competitor)
                await execute_model_day(
                    run.env,
                    job_id=run.job_id,
                    signature=signature,
                    date=d.date,
                    competitor=competitor,
                    initial_cash=run.config.agent_config.initial_cash,
                    timeout_s=run.settings.model_day_timeout_seconds,
                    agent_data_dir=run.settings.agent_data_dir,
                    toolbox_factory=run.toolbox_factory,
                    on_commit=lambda conn, detail_id=d.id: states.transition_detail(conn, detail_id, D.COMPLETED),
                )
            except asyncio.CancelledError:
                with store.write() as conn:  # no retry loop here: we are being cancelled (shutdown)
                    states.transition_detail(conn, d.id, D.PENDING, recovery=True, note="worker stopped")
                mlog.warning("model-day interrupted by shutdown; returned to pending")
                raise
            except Exception as exc:  # ModelDayFailed, or a competitor that cannot be built
                try:
                    await bookkeeping(
                        store,
                        lambda conn, later=days[i + 1 :], err=str(exc) or type(exc).__name__: _fail_chain(
                            conn, d, later, err
                        ),
                    )
                except IllegalTransition as lost:  # another worker took the job over meanwhile
                    mlog.error("model-day failed and its status changed elsewhere: %s", lost.message)
                    return
                mlog.warning("model-day failed: %s; %d later day(s) skipped", exc, len(days) - i - 1)
                return
            mlog.info("model-day completed")


def _fail_chain(conn, failed: rows.DetailRow, later: list[rows.DetailRow], error: str) -> None:
    """The failed day and the skips of the chain's later days (inside one transaction)."""
    states.transition_detail(conn, failed.id, D.FAILED, error=error)
    for d in later:
        try:
            states.transition_detail(conn, d.id, D.SKIPPED, error=f"blocked by failure on {failed.date}")
        except IllegalTransition:  # already skipped (cancelled)
            pass
