"""The one place that turns failures into `{"error", "message", "details"}` responses.

- `AppError` → its status and code (409 conflict also carries `current_job_id`/`current_date_range` at top level);
- request validation (malformed JSON, wrong types, unknown fields, bad query values) → 400 `invalid_request`
  listing every problem with its location — `invalid_date` when one of them is a date field (`date`,
  `start_date`, `end_date`: `{"start_date": 5}`);
- unknown route → 404 `not_found`; wrong method → 405 `method_not_allowed`;
- anything unexpected → 500 `internal_error` without exception text (logged with the stack);
- the OpenAPI document lists those 400s instead of FastAPI's default 422.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import AppError
from ..redact import redact_obj

log = logging.getLogger(__name__)
DATE_FIELDS = ("date", "start_date", "end_date")

_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    body: dict[str, Any] = {"error": code, "message": message}
    if details:
        body["details"] = details
    if code == "conflict" and details:
        body.setdefault("current_job_id", details.get("current_job_id"))
        body.setdefault("current_date_range", details.get("current_date_range"))
    # no configured secret, and text UTF-8 can encode, whatever the message quotes
    return JSONResponse(_valid_unicode(redact_obj(body)), status_code=status, headers=headers)


def _valid_unicode(value: Any) -> Any:
    """Strings that UTF-8 can encode: a lone surrogate quoted from the request (`"\\ud800"` in JSON) becomes U+FFFD, so
    echoing a bad input never turns a 400 into a 500."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, dict):
        return {_valid_unicode(k): _valid_unicode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_valid_unicode(v) for v in value]
    return value


def _location(loc: tuple | list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _problem(err: dict[str, Any]) -> dict[str, str]:
    kind = err.get("type", "")
    loc = _location(err.get("loc", ()))
    if kind == "json_invalid":
        reason = str(err.get("ctx", {}).get("error", "cannot parse"))
        return {"location": "body", "problem": f"malformed JSON: {reason}"}
    if kind == "extra_forbidden":
        return {"location": loc, "problem": "unknown field"}
    if kind == "model_attributes_type":
        return {"location": "body", "problem": "the body must be a JSON object"}
    return {"location": loc, "problem": str(err.get("msg", "invalid value"))}


async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = [_problem(e) for e in exc.errors()]
    ctype = request.headers.get("content-type", "")
    if request.method == "POST" and "json" not in ctype.lower() and any(p["location"] == "body" for p in problems):
        # FastAPI parses a body as JSON only with a JSON Content-Type (CSRF protection); `curl -d` sends a form type
        problems = [
            {
                "location": "body",
                "problem": "send the body as JSON with the header "
                f"'Content-Type: application/json' (got {ctype or 'no Content-Type'!r})",
            }
        ]
    summary = "; ".join(f"{p['location']}: {p['problem']}" for p in problems[:6])
    # a bad date field (wrong type, too long) is `invalid_date` like every other bad date (spec/api.md)
    code = "invalid_date" if any(_is_date_field(e.get("loc", ())) for e in exc.errors()) else "invalid_request"
    return error_response(400, code, f"invalid request: {summary}", {"problems": problems})


def _is_date_field(loc: tuple | list) -> bool:
    return len(loc) >= 2 and loc[0] in ("body", "query") and loc[1] in DATE_FIELDS


async def _app_error(request: Request, exc: AppError) -> JSONResponse:
    if exc.status >= 500:
        log.error("request failed: %s %s: %s", request.method, request.url.path, exc.message)
    return error_response(exc.status, exc.code, exc.message, exc.details)


async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    if exc.status_code == 404:
        message = f"Not found: {request.method} {request.url.path}"
    elif exc.status_code == 405:
        message = f"Method {request.method} not allowed on {request.url.path}"
    else:
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code >= 500:
        code, message = "internal_error", "Internal server error"
    return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "Internal server error")


def _openapi_without_422(app: FastAPI) -> None:
    """FastAPI documents a 422 `HTTPValidationError` on every validated operation; this API answers 400
    `invalid_request` in the error shape instead, so the published schema says that."""
    build = app.openapi
    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()  # cached by FastAPI in app.openapi_schema; edited in place once
            for ops in schema.get("paths", {}).values():
                for op in ops.values():
                    responses = op.get("responses", {})
                    if responses.pop("422", None) is not None:
                        responses.setdefault("400", {"description": "Invalid request", "content": error_ref})
            schemas = schema.get("components", {}).get("schemas", {})
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            return schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    _openapi_without_422(app)
    # FastAPI's decorator form: Starlette's add_exception_handler types every handler as taking `Exception`
    app.exception_handler(AppError)(_app_error)
    app.exception_handler(RequestValidationError)(_validation)
    app.exception_handler(StarletteHTTPException)(_http)
    app.exception_handler(Exception)(_unexpected)
