"""The LLM agent: one model-day as a tool-calling conversation with an OpenAI-compatible endpoint.

Session: system prompt (date, starting positions, previous closes, today's opens, finish instruction), the user
message `Please analyze and update today's (YYYY-MM-DD) positions.`, then up to `max_steps` chat-completions calls.
Each reply's tool calls run in order through the toolbox and come back as tool messages. The session ends when a
reply contains `<FINISH_SIGNAL>` (its tool calls, if any, still run) or after `max_steps` calls. A reply with text
only and no finish signal gets a short user nudge so the conversation can go on. Transient endpoint errors are
retried (agents/retry.py); after that, or on a non-transient error, `LlmCallFailed` fails the model-day.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

import httpx2
from openai import AsyncOpenAI, DefaultAsyncHttpxClient

from ..logs import model_day_logger
from ..redact import redact, redact_obj
from .base import DayBrief, SessionResult, Toolbox
from .costs import estimate_cost
from .http import shared_ssl_context
from .prompts import STOP_SIGNAL, system_prompt, user_prompt
from .retry import LlmCallFailed, call_with_retries
from .summary import reasoning_summary
from .toolcalls import assistant_message, parse_tool_calls, tool_message

if TYPE_CHECKING:
    from ..config import AgentConfig, ModelConfig
    from ..settings import Settings

NUDGE = f"Continue: use the tools to act. When you are done, output {STOP_SIGNAL}"
DEFAULT_REQUEST_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class LlmEndpoint:
    """Where a signature's model lives. `http_client_factory` (optional) builds the HTTP client the SDK uses —
    the scripted model uses it to talk to an in-process ASGI app."""

    basemodel: str
    base_url: str | None
    api_key: str | None = field(default=None, repr=False)
    http_client_factory: Callable[[], httpx2.AsyncClient] | None = None
    request_timeout_s: float = DEFAULT_REQUEST_TIMEOUT_S


def endpoint_for(model: ModelConfig, settings: Settings, request_timeout_s: float | None = None) -> LlmEndpoint:
    """Per-signature basemodel/openai_base_url/openai_api_key, falling back to OPENAI_API_BASE/OPENAI_API_KEY."""
    timeout = request_timeout_s or float((model.model_extra or {}).get("request_timeout_s", DEFAULT_REQUEST_TIMEOUT_S))
    return LlmEndpoint(
        basemodel=model.basemodel or model.signature,
        base_url=model.openai_base_url or settings.openai_api_base,
        api_key=model.openai_api_key or settings.openai_api_key,
        request_timeout_s=timeout,
    )


@dataclass(frozen=True)
class LoopLimits:
    max_steps: int = 30
    max_retries: int = 3
    base_delay: float = 1.0

    @classmethod
    def of(cls, agent: AgentConfig) -> LoopLimits:
        return cls(agent.max_steps, agent.max_retries, agent.base_delay)


class LlmAgent:
    """A competitor played by an OpenAI-compatible chat-completions model (see module docstring)."""

    def __init__(
        self,
        endpoint: LlmEndpoint,
        agent: AgentConfig | LoopLimits,
        price_table: Mapping[str, Sequence[float]] | None = None,
        provider: str = "openai",
    ):
        self.endpoint = endpoint
        self.limits = agent if isinstance(agent, LoopLimits) else LoopLimits.of(agent)
        self.price_table = dict(price_table or {})
        self.provider = provider
        self._shared: AsyncOpenAI | None = None

    async def __aenter__(self) -> Self:
        """Within `async with agent:` every model-day reuses one client (and its keep-alive connection) instead of
        building and closing one per day; the chain of a job opens this scope around its days."""
        if self._shared is None:
            self._shared = self._client()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        client, self._shared = self._shared, None
        if client is not None:
            await client.close()

    def _client(self) -> AsyncOpenAI:
        ep = self.endpoint
        if not ep.api_key:
            raise LlmCallFailed(
                f"no API key for model {ep.basemodel!r}: set openai_api_key in its config entry or OPENAI_API_KEY",
                attempts=0,
                transient=False,
            )
        http_client = (
            ep.http_client_factory() if ep.http_client_factory else DefaultAsyncHttpxClient(verify=shared_ssl_context())
        )
        return AsyncOpenAI(
            api_key=ep.api_key,
            base_url=ep.base_url,
            max_retries=0,
            timeout=ep.request_timeout_s,
            http_client=http_client,
        )

    async def run_day(self, brief: DayBrief, tools: Toolbox) -> SessionResult:
        if self._shared is not None:
            return await _Session(self, self._shared, brief, tools).run()
        client = self._client()
        try:
            return await _Session(self, client, brief, tools).run()
        finally:
            await client.close()


class _Session:
    def __init__(self, agent: LlmAgent, client: AsyncOpenAI, brief: DayBrief, tools: Toolbox):
        self.agent, self.client, self.brief, self.tools = agent, client, brief, tools
        self.log = model_day_logger(__name__, brief.job_id, brief.signature, brief.date)
        self.specs = tools.specs()
        self.messages: list[dict[str, Any]] = [
            {"role": "system", "content": system_prompt(brief)},
            {"role": "user", "content": user_prompt(brief.date)},
        ]
        self.result = SessionResult(provider=agent.provider, basemodel=agent.endpoint.basemodel)
        self.usage: Counter[str] = Counter()
        self.texts: list[str] = []

    async def _complete(self) -> dict[str, Any]:
        """One chat-completions call through the SDK's low-level `post` (the same request `chat.completions.create`
        sends — URL, auth header, timeout, status-error classes — minus its TypedDict transform, which walks the
        whole conversation and tool list on every call and was ~55% of a model-day's CPU; our payload is already
        plain JSON). The body is returned as parsed JSON, unvalidated, as before."""
        response = await self.client.post(
            "/chat/completions",
            cast_to=httpx2.Response,
            options={"security": {"bearer_auth": True}},  # as create() sends
            body={"model": self.agent.endpoint.basemodel, "messages": self.messages, "tools": self.specs},
        )
        data = json.loads(response.text)
        if not isinstance(data, dict) or not data.get("choices"):
            raise ValueError(f"response has no choices: {redact(response.text)[:200]!r}")  # redacted before the cut
        return data

    async def run(self) -> SessionResult:
        limits, res = self.agent.limits, self.result
        sent = 0
        for step in range(1, limits.max_steps + 1):
            request = {"messages": len(self.messages), "new_message_ids": list(range(sent, len(self.messages)))}
            sent = len(self.messages)
            started = time.perf_counter()
            data, attempts = await call_with_retries(
                self._complete,
                max_retries=limits.max_retries,
                base_delay=limits.base_delay,
                what=f"LLM call {step} to {self.agent.endpoint.basemodel}",
                logger=self.log,
            )
            latency = time.perf_counter() - started
            message = (data["choices"][0] or {}).get("message") or {}
            content = message.get("content") if isinstance(message.get("content"), str) else ""
            calls = parse_tool_calls(message.get("tool_calls"), step)
            usage = data.get("usage") or {}
            prompt_t, completion_t = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
            res.prompt_tokens += prompt_t
            res.completion_tokens += completion_t
            res.total_steps = step
            if content:
                self.texts.append(content)
            self.messages.append(assistant_message(content, calls))
            record = {
                "step": step,
                "request": request,
                "latency_s": round(latency, 4),
                "attempts": attempts,
                "usage": {"prompt_tokens": prompt_t, "completion_tokens": completion_t},
                "response": {
                    "content": content,
                    "finish_reason": (data["choices"][0] or {}).get("finish_reason"),
                    "tool_calls": [{"id": c.id, "name": c.name, "arguments": c.raw_arguments} for c in calls],
                },
                "tool_results": [],
            }
            for call in calls:
                self.usage[call.name or "(missing name)"] += 1
                output = {"error": call.error} if call.error else await self.tools.call(call.name, call.arguments or {})
                output = redact_obj(output)  # a tool's error may quote a key (news API): never sent on or kept
                self.messages.append(tool_message(call, output))
                record["tool_results"].append(
                    {"id": call.id, "name": call.name, "arguments": call.arguments, "result": output}
                )
            res.steps.append(record)
            if STOP_SIGNAL in content:
                res.stop_signal_received = True
                break
            if not calls:
                self.messages.append({"role": "user", "content": NUDGE})
        return self._finish()

    def _finish(self) -> SessionResult:
        res = self.result
        res.tool_usage = dict(sorted(self.usage.items()))
        res.reasoning_summary = reasoning_summary(self.texts)
        res.cost_usd = estimate_cost(self.agent.price_table, res.basemodel, res.prompt_tokens, res.completion_tokens)
        res.messages = self.messages
        self.log.info(
            "session ended: %d steps, finish=%s, tools=%s", res.total_steps, res.stop_signal_received, res.tool_usage
        )
        return res
