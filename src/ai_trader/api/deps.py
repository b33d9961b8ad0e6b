"""Request dependencies: the service runtime from app state and its job service (the API key is checked by the
`ApiKey` middleware).

All `async def`: they never block, and a sync dependency would cost every request a hop to the thread pool."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from ..errors import FixTheRequest, TryLater
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


_ALLOWED: dict[int, frozenset[str]] = {}


async def known_query_parameters(request: Request) -> None:
    """A query parameter the operation does not take is a 400 naming it (a typo such as `?start=` must not be
    silently ignored), like an unknown field in a body. Only for the documented operations, not the pages."""
    route = request.scope.get("route")
    if route is None or not request.query_params or not getattr(route, "include_in_schema", False):
        return
    allowed = _ALLOWED.get(id(route))
    if allowed is None:
        allowed = _ALLOWED[id(route)] = frozenset(_query_names(route.dependant))
    unknown = [k for k in request.query_params if k not in allowed]
    if unknown:
        raise FixTheRequest(
            f"unknown query parameter {unknown[0][:60]!r}" + (f" (and {len(unknown) - 1} more)" if unknown[1:] else ""),
            {"unknown": [k[:60] for k in unknown[:10]], "allowed": sorted(allowed)},
        )


def _query_names(dependant: Any) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
