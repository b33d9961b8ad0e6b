"""/health: no API key; 200 healthy / 503 unhealthy."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...service.health import check_health
from ..deps import RuntimeDep
from ..models import HealthBody

router = APIRouter(tags=["health"])


@router.get("/health", responses={200: {"model": HealthBody}, 503: {"model": HealthBody}})
async def health(rt: RuntimeDep) -> JSONResponse:
    """Database, data directory, worker and MCP services; answers within a second even if a service hangs."""
    status, body = await check_health(rt.settings, rt.store, rt.worker_running())
    return JSONResponse(body, status_code=status)
