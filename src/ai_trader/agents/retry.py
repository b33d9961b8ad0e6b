"""Retrying LLM calls: transient failures (connection refused, 408/409/429, 5xx, a garbled body) are retried
`max_retries` times with exponential backoff; anything else fails at once.

A request that timed out is NOT retried: a non-streaming request keeps running on the server after the client gives
up (a local server notices nothing), so a retry would queue behind the abandoned one and each retry would take
longer (seen: 349 s, 229 s, 108 s for one prompt). The call fails at once, naming the timeout to raise.

Delay before retry k (k = 0, 1, ...) is `base_delay * 2**k` seconds, capped at `max_delay`. A 429 or 503 that
says how long to wait (`Retry-After`: seconds or an HTTP date; OpenAI's `retry-after-ms`) waits exactly that long
instead; a wait longer than `max_retry_after` (LLM_MAX_RETRY_AFTER_SECONDS) fails the call at once, since the
endpoint is out of quota rather than busy. The SDK's own retries are turned off so this is the only retry policy
(run by tenacity: the stop, wait and retry rules above are its callbacks).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

import openai
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt

from ..redact import redact

log = logging.getLogger(__name__)
T = TypeVar("T")
TRANSIENT_STATUS = frozenset({408, 409, 429})
RETRY_AFTER_STATUS = frozenset({429, 503})


class LlmCallFailed(Exception):
    """The LLM endpoint could not answer (after retries for transient errors); the model-day fails."""

    def __init__(self, message: str, *, attempts: int, transient: bool):
        super().__init__(message)
        self.attempts = attempts
        self.transient = transient


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APITimeoutError):  # the endpoint may still be working on it: never retried
        return False
    if isinstance(exc, openai.APIConnectionError):  # connection refused or reset
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in TRANSIENT_STATUS or exc.status_code >= 500
    return isinstance(exc, (openai.APIResponseValidationError, ValueError))  # 200 with an unreadable body


def retry_after(exc: BaseException, now: dt.datetime | None = None) -> float | None:
    """Seconds the endpoint asked us to wait (Retry-After / retry-after-ms of a 429 or 503), else None."""
    if getattr(exc, "status_code", None) not in RETRY_AFTER_STATUS:
        return None
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        ms = headers.get("retry-after-ms")
        if ms is not None:
            return max(0.0, float(ms) / 1000)
    except ValueError:
        pass
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())


def describe(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    text = redact(str(exc).strip()) or type(exc).__name__  # before cutting: a cut key would not be found
    if len(text) > 300:
        text = text[:300] + "…"
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "") + f": {text}"


async def call_with_retries(
    fn: Callable[[], Awaitable[T]],
    *,
    max_retries: int,
    base_delay: float,
    what: str = "LLM call",
    max_delay: float = 60.0,
    on_retry: Callable[[int, BaseException], None] | None = None,
    logger: logging.Logger | logging.LoggerAdapter | None = None,
    max_retry_after: float = 300.0,
    sleep: Callable[[float, BaseException], Awaitable[None]] | None = None,
) -> tuple[T, int]:
    """Run `fn`, retrying transient errors (tenacity); returns (result, attempts). Raises LlmCallFailed.
    `logger` (e.g. a model-day logger carrying job_id/model/date) receives the retry warnings; `sleep(delay, exc)`
    (default asyncio.sleep) waits before a retry — the LLM session uses it to pause the endpoint and show the
    wait."""
    last: list[BaseException] = []  # the error the coming sleep is for (tenacity's sleep gets only the delay)

    def error(state: RetryCallState) -> BaseException:
        assert state.outcome is not None and state.outcome.failed  # tenacity asks only after a failed attempt
        exc = state.outcome.exception()
        assert exc is not None
        return exc

    def retryable(state: RetryCallState) -> bool:
        if state.outcome is None or not state.outcome.failed:
            return False
        exc = error(state)
        asked = retry_after(exc)
        return is_transient(exc) and (asked is None or asked <= max_retry_after)

    def wait(state: RetryCallState) -> float:
        asked = retry_after(error(state))
        return asked if asked is not None else min(max_delay, base_delay * 2 ** (state.attempt_number - 1))

    def before_sleep(state: RetryCallState) -> None:
        exc = error(state)
        delay = state.next_action.sleep if state.next_action is not None else 0.0
        (logger or log).warning(
            "%s failed (attempt %d/%d), retrying in %.2fs: %s",
            what,
            state.attempt_number,
            max_retries + 1,
            delay,
            describe(exc),
        )
        if on_retry is not None:
            on_retry(state.attempt_number, exc)
        last[:] = [exc]

    async def pause(delay: float) -> None:
        await (sleep(delay, last[0]) if sleep is not None else asyncio.sleep(delay))

    attempts = 0
    try:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(max_retries + 1),
            wait=wait,
            retry=retryable,
            before_sleep=before_sleep,
            sleep=pause,
            reraise=True,
        ):
            with attempt:
                attempts = attempt.retry_state.attempt_number
                result = await fn()
    except Exception as exc:  # CancelledError (a BaseException) goes through untouched
        raise _failed(exc, what, attempts, max_retry_after) from exc
    return result, attempts


def _failed(exc: BaseException, what: str, attempts: int, max_retry_after: float) -> LlmCallFailed:
    asked = retry_after(exc)
    if is_transient(exc) and asked is not None and asked > max_retry_after:
        return LlmCallFailed(
            f"{what} failed: the endpoint asks to wait {asked:g} s before retrying, more than "
            f"LLM_MAX_RETRY_AFTER_SECONDS ({max_retry_after:g} s): {describe(exc)}",
            attempts=attempts,
            transient=True,
        )
    transient = is_transient(exc)
    suffix = f" after {attempts} attempts" if transient else ""
    return LlmCallFailed(f"{what} failed{suffix}: {describe(exc)}", attempts=attempts, transient=transient)
