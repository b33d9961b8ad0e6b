"""Request dependencies: the service runtime from app state, the optional API key (constant-time compare).

All `async def`: they never block, and a sync dependency would cost every request a hop to the thread pool."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from ..errors import TryLater, Unauthorized
from ..service.runtime import Runtime

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="required when API_KEY is set")


async def runtime(request: Request) -> Runtime:
    rt = getattr(request.app.state, "runtime", None)
    if rt is None:
        raise TryLater("the service is starting or stopping")
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


async def require_api_key(rt: RuntimeDep, key: Annotated[str | None, Security(api_key_header)]) -> None:
    expected = rt.settings.api_key
    if not expected:
        return
    if key is None or not hmac.compare_digest(key.encode("utf-8", "surrogateescape"), expected.encode("utf-8")):
        raise Unauthorized("missing or invalid X-API-Key header")


async def job_service(rt: RuntimeDep) -> Any:
    svc = getattr(rt, "jobs", None)
    if svc is None:
        raise TryLater("the job service is not available in this build")
    return svc


JobServiceDep = Annotated[Any, Depends(job_service)]  # service.jobs.JobService
