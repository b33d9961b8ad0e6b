"""Pure ASGI middleware: request body size limit (413; a malformed Content-Length is a 400), a JSON access log line
per request, the API key check and the security headers."""

from __future__ import annotations

import hmac
import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("ai_trader.access")
MALFORMED_LENGTH = {
    "error": "invalid_request",
    "message": "malformed Content-Length header: give the body's size in bytes as a decimal number",
}


async def _send_413(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "error": "payload_too_large",
            "message": f"request body exceeds {limit} bytes",
            "details": {"max_body_bytes": limit},
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse bodies larger than `limit` bytes: at once from Content-Length, else while streaming (chunked)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                if not value.isdigit():  # uvicorn refuses these itself (api/server.py answers that 400 in JSON)
                    return await send_json(send, 400, MALFORMED_LENGTH, [(b"connection", b"close")])
                if int(value) > self.limit:
                    return await _send_413(send, self.limit)
        seen = 0
        exceeded = False
        replied = False

        async def limited_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    exceeded = True
                    raise _TooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal replied
            if exceeded:
                if not replied:  # replace whatever the app answers with the 413
                    replied = True
                    await _send_413(send, self.limit)
                return
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if not replied:
                replied = True
                await _send_413(send, self.limit)
        except Exception:
            if not exceeded:
                raise
            if not replied:
                await _send_413(send, self.limit)


class _TooLarge(Exception):
    pass


class AccessLog:
    """One JSON log line per request: method, path, status, duration_ms, client."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not access_log.isEnabledFor(logging.INFO):
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            client = scope.get("client")
            access_log.info(
                "%s %s %s",
                scope["method"],
                scope["path"],
                status,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - t0) * 1000, 2),
                    "client": client[0] if client else None,
                },
            )


# ---- API key and security headers ------------------------------------------------------------------------------

PUBLIC_PATHS = frozenset({"/health", "/", "/dashboard"})  # the dashboard page asks for the key itself
PUBLIC_PREFIXES = ("/dashboard/static/",)  # the page's own scripts and styles: no data
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        b"font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'none'; "
        b"form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
]


async def send_json(send: Send, status: int, body: dict, extra_headers: list | None = None) -> None:
    """A complete JSON answer (the error shape) straight from middleware."""
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra_headers or [])})
    await send({"type": "http.response.body", "body": data})


class ApiKey:
    """With an API key configured, every request but `/health` and the dashboard page (with its static files) needs
    the header `X-API-Key` (constant-time comparison): 401 `unauthorized` otherwise — the OpenAPI document and
    the docs pages included, and unknown paths too (no route enumeration without the key)."""

    def __init__(self, app: ASGIApp, api_key: str | None):
        self.app = app
        self.expected = api_key.encode("utf-8") if api_key else None

    def _public(self, path: str) -> bool:
        return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.expected is None or self._public(scope["path"]):
            return await self.app(scope, receive, send)
        given = next((v for k, v in scope.get("headers", ()) if k == b"x-api-key"), b"")
        if hmac.compare_digest(given, self.expected):
            return await self.app(scope, receive, send)
        await send_json(send, 401, {"error": "unauthorized", "message": "missing or invalid X-API-Key header"})


class SecurityHeaders:
    """Content-Security-Policy (scripts from this origin only, no framing), nosniff, X-Frame-Options DENY and
    Referrer-Policy on every answer, errors included."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", ())}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
