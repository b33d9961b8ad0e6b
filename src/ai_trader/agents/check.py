"""`ai-trader check-model` / `POST /models/check`: one short tool-calling request per OpenAI-compatible model entry,
with the entry's request settings, to find a broken integration in seconds instead of after a day of trading.

Each report: `reachable` (an HTTP answer came back), `auth_ok` (not 401/403), `tool_calls` — `native` (the reply's
`tool_calls`), `text` (written in the content; `text_format` names the `tool_call_format` parser that reads it) or
`none` —, `finish_signal` (the reply contains the finish signal), `latency_s`, `prompt_tokens`/`completion_tokens`,
`ok` and, when not ok, `problem` (what to change). A tool call written as text is ok only when the entry's
`tool_call_format` (`content` or `auto`) reads it.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import httpx2
import openai

from .llm import LlmAgent, LoopLimits, endpoint_for
from .options import ModelOptions
from .prompts import STOP_SIGNAL
from .replies import read_reply
from .retry import LlmCallFailed

if TYPE_CHECKING:
    from ..config import ModelConfig
    from ..settings import Settings

CHECK_TOOL = {
    "type": "function",
    "function": {
        "name": "get_price_local",
        "description": "Price of a symbol on a date.",
        "parameters": {
            "type": "object",
            "properties": {"symbol": {"type": "string"}, "date": {"type": "string"}},
            "required": ["symbol", "date"],
        },
    },
}
CHECK_PROMPT = (
    "This is a connectivity check. Call the tool get_price_local with symbol AAPL and date 2025-06-03, and in the same"
    f" reply write {STOP_SIGNAL}."
)


async def check_model(model: ModelConfig, settings: Settings) -> dict[str, Any]:
    """The report of one entry (see the module docstring); never raises for an endpoint problem."""
    report: dict[str, Any] = {"model": model.signature, "basemodel": model.basemodel, "ok": False}
    options = ModelOptions.of(model, settings)
    agent = LlmAgent(endpoint_for(model, settings), LoopLimits(max_steps=1, max_retries=0), options=options)
    body: dict[str, Any] = {
        "model": agent.endpoint.basemodel,
        "messages": [{"role": "user", "content": CHECK_PROMPT}],
        "tools": [CHECK_TOOL],
    }
    body.update(options.request_fields(1))
    request_options: Any = {"security": {"bearer_auth": True}}
    if options.extra_headers:
        request_options["headers"] = dict(options.extra_headers)
    started = time.perf_counter()
    try:
        client = agent._client()
    except LlmCallFailed as exc:
        return {**report, "reachable": None, "auth_ok": False, "problem": str(exc)}
    try:
        response = await client.post("/chat/completions", cast_to=httpx2.Response, options=request_options, body=body)
    except openai.APIStatusError as exc:
        auth = exc.status_code not in (401, 403)
        text = f"HTTP {exc.status_code}: {str(exc)[:300]}"
        return {**report, "reachable": True, "auth_ok": auth, "latency_s": _since(started), "problem": text}
    except openai.APIConnectionError as exc:
        return {**report, "reachable": False, "auth_ok": None, "problem": f"{type(exc).__name__}: {exc}"}
    finally:
        await client.close()
    report.update(reachable=True, auth_ok=True, latency_s=_since(started))
    try:
        data = json.loads(response.text)
        choice = data["choices"][0]
        message = choice.get("message") or {}
    except (ValueError, KeyError, IndexError, TypeError):
        return {**report, "problem": f"the answer is not a chat completion: {response.text[:200]!r}"}
    usage = data.get("usage") or {}
    native = read_reply(message, 1, "native")
    as_text = read_reply(message, 1, "content")
    text_format = next(iter(as_text.formats.values()), None)
    kind = "native" if native.calls else ("text" if text_format else "none")
    report.update(
        tool_calls=kind,
        text_format=text_format,
        finish_reason=choice.get("finish_reason"),
        finish_signal=STOP_SIGNAL in (as_text.answer or ""),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
    )
    if kind == "none":
        report["problem"] = "no tool call in the reply: check the server's chat template / tool-calling support"
    elif kind == "text" and options.tool_call_format == "native":
        report["problem"] = f"the tool call is written as text ({text_format}): set tool_call_format to 'auto'"
    else:
        report["ok"] = True
    return report


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 3)
