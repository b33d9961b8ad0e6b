"""The FastAPI application factory.

`create_app(settings)` builds the app; its lifespan opens the store (unless one is given), builds the job service
and — when `settings.worker_enabled` and `start_worker` — recovers interrupted jobs and starts the in-process worker,
stopping it gracefully (`shutdown_grace_seconds`) on shutdown.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from ..dashboard import router as dashboard_router
from ..jobs.worker import Worker
from ..service.jobs import JobService
from ..settings import Settings
from ..store import Store
from . import docs, errors, schema
from .deps import known_query_parameters
from .middleware import AccessLog, ApiKey, BodyLimit, SecurityHeaders
from .routes import health, models, read, simulate

log = logging.getLogger(__name__)


def create_app(
    settings: Settings, store: Store | None = None, worker: Any = None, start_worker: bool = True
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from ..service.runtime import Runtime

        settings.data_dir.mkdir(parents=True, exist_ok=True)
        own_store = store is None
        st = store if store is not None else Store(settings.store_url)
        rt = Runtime(settings, st, worker)
        rt.jobs = JobService(settings, st, prices=rt.prices)  # the runtime's one price view
        started = False
        if rt.worker is None and settings.worker_enabled and start_worker:
            rt.worker = Worker(settings, st)
        if rt.worker is not None and start_worker and not rt.worker.is_running():
            rt.worker.recover()
            rt.worker.start()
            started = True
        app.state.runtime = rt
        log.info("service ready (worker %s)", "running" if rt.worker_running() else "not in this process")
        try:
            yield
        finally:
            if started:
                rt.worker.stop(settings.shutdown_grace_seconds)
            app.state.runtime = None
            rt.close()
            if own_store:
                st.close()

    app = FastAPI(
        title="AI-Trader",
        version="0.1.0",
        description="LLMs trade the NASDAQ-100 one day at a time: jobs, results and the leaderboard over HTTP.",
        lifespan=lifespan,
        docs_url=None,  # served offline by api/docs.py
        redoc_url=None,
        redirect_slashes=False,  # `/simulate/status` is a 404 in the error shape, not an empty 307
        dependencies=[Depends(known_query_parameters)],  # an unknown query parameter is a 400
    )
    errors.install(app)
    schema.install(app, settings)
    app.include_router(simulate.router)
    app.include_router(read.router)
    app.include_router(models.router)
    app.include_router(health.router)
    app.include_router(docs.router)
    app.include_router(dashboard_router)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(ApiKey, api_key=settings.api_key)
    app.add_middleware(AccessLog)
    build = app.build_middleware_stack
    # outside Starlette's error middleware too, so that even a 500 carries the security headers
    app.build_middleware_stack = lambda: SecurityHeaders(build())  # type: ignore[method-assign]
    return app
