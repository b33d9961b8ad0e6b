"""The worker: claims model-days from the database (never from an in-memory queue) and runs them.

Many workers (threads, processes, hosts) may share one store and one job: each claims model-days, not jobs
(`jobs/leases.py`), at most `capacity` at once (`--concurrency`, WORKER_CONCURRENCY; else MAX_PARALLEL_MODELS;
else no limit), and holds a lease on each, extended by its heartbeat. Every tick (`worker_poll_seconds`, or at once
when one of its tasks ends, or, while no job runs, when the store changed: `jobs/idle.py`) it:
- recovers lost work (`recovery.recover`: days whose lease is lost go back to pending; jobs whose steward is gone
  are adopted), a read unless there is any;
- starts pending jobs (`claim`: pending → running, guarded, while fewer than `max_concurrent_jobs` run; it becomes
  their steward and, with AUTO_DOWNLOAD_PRICE_DATA, fetches their prices first: `jobs/refresh.py`);
- claims model-days and runs each as a task (`chains.run_day`), with one `JobRun` per job it runs days of; a
  task runs on through its chain while each commit hands it the next day (`leases.take_next`: no claim, no tick
  per day), as long as the worker runs no more than its fair share of chains (recomputed at each heartbeat);
- heartbeats (its `workers` row, its jobs, its leases), cancels the days of jobs that ended elsewhere (a cancel),
  and writes again export files that could not be written (`jobs/export_repair.py`).
`start()` runs that loop in a thread until `stop(grace_s)`: no new claims, running days get the grace period, then
are cancelled (back to pending) and the worker's jobs are released for the next worker. `drain()` runs it until no
job is pending or running (the `run` command, `worker --drain`, tests); `run_job` until one job ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable

from ..agents.base import Toolbox
from ..settings import Settings
from ..store import Store, db
from ..store import jobs as job_store
from ..store import leases as lease_store
from ..timeutil import utcnow_iso
from ..tools.context import ToolContext
from . import export_repair, idle, leases, presence, recovery, states
from .chains import JobRun, bookkeeping, run_day
from .refresh import FETCHING_PRICES, refresh_enabled, refresh_prices

log = logging.getLogger(__name__)
UNBOUNDED = 100_000  # capacity when nothing limits it
J = states.JobStatus


def default_toolbox_factory(settings: Settings) -> Callable[[ToolContext], Toolbox] | None:
    """In-process tools (None: the executor's default) or the MCP tool servers, per `tool_transport`."""
    if settings.tool_transport != "mcp":
        return None
    from ..agents.mcp_toolbox import McpToolbox

    urls = settings.mcp_urls()
    return lambda ctx: McpToolbox(urls, ctx.token)


class Worker:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        toolbox_factory: Callable[[ToolContext], Toolbox] | None = None,
        concurrency: int | None = None,
    ):
        self.settings = settings
        self.store = store
        self.worker_id = recovery.new_worker_id()
        self.capacity = concurrency or settings.worker_concurrency or settings.max_parallel_models or UNBOUNDED
        self.lease_s = settings.worker_lease_seconds
        self._toolbox_factory = toolbox_factory if toolbox_factory is not None else default_toolbox_factory(settings)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._waiter: idle.Waiter | None = None
        self._quiet = False  # the last tick saw no pending or running job in the store
        self._days: dict[int, asyncio.Task] = {}  # detail id → its running task
        self._runs: dict[str, JobRun] = {}  # job id → what its days share here
        self._fetches: dict[str, asyncio.Task] = {}  # price fetches of jobs this worker started or adopted
        self._to_fetch: list[str] = []
        self._only_job: str | None = None
        self._should_stop: Callable[[], bool] = lambda: False
        self._last_heartbeat = 0.0
        self._share: int | None = None  # fair share of chains (leases.fair_share), as of the last heartbeat
        self._last_repair = -float("inf")
        self._mode = "background"

    def stopping(self) -> bool:
        return self._stopping.is_set() or self._should_stop()

    # ---- database-side steps ---------------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Return lost model-days to pending and adopt jobs whose steward is gone (the one rule of
        `jobs/recovery.py`). A read first: the write transaction only when there is something to recover."""
        with self.store.read() as conn:
            if not recovery.needs_recovery(conn, self.worker_id):
                return []
        with self.store.write() as conn:
            touched = recovery.recover(conn, self.worker_id, resume=self.settings.resume_interrupted_jobs)
            for job_id in touched:
                job = job_store.job(conn, job_id)
                if job and job.status == J.RUNNING and job.phase == FETCHING_PRICES and job.worker_id == self.worker_id:
                    self._to_fetch.append(job_id)
        return touched

    def claim(self) -> list[str]:
        """Start the oldest pending jobs (pending → running) while fewer than max_concurrent_jobs run; this worker
        becomes their steward. With a price fetch to do, their days are not claimable until it is done. A read
        first: no write lock while no job is pending."""
        if self.stopping():
            return []
        fetch = refresh_enabled(self.settings)
        with self.store.read() as conn:
            if not job_store.count_jobs_in(conn, (J.PENDING,)):
                self._quiet = not job_store.count_jobs_in(conn, (J.RUNNING,))
                return []
        self._quiet = False
        with self.store.write() as conn:
            free = self.settings.max_concurrent_jobs - job_store.count_jobs_in(conn, (J.RUNNING,))
            started = []
            pending = [j for j in job_store.jobs_in(conn, (J.PENDING,)) if self._only_job in (None, j.job_id)]
            for job in pending[: max(free, 0)]:
                at = utcnow_iso()
                states.transition_job(conn, job.job_id, J.RUNNING, at=at, note=f"started by worker {self.worker_id}")
                job_store.set_owner(conn, job.job_id, self.worker_id, at)
                if fetch:
                    job_store.set_job_fields(conn, job.job_id, phase=FETCHING_PRICES)
                started.append(job.job_id)
        if fetch:
            self._to_fetch += started
        return started

    def claim_days(self) -> list[job_store.DetailRow]:
        """Claim model-days up to this worker's free capacity (a read first: no write lock when there is none)."""
        free = self.capacity - len(self._days)
        if free <= 0 or self.stopping():
            return []
        with self.store.read() as conn:
            if not lease_store.claimable(conn, 1, job_id=self._only_job):
                return []
        return leases.claim(
            self.store, self.worker_id, free=free, lease_s=self.lease_s, running=len(self._days), job_id=self._only_job
        )

    def _heartbeat(self, force: bool = False) -> None:
        """Its presence (`presence.heartbeat`) every min(HEARTBEAT_SECONDS, lease / 3), and its fair share then."""
        now = time.monotonic()
        if force or now - self._last_heartbeat >= min(recovery.HEARTBEAT_SECONDS, self.lease_s / 3):
            self._share = presence.heartbeat(self.store, self.worker_id, self._mode, self.lease_s)
            self._last_heartbeat = now

    def _register(self) -> None:
        """First heartbeat (the worker is visible to /health at once); forget long-gone workers."""
        try:
            presence.forget_old_workers(self.store)
            self._heartbeat(force=True)
        except db.DatabaseError:  # a busy database: the next tick's heartbeat registers it
            log.exception("could not register the worker")

    def _unregister(self) -> None:
        try:
            presence.give_back(self.store, self.worker_id)
        except db.DatabaseError:  # its heartbeat goes stale: /health stops counting it after the lease
            log.exception("could not record the worker's stop")

    async def _repair_exports(self) -> None:
        """Export files owed (a failed write, or a process that died between a commit and its files) are written
        again, off the loop's thread; at most every RETRY_SECONDS."""
        now = time.monotonic()
        if now - self._last_repair < export_repair.RETRY_SECONDS:
            return
        self._last_repair = now
        owed = await asyncio.to_thread(export_repair.due, self.store)
        if owed:
            await asyncio.to_thread(export_repair.repair, self.store, self.settings.agent_data_dir, owed)

    # ---- running model-days ----------------------------------------------------------------------------------
    async def _tick(self) -> None:
        if self._waiter is not None:
            self._waiter.mark()
        self.recover()
        self.claim()
        for job_id in self._to_fetch:
            if job_id not in self._fetches:
                self._fetches[job_id] = asyncio.create_task(self._fetch(job_id), name=f"fetch-{job_id}")
        self._to_fetch = []
        for d in self.claim_days():
            run = await self._job_run(d)
            if run is not None:
                task = asyncio.create_task(self._run_day(run, d), name=f"model-day-{d.model}-{d.date}")
                self._days[d.id] = task
                run.days.add(task)
        self._heartbeat()
        await self._watch_jobs()
        await self._repair_exports()

    async def _job_run(self, d: job_store.DetailRow) -> JobRun | None:
        run = self._runs.get(d.job_id)
        if run is None:
            try:
                run = self._runs[d.job_id] = JobRun.load(self.store, self.settings, d.job_id, self._toolbox_factory)
            except Exception as exc:  # the job cannot run here (e.g. an unreadable config): end it, never hang
                log.exception("job could not run", extra={"job_id": d.job_id})
                await self._abort(d.job_id, f"worker error: {type(exc).__name__}: {exc}")
                return None
        return run

    async def _run_day(self, run: JobRun, d: job_store.DetailRow) -> None:
        """Run `d`, then the days of its chain its commits hand on to this worker (`keep_chain`)."""
        task = asyncio.current_task()
        assert task is not None
        nxt: job_store.DetailRow | None = d
        try:
            while nxt is not None:
                d, nxt = nxt, None
                self._days[d.id] = task
                try:
                    _, nxt = await run_day(run, d, self.worker_id, keep_chain=self._keep_chain)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a bug, not a model failure: the day fails (never left running as ours)
                    log.exception("model-day crashed", extra={"job_id": d.job_id, "model": d.model})
                    fail = functools.partial(
                        states.transition_detail,
                        detail_id=d.id,
                        to=states.DetailStatus.FAILED,
                        owner=self.worker_id,
                        error=f"worker error: {exc!r}",
                    )
                    with contextlib.suppress(Exception):
                        await bookkeeping(self.store, fail)
                finally:
                    self._days.pop(d.id, None)
        finally:
            run.days.discard(task)
            if self._wake is not None:
                self._wake.set()

    def _keep_chain(self) -> bool:
        """At a commit: run the chain's next day here too, while this worker runs no more than its fair share."""
        return not self.stopping() and (self._share is None or len(self._days) <= self._share)

    async def _fetch(self, job_id: str) -> None:
        """A job's catch-up price download (only with AUTO_DOWNLOAD_PRICE_DATA and a key), then its days open."""
        try:
            await refresh_prices(
                self.store, self.settings, job_id, should_stop=self.stopping, sleep=self._stopping.wait
            )
            if not self.stopping():
                with self.store.write() as conn:
                    job_store.set_job_fields(conn, job_id, phase=None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("price fetch failed", extra={"job_id": job_id})
            await self._abort(job_id, f"worker error: {type(exc).__name__}: {exc}")
        finally:
            self._fetches.pop(job_id, None)
            if self._wake is not None:
                self._wake.set()

    async def _abort(self, job_id: str, error: str) -> None:
        try:
            await bookkeeping(
                self.store, functools.partial(states.abort_job, job_id=job_id, error=error, fail_running=True)
            )
        except Exception:  # left running without progress: recovery ends or resumes it after the lease
            log.exception("could not end the job", extra={"job_id": job_id})

    async def _watch_jobs(self) -> None:
        """Jobs this worker runs days of that are no longer running (a cancel, from any process): cancel their
        running days; close what they shared once none is left."""
        if not self._runs:
            return
        with self.store.read() as conn:
            ended = [j for j in self._runs if job_store.job_status(conn, j) != J.RUNNING]
        for job_id in ended:
            run = self._runs[job_id]
            if run.days and not run.cancelled:
                log.warning("job ended elsewhere: stopping its running model-days", extra={"job_id": job_id})
                run.cancel()
            if not run.days:
                del self._runs[job_id]
                await run.close()

    def _idle(self) -> bool:
        """Nothing in flight here and nothing left to wait for (drain: no active job; run_job: its job ended)."""
        if self._days or self._fetches:
            return False
        if self._should_stop():
            return True
        with self.store.read() as conn:
            if self._only_job is not None:
                return job_store.job_status(conn, self._only_job) not in (J.PENDING, J.RUNNING)
            return job_store.count_jobs_in(conn, (J.PENDING, J.RUNNING)) == 0

    async def _work(self, *, until_idle: bool) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        waiter = self._waiter = idle.Waiter(self.store)
        failures = 0
        try:
            while not self._stopping.is_set():
                try:
                    await self._tick()
                    failures = 0
                except db.OperationalError as exc:  # database locked past the busy timeout: try again
                    failures += 1
                    if until_idle and failures > (600 if db.is_disconnect(exc) else 20):  # a restart: minutes
                        raise
                    log.warning("worker tick failed (%s); retrying", exc)
                except Exception:  # keep polling: the next tick may succeed (database busy, disk full, …)
                    log.exception("worker tick failed")
                if until_idle and self._idle():
                    return
                self._wake.clear()
                quiet = self._quiet and not (self._days or self._fetches)  # nothing to do here nor anywhere
                await waiter.wait(self._wake, self.settings.worker_poll_seconds, idle=quiet)
            if self._days or self._fetches:  # graceful: no new day; wait for the running ones (or their cancel)
                await asyncio.wait([*self._days.values(), *self._fetches.values()])
        finally:
            waiter.close()
            for run in list(self._runs.values()):
                with contextlib.suppress(Exception):
                    await run.close()
            self._runs.clear()

    # ---- drain -----------------------------------------------------------------------------------------------
    def drain(self) -> None:
        """Process everything queued (and any lost or orphaned work), then return."""
        self._mode = "drain"
        self._register()
        try:
            asyncio.run(self._work(until_idle=True))
        finally:
            self._unregister()

    # ---- background thread -----------------------------------------------------------------------------------
    def start(self) -> None:
        if self.is_running():
            return
        self._stopping.clear()
        self._mode = "background"
        self._thread = threading.Thread(target=self._serve_thread, name="ai-trader-worker", daemon=True)
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stopping.is_set()

    def _serve_thread(self) -> None:
        self._register()
        try:
            asyncio.run(self._work(until_idle=False))
        finally:
            self._unregister()

    def _cancel_tasks(self) -> None:
        for task in [*self._days.values(), *self._fetches.values()]:
            task.cancel()

    def stop(self, grace_s: float | None = None) -> None:
        """Stop claiming; give running model-days `grace_s` (default shutdown_grace_seconds), then cancel them
        (their details return to pending) and wait for the thread."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)
        thread.join(self.settings.shutdown_grace_seconds if grace_s is None else grace_s)
        if thread.is_alive() and self._loop is not None:
            self._loop.call_soon_threadsafe(self._cancel_tasks)
            thread.join(30)
        self._thread = None


async def run_job(
    store: Store,
    settings: Settings,
    job_id: str,
    *,
    should_stop: Callable[[], bool] = lambda: False,
    toolbox_factory: Callable[[ToolContext], Toolbox] | None = None,
) -> str | None:
    """Run one (running) job's model-days in this event loop until it ends, or until `should_stop()` (no new day
    starts; the running ones finish); returns its status then (None when stopped before its end)."""
    worker = Worker(settings, store, toolbox_factory=toolbox_factory)
    worker._only_job, worker._should_stop, worker._mode = job_id, should_stop, "drain"
    worker._register()
    try:
        await worker._work(until_idle=True)
    finally:
        worker._unregister()
    with store.read() as conn:
        status = job_store.job_status(conn, job_id)
    return status if status in {s.value for s in states.JOB_TERMINAL} else None
