"""Service-level helpers: a trigger's outcome as the API answers it (status code, wire body)."""

from __future__ import annotations

from typing import Any

from ai_trader.service.schemas import Queued


def trigger(service, request) -> tuple[int, dict[str, Any]]:
    """`service.trigger(request)` as `POST /simulate/trigger` answers it: 202 for a queued job, else 200."""
    out = service.trigger(request)
    return (202 if isinstance(out, Queued) else 200), out.wire()
