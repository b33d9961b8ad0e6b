"""/health: no API key; 200 healthy / 503 unhealthy."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ...service.health import check_health
from ...service.schemas import Health
from ..deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
async def health(rt: RuntimeDep) -> JSONResponse:
    """Database, data directory, worker and MCP services; answers within a second even if a service hangs."""
    body = await check_health(rt.settings, rt.store, rt.worker_running())
    return JSONResponse(body.wire(), status_code=200 if body.status == "healthy" else 503)
