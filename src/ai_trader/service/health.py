"""Health: database, data directory, worker and (when enabled) the four MCP tool servers.

Healthy = database answers `SELECT 1`, the data directory is writable, the worker runs, and every enabled MCP
service answers an HTTP request at all (any status) within `health_check_timeout_seconds`. The MCP checks run
concurrently, each bounded by that timeout, so the whole check stays well under a second even when a service hangs.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from typing import Any

import httpx

from ..settings import Settings
from ..store import Store
from ..timeutil import utcnow_iso

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
        return {"status": "connected", "path": str(settings.db_path)}
    except Exception as exc:  # any driver failure means "not connected"
        log.warning("health: database check failed: %s", exc)
        return {"status": "error", "path": str(settings.db_path), "error": type(exc).__name__}


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


async def check_health(settings: Settings, store: Store, worker_running: bool) -> tuple[int, dict[str, Any]]:
    """(200 | 503, body as in api.md)."""
    services = await check_services(settings)
    database = await asyncio.to_thread(check_database, settings, store)
    storage = await asyncio.to_thread(check_storage, settings)
    healthy = (
        database["status"] == "connected"
        and storage["writable"]
        and worker_running
        and all(s["status"] != "down" for s in services.values())
    )
    body = {
        "status": "healthy" if healthy else "unhealthy",
        "timestamp": utcnow_iso(),
        "services": services,
        "storage": storage,
        "database": database,
        "worker": {"status": "running" if worker_running else "stopped"},
    }
    return (200 if healthy else 503), body


def health(settings: Settings, store: Store, worker: Any) -> tuple[int, dict[str, Any]]:
    """Synchronous entry (CLI): same answer as `GET /health`."""
    running = bool(worker is not None and worker.is_running())
    return asyncio.run(check_health(settings, store, running))
