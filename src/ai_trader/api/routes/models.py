"""POST /models/check: `ai-trader check-model` over HTTP (service/model_check.py), API-key protected."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict

from ...config_paths import resolve_config_path
from ...service.model_check import check_config
from ..deps import RuntimeDep
from ..models import ErrorBody

router = APIRouter(prefix="/models", tags=["models"])  # the API key: the ApiKey middleware, as every route


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    config_path: str | None = None  # inside CONFIGS_DIR, as for /simulate/trigger (default: default_config.json)
    models: list[str] | None = None  # signatures (default: the enabled entries)


@router.post(
    "/check",
    responses={
        400: {"model": ErrorBody},
        401: {"model": ErrorBody},
        404: {"model": ErrorBody},
        413: {"model": ErrorBody},
    },
)
async def check(rt: RuntimeDep, body: Annotated[CheckRequest | None, Body()] = None) -> dict[str, Any]:
    """One short tool-calling request per OpenAI-compatible entry of the config; `ok` false when one is broken."""
    req = body or CheckRequest()
    path = resolve_config_path(rt.settings.configs_dir, req.config_path)
    return await check_config(rt.settings, rt.store, path, req.models)
