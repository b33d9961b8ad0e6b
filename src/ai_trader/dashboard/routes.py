"""Routes of the dashboard: the page, its vendored static assets, and price data the REST API does not expose.

The page and assets carry no data, so they are served without the API key (the page asks for the key when an
API call answers 401). The data routes are endpoints like every other: thin adapters over `service/dashboard.py`
on the runtime's price view, behind the `ApiKey` middleware and the API's error handler (so an app including this
router needs `api.app`'s conventions: `app.state.runtime`, `errors.install`). They are in the OpenAPI document
(tag `dashboard`); the page and its assets are not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, JSONResponse, Response

from ..api.deps import RuntimeDep
from ..api.models import ErrorBody
from ..service.dashboard import benchmark_line, closes_on
from ..service.schemas import BenchmarkLine, Closes

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


@router.get("/dashboard/data/benchmark", tags=["dashboard"], response_model=BenchmarkLine, responses=DATA_RESPONSES)
def benchmark(
    rt: RuntimeDep,
    start_date: str = Query(..., description="YYYY-MM-DD", max_length=64),
    end_date: str = Query(..., description="YYYY-MM-DD, not before start_date", max_length=64),
    initial: float = Query(10000.0, gt=0, le=1e12, allow_inf_nan=False, description="the amount invested"),
) -> JSONResponse:
    """The benchmark (QQQ) held from the close before `start_date`, valued at each trading day's close."""
    return JSONResponse(benchmark_line(rt.prices(), start_date, end_date, initial).wire())


@router.get("/dashboard/data/closes", tags=["dashboard"], response_model=Closes, responses=DATA_RESPONSES)
def closes(
    rt: RuntimeDep,
    date: str = Query(..., description="YYYY-MM-DD", max_length=64),
    symbols: str = Query("", description="comma-separated tickers (at most 500 are looked up)", max_length=8192),
) -> JSONResponse:
    """Last close on or before `date` of each symbol (comma-separated), for holding weights."""
    return JSONResponse(closes_on(rt.prices(), date, [s for s in symbols.split(",") if s]).wire())
