"""Routes of the dashboard: the page, its vendored static assets, and price data the REST API does not expose.

The page and assets carry no data, so they are served without the API key (the page asks for the key when an
API call answers 401). The data routes check `X-API-Key` themselves when the app's settings have an `api_key` (the
service's `ApiKey` middleware does too; the check here is for apps without it). They are in the OpenAPI document
(tag `dashboard`); the page and its assets are not.
"""

from __future__ import annotations

import hmac
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from ..api.models import ErrorBody
from ..service.schemas import Schema
from . import prices


class SeriesPoint(Schema):
    date: str
    value: float


class BenchmarkLine(Schema):
    symbol: str
    start_date: str
    end_date: str
    series: list[SeriesPoint]


class Closes(Schema):
    date: str
    closes: dict[str, float]


STATIC_DIR = Path(__file__).resolve().parent / "static"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_TYPES = {
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html",
    ".txt": "text/plain",
    ".svg": "image/svg+xml",
}

router = APIRouter()
# the page and its assets (include_in_schema=False) are HTML/JS/CSS for browsers, not API operations
DATA_RESPONSES: dict[int | str, dict[str, Any]] = {400: {"model": ErrorBody}, 401: {"model": ErrorBody}}


def _error(status: int, code: str, message: str, **details) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status)


def _page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    return _page()


@router.get("/dashboard", include_in_schema=False)
def dashboard() -> FileResponse:
    return _page()


@router.get("/dashboard/static/{name}", include_in_schema=False)
def static_file(name: str) -> Response:
    """Files of the static folder only (no sub-paths, no dot-files)."""
    path = STATIC_DIR / name
    if not _NAME.match(name) or not path.is_file():
        return _error(404, "not_found", f"No dashboard asset named {name!r}")
    media = _TYPES.get(path.suffix, "application/octet-stream")
    return FileResponse(path, media_type=media, headers={"Cache-Control": "no-cache"})


def _unauthorized(request: Request) -> JSONResponse | None:
    settings = getattr(request.app.state, "settings", None)
    expected = getattr(settings, "api_key", None)
    if not expected:
        return None
    given = request.headers.get("x-api-key", "")
    if hmac.compare_digest(given.encode(), expected.encode()):
        return None
    return _error(401, "unauthorized", "Missing or invalid X-API-Key header")


@router.get(
    "/dashboard/data/benchmark", tags=["dashboard"], responses={200: {"model": BenchmarkLine}, **DATA_RESPONSES}
)
def benchmark(
    request: Request,
    start_date: str = Query(..., description="YYYY-MM-DD", max_length=64),
    end_date: str = Query(..., description="YYYY-MM-DD, not before start_date", max_length=64),
    initial: float = Query(10000.0, gt=0, le=1e12, allow_inf_nan=False, description="the amount invested"),
) -> JSONResponse:
    """The benchmark (QQQ) held from the close before `start_date`, valued at each trading day's close."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    try:
        body = prices.benchmark_line(prices.view(request.app), start_date, end_date, initial)
    except ValueError as e:
        return _error(400, "invalid_date", str(e))
    return JSONResponse(body)


@router.get("/dashboard/data/closes", tags=["dashboard"], responses={200: {"model": Closes}, **DATA_RESPONSES})
def closes(
    request: Request,
    date: str = Query(..., description="YYYY-MM-DD", max_length=64),
    symbols: str = Query("", description="comma-separated tickers (at most 500 are looked up)", max_length=8192),
) -> JSONResponse:
    """Last close on or before `date` of each symbol (comma-separated), for holding weights."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    try:
        body = prices.closes_on(prices.view(request.app), date, [s for s in symbols.split(",") if s])
    except ValueError as e:
        return _error(400, "invalid_date", str(e))
    return JSONResponse(body)
