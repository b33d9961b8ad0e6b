"""The LLM agent: one model-day as a tool-calling conversation with an OpenAI-compatible endpoint.

Session: system prompt (date, starting positions, previous closes, today's opens, finish instruction), the user
message `Please analyze and update today's (YYYY-MM-DD) positions.`, then up to `max_steps` chat-completions calls.
Each reply's tool calls run in order through the toolbox and come back as tool messages. The session ends when a
reply contains `<FINISH_SIGNAL>` (its tool calls, if any, still run) or after `max_steps` calls. A reply with text
only and no finish signal gets a short user nudge so the conversation can go on. Transient endpoint errors are
retried (agents/retry.py); after that, or on a non-transient error, `LlmCallFailed` fails the model-day. A
conversation too long for the model's context (HTTP 400 context_length_exceeded) has its older tool results
trimmed and is sent once more, else the session ends cleanly (agents/overflow.py).

The model entry's settings (agents/options.py) add request fields and headers, choose the prompt format and how
replies are read (agents/replies.py: reasoning, tool calls written as text); every request waits for the endpoint's
rate limiter (agents/ratelimit.py) when limits are set. With no settings the requests are exactly as before.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self

import httpx2
import openai
from openai import AsyncOpenAI, DefaultAsyncHttpxClient

from ..logs import model_day_logger
from ..redact import redact, redact_obj
from .base import DayBrief, SessionResult, Toolbox, expose_partial
from .costs import session_cost
from .http import shared_ssl_context
from .options import ModelOptions
from .overflow import ENDED_OVERFLOW, is_context_overflow, overflow_reason, trim_tool_results, truncated_call_error
from .prompts import STOP_SIGNAL, system_prompt, user_prompt
from .ratelimit import WAITING, EndpointLimiter, limiter_for, report_phase
from .replies import history_content, read_reply
from .retry import LlmCallFailed, call_with_retries
from .summary import reasoning_summary
from .toolcalls import assistant_message, tool_message

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
    request_timeout_setting: str = "LLM_REQUEST_TIMEOUT_SECONDS"  # what to change when requests time out


def endpoint_for(model: ModelConfig, settings: Settings, request_timeout_s: float | None = None) -> LlmEndpoint:
    """Per-signature basemodel/openai_base_url/openai_api_key, falling back to OPENAI_API_BASE/OPENAI_API_KEY;
    the entry's request_timeout_s, falling back to LLM_REQUEST_TIMEOUT_SECONDS."""
    own = request_timeout_s or model.request_timeout_s
    return LlmEndpoint(
        basemodel=model.basemodel or model.signature,
        base_url=model.openai_base_url or settings.openai_api_base,
        api_key=model.openai_api_key or settings.openai_api_key,
        request_timeout_s=own or settings.llm_request_timeout_seconds,
        request_timeout_setting=(
            f"request_timeout_s in the entry of {model.signature!r}" if own else "LLM_REQUEST_TIMEOUT_SECONDS"
        ),
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
        options: ModelOptions | None = None,
        max_retry_after_s: float = 300.0,
    ):
        self.endpoint = endpoint
        self.limits = agent if isinstance(agent, LoopLimits) else LoopLimits.of(agent)
        self.price_table = dict(price_table or {})
        self.provider = provider
        self.options = options or ModelOptions()
        self.max_retry_after_s = max_retry_after_s
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
        self.options = agent.options
        self.limiter: EndpointLimiter | None = limiter_for(
            agent.endpoint.base_url, agent.endpoint.api_key, self.options.limits
        )
        self.messages: list[dict[str, Any]] = [
            {"role": "system", "content": system_prompt(brief, self.options.prompt_format)},
            {"role": "user", "content": user_prompt(brief.date)},
        ]
        self.result = SessionResult(provider=agent.provider, basemodel=agent.endpoint.basemodel)
        self.result.messages = self.messages  # the live list: a failed day keeps the conversation so far
        expose_partial(self.result)
        self.usage: Counter[str] = Counter()
        self.reported_cost, self.reported_cost_steps = 0.0, 0  # `usage.cost` of the replies that report one
        self.texts: list[str] = []

    async def _complete(self, step: int) -> dict[str, Any]:
        """One chat-completions call through the SDK's low-level `post` (the same request `chat.completions.create`
        sends — URL, auth header, timeout, status-error classes — minus its TypedDict transform, which walks the
        whole conversation and tool list on every call and was ~55% of a model-day's CPU; our payload is already
        plain JSON). The body is returned as parsed JSON, unvalidated, as before."""
        body = {"model": self.agent.endpoint.basemodel, "messages": self.messages, "tools": self.specs}
        body.update(self.options.request_fields(step))
        options: Any = {"security": {"bearer_auth": True}}  # as create() sends
        if self.options.extra_headers:
            options["headers"] = dict(self.options.extra_headers)
        if self.limiter is None:
            response = await self.client.post("/chat/completions", cast_to=httpx2.Response, options=options, body=body)
        else:
            async with self.limiter.slot(self._token_estimate(body)):
                response = await self.client.post(
                    "/chat/completions", cast_to=httpx2.Response, options=options, body=body
                )
        data = json.loads(response.text)
        if not isinstance(data, dict) or not data.get("choices"):
            raise ValueError(f"response has no choices: {redact(response.text)[:200]!r}")  # redacted before the cut
        return data

    def _token_estimate(self, body: dict[str, Any]) -> int:
        if self.options.limits.tokens_per_minute is None:
            return 0
        return math.ceil(len(json.dumps(body)) / 4) + int(body.get("max_tokens") or 0)

    async def _wait_before_retry(self, delay: float, exc: BaseException) -> None:
        """A 429 pauses the whole endpoint (the other chains wait too) and shows on the model-day's status."""
        if getattr(exc, "status_code", None) != 429:
            await asyncio.sleep(delay)
            return
        if self.limiter is not None:
            self.limiter.pause(delay)
        report_phase(WAITING, delay)
        try:
            await asyncio.sleep(delay)
        finally:
            report_phase(None)

    async def _call(self, step: int) -> tuple[dict[str, Any], int]:
        ep = self.agent.endpoint
        try:
            return await call_with_retries(
                lambda: self._complete(step),
                max_retries=self.agent.limits.max_retries,
                base_delay=self.agent.limits.base_delay,
                what=f"LLM call {step} to {ep.basemodel}",
                logger=self.log,
                max_retry_after=self.agent.max_retry_after_s,
                sleep=self._wait_before_retry,
            )
        except LlmCallFailed as exc:
            if isinstance(exc.__cause__, openai.APITimeoutError):
                raise LlmCallFailed(
                    f"{exc} (each request may take {ep.request_timeout_s:g} s: raise {ep.request_timeout_setting};"
                    " a timed-out request is not retried, the endpoint may still be working on it)",
                    attempts=exc.attempts,
                    transient=exc.transient,
                ) from exc.__cause__
            raise

    async def _call_fitting(self, step: int) -> tuple[dict[str, Any], int] | str:
        """`_call`, trimming older tool results and trying once more when the context overflows; the reason the
        session must end (a str) when it still does."""
        try:
            return await self._call(step)
        except LlmCallFailed as exc:
            if not is_context_overflow(exc.__cause__):
                raise
            trimmed = trim_tool_results(self.messages)
            self.log.warning("context overflow at step %d: trimmed %d older tool result(s)", step, trimmed)
            if not trimmed:
                return overflow_reason(exc.__cause__)  # type: ignore[arg-type]
        try:
            return await self._call(step)
        except LlmCallFailed as exc:
            if is_context_overflow(exc.__cause__):
                return overflow_reason(exc.__cause__)  # type: ignore[arg-type]
            raise

    async def run(self) -> SessionResult:
        limits, res, opts = self.agent.limits, self.result, self.options
        sent = 0
        for step in range(1, limits.max_steps + 1):
            request: dict[str, Any] = {
                "messages": len(self.messages),
                "new_message_ids": list(range(sent, len(self.messages))),
            }
            if settings := opts.record(step):
                request["settings"] = settings
            sent = len(self.messages)
            started = time.perf_counter()
            answer = await self._call_fitting(step)
            if isinstance(answer, str):  # the context window is full even after trimming: end the day cleanly
                self.texts.append(answer)
                res.steps.append({"step": step, "request": request, "ended": ENDED_OVERFLOW, "error": answer})
                break
            data, attempts = answer
            latency = time.perf_counter() - started
            message = (data["choices"][0] or {}).get("message") or {}
            reply = read_reply(message, step, opts.tool_call_format)
            calls = reply.calls
            usage = data.get("usage") or {}
            prompt_t, completion_t = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
            res.prompt_tokens += prompt_t
            if isinstance(usage.get("cost"), int | float) and not isinstance(usage.get("cost"), bool):
                self.reported_cost += float(usage["cost"])
                self.reported_cost_steps += 1
            res.completion_tokens += completion_t
            res.total_steps = step
            if summary_text := reply.summary_text():
                self.texts.append(summary_text)
            content, extra = history_content(reply, opts.send_reasoning_back)
            self.messages.append({**assistant_message(content, calls), **extra})
            response: dict[str, Any] = {
                "content": reply.content,
                "finish_reason": (data["choices"][0] or {}).get("finish_reason"),
                "tool_calls": [_call_record(c, reply.formats.get(c.id)) for c in calls],
            }
            if reply.reasoning:
                response["reasoning"] = reply.reasoning
            tool_results: list[dict[str, Any]] = []
            record: dict[str, Any] = {
                "step": step,
                "request": request,
                "latency_s": round(latency, 4),
                "attempts": attempts,
                "usage": {"prompt_tokens": prompt_t, "completion_tokens": completion_t},
                "response": response,
                "tool_results": tool_results,
            }
            for call in calls:
                self.usage[call.name or "(missing name)"] += 1
                if call.error:
                    output = {"error": truncated_call_error(call.error, response["finish_reason"])}
                else:
                    output = await self.tools.call(call.name, call.arguments or {})
                output = redact_obj(output)  # a tool's error may quote a key (news API): never sent on or kept
                self.messages.append(tool_message(call, output))
                tool_results.append({"id": call.id, "name": call.name, "arguments": call.arguments, "result": output})
            res.steps.append(record)
            if STOP_SIGNAL in reply.answer:
                res.stop_signal_received = True
                break
            if not calls:
                self.messages.append({"role": "user", "content": NUDGE})
        return self._finish()

    def _finish(self) -> SessionResult:
        res = self.result
        res.tool_usage = dict(sorted(self.usage.items()))
        res.reasoning_summary = reasoning_summary(self.texts)
        res.cost_usd, res.cost_source = session_cost(
            self.agent.price_table,
            res.basemodel,
            res.prompt_tokens,
            res.completion_tokens,
            reported=self.reported_cost if self.reported_cost_steps == res.total_steps > 0 else None,
            provider=self.agent.provider,
        )
        res.messages = self.messages
        self.log.info(
            "session ended: %d steps, finish=%s, tools=%s", res.total_steps, res.stop_signal_received, res.tool_usage
        )
        return res


def _call_record(call: Any, text_format: str | None) -> dict[str, Any]:
    out = {"id": call.id, "name": call.name, "arguments": call.raw_arguments}
    if text_format:
        out.update(parsed_from_text=True, format=text_format)
    return out
