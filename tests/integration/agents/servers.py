"""A chat-completions server on 127.0.0.1 for agent tests (under `tests.support.servers.ThreadServer`) whose
answers are a per-test script (OpenAI's response shape; status codes and delays on demand)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.servers import ThreadServer


def tool_call(name: str, arguments: Any, call_id: str | None = None) -> dict[str, Any]:
    """A tool call as an endpoint sends it; `arguments` given as a dict is JSON-encoded, a str is sent as is."""
    args = arguments if isinstance(arguments, str) or arguments is None else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}


def reply(
    content: str | None = None,
    calls: list[dict[str, Any]] | None = None,
    *,
    prompt_tokens: int = 100,
    completion_tokens: int = 10,
) -> dict[str, Any]:
    """One chat.completion body."""
    calls = [
        dict(c, id=c["id"] or f"call_{i}_{abs(hash(json.dumps(c, sort_keys=True))) % 10**6}")
        for i, c in enumerate(calls or [])
    ]
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1,
        "model": "test-model",
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def status(code: int, message: str = "boom", headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An error answer; `headers` e.g. {"Retry-After": "2"}."""
    return {"__status__": code, "message": message, "headers": headers or {}}


def slow(seconds: float, then: dict[str, Any]) -> dict[str, Any]:
    return {"__sleep__": seconds, "then": then}


class ScriptedChat:
    """POST /v1/chat/completions answers from `script`: a list consumed one item per request (the last one
    repeats), or a callable(request_body, n) -> item. Items: a `reply(...)` body, `status(code)`, `slow(s, item)`.
    Every request body is kept in `requests` (its bytes in `raw`, its headers in `headers`, the client's address in
    `peers`, the monotonic time it arrived in `times`)."""

    def __init__(self, script: list[dict[str, Any]] | Callable[[dict[str, Any], int], dict[str, Any]]):
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        self.times: list[float] = []
        self.headers: list[dict[str, str]] = []
        self.peers: list[tuple[str, int]] = []
        self.in_flight = self.max_in_flight = 0
        self.app = Starlette(routes=[Route("/v1/chat/completions", self._chat, methods=["POST"])])
        self._server = ThreadServer(self.app)

    @property
    def base_url(self) -> str:
        return f"{self._server.base}/v1"

    def reset(self, script: list[dict[str, Any]] | Callable[[dict[str, Any], int], dict[str, Any]]) -> ScriptedChat:
        """Reuse the running server with a new script (and forget earlier requests)."""
        self.script = script
        self.requests.clear()
        self.raw.clear()
        self.times.clear()
        self.headers.clear()
        self.peers.clear()
        self.max_in_flight = 0
        return self

    def _next(self, body: dict[str, Any]) -> dict[str, Any]:
        n = len(self.requests) - 1
        if callable(self.script):
            return self.script(body, n)
        return self.script[min(n, len(self.script) - 1)]

    async def _chat(self, request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw)
        self.raw.append(raw)
        self.times.append(time.monotonic())
        self.requests.append(body)
        self.headers.append(dict(request.headers))
        self.peers.append((request.client.host, request.client.port))
        item = self._next(body)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            while "__sleep__" in item:
                await asyncio.sleep(item["__sleep__"])
                item = item["then"]
        finally:
            self.in_flight -= 1
        if "__raw__" in item:
            return Response(item["__raw__"], media_type="application/json")
        if "__status__" in item:
            return JSONResponse(
                {"error": {"message": item["message"], "type": "server_error"}},
                status_code=item["__status__"],
                headers=item.get("headers") or None,
            )
        return JSONResponse(item)

    def __enter__(self) -> ScriptedChat:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)
