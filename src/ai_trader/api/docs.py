"""/docs (Swagger UI) and /redoc, served from this package without any CDN: the Swagger UI and ReDoc bundles come
from the `fastapi-offline` package, the pages and the Swagger start-up script from `api/static/` (no inline
script, so the Content-Security-Policy can allow scripts from this origin only). Like every endpoint but /health,
they need `X-API-Key` when API_KEY is set. Not part of the OpenAPI document: they are its viewers, not the API.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, JSONResponse, Response

OWN = Path(__file__).resolve().parent / "static"
VENDOR_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js")
OWN_FILES = ("swagger-init.js",)
TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}

router = APIRouter(include_in_schema=False)


def _vendor_dir() -> Path:
    return Path(str(resources.files("fastapi_offline") / "static"))


def _file(path: Path) -> FileResponse:
    return FileResponse(path, media_type=TYPES.get(path.suffix, "application/octet-stream"))


@router.get("/docs")
def swagger() -> FileResponse:
    return _file(OWN / "docs.html")


@router.get("/redoc")
def redoc() -> FileResponse:
    return _file(OWN / "redoc.html")


@router.get("/docs/static/{name}")
def asset(name: str) -> Response:
    if name in OWN_FILES:
        return _file(OWN / name)
    if name in VENDOR_FILES:
        return _file(_vendor_dir() / name)
    return JSONResponse({"error": "not_found", "message": f"No docs asset named {name[:100]!r}"}, status_code=404)
