"""Rate limits per LLM endpoint, and the "waiting" phase a model-day shows in job status.

An endpoint is its base URL + API key. Its limits (`RateLimits`: a cap on concurrent requests, requests per minute,
estimated tokens per minute) come from the model entries (`max_concurrent_requests`, `requests_per_minute`,
`tokens_per_minute`) or the settings `LLM_MAX_CONCURRENT_REQUESTS`, `LLM_REQUESTS_PER_MINUTE`,
`LLM_TOKENS_PER_MINUTE`. Every chain and job of one worker that calls the same endpoint with the same limits shares
one `EndpointLimiter` (one per event loop: asyncio primitives belong to their loop). The per-minute limits are
aiolimiter leaky buckets: a burst of up to the per-minute number, then paced evenly. Tokens are estimated before a
request as ceil(request JSON characters / 4) + max_tokens (the actual count is known only after the reply).

A 429 with `Retry-After` (agents/retry.py) pauses the whole endpoint for that long, so the other chains wait too
instead of adding to the storm. While a model-day waits (for a free slot, for the bucket, or for a Retry-After), it
reports the phase `waiting_for_rate_limit` through `phase_reporter` (set by the executor; shown on the running
model-day in job status), and clears it when the wait ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from dataclasses import dataclass

from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)
WAITING = "waiting_for_rate_limit"
PhaseReporter = Callable[[str | None, float | None], None]  # (phase or None to clear, expected wait in s or None)
phase_reporter: ContextVar[PhaseReporter | None] = ContextVar("phase_reporter", default=None)


def report_phase(phase: str | None, wait_s: float | None = None) -> None:
    """Tell whoever runs this model-day (the executor) what it is doing; never fails the session."""
    reporter = phase_reporter.get()
    if reporter is None:
        return
    try:
        reporter(phase, wait_s)
    except Exception as exc:  # status is best effort: a locked database must not fail the model-day
        log.warning("could not record the model-day phase %r: %s", phase, exc)


@dataclass(frozen=True)
class RateLimits:
    max_concurrent: int | None = None
    requests_per_minute: float | None = None
    tokens_per_minute: int | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.max_concurrent, self.requests_per_minute, self.tokens_per_minute))


class EndpointLimiter:
    """`period_s` is the limits' period: 60 (per minute) except in tests that cannot wait a minute."""

    def __init__(self, limits: RateLimits, period_s: float = 60.0):
        self.limits = limits
        self._slots = asyncio.Semaphore(limits.max_concurrent) if limits.max_concurrent else None
        self._requests = AsyncLimiter(limits.requests_per_minute, period_s) if limits.requests_per_minute else None
        self._tokens = AsyncLimiter(limits.tokens_per_minute, period_s) if limits.tokens_per_minute else None
        self._paused_until = 0.0  # time.monotonic() before which no request starts (a Retry-After)

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, time.monotonic() + seconds)

    def _must_wait(self, tokens: int) -> bool:
        return (
            time.monotonic() < self._paused_until
            or (self._slots is not None and self._slots.locked())
            or (self._requests is not None and not self._requests.has_capacity())
            or (self._tokens is not None and not self._tokens.has_capacity(self._clamp(tokens)))
        )

    def _clamp(self, tokens: int) -> float:
        return min(float(tokens), float(self.limits.tokens_per_minute or tokens))

    async def _sleep_out_pause(self) -> None:
        while (left := self._paused_until - time.monotonic()) > 0:
            await asyncio.sleep(left)

    @contextlib.asynccontextmanager
    async def slot(self, tokens: int = 0) -> AsyncIterator[None]:
        """Hold one request slot: waits for a pause, the concurrency cap and both buckets, reporting the phase."""
        waiting = self._must_wait(tokens)
        if waiting:
            report_phase(WAITING, max(0.0, self._paused_until - time.monotonic()) or None)
        held = False
        try:
            await self._sleep_out_pause()
            if self._slots is not None:
                await self._slots.acquire()
                held = True
            if self._requests is not None:
                await self._requests.acquire()
            if self._tokens is not None:
                await self._tokens.acquire(self._clamp(tokens))
            await self._sleep_out_pause()  # another session may have hit a Retry-After meanwhile
        except BaseException:
            if held and self._slots is not None:
                self._slots.release()
            raise
        finally:
            if waiting:
                report_phase(None)
        try:
            yield
        finally:
            if held and self._slots is not None:
                self._slots.release()


_registry: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple, EndpointLimiter]] = (
    weakref.WeakKeyDictionary()
)


def limiter_for(base_url: str | None, api_key: str | None, limits: RateLimits) -> EndpointLimiter | None:
    """The running loop's shared limiter of an endpoint (None when no limit is set)."""
    if not limits:
        return None
    key_id = hashlib.sha256((api_key or "").encode()).hexdigest()[:16]
    limiters = _registry.setdefault(asyncio.get_running_loop(), {})
    return limiters.setdefault((base_url or "", key_id, limits), EndpointLimiter(limits))
