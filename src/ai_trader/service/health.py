"""Health: database, data directory, workers and (when enabled) the four MCP tool servers.

Healthy = database answers `SELECT 1`, the data directory is writable, a worker is alive whenever there is work
(a pending or running job), and every enabled MCP service answers an HTTP request at all (any status) within
`health_check_timeout_seconds`. Workers report through the database (the `workers` table, a heartbeat row per
worker, alive by `jobs.recovery.live_workers`), so a worker in another process (`WORKER_ENABLED=false ai-trader
serve` plus `ai-trader worker`) counts like the in-process one; with no work queued, no worker is needed. The MCP
checks run concurrently, each bounded by that timeout, so the whole check stays well under a second even when a
service hangs.

`exports` says whether the AI-Trader export files follow the database: "behind" (unhealthy) while a signature's
files could not be written after a commit and are not written again yet (`jobs/export_repair.py` repairs them).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from typing import Any

import httpx

from ..jobs import export_repair, recovery
from ..settings import Settings
from ..store import Store
from ..store import jobs as job_store
from ..store import leases as lease_store
from ..timeutil import utcnow_iso
from .schemas import Exports, Health, ServiceHealth

log = logging.getLogger(__name__)

SERVICE_NAMES = {"math": "mcp_math", "search": "mcp_search", "trade": "mcp_trade", "price": "mcp_getprice"}


async def _probe(client: httpx.AsyncClient, url: str, timeout: float) -> dict[str, Any]:
    try:
        async with asyncio.timeout(timeout + 0.05):
            # headers are an answer: an MCP endpoint may hold a GET open as an event stream, so never read the body
            async with client.stream("GET", url, timeout=timeout):
                pass
        return {"status": "up", "url": url}
    except (TimeoutError, httpx.TimeoutException):
        return {"status": "down", "url": url, "error": f"no answer within {timeout:g} s"}
    except httpx.HTTPError as exc:
        return {"status": "down", "url": url, "error": type(exc).__name__ + (f": {exc}" if str(exc) else "")}


async def probe_urls(urls: dict[str, str], timeout: float) -> dict[str, dict[str, Any]]:
    """The readiness probe (health and the supervisor's start-up wait): name → {"status": "up"|"down", "url", ...},
    every URL probed concurrently, each bounded by `timeout`."""
    async with httpx.AsyncClient(trust_env=False) as client:
        found = await asyncio.gather(*(_probe(client, u, timeout) for u in urls.values()))
    return dict(zip(urls, found, strict=True))


async def check_services(settings: Settings) -> dict[str, dict[str, Any]]:
    urls = {SERVICE_NAMES[k]: u for k, u in settings.mcp_urls().items()}
    if not settings.mcp_enabled:
        return {name: {"status": "disabled", "url": u} for name, u in urls.items()}
    return await probe_urls(urls, settings.health_check_timeout_seconds)


def check_database(settings: Settings, store: Store) -> dict[str, Any]:
    try:
        store.conn().execute("SELECT 1").fetchone()
        return {"status": "connected", "path": store.location}
    except Exception as exc:  # any driver failure means "not connected"
        log.warning("health: database check failed: %s", exc)
        return {"status": "error", "path": store.location, "error": type(exc).__name__}


def check_storage(settings: Settings) -> dict[str, Any]:
    d = settings.data_dir
    writable = False
    try:
        with tempfile.NamedTemporaryFile(dir=d, prefix=".health-", delete=True) as f:
            f.write(b"ok")
            f.flush()
        writable = True
    except OSError as exc:
        log.warning("health: data directory %s not writable: %s", d, exc)
    try:
        free_mb = round(shutil.disk_usage(d).free / 1_048_576, 1)
    except OSError:
        free_mb = None
    return {"data_directory": str(d), "writable": writable, "free_space_mb": free_mb}


def check_workers(store: Store, in_process: bool) -> dict[str, Any]:
    """{status: running|stopped, in_process, live: [...], queued_jobs, ok}: ok unless work waits for no worker."""
    try:
        with store.read() as conn:
            live = recovery.live_workers(conn)
            queued = job_store.count_jobs_in(conn, job_store.ACTIVE)
            held = lease_store.holders_count(conn)
    except Exception as exc:  # the database check reports the failure; here: no worker known
        log.warning("health: workers check failed: %s", exc)
        live, queued, held = [], 0, {}
    running = in_process or bool(live)
    silent = {w.worker_id: recovery.heartbeat_silence_of(w.heartbeat_at) for w in live}
    return {
        "status": "running" if running else "stopped",
        "in_process": in_process,
        "live": [
            {
                "worker_id": w.worker_id,
                "mode": w.mode,
                "heartbeat_silent_seconds": silent[w.worker_id],
                "leases": held.get(w.worker_id, 0),
            }
            for w in live
        ],
        "queued_jobs": queued,
        "ok": running or queued == 0,
    }


def check_exports(store: Store) -> dict[str, Any]:
    """{status: current|behind, behind: [{signature, owed_since, failed_at, error}]}."""
    try:
        owed = export_repair.due(store)
    except Exception as exc:  # the database check reports the failure
        log.warning("health: exports check failed: %s", exc)
        owed = []
    behind = [
        {"signature": o.signature, "owed_since": o.owed_since, "failed_at": o.failed_at, "error": o.error} for o in owed
    ]
    return {"status": "behind" if behind else "current", "behind": behind}


async def check_health(settings: Settings, store: Store, worker_running: bool) -> Health:
    """The body as in api.md (`GET /health` answers 503 when it is unhealthy)."""
    services = await check_services(settings)
    database = await asyncio.to_thread(check_database, settings, store)
    storage = await asyncio.to_thread(check_storage, settings)
    workers = await asyncio.to_thread(check_workers, store, worker_running)
    exports = await asyncio.to_thread(check_exports, store)
    workers_ok = workers.pop("ok")
    healthy = (
        database["status"] == "connected"
        and storage["writable"]
        and workers_ok
        and exports["status"] == "current"
        and all(s["status"] != "down" for s in services.values())
    )
    return Health(
        status="healthy" if healthy else "unhealthy",
        timestamp=utcnow_iso(),
        services={name: ServiceHealth(**found) for name, found in services.items()},
        storage=storage,
        database=database,
        worker=workers,
        exports=Exports(**exports),
    )
