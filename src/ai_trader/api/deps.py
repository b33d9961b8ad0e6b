"""Request dependencies: the service runtime from app state and its job service (the API key is checked by the
`ApiKey` middleware).

All `async def`: they never block, and a sync dependency would cost every request a hop to the thread pool."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ..errors import TryLater
from ..service.runtime import Runtime


async def runtime(request: Request) -> Runtime:
    rt = getattr(request.app.state, "runtime", None)
    if rt is None:
        raise TryLater("the service is starting or stopping")
    return rt


RuntimeDep = Annotated[Runtime, Depends(runtime)]


async def job_service(rt: RuntimeDep) -> Any:
    svc = getattr(rt, "jobs", None)
    if svc is None:
        raise TryLater("the job service is not available in this build")
    return svc


JobServiceDep = Annotated[Any, Depends(job_service)]  # service.jobs.JobService
