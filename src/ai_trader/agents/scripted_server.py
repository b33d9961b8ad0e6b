"""The scripted model as an OpenAI-compatible chat-completions server (POST /v1/chat/completions).

It answers with tool calls and usage exactly shaped like OpenAI's, playing one of `agents.scripted.SCRIPTS`. The
script is the request's `model` if it names one (`momentum_lite` or `scripted/momentum_lite`), else the app's
default. `latency_ms` delays every answer (to simulate a slow model in benchmarks). Token counts are estimates
(4 characters per token), deterministic.

Two ways to use it:
- `ai-trader scripted-llm --port N` serves `create_app()` on loopback for any OpenAI client;
- provider "scripted" in a config runs the real LLM session loop against the same app IN-PROCESS: the openai
  client gets an `httpx2.AsyncClient` with an ASGI transport (`in_process_endpoint`), so no port is opened and
  nothing outlives the model-day.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import math
import time
from functools import lru_cache
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .llm import LlmEndpoint
from .scripted import SCRIPTS, next_reply

IN_PROCESS_BASE_URL = "http://scripted-model.invalid/v1"


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None}}, status_code=status)


def _tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


def script_for(model: Any, default: str | None) -> str | None:
    if isinstance(model, str):
        name = model.removeprefix("scripted/")
        if name in SCRIPTS:
            return name
    return default


def completion(script: str, model: str, messages: list[dict[str, Any]], seed: int | None = None) -> dict[str, Any]:
    reply = next_reply(script, messages, seed)
    step = sum(1 for m in messages if m.get("role") == "assistant") + 1
    tool_calls = [
        {"id": f"call_{step}_{i}", "type": "function", "function": {"name": n, "arguments": a}}
        for i, (n, a) in enumerate(reply["calls"])
    ]
    message: dict[str, Any] = {"role": "assistant", "content": reply["content"], "refusal": None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    prompt_text = json.dumps(messages, sort_keys=True)
    digest = hashlib.sha256(prompt_text.encode()).hexdigest()[:24]
    return {
        "id": f"chatcmpl-{digest}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": "tool_calls" if tool_calls else "stop"}
        ],
        "usage": {
            "prompt_tokens": _tokens(prompt_text),
            "completion_tokens": _tokens(reply["content"] + json.dumps(reply["calls"])),
            "total_tokens": 0,
        },
    }


def create_app(default_script: str | None = None, latency_ms: float = 0.0) -> Starlette:
    if default_script is not None and default_script not in SCRIPTS:
        raise ValueError(f"unknown script {default_script!r} (known: {', '.join(sorted(SCRIPTS))})")

    async def chat(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(400, "request body is not valid JSON")
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
            return _error(400, "'messages' must be a non-empty list")
        if body.get("stream"):
            return _error(400, "streaming is not supported by the scripted model")
        script = script_for(body.get("model"), default_script)
        if script is None:
            return _error(
                404,
                f"model {body.get('model')!r} is not a script (known: {', '.join(sorted(SCRIPTS))})",
                "not_found_error",
            )
        if latency_ms:
            await asyncio.sleep(latency_ms / 1000)
        try:
            seed = body.get("seed") if type(body.get("seed")) is int else None
            data = completion(script, str(body.get("model") or script), body["messages"], seed)
        except (ValueError, KeyError, TypeError) as exc:
            return _error(400, f"the scripted model cannot read this conversation: {exc}")
        data["usage"]["total_tokens"] = data["usage"]["prompt_tokens"] + data["usage"]["completion_tokens"]
        return JSONResponse(data)

    async def models(_: Request) -> JSONResponse:
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {"id": name, "object": "model", "created": 0, "owned_by": "ai-trader"} for name in sorted(SCRIPTS)
                ],
            }
        )

    return Starlette(
        routes=[Route("/v1/chat/completions", chat, methods=["POST"]), Route("/v1/models", models, methods=["GET"])]
    )


@lru_cache(maxsize=64)
def _shared_app(script: str, latency_ms: float) -> Starlette:
    return create_app(script, latency_ms)


def in_process_endpoint(
    script: str, *, latency_ms: float = 0.0, basemodel: str | None = None, request_timeout_s: float | None = None
) -> LlmEndpoint:
    """An endpoint whose HTTP client talks to the scripted app in this process (no socket)."""
    app = _shared_app(script, float(latency_ms))

    def client() -> httpx2.AsyncClient:
        return httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=IN_PROCESS_BASE_URL)

    endpoint = LlmEndpoint(
        basemodel=basemodel or f"scripted/{script}",
        base_url=IN_PROCESS_BASE_URL,
        api_key="scripted",
        http_client_factory=client,
    )
    if request_timeout_s:
        endpoint = dataclasses.replace(
            endpoint, request_timeout_s=request_timeout_s, request_timeout_setting="request_timeout_s"
        )
    return endpoint
