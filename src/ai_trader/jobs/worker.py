"""The worker: takes jobs from the database (never from in-memory hand-offs) and runs them.

- `claim` moves the oldest pending jobs to running (guarded), while fewer than `max_concurrent_jobs` run, and
  records this worker as their owner; the owner refreshes a heartbeat (`recovery.HEARTBEAT_SECONDS`).
- `start()` runs a thread with its own asyncio loop that polls every `worker_poll_seconds`: it recovers orphaned
  jobs (`recovery.is_orphaned`, a read unless there is one) and claims pending ones; `stop(grace_s)` stops
  claiming, lets running model-days finish within the grace period, then cancels them (their details go back to
  pending) and releases the unfinished jobs for the next start.
- `drain()` recovers, processes everything queued and returns (the `run` command, `worker --drain`, tests).
- At its start and then at most every `export_repair.RETRY_SECONDS`, a worker writes again the AI-Trader export
  files that could not be written after a commit (`jobs/export_repair.py`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable

from ..agents.base import Toolbox
from ..settings import Settings
from ..store import Store, db
from ..store import jobs as job_store
from ..store import workers as worker_store
from ..timeutil import utcnow_iso
from ..tools.context import ToolContext
from . import export_repair, recovery, states
from .chains import bookkeeping, run_job
from .refresh import refresh_prices

log = logging.getLogger(__name__)
FORGET_WORKERS_AFTER = dt.timedelta(days=7)  # rows of workers silent longer than this are pruned at a worker's start


def default_toolbox_factory(settings: Settings) -> Callable[[ToolContext], Toolbox] | None:
    """In-process tools (None: the executor's default) or the MCP tool servers, per `tool_transport`."""
    if settings.tool_transport != "mcp":
        return None
    from ..agents.mcp_toolbox import McpToolbox

    urls = settings.mcp_urls()
    return lambda ctx: McpToolbox(urls, ctx.token)


class Worker:
    def __init__(
        self, settings: Settings, store: Store, *, toolbox_factory: Callable[[ToolContext], Toolbox] | None = None
    ):
        self.settings = settings
        self.store = store
        self.worker_id = recovery.new_worker_id()
        self._toolbox_factory = toolbox_factory if toolbox_factory is not None else default_toolbox_factory(settings)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: dict[str, asyncio.Task] = {}
        self._adopted: list[str] = []
        self._last_heartbeat = 0.0
        self._last_repair = -float("inf")
        self._mode = "background"

    # ---- database-side steps ---------------------------------------------------------------------------------
    def recover(self) -> list[str]:
        """Resume (or, with resume_interrupted_jobs=False, end) running jobs whose worker is gone (the one rule of
        `recovery.is_orphaned`). A read first: the write transaction only when there is an orphan."""
        with self.store.read() as conn:
            if not recovery.orphans(conn, self.worker_id):
                return []
        with self.store.write() as conn:
            adopted = recovery.recover(conn, self.worker_id, resume=self.settings.resume_interrupted_jobs)
        self._adopted += [j for j in adopted if j not in self._adopted]
        return adopted

    def claim(self) -> list[str]:
        """Pending → running for the oldest pending jobs while fewer than max_concurrent_jobs run."""
        if self._stopping.is_set() and self._thread is not None:
            return []
        with self.store.write() as conn:
            free = self.settings.max_concurrent_jobs - job_store.count_jobs_in(conn, (states.JobStatus.RUNNING,))
            claimed = []
            for job in job_store.jobs_in(conn, (states.JobStatus.PENDING,))[: max(free, 0)]:
                at = utcnow_iso()
                states.transition_job(
                    conn, job.job_id, states.JobStatus.RUNNING, at=at, note=f"claimed by worker {self.worker_id}"
                )
                job_store.set_owner(conn, job.job_id, self.worker_id, at)
                claimed.append(job.job_id)
        return claimed

    def _heartbeat(self, force: bool = False) -> None:
        """The worker's own row (`workers`, what /health reads) and the heartbeat of every job it owns."""
        now = time.monotonic()
        if force or now - self._last_heartbeat >= recovery.HEARTBEAT_SECONDS:
            at = utcnow_iso()
            with self.store.write() as conn:
                worker_store.beat(
                    conn, self.worker_id, host=socket.gethostname(), pid=os.getpid(), mode=self._mode, at=at
                )
                job_store.heartbeat(conn, self.worker_id, at)
            self._last_heartbeat = now

    def _register(self) -> None:
        """First heartbeat (the worker is visible to /health at once); forget long-gone workers."""
        try:
            with self.store.write() as conn:
                old = dt.datetime.now(dt.UTC) - FORGET_WORKERS_AFTER
                worker_store.prune(conn, before=old.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
            self._heartbeat(force=True)
        except db.DatabaseError:  # a busy database: the next tick's heartbeat registers it
            log.exception("could not register the worker")

    def _unregister(self) -> None:
        try:
            with self.store.write() as conn:
                worker_store.stopped(conn, self.worker_id, utcnow_iso())
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

    # ---- running jobs ----------------------------------------------------------------------------------------
    def _spawn_ready(self) -> None:
        ready, self._adopted = self._adopted + self.claim(), []
        for job_id in ready:
            if job_id not in self._tasks:
                self._tasks[job_id] = asyncio.create_task(self._run(job_id), name=f"job-{job_id}")

    async def _run(self, job_id: str) -> None:
        try:  # catch-up price download first (only with AUTO_DOWNLOAD_PRICE_DATA and a key): jobs/refresh.py
            await refresh_prices(
                self.store, self.settings, job_id, should_stop=self._stopping.is_set, sleep=self._stopping.wait
            )
            await run_job(
                self.store,
                self.settings,
                job_id,
                should_stop=self._stopping.is_set,
                toolbox_factory=self._toolbox_factory,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the job could not even start (e.g. unreadable snapshot): end it, never hang
            log.exception("job could not run", extra={"job_id": job_id})
            try:
                await self._abort(job_id, f"worker error: {type(exc).__name__}: {exc}")
            except Exception:  # left running without progress: recovery ends or resumes it after the lease
                log.exception("could not end the job", extra={"job_id": job_id})
        finally:
            self._tasks.pop(job_id, None)
            await self._release(job_id)

    async def _abort(self, job_id: str, error: str) -> None:
        await bookkeeping(self.store, functools.partial(states.abort_job, job_id=job_id, error=error))

    async def _release(self, job_id: str) -> None:
        """An unfinished job (stopped) is left without owner so that the next start resumes it at once."""

        def release(conn) -> None:
            job = job_store.job(conn, job_id)
            if job is not None and job.status == states.JobStatus.RUNNING and job.worker_id == self.worker_id:
                job_store.release_owner(conn, job_id)
                states.note_job(conn, job_id, f"released by worker {self.worker_id} (stopped)")

        try:
            await bookkeeping(self.store, release)
        except Exception:  # the job keeps its owner; recovery takes it over once the lease expires
            log.exception("could not release job", extra={"job_id": job_id})

    # ---- drain -----------------------------------------------------------------------------------------------
    def drain(self) -> None:
        """Process everything queued (and any orphaned running job), then return."""
        self._mode = "drain"
        self._register()
        try:
            asyncio.run(self._drain())
        finally:
            self._unregister()

    async def _drain(self) -> None:
        self.recover()
        try:
            await self._repair_exports()
        except db.DatabaseError:  # the next commit of a signature or the next worker repairs them
            log.exception("could not check the export backlog")
        beat = asyncio.create_task(self._beat_forever())
        failures = 0
        try:
            while True:
                try:
                    self._spawn_ready()
                    failures = 0
                except db.OperationalError as exc:  # database locked past the busy timeout: try again
                    failures += 1
                    if failures > 20:
                        raise
                    if not self._tasks:
                        log.warning("could not claim jobs (%s); retrying", exc)
                        await asyncio.sleep(1.0)
                        continue
                if not self._tasks:
                    return
                await asyncio.wait(list(self._tasks.values()), return_when=asyncio.FIRST_COMPLETED)
        finally:
            beat.cancel()

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(recovery.HEARTBEAT_SECONDS)
            try:
                self._heartbeat(force=True)
            except Exception:  # a busy database must not kill the heartbeat
                log.exception("heartbeat failed")

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
            asyncio.run(self._serve())
        finally:
            self._unregister()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        while not self._stopping.is_set():
            try:
                self.recover()  # every tick: a job left by a dead worker (or released by a trigger) goes on at once
                self._spawn_ready()
                self._heartbeat()
                await self._repair_exports()
            except Exception:  # keep polling: the next tick may succeed (database busy, disk full, …)
                log.exception("worker tick failed")
            await asyncio.sleep(self.settings.worker_poll_seconds)
        if self._tasks:  # graceful: chains start no new model-day; wait for the running ones (or cancel)
            await asyncio.wait(list(self._tasks.values()))

    def _cancel_tasks(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()

    def stop(self, grace_s: float | None = None) -> None:
        """Stop claiming; give running model-days `grace_s` (default shutdown_grace_seconds), then cancel them
        (their details return to pending) and wait for the thread."""
        thread = self._thread
        if thread is None:
            return
        self._stopping.set()
        thread.join(self.settings.shutdown_grace_seconds if grace_s is None else grace_s)
        if thread.is_alive() and self._loop is not None:
            self._loop.call_soon_threadsafe(self._cancel_tasks)
            thread.join(30)
        self._thread = None
